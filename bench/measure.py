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
  measure.py cdio DATASTORE HISTORY COUNT SINCE
      Checks a changedetection.io pass: COUNT watches in DATASTORE, each checked at or after
      SINCE (epoch seconds) and with exactly HISTORY snapshots (1 after the first and steady
      passes, 2 after the changed one).
  measure.py note RESULTS TEXT
      Records a line printed under the table (e.g. why a peer could not be measured).
  measure.py daemon RESULTS WATCHES IDLE_RSS_MIB
      Records the daemon's idle memory (bench/daemon_rss.py measures it).
  measure.py table RESULTS HEADER_FILE
      Prints the side-by-side table (canaryd, urlwatch, changedetection.io, and each peer /
      canaryd) for every pass; with N > 1000, canaryd's CPU per page at N against the same
      passes on 1,000 of the pages in the same run; then each budget of issue 22, met or
      missed, or why this run cannot tell.
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


def cdio(datastore, history, count, since):
    import glob
    watches = glob.glob(os.path.join(datastore, "*", "watch.json"))
    bad = []
    for w in watches:
        d = os.path.dirname(w)
        with open(w) as f:
            checked = json.load(f).get("last_checked", 0)
        try:
            with open(os.path.join(d, "history.txt")) as f:
                n = sum(1 for line in f if line.strip())
        except FileNotFoundError:
            n = 0
        if checked < since or n != history:
            bad.append(f"{os.path.basename(d)}: last_checked {checked}, {n} snapshots")
    if len(watches) != count or bad:
        sys.exit(f"measure: {datastore}: {len(watches)} watches (expected {count}), "
                 f"{len(bad)} not checked since {since} with {history} snapshots: {bad[:3]}")


def note(results, text):
    with open(results, "a") as f:
        f.write(json.dumps({"note": text}) + "\n")


def daemon(results, watches, idle_rss_mib):
    with open(results, "a") as f:
        f.write(json.dumps({"daemon_watches": watches, "idle_rss_mib": idle_rss_mib}) + "\n")


# The budgets (issue 22), on this kind of machine, compared within one run. They live here,
# never in the tests: timings are too noisy to fail a build on.
SUBSET = "canaryd@1000"
BUDGETS = [
    # (what, how it is compared, limit, unit)
    ("steady pass wall vs urlwatch", ">=", 30.0, "x"),
    ("changed pass wall vs urlwatch", ">=", 8.0, "x"),
    ("steady CPU per page", "<=", 0.2, "ms"),
    ("changed CPU per page", "<=", 1.0, "ms"),
    ("N=10,000 CPU per page vs N=1,000 (worst pass)", "<=", 10.0, "%"),
    ("peak RSS at N=10,000 (worst pass)", "<=", 64.0, "MiB"),
    ("daemon idle RSS with 1,000 watches", "<=", 20.0, "MiB"),
]


def measured(rows, daemons):
    """Each budget's value in this run, or the reason it has none."""
    c = lambda p: rows.get(("canaryd", p))
    u = lambda p: rows.get(("urlwatch", p))
    pages = next((r["pages"] for (t, _), r in rows.items() if t == "canaryd"), 0)
    out = []
    for p in ("steady", "changed"):
        out.append(u(p)["wall_s"] / c(p)["wall_s"] if c(p) and u(p) else "urlwatch or canaryd not measured")
    for p in ("steady", "changed"):
        out.append(c(p)["cpu_per_page_ms"] if c(p) else "canaryd not measured")
    if pages < 10000:
        out.append(f"needs N=10000 (this run: N={pages})")
    elif not all(rows.get((SUBSET, p)) and c(p) for p in PASSES):
        out.append("the 1,000-page passes are missing from this run")
    else:
        out.append(max(100 * (c(p)["cpu_per_page_ms"] / rows[(SUBSET, p)]["cpu_per_page_ms"] - 1)
                       for p in PASSES))
    out.append(max(c(p)["peak_rss_mib"] for p in PASSES if c(p)) if pages >= 10000
               else f"needs N=10000 (this run: N={pages})")
    d = [x["idle_rss_mib"] for x in daemons if x["daemon_watches"] == 1000]
    out.append(d[-1] if d else "needs the daemon step with N=1000 (DAEMON_RSS=1)")
    return out


def budget_lines(rows, daemons):
    n = next((r["pages"] for (t, _), r in rows.items() if t == "canaryd"), "?")
    lines = [f"budgets (issue 22, set for N=1000 unless named; this run: N={n}, this machine)",
             f"{'budget':48} {'limit':>10} {'measured':>10}  verdict", "-" * 82]
    for (what, cmp, limit, unit), value in zip(BUDGETS, measured(rows, daemons)):
        lim = f"{cmp} {limit:g}{' ' + unit if unit in ('ms', 'MiB') else unit}"
        if isinstance(value, str):
            lines.append(f"{what:48} {lim:>10} {'-':>10}  not measured: {value}")
            continue
        ok = value >= limit if cmp == ">=" else value <= limit
        shown = f"{value:.1f}x" if unit == "x" else f"{value:+.1f}%" if unit == "%" else \
            f"{value:.3f}" if unit == "ms" else f"{value:.1f}"
        lines.append(f"{what:48} {lim:>10} {shown:>10}  {'met' if ok else 'MISSED'}")
    return lines


def linearity_lines(rows):
    if not any(t == SUBSET for t, _ in rows):
        return []
    n = rows[("canaryd", "first")]["pages"] if ("canaryd", "first") in rows else "N"
    lines = [f"canaryd CPU per page (ms) at N={n} against 1,000 of the same pages, same run",
             f"{'pass':8} {'N=1000':>10} {'N=' + str(n):>10} {'change':>10}", "-" * 41]
    for p in PASSES:
        a, b = rows.get((SUBSET, p)), rows.get(("canaryd", p))
        if a and b:
            change = 100 * (b["cpu_per_page_ms"] / a["cpu_per_page_ms"] - 1)
            lines.append(f"{p:8} {a['cpu_per_page_ms']:10.3f} {b['cpu_per_page_ms']:10.3f} {change:+9.1f}%")
    return lines + [""]


def fmt(value, unit):
    if unit == "ms":
        return f"{value:.3f}"
    if unit == "MiB":
        return f"{value:.1f}"
    return f"{value:.2f}"


def table(results, header_file):
    rows, notes, daemons = {}, [], []
    with open(results) as f:
        for line in f:
            r = json.loads(line)
            if "note" in r:
                notes.append(r["note"])
            elif "daemon_watches" in r:
                daemons.append(r)
            else:
                rows[(r["tool"], r["pass"])] = r
    metrics = [("wall_s", "wall (s)", "s"), ("cpu_s", "CPU user+sys (s)", "s"),
               ("cpu_per_page_ms", "CPU per page (ms)", "ms"), ("peak_rss_mib", "peak RSS (MiB)", "MiB")]
    peers = [("urlwatch", "urlwatch"), ("changedetection", "cd.io")]
    with open(header_file) as f:
        out = [f.read().rstrip("\n"), ""]
    head = f"{'pass':8} {'measure':18} {'canaryd':>10}"
    for _, short in peers:
        head += f" {short:>10}"
    for _, short in peers:
        head += f" {short + '/canaryd':>17}"
    out.append(head)
    out.append("-" * len(head))
    for p in PASSES:
        c = rows.get(("canaryd", p))
        for key, label, unit in metrics:
            line = f"{p:8} {label:18} {fmt(c[key], unit) if c else '-':>10}"
            for tool, _ in peers:
                r = rows.get((tool, p))
                line += f" {fmt(r[key], unit) if r else '-':>10}"
            for tool, _ in peers:
                r = rows.get((tool, p))
                ratio = f"{r[key] / c[key]:.1f}x" if c and r and c[key] > 0 else "-"
                line += f" {ratio:>17}"
            out.append(line)
        out.append("")
    out.extend(linearity_lines(rows))
    out.extend(budget_lines(rows, daemons))
    out.append("")
    out.extend(notes)
    print("\n".join(out).rstrip("\n"))


def main(argv):
    if len(argv) > 9 and argv[1] == "run" and argv[8] == "--":
        run(argv[2], argv[3], argv[4], int(argv[5]), argv[6], argv[7], argv[9:])
    elif len(argv) in (5, 6) and argv[1] == "check":
        check(argv[2], argv[3], int(argv[4]), argv[5:] == ["--at-least"])
    elif len(argv) == 6 and argv[1] == "cdio":
        cdio(argv[2], int(argv[3]), int(argv[4]), float(argv[5]))
    elif len(argv) == 4 and argv[1] == "note":
        note(argv[2], argv[3])
    elif len(argv) == 5 and argv[1] == "daemon":
        daemon(argv[2], int(argv[3]), float(argv[4]))
    elif len(argv) == 4 and argv[1] == "table":
        table(argv[2], argv[3])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
