#!/usr/bin/env python3
"""Generates the benchmark's canary pages and the two watchlists that fetch them.

Owns: what a "realistic 70 KB canary page" is for bench/run. Each page has a head with a
stylesheet, JSON-LD and two inline scripts, a navigation bar of ~90 links, a long
transparency report (prose, a table of requests per half-year, FAQ), the warrant canary as
`<ul id="canary">` with six statements, and a footer. Pages differ from each other (company
name, report text drawn from a seeded pool, figures), and are the same from run to run.

Usage:
  genpages.py pages DIR N [--drop]     write DIR/p00000.html …; --drop leaves one statement
                                        (a different one per page) out of every canary
  genpages.py watchlists DIR N URL     write DIR/canaryd.toml and DIR/urlwatch-urls.yaml for
                                        pages served under URL (e.g. http://127.0.0.1:8080/);
                                        with N > 1000, also DIR/canaryd-1000.toml, the same
                                        settings on the first 1,000 pages
"""
import os
import random
import sys

STATEMENTS = [
    "{co} has never received a National Security Letter.",
    "{co} has never received an order under the Foreign Intelligence Surveillance Act.",
    "{co} has never been subject to a gag order regarding user data.",
    "{co} has never placed a backdoor in its software or hardware.",
    "{co} has never been required to modify its systems to permit surveillance.",
    "{co} has never disclosed user encryption keys to any government agency.",
]

PREFIXES = ["Example", "Northwind", "Bluefield", "Harbor", "Quillon", "Ostrava", "Tamsin",
            "Greywater", "Lumen", "Corvid", "Pinecrest", "Halden"]
SUFFIXES = ["Co", "Hosting", "Mail", "Networks", "Cloud", "Labs", "Systems", "Software"]

WORDS = ("request requests government agency agencies law enforcement subpoena court order "
         "account accounts user users data content metadata disclosure disclosed produced "
         "report reporting period transparency jurisdiction country countries emergency "
         "preservation legal process review reviewed challenge challenged narrow narrowed "
         "scope policy notice notify customer customers the the the of of to to and and in "
         "in a a for we our with that this which under were was is are not no any each all "
         "total number percentage received responded complied partially rejected pending "
         "quarter half year annual criminal civil investigation national security domestic "
         "foreign mutual assistance treaty MLAT warrant warrants wiretap pen register trap "
         "trace subscriber information IP addresses logs retention deleted encrypted keys "
         "servers infrastructure datacenter region EU US Switzerland Germany Iceland").split()

NAV = ["Home", "Products", "Pricing", "Documentation", "API", "Status", "Blog", "Careers",
       "Press", "Security", "Privacy", "Terms", "Abuse", "Contact", "Support", "Community"]


def paragraph_pool(n=400, seed=7):
    """Report paragraphs drawn once; each page picks its own sequence of them."""
    rng = random.Random(seed)
    pool = []
    for _ in range(n):
        sentences = []
        for _ in range(rng.randint(3, 7)):
            words = rng.choices(WORDS, k=rng.randint(9, 24))
            sentences.append(" ".join(words).capitalize() + ".")
        pool.append(" ".join(sentences))
    return pool


POOL = paragraph_pool()

CSS = "\n".join(
    f".c{i} {{ margin: {i % 7}px {i % 5}em; padding: 0 {i % 3}rem; color: #{(i * 2654435761) % 0xFFFFFF:06x}; "
    f"font: {12 + i % 6}px/1.{i % 9} system-ui, sans-serif; }}"
    for i in range(60))

SCRIPT = "\n".join(
    f"  function m{i}(e){{var t=document.querySelectorAll('.c{i % 60}');for(var j=0;j<t.length;j++)"
    f"{{t[j].setAttribute('data-k','{i}-'+j);if(e&&e.key==='Escape'){{t[j].classList.toggle('open')}}}}"
    f"return t.length*{i}+{(i * 7919) % 1000}}}"
    for i in range(110))


def company(i):
    return f"{PREFIXES[i % len(PREFIXES)]} {SUFFIXES[(i // len(PREFIXES)) % len(SUFFIXES)]} {i}"


def page(i, drop):
    rng = random.Random(1000003 * (i + 1))
    co = company(i)
    out = []
    w = out.append
    w('<!DOCTYPE html>\n<html lang="en">\n<head>\n<meta charset="utf-8">\n')
    w('<meta name="viewport" content="width=device-width, initial-scale=1">\n')
    w(f"<title>Transparency report &mdash; {co}</title>\n")
    w(f"<style>\n{CSS}\n</style>\n")
    w('<script type="application/ld+json">{"@context":"https://schema.org","@type":"Organization",'
      f'"name":"{co}","url":"https://example.org/{i}/","sameAs":["https://example.org/{i}/press"]}}'
      "</script>\n")
    w(f"<script>\n(function(){{\n  var page={i};\n{SCRIPT}\n  window.addEventListener('keydown',m{i % 110});\n}})();\n</script>\n")
    w("</head>\n<body class=\"c1\">\n<header class=\"c2\"><nav aria-label=\"Main\"><ul>\n")
    for section in NAV:
        w(f'<li class="c3"><a href="/{section.lower()}/">{section}</a><ul class="c4">')
        for k in range(5):
            w(f'<li><a href="/{section.lower()}/{k}/">{section} {rng.choice(WORDS)} {k}</a></li>')
        w("</ul></li>\n")
    w("</ul></nav></header>\n<main class=\"c5\">\n<article>\n")
    w(f"<h1>{co} transparency report</h1>\n")
    w(f'<p class="lede">This report covers requests {co} received from governments and '
      "courts, and how we answered them.</p>\n")
    for s in range(7):
        w(f"<h2 id=\"s{s}\">Section {s + 1}: {rng.choice(WORDS).capitalize()} {rng.choice(WORDS)}</h2>\n")
        for _ in range(rng.randint(4, 6)):
            w(f"<p class=\"c{rng.randrange(60)}\">{rng.choice(POOL)}</p>\n")
    w("<h2>Requests by period</h2>\n<table class=\"c6\">\n<thead><tr><th>Period</th><th>Country</th>"
      "<th>Requests</th><th>Accounts</th><th>Complied</th><th>Rejected</th></tr></thead>\n<tbody>\n")
    for year in range(2014, 2026):
        for half in ("H1", "H2"):
            for country in ("US", "DE", "FR", "CH"):
                r = rng.randint(0, 900)
                w(f"<tr><td>{year} {half}</td><td>{country}</td><td>{r}</td><td>{r + rng.randint(0, 300)}</td>"
                  f"<td>{rng.randint(0, r)}</td><td>{rng.randint(0, 40)}</td></tr>\n")
    w("</tbody>\n</table>\n<h2>Frequently asked questions</h2>\n<dl>\n")
    for q in range(8):
        w(f"<dt>Question {q + 1}: {rng.choice(POOL)[:80]}?</dt><dd>{rng.choice(POOL)}</dd>\n")
    w("</dl>\n</article>\n")
    w('<section id="warrant-canary" class="c7">\n<h2>Warrant canary</h2>\n')
    w("<p>As of January 5, 2026, the following statements are true. We will remove any "
      "statement that stops being true.</p>\n<ul id=\"canary\">\n")
    for k, text in enumerate(STATEMENTS):
        if drop and k == i % len(STATEMENTS):
            continue
        w(f"  <li>{text.format(co=co)}</li>\n")
    w("</ul>\n<p>The next update of this canary is due by July 5, 2026.</p>\n</section>\n</main>\n")
    w('<footer class="c8"><ul>')
    for section in NAV * 3:
        w(f'<li><a href="/{section.lower()}/about/">{section} ({rng.choice(WORDS)})</a></li>')
    w(f"</ul><p>&copy; 2026 {co}. All rights reserved.</p></footer>\n")
    w("<script>document.documentElement.classList.add('js');</script>\n</body>\n</html>\n")
    return "".join(out)


def write_pages(d, n, drop):
    os.makedirs(d, exist_ok=True)
    total = 0
    for i in range(n):
        body = page(i, drop).encode()
        total += len(body)
        with open(os.path.join(d, f"p{i:05}.html"), "wb") as f:
            f.write(body)
    print(f"genpages: {n} pages, {total / n / 1024:.1f} KiB each on average"
          f"{', one statement dropped from each' if drop else ''}", file=sys.stderr)


SUBSET = 1000


def watch(i, url):
    return f'[[watch]]\nname = "p{i:05}"\nurl = "{url}/p{i:05}.html"\nselector = "#canary li"\n\n'


def write_watchlists(d, n, url):
    url = url.rstrip("/")
    with open(os.path.join(d, "canaryd.toml"), "w") as f:
        # Per-host limits lifted to the global default (concurrency = 16), which is kept:
        # 64 in flight measured no faster here and held more pages in memory.
        f.write('# bench/run: every watch on one loopback host, per-host politeness lifted.\n'
                '[settings]\ninterval = "24h"\nconfirm = 1\nhost_delay = "0s"\n'
                'host_concurrency = 16\n\n')
        for i in range(n):
            f.write(watch(i, url))
    if n > SUBSET:
        # The same settings on the first 1,000 pages: bench/run measures CPU per page at
        # both sizes in one run.
        with open(os.path.join(d, "canaryd.toml")) as f:
            settings = f.read().split("[[watch]]", 1)[0]
        with open(os.path.join(d, f"canaryd-{SUBSET}.toml"), "w") as f:
            f.write(settings + "".join(watch(i, url) for i in range(SUBSET)))
    with open(os.path.join(d, "urlwatch-urls.yaml"), "w") as f:
        for i in range(n):
            if i:
                f.write("---\n")
            f.write(f"name: p{i:05}\nurl: {url}/p{i:05}.html\nfilter:\n  - css: '#canary li'\n  - html2text\n")


def main(argv):
    if len(argv) >= 4 and argv[1] == "pages":
        write_pages(argv[2], int(argv[3]), "--drop" in argv[4:])
    elif len(argv) == 5 and argv[1] == "watchlists":
        write_watchlists(argv[2], int(argv[3]), argv[4])
    else:
        sys.exit(__doc__)


if __name__ == "__main__":
    main(sys.argv)
