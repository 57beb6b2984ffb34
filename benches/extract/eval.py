#!/usr/bin/env python3
"""Compare yuqing's article extractor with trafilatura and GNE on the fixtures.

    pip install -r benches/extract/requirements.txt
    python3 benches/extract/eval.py [--dir tests/fixtures/extract] [--rounds 20]

Definitions
- Body F1: precision/recall over the multiset ("bag") of non-whitespace
  characters of the extracted body vs. the truth body (same definition as
  `yuqing::crawl::extract::char_f1`). Paragraph splitting and spacing do not
  count; every boilerplate character kept and every body character lost does.
  Reported as the macro average over pages.
- Date (minute): the tool's publish time is in the same calendar minute as the
  truth (a truth without a time of day, written T00:00, needs the same day).
- Date (day): same calendar day. trafilatura (htmldate) reports days only by
  default; we ask it for "%Y-%m-%d %H:%M" so it can give times where it finds them.
- Title: exact match after trimming. Author: exact match (null = null).
- Input: ours gets the raw bytes and detects the charset itself (that is
  timed too). trafilatura and GNE get the page already decoded with the
  encoding a browser would use (the truth's encoding), so charset handling
  is not held against them.
- Speed: pages/s, single thread, over `--rounds` passes of all fixtures.
  Ours is timed in Rust (release build, bytes in, charset detection included);
  theirs in Python on decoded strings.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import time
import warnings
from collections import Counter
from datetime import datetime, timedelta, timezone

warnings.filterwarnings("ignore")
ROOT = os.path.normpath(os.path.join(os.path.dirname(__file__), "..", ".."))
CN = timezone(timedelta(hours=8))


def char_f1(got, want):
    g = Counter(c for c in (got or "") if not c.isspace())
    w = Counter(c for c in want if not c.isspace())
    ng, nw = sum(g.values()), sum(w.values())
    if ng == 0 or nw == 0:
        return 1.0 if ng == nw else 0.0
    common = sum((g & w).values())
    if common == 0:
        return 0.0
    p, r = common / ng, common / nw
    return 2 * p * r / (p + r)


DATE_RE = re.compile(
    r"(\d{4})\s*[-/.年]\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*日?(?:[T\s]*(\d{1,2})[:：时](\d{1,2})(?:[:：](\d{1,2}))?)?\s*(Z|[+-]\d{2}:?\d{2})?"
)


def parse_when(s):
    """A tool's date string -> (aware datetime, has_time) or None."""
    if not s:
        return None
    m = DATE_RE.search(str(s))
    if not m:
        return None
    y, mo, d, h, mi, sec, zone = m.groups()
    try:
        tz = CN
        if zone == "Z":
            tz = timezone.utc
        elif zone:
            sign = -1 if zone[0] == "-" else 1
            z = zone[1:].replace(":", "")
            tz = timezone(sign * timedelta(hours=int(z[:2]), minutes=int(z[2:])))
        dt = datetime(int(y), int(mo), int(d), int(h or 0), int(mi or 0), int(sec or 0), tzinfo=tz)
    except ValueError:
        return None
    return dt.astimezone(CN), h is not None


def date_scores(got, truth):
    """(same minute, same day) against the truth string (or None)."""
    if truth is None:
        return (got is None, got is None)
    t = parse_when(truth)
    g = parse_when(got)
    if g is None:
        return (False, False)
    same_day = g[0].date() == t[0].date()
    truth_has_time = not truth[11:19] == "00:00:00"
    same_minute = same_day and (not truth_has_time or g[0].replace(second=0) == t[0].replace(second=0))
    return (same_minute, same_day)


def load(dirname):
    pages = []
    for name in sorted(os.listdir(dirname)):
        if not name.endswith(".html"):
            continue
        stem = name[:-5]
        raw = open(os.path.join(dirname, name), "rb").read()
        truth = json.load(open(os.path.join(dirname, stem + ".truth.json"), encoding="utf-8"))
        # What a browser shows: decoded with the page's real charset.
        html = raw.decode(truth["encoding"], errors="replace")
        pages.append((stem, html, truth))
    return pages


def run_ours(dirname):
    env = dict(os.environ)
    env.setdefault("CARGO_TARGET_DIR", os.path.join(ROOT, "target"))
    out = subprocess.run(
        ["cargo", "run", "--quiet", "--release", "--example", "extract_eval", "--", dirname],
        cwd=ROOT, env=env, check=True, capture_output=True, text=True,
    ).stdout
    results, speed = {}, None
    for line in out.splitlines():
        obj = json.loads(line)
        if obj.get("timing"):
            speed = obj["pages_per_sec"]
        else:
            results[obj["name"]] = obj
    return results, speed


def trafilatura_one(html):
    import trafilatura

    doc = trafilatura.bare_extraction(
        html, with_metadata=True, include_comments=False, as_dict=True,
        date_extraction_params={"extensive_search": True, "original_date": True, "outputformat": "%Y-%m-%d %H:%M"},
    )
    doc = doc or {}
    return {"title": doc.get("title"), "text": doc.get("text") or "", "published_at": doc.get("date"), "author": doc.get("author")}


def gne_one(html, extractor):
    try:
        r = extractor.extract(html)
    except Exception as e:  # GNE raises on some layouts; count it as empty
        r = {"title": None, "content": "", "publish_time": None, "author": None, "error": str(e)}
    return {"title": r.get("title"), "text": r.get("content") or "", "published_at": r.get("publish_time") or None, "author": r.get("author") or None}


def timed(fn, pages, rounds):
    start = time.perf_counter()
    for _ in range(rounds):
        for _, html, _ in pages:
            fn(html)
    return rounds * len(pages) / (time.perf_counter() - start)


def score(results, pages):
    f1s, minute, day, title, author = [], 0, 0, 0, 0
    per_page = {}
    for stem, _, truth in pages:
        r = results[stem]
        f1 = char_f1(r["text"], truth["text"])
        f1s.append(f1)
        m, d = date_scores(r["published_at"], truth["published_at"])
        minute += m
        day += d
        title += (r["title"] or "").strip() == truth["title"]
        author += (r["author"] or None) == truth["author"]
        per_page[stem] = f1
    n = len(pages)
    return {"f1": sum(f1s) / n, "minute": minute / n, "day": day / n, "title": title / n, "author": author / n, "pages": per_page}


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--dir", default=os.path.join(ROOT, "tests", "fixtures", "extract"))
    ap.add_argument("--rounds", type=int, default=20)
    ap.add_argument("--dump", action="store_true", help="all outputs as JSON on stderr")
    args = ap.parse_args()
    pages = load(args.dir)

    from gne import GeneralNewsExtractor

    gne_x = GeneralNewsExtractor()
    ours, ours_speed = run_ours(os.path.abspath(args.dir))
    traf = {stem: trafilatura_one(html) for stem, html, _ in pages}
    gnes = {stem: gne_one(html, gne_x) for stem, html, _ in pages}
    traf_speed = timed(trafilatura_one, pages, args.rounds)
    gne_speed = timed(lambda h: gne_one(h, gne_x), pages, args.rounds)

    rows = [("yuqing (ours)", score(ours, pages), ours_speed),
            ("trafilatura " + __import__("trafilatura").__version__, score(traf, pages), traf_speed),
            ("GNE 0.4.3", score(gnes, pages), gne_speed)]
    print(f"{len(pages)} pages from {os.path.relpath(args.dir, ROOT)}\n")
    print("| extractor | body F1 | date (minute) | date (day) | title exact | author exact | pages/s |")
    print("|---|---|---|---|---|---|---|")
    for name, s, speed in rows:
        print(f"| {name} | {s['f1']:.3f} | {s['minute']:.0%} | {s['day']:.0%} | {s['title']:.0%} | {s['author']:.0%} | {speed:,.0f} |")
    print(f"\nspeed ratio ours / trafilatura: {ours_speed / traf_speed:.0f}×\n")
    print("| page | ours F1 | trafilatura F1 | GNE F1 |")
    print("|---|---|---|---|")
    for stem, _, _ in pages:
        print(f"| {stem} | {rows[0][1]['pages'][stem]:.3f} | {rows[1][1]['pages'][stem]:.3f} | {rows[2][1]['pages'][stem]:.3f} |")
    if args.dump:
        json.dump({"ours": ours, "trafilatura": traf, "gne": gnes}, sys.stderr, ensure_ascii=False, indent=1)


if __name__ == "__main__":
    main()
