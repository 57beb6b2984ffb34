#!/usr/bin/env python3
"""Crawl a synthetic loopback campus site with yuqing and with Scrapy, in one run.

    pip install scrapy
    cargo build --release
    python3 benches/crawl/compare.py --pages 10000

`yuqing bench site` serves the site (list pages of 20 links with pagination,
detail pages with title/body/time/author). Then, one after the other:

* `yuqing crawl --once` with a generated config: one html source, CSS
  selectors, polite = false, respect_robots = false, budgets large enough for
  every detail page, a fresh SQLite data dir. This is the full ingest:
  extraction, dedup, analysis, SQLite store, events and alerts.
* Scrapy with an equivalent spider (list -> detail, title/body/time/author,
  CONCURRENT_REQUESTS as --concurrency, no autothrottle, robots off,
  log level WARNING) writing a JSONL feed. Extraction only.

Wall time of each process gives pages/s (list and detail pages counted);
peak RSS is each child's own ru_maxrss (os.wait4). Both runs are checked to
have every detail page. Prints a Markdown table.
"""

import argparse
import json
import os
import sqlite3
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PER_PAGE = 20

SPIDER = textwrap.dedent(
    '''
    import scrapy

    class CampusSpider(scrapy.Spider):
        name = "campus"

        def __init__(self, start=None, **kw):
            super().__init__(**kw)
            self.start_urls = [start]

        def parse(self, response):
            for href in response.css("ul.news li a::attr(href)").getall():
                yield response.follow(href, self.parse_detail)
            nxt = response.css("a.next::attr(href)").get()
            if nxt:
                yield response.follow(nxt, self.parse)

        def parse_detail(self, response):
            body = [p.strip() for p in response.css("div.content p").xpath("string()").getall()]
            yield {
                "url": response.url,
                "title": (response.css("h1.title::text").get() or "").strip(),
                "body": "\\n".join(p for p in body if p),
                "time": (response.css("span.time::text").get() or "").strip(),
                "author": (response.css("span.author::text").get() or "").strip(),
            }
    '''
)


def run_rss(cmd, **kw):
    """Run cmd with output to files; wait4 gives this child's own peak RSS."""
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        start = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=out, stderr=err, **kw)
        _, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - start
        p.returncode = os.waitstatus_to_exitcode(status)
        out.seek(0)
        err.seek(0)
        return (
            wall,
            usage.ru_maxrss / 1024.0,  # KiB on Linux
            usage.ru_utime + usage.ru_stime,
            p.returncode,
            out.read().decode("utf-8", "replace"),
            err.read().decode("utf-8", "replace"),
        )


def start_site(yuqing, pages):
    site = subprocess.Popen(
        [yuqing, "bench", "site", "--pages", str(pages), "--addr", "127.0.0.1:0"],
        stdout=subprocess.PIPE,
        text=True,
    )
    url = site.stdout.readline().strip()
    if not url.startswith("http://"):
        site.kill()
        sys.exit(f"bench site did not start: {url!r}")
    return site, url


def run_yuqing(yuqing, url, pages, list_pages, work, concurrency):
    data = work / "yuqing-data"
    config = work / "yuqing.toml"
    config.write_text(
        textwrap.dedent(
            f'''
            data_dir = "{data}"
            dictionaries_dir = "{ROOT / 'dictionaries'}"
            rules_dir = "{ROOT / 'rules'}"

            [crawl]
            per_host_concurrency = {concurrency}
            max_items = {pages}

            [[sources]]
            name = "bench-site"
            kind = "html"
            url = "{url}"
            items = "ul.news li a"
            next_page = "a.next"
            max_pages = {list_pages}
            title = "h1.title"
            body = "div.content p"
            time = "span.time"
            author = "span.author"
            polite = false
            respect_robots = false
            max_items = {pages}
            '''
        )
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("YUQING_")}
    wall, rss, cpu, code, out, err = run_rss(
        [yuqing, "crawl", "--once", "--config", str(config)], env=env
    )
    if code != 0:
        sys.exit(f"yuqing crawl failed ({code}):\n{out}\n{err}")
    row = next((l for l in out.splitlines() if l.startswith("bench-site")), "")
    cells = row.split()
    fetched, new = int(cells[1]), int(cells[2])
    db = sqlite3.connect(data / "yuqing.db")
    stored = db.execute("SELECT COUNT(*) FROM posts").fetchone()[0]
    empty = db.execute("SELECT COUNT(*) FROM posts WHERE title = '' OR text = ''").fetchone()[0]
    alerts = db.execute("SELECT COUNT(*) FROM alerts").fetchone()[0]
    db.close()
    return {
        "name": "yuqing crawl --once (full ingest into SQLite)",
        "wall": wall,
        "rss": rss,
        "cpu": cpu,
        "items": stored,
        "complete": stored == pages and fetched == pages and new == pages and empty == 0,
        "note": f"{fetched} fetched, {new} new, {alerts} alerts",
    }


def run_scrapy(url, pages, work, concurrency):
    spider = work / "campus_spider.py"
    spider.write_text(SPIDER)
    feed = work / "scrapy-items.jsonl"
    cmd = [
        sys.executable, "-m", "scrapy", "runspider", str(spider),
        "-a", f"start={url}",
        "-O", f"{feed}:jsonlines",
        "-s", f"CONCURRENT_REQUESTS={concurrency}",
        "-s", f"CONCURRENT_REQUESTS_PER_DOMAIN={concurrency}",
        "-s", "DOWNLOAD_DELAY=0",
        "-s", "AUTOTHROTTLE_ENABLED=False",
        "-s", "ROBOTSTXT_OBEY=False",
        "-s", "LOG_LEVEL=WARNING",
        "-s", "TELNETCONSOLE_ENABLED=False",
    ]
    wall, rss, cpu, code, out, err = run_rss(cmd, cwd=work)
    if code != 0:
        sys.exit(f"scrapy failed ({code}):\n{out}\n{err}")
    items = [json.loads(l) for l in feed.read_text().splitlines() if l.strip()]
    urls = {i["url"] for i in items}
    empty = sum(1 for i in items if not i["title"] or not i["body"])
    return {
        "name": "Scrapy (extraction to JSONL)",
        "wall": wall,
        "rss": rss,
        "cpu": cpu,
        "items": len(urls),
        "complete": len(urls) == pages and empty == 0,
        "note": f"{len(items)} items",
    }


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--pages", type=int, default=10_000)
    ap.add_argument("--concurrency", type=int, default=16,
                    help="Scrapy CONCURRENT_REQUESTS (and yuqing per_host_concurrency)")
    ap.add_argument("--yuqing", default=str(ROOT / "target" / "release" / "yuqing"))
    ap.add_argument("--skip-scrapy", action="store_true")
    ap.add_argument("--json", action="store_true", help="also print the raw figures as JSON")
    args = ap.parse_args()

    list_pages = -(-args.pages // PER_PAGE)
    requests = args.pages + list_pages
    site, url = start_site(args.yuqing, args.pages)
    try:
        with tempfile.TemporaryDirectory(prefix="crawlbench-") as tmp:
            work = Path(tmp)
            results = [run_yuqing(args.yuqing, url, args.pages, list_pages, work, args.concurrency)]
            if not args.skip_scrapy:
                results.append(run_scrapy(url, args.pages, work, args.concurrency))
    finally:
        site.kill()
        site.wait()

    try:
        import scrapy  # noqa: F401

        scrapy_version = scrapy.__version__
    except ImportError:
        scrapy_version = "not installed"
    print(f"{args.pages} detail + {list_pages} list pages = {requests} pages; "
          f"concurrency {args.concurrency}; Scrapy {scrapy_version}; Python {sys.version.split()[0]}\n")
    print("| crawler | items | wall s | pages/s | CPU s | peak RSS MiB | all items | note |")
    print("|---|---:|---:|---:|---:|---:|---|---|")
    for r in results:
        r["pages_per_s"] = requests / r["wall"]
        print(f"| {r['name']} | {r['items']} | {r['wall']:.2f} | {r['pages_per_s']:,.0f} | "
              f"{r['cpu']:.2f} | {r['rss']:.1f} | {'yes' if r['complete'] else '**NO**'} | {r['note']} |")
    if len(results) == 2:
        y, s = results
        print(f"\nyuqing / Scrapy: pages/s **{y['pages_per_s'] / s['pages_per_s']:.2f}×**, "
              f"peak RSS **{y['rss'] / s['rss']:.2f}×** (aim: ≥ 2× and ≤ 0.33×)")
    if args.json:
        print(json.dumps(results, indent=2))
    if not all(r["complete"] for r in results):
        sys.exit(1)


if __name__ == "__main__":
    main()
