#!/usr/bin/env python3
"""Writes fuzz/seeds/judge/: inputs for the `judge` target in the byte layout `arbitrary`
1.x reads (`#[derive(Arbitrary)]` on fuzz_targets/judge.rs). Little-endian integers; a bool
is a byte's low bit; an Option is a bool then the value; an enum is a u32 whose variant is
(v * variants) >> 32; a Vec is, per element, a byte with the low bit set then the element,
ended by a byte with it clear. Keep the variant orders below in step with the target."""

import os
import struct

DAY = 86400
START_2026 = 1767225600  # 2026-01-01T00:00:00Z


def u8(v): return struct.pack("<B", v & 0xFF)
def u16(v): return struct.pack("<H", v & 0xFFFF)
def u64(v): return struct.pack("<Q", v & (2**64 - 1))
def i16(v): return struct.pack("<h", v)
def i32(v): return struct.pack("<i", v)
def i64(v): return struct.pack("<q", v)
def boolean(v): return u8(1 if v else 0)
def option(v, enc): return boolean(False) if v is None else boolean(True) + enc(v)
def vec(items): return b"".join(u8(1) + x for x in items) + u8(0)


def variant(i, count):
    return struct.pack("<I", (i * 2**32 + count - 1) // count)


# enum Line { Claim(u8), Context(u8), Issued{..}, Deadline{..}, Every{..} }
def claim(i): return variant(0, 5) + u8(i)
def context(i): return variant(1, 5) + u8(i)
def issued(year, month, day): return variant(2, 5) + u16(year - 1790) + u8(month - 1) + u8(day)
def deadline(year, month, day): return variant(3, 5) + u16(year - 1790) + u8(month - 1) + u8(day)
def every(n, unit): return variant(4, 5) + u16(n) + u8(unit)


# enum When { After(i32), Days(i16), At(i64), Min, Max }
def after(s): return variant(0, 5) + i32(s)
def days(d): return variant(1, 5) + i16(d)
def at(s): return variant(2, 5) + i64(s)
MIN = variant(3, 5)
MAX = variant(4, 5)


# enum What { Page{lines, body_len, short}, Unchanged, Failed{gone}, Tick }
def page(lines, body_len=10_000, short=None):
    enc_short = lambda s: u8(s[0]) + u8(s[1])
    return variant(0, 4) + vec(lines) + u64(body_len) + option(short, enc_short)
UNCHANGED = variant(1, 4)
def failed(gone): return variant(2, 4) + boolean(gone)
TICK = variant(3, 4)


def step(when, what): return when + what


ALL_BUT_ADDED = 0x1FF & ~(1 << 2)


def policy(confirm=2, confirm_after=600, unreachable_after=2 * DAY, max_age=None,
           stale_grace=7 * DAY, notify=ALL_BUT_ADDED, changed_low=False, start=START_2026):
    return (u8(confirm) + u64(confirm_after) + u64(unreachable_after) + option(max_age, u64)
            + u64(stale_grace) + u16(notify) + boolean(changed_low) + i64(start))


def steps(items):
    # The last field takes the rest of the input: the same element-by-element layout.
    return vec(items)


CANARY = [claim(0), claim(3), claim(5), issued(2026, 1, 1), context(5)]
SEEDS = {
    # A quarterly canary checked daily, then left alone until it is overdue.
    "quarterly_then_stale": policy() + steps(
        [step(after(0), page(CANARY))] + [step(days(1), page(CANARY))] * 3
        + [step(days(120), TICK), step(days(1), page(CANARY[:3] + [issued(2026, 5, 1), context(5)]))]),
    # A claim removed, another weakened, confirmed on the second sighting.
    "removed_and_weakened": policy(max_age=30 * DAY) + steps(
        [step(after(0), page(CANARY)), step(after(600), page([claim(2), claim(3), issued(2026, 1, 1)])),
         step(after(600), page([claim(2), claim(3), issued(2026, 1, 1)])), step(after(3600), UNCHANGED)]),
    # Unreachable for days, then 404s, then back.
    "unreachable_gone_recovered": policy(confirm=1) + steps(
        [step(after(0), page(CANARY))] + [step(days(1), failed(False))] * 3
        + [step(after(3600), failed(True))] * 2 + [step(days(1), page(CANARY))]),
    # The same short page without statements, served for hours: it replaced the canary.
    "short_page_replaces": policy() + steps(
        [step(after(0), page(CANARY))]
        + [step(after(1800), page([context(23)], body_len=120, short=(1, 0)))] * 4
        + [step(after(1800), page(CANARY))]),
    # A claim coming and going within the flap window.
    "flapping": policy(confirm=1, notify=0x1FF, changed_low=True) + steps(
        [step(after(3600), page(CANARY if i % 2 == 0 else CANARY[1:])) for i in range(6)]),
    # Every duration unbounded, times at the ends of what chrono holds and going back.
    "ends_of_time": policy(confirm=1, confirm_after=2**64 - 1, unreachable_after=2**64 - 1,
                           max_age=2**64 - 1, stale_grace=2**64 - 1) + steps(
        [step(MAX, page([claim(0), every(999, 3)])), step(MAX, page([claim(1), every(999, 3)])),
         step(MIN, page([claim(0), deadline(2999, 12, 31)])), step(days(-5), failed(True)),
         step(at(-(2**63)), TICK), step(at(2**63 - 1), failed(False)), step(MAX, TICK)]),
    # Huge but representable durations, dated at the edges of the date regex.
    "far_deadlines": policy(confirm=3, max_age=10**12, stale_grace=10**12, unreachable_after=10**12)
    + steps([step(after(0), page([claim(0), issued(2999, 12, 31), context(10), context(11)])),
             step(days(32767), TICK), step(days(-32768), page([claim(0), issued(1800, 1, 1), every(1, 0)])),
             step(at(10**12), TICK)]),
}

out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "seeds", "judge")
os.makedirs(out, exist_ok=True)
for name, data in SEEDS.items():
    with open(os.path.join(out, name), "wb") as f:
        f.write(data)
print(f"wrote {len(SEEDS)} seeds to {out}")
