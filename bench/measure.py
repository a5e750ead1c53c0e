#!/usr/bin/env python3
"""Measures one benchmark pass and prints the comparison table. Used by bench/run.

Owns: how a pass is measured and how the results are shown.

  measure.py run RESULTS TOOL PASS PAGES STDOUT STDERR -- COMMAND...
      Runs COMMAND with its output in the two files, waits for it with wait4(2) and appends
      one JSON line to RESULTS: wall time, user and system CPU time and peak RSS (ru_maxrss)
      of that process alone. Fails (exit 1) if COMMAND fails.
  measure.py check FILE REGEX COUNT [--at-least]
      Checks that REGEX matches exactly (or at least) COUNT lines of FILE: a pass that did
      not do what it was meant to (fetches failing, nothing detected) is not a measurement.
  measure.py table RESULTS HEADER_FILE
      Prints the side-by-side table (canaryd, urlwatch, urlwatch / canaryd) for every pass.
"""
import json
import os
import re
import subprocess
import sys
import time

PASSES = ["first", "steady", "changed"]


def run(results, tool, pass_, pages, out, err, cmd):
    with open(out, "wb") as o, open(err, "wb") as e:
        start = time.monotonic()
        proc = subprocess.Popen(cmd, stdout=o, stderr=e, stdin=subprocess.DEVNULL)
        _, status, ru = os.wait4(proc.pid, 0)
        wall = time.monotonic() - start
    code = os.waitstatus_to_exitcode(status)
    if code != 0:
        sys.exit(f"measure: {tool} {pass_} pass exited with status {code}; see {err}")
    row = {
        "tool": tool,
        "pass": pass_,
        "pages": pages,
        "wall_s": wall,
        "user_s": ru.ru_utime,
        "sys_s": ru.ru_stime,
        "cpu_s": ru.ru_utime + ru.ru_stime,
        "cpu_per_page_ms": (ru.ru_utime + ru.ru_stime) * 1000 / pages,
        "peak_rss_mib": ru.ru_maxrss / 1024,  # Linux reports KiB
    }
    with open(results, "a") as f:
        f.write(json.dumps(row) + "\n")
    print(f"  {tool:8} {pass_:7} wall {wall:8.2f} s  CPU {row['cpu_s']:8.2f} s  "
          f"{row['cpu_per_page_ms']:7.3f} ms/page  peak RSS {row['peak_rss_mib']:6.1f} MiB", flush=True)


def check(path, regex, count, at_least):
    pattern = re.compile(regex)
    with open(path, errors="replace") as f:
        n = sum(1 for line in f if pattern.search(line))
    if n < count if at_least else n != count:
        sys.exit(f"measure: {path}: {n} lines match /{regex}/, expected {'at least ' if at_least else ''}{count}")


def fmt(value, unit):
    if unit == "ms":
        return f"{value:.3f}"
    if unit == "MiB":
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(results, header_file):
    rows = {}
    with open(results) as f:
        for line in f:
            r = json.loads(line)
            rows[(r["tool"], r["pass"])] = r
    metrics = [("wall_s", "wall (s)", "s"), ("cpu_s", "CPU user+sys (s)", "s"),
               ("cpu_per_page_ms", "CPU per page (ms)", "ms"), ("peak_rss_mib", "peak RSS (MiB)", "MiB")]
    with open(header_file) as f:
        out = [f.read().rstrip("\n"), ""]
    out.append(f"{'pass':8} {'measure':18} {'canaryd':>10} {'urlwatch':>10} {'urlwatch/canaryd':>17}")
    out.append("-" * 67)
    for p in PASSES:
        c, u = rows.get(("canaryd", p)), rows.get(("urlwatch", p))
        for key, label, unit in metrics:
            cv = fmt(c[key], unit) if c else "-"
            uv = fmt(u[key], unit) if u else "-"
            ratio = f"{u[key] / c[key]:.1f}x" if c and u and c[key] > 0 else "-"
            out.append(f"{p:8} {label:18} {cv:>10} {uv:>10} {ratio:>17}")
        out.append("")
    print("\n".join(out).rstrip("\n"))


def main(argv):
    if len(argv) > 9 and argv[1] == "run" and argv[8] == "--":
        run(argv[2], argv[3], argv[4], int(argv[5]), argv[6], argv[7], argv[9:])
    elif len(argv) in (5, 6) and argv[1] == "check":
        check(argv[2], argv[3], int(argv[4]), argv[5:] == ["--at-least"])
    elif len(argv) == 4 and argv[1] == "table":
        table(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
