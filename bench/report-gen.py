#!/usr/bin/env python3
"""bench/report-gen.py DIR N V: a state directory of N watches with V evidence records each
(hash-chained as canaryd writes them, with gzip bodies), and its watchlist, for timing
`canaryd report` (bench/report). Each version rewords one of five claims or one of three
context lines, with the event canaryd would record."""
import datetime, gzip, hashlib, json, os, sys

out, n, v = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
state = os.path.join(out, "state")
os.makedirs(state, exist_ok=True)
sha = lambda b: hashlib.sha256(b).hexdigest()
t0 = datetime.datetime(2024, 1, 1, tzinfo=datetime.timezone.utc)
iso = lambda t: t.strftime("%Y-%m-%dT%H:%M:%SZ")

def statement(text, claim):
    key = text.lower()
    return {"text": text, "key": key, "hash": sha(key.encode()), "claim": claim}

with open(os.path.join(out, "watchlist.toml"), "w") as wl:
    for w in range(n):
        name = f"canary-{w:05d}"
        url = f"https://example-{w}.org/canary"
        wl.write(f'[[watch]]\nname = "{name}"\nurl = "{url}"\n\n')
        hist = os.path.join(state, name, "history")
        os.makedirs(hist, exist_ok=True)
        claims = [f"Example {w} has never received a National Security Letter of kind {k}." for k in range(5)]
        context = [f"This canary is updated every quarter ({k})." for k in range(3)]
        prev_sha, prev = None, None
        for seq in range(1, v + 1):
            at = t0 + datetime.timedelta(days=7 * seq)
            i = seq % 8
            if i < 5:
                claims[i] = claims[i].replace("received", "been served with" if seq % 2 else "received")
            else:
                context[i - 5] = f"This canary was updated on {at.date()} ({seq})."
            stmts = [statement(c, True) for c in claims] + [statement(c, False) for c in context]
            body = ("<html><body><ul>" + "".join(f"<li>{s['text']}</li>" for s in stmts) + "</ul></body></html>").encode()
            body_file = f"{seq:06d}.body.gz"
            with open(os.path.join(hist, body_file), "wb") as f:
                f.write(gzip.compress(body, mtime=0))
            events = []
            if prev is not None:
                old = [s for s in prev if s["hash"] not in {x["hash"] for x in stmts}]
                new = [s for s in stmts if s["hash"] not in {x["hash"] for x in prev}]
                if old and new:
                    events.append({"kind": "changed", "at": iso(at), "severity": "low",
                                   "detail": "1 statement reworded", "statements": [],
                                   "changes": [{"old": old[0]["text"], "new": new[0]["text"], "word_diff": "",
                                                "broadened": False, "weakened": False}],
                                   "claim": old[0]["claim"], "first_seen": iso(at), "notify": False, "evidence": None})
            record = {
                "format": "canaryd-evidence/2", "seq": seq, "prev_record_sha256": prev_sha, "at": iso(at),
                "url": url, "final_url": None, "result": "ok", "error": None, "status": 200, "etag": None,
                "last_modified": None, "headers": ["content-type: text/html"],
                "body": {"file": body_file, "sha256": sha(body), "length": len(body), "content_type": "text/html"},
                "statements": stmts, "set_hash": sha("\n".join(sorted(s["hash"] for s in stmts)).encode()),
                "confirmed_set_hash": None, "events": events, "pruned": None, "head_rebuilt": None,
            }
            data = (json.dumps(record, indent=2) + "\n").encode()
            with open(os.path.join(hist, f"{seq:06d}.json"), "wb") as f:
                f.write(data)
            prev_sha, prev = sha(data), stmts
        with open(os.path.join(hist, "HEAD"), "w") as f:
            json.dump({"seq": v, "record_sha256": prev_sha, "bodies_pruned_through": 0}, f)
        with open(os.path.join(state, name, "check.json"), "w") as f:
            json.dump({"at": iso(at), "result": "ok", "duration_ms": 1, "statements": 8, "claims": 5}, f)
