#!/usr/bin/env python3
"""Measures the memory of `canaryd run` idling after its first pass. Used by bench/run.

Owns: the daemon memory measurement.

  daemon_rss.py CANARYD WATCHLIST STATE_DIR WATCHES LOG

Starts `canaryd run` (RUST_LOG=info, log on stderr to LOG) on WATCHLIST, whose interval must
be long (bench/run's is 24h); with no state, the daemon spreads its first checks over up to
five minutes. Waits until the log shows WATCHES checks (bounded: 5 minutes of spread plus
time for the work), lets it idle, then reads VmRSS, VmHWM, RssAnon and RssFile from
/proc/PID/status three times 10 s apart, stops it with SIGTERM and prints one line:
  daemon: N watches, first pass T s, idle VmRSS X MiB (samples), peak VmHWM Y MiB; …
"""
import os
import re
import signal
import subprocess
import sys
import time

CHECK = re.compile(r"\bcheck watch=")


def status(pid):
    out = {}
    with open(f"/proc/{pid}/status") as f:
        for line in f:
            key, _, value = line.partition(":")
            if key in ("VmRSS", "VmHWM", "RssAnon", "RssFile", "Threads"):
                out[key] = int(value.split()[0])
    return out


def count_checks(log):
    with open(log, errors="replace") as f:
        return sum(1 for line in f if CHECK.search(line))


def main(argv):
    if len(argv) != 6:
        sys.exit(__doc__)
    canaryd, watchlist, state, watches, log = argv[1], argv[2], argv[3], int(argv[4]), argv[5]
    env = {**os.environ, "RUST_LOG": "info", "NO_COLOR": "1"}
    env.pop("JOURNAL_STREAM", None)
    deadline_s = 300 + 60 + watches * 0.05  # spread window + slack + the work itself
    with open(log, "w") as err:
        proc = subprocess.Popen([canaryd, "--watchlist", watchlist, "--state", state, "run"],
                                stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=err, env=env)
    start = time.monotonic()
    try:
        done = 0
        while done < watches:
            if proc.poll() is not None:
                sys.exit(f"daemon_rss: canaryd run exited with status {proc.returncode}; see {log}")
            if time.monotonic() - start > deadline_s:
                sys.exit(f"daemon_rss: only {done} of {watches} checks after {deadline_s:.0f} s; see {log}")
            time.sleep(1)
            done = count_checks(log)
        first_pass = time.monotonic() - start
        samples = []
        for _ in range(3):  # idle: nothing is due for 24 h
            time.sleep(10)
            samples.append(status(proc.pid))
        failed = sum(1 for line in open(log, errors="replace") if CHECK.search(line) and "result=failed" in line)
        if failed:
            sys.exit(f"daemon_rss: {failed} checks failed; see {log}")
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
    rss = [s["VmRSS"] / 1024 for s in samples]
    hwm = max(s["VmHWM"] for s in samples) / 1024
    print(f"daemon: {watches} watches, first pass {first_pass:.0f} s (spread by design), "
          f"idle VmRSS {rss[-1]:.1f} MiB ({', '.join(f'{r:.1f}' for r in rss)} at +10/+20/+30 s), "
          f"peak VmHWM {hwm:.1f} MiB; idle RssAnon {samples[-1]['RssAnon'] / 1024:.1f} MiB + "
          f"RssFile {samples[-1]['RssFile'] / 1024:.1f} MiB, {samples[-1]['Threads']} threads")


if __name__ == "__main__":
    main(sys.argv)
