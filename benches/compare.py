#!/usr/bin/env python3
"""Side-by-side speed of yuqing's analyser and the Python baselines, in one run.

Measures on the same texts (benches/corpus/*.jsonl), one core each, in
CPU time of the measuring thread on both sides, so that other processes
sharing the machine do not skew the ratios:
  - yuqing: `yuqing bench analyze` (start-up, tokenize only, jieba-rs tokenize, sentiment
    only, whole analysis)
  - Python jieba 0.42 `lcut` (HMM on, same user dictionaries)
  - snownlp `SnowNLP(text).sentiments`

Usage (from the repository root):
  pip install jieba snownlp
  cargo build --release
  python3 benches/compare.py [--seconds 3]
Prints a Markdown table for docs/performance.md.
"""
import argparse
import glob
import json
import os
import subprocess
import sys
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def load(name):
    with open(os.path.join(ROOT, "benches", "corpus", name), encoding="utf-8") as f:
        posts = [json.loads(line) for line in f if line.strip()]
    return [(p.get("title") or "", p["text"]) for p in posts]


def rate(posts, fn, seconds):
    """items/s and MB/s of fn over the corpus per second of this thread's CPU
    time (as `yuqing bench analyze` reports its `cpu_*` figures), repeated
    for at least `seconds` of wall time; then the items/s of the fastest
    single pass in wall time (as its `best_pass_*` figures)."""
    nbytes = sum(len(t.encode()) + len(b.encode()) for t, b in posts)
    fn(posts[:1])  # warm-up
    start = time.perf_counter()
    cpu_start = time.thread_time()
    passes = 0
    items = 0
    best = 0.0
    while passes == 0 or time.perf_counter() - start < seconds:
        # snownlp is slow: count partial passes so short budgets still work
        t0 = time.perf_counter()
        done = fn(posts, deadline=start + seconds) if passes == 0 else fn(posts)
        best = max(best, done / (time.perf_counter() - t0))
        items += done
        passes += 1
        if done < len(posts):
            break
    secs = time.thread_time() - cpu_start
    return items / secs, nbytes * (items / len(posts)) / secs / 1e6, best


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--binary", default=os.path.join(ROOT, "target", "release", "yuqing"))
    args = ap.parse_args()
    try:
        import jieba
        import snownlp
    except ImportError:
        sys.exit("needs: pip install jieba snownlp")
    jieba.setLogLevel(60)
    jieba.initialize()
    for path in sorted(glob.glob(os.path.join(ROOT, "dictionaries", "user", "*.txt"))):
        jieba.load_userdict(path)

    def jieba_pass(posts, deadline=None):
        n = 0
        for title, text in posts:
            jieba.lcut(title, HMM=True)
            jieba.lcut(text, HMM=True)
            n += 1
        return n

    def snownlp_pass(posts, deadline=None):
        n = 0
        for title, text in posts:
            snownlp.SnowNLP(title + text).sentiments
            n += 1
            if deadline and time.perf_counter() > deadline:
                break
        return n

    rows = []
    for name in ["posts.jsonl", "articles.jsonl"]:
        posts = load(name)
        out = subprocess.run(
            [args.binary, "bench", "analyze", "--input",
             os.path.join(ROOT, "benches", "corpus", name), "--seconds", str(args.seconds)],
            cwd=ROOT, check=True, capture_output=True, text=True,
        )
        ours = json.loads(out.stdout)
        j_items, j_mb, j_best = rate(posts, jieba_pass, args.seconds)
        s_items, s_mb, s_best = rate(posts, snownlp_pass, args.seconds)
        rows.append((name, ours, (j_items, j_mb), (s_items, s_mb), (j_best, s_best)))

    print("| corpus | measure | items/CPU-s | MB/CPU-s | ratio |")
    print("|---|---|---:|---:|---|")
    for name, ours, (j_items, j_mb), (s_items, s_mb), _ in rows:
        a, t, s = ours["analyze"], ours["tokenize"], ours["sentiment_only"]
        print(f"| {name} | yuqing whole analysis | {a['cpu_items_per_s']:.0f} | {a['cpu_mb_per_s']:.2f} | "
              f"{a['cpu_items_per_s'] / s_items:.0f}× snownlp sentiment |")
        b = ours["analyze_batched"]
        print(f"| {name} | yuqing whole analysis, batches of 64 | {b['cpu_items_per_s']:.0f} | "
              f"{b['cpu_mb_per_s']:.2f} | {b['cpu_items_per_s'] / s_items:.0f}× snownlp sentiment |")
        print(f"| {name} | yuqing tokenize only | {t['cpu_items_per_s']:.0f} | {t['cpu_mb_per_s']:.2f} | "
              f"{t['cpu_items_per_s'] / j_items:.0f}× Python jieba lcut |")
        jr = ours["tokenize_jieba_rs"]
        print(f"| {name} | jieba-rs tokenize (the tokens ours gives) | {jr['cpu_items_per_s']:.0f} | "
              f"{jr['cpu_mb_per_s']:.2f} | {jr['cpu_items_per_s'] / j_items:.0f}× Python jieba lcut |")
        print(f"| {name} | yuqing sentiment only (tokens given) | {s['cpu_items_per_s']:.0f} | "
              f"{s['cpu_mb_per_s']:.2f} | |")
        print(f"| {name} | Python jieba lcut | {j_items:.0f} | {j_mb:.2f} | |")
        print(f"| {name} | snownlp sentiments | {s_items:.1f} | {s_mb:.3f} | |")
        print(f"| {name} | whole analysis / tokenize only | | | {ours['analyze_vs_tokenize_cpu']:.2f} |")
        print(f"| {name} | batches of 64 / tokenize only | | | "
              f"{ours['analyze_batched_vs_tokenize_cpu']:.2f} |")
        print(f"| {name} | whole analysis / jieba-rs tokenize | | | "
              f"{ours['analyze_vs_jieba_rs_cpu']:.2f} |")
        print(f"| {name} | batches of 64 / jieba-rs tokenize | | | "
              f"{ours['analyze_batched_vs_jieba_rs_cpu']:.2f} |")
    print()
    print("Fastest single pass (wall time; the passes other processes did not disturb):")
    print()
    print("| corpus | yuqing whole items/s | batched | tokenize | whole / tokenize | batched / tokenize "
          "| whole / jieba-rs | batched / jieba-rs "
          "| jieba lcut | snownlp | whole / snownlp | batched / snownlp |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for name, ours, _, _, (j_best, s_best) in rows:
        a, b, t = ours["analyze"], ours["analyze_batched"], ours["tokenize"]
        print(f"| {name} | {a['best_pass_items_per_s']:.0f} | {b['best_pass_items_per_s']:.0f} | "
              f"{t['best_pass_items_per_s']:.0f} | {ours['analyze_vs_tokenize_best_pass']:.2f} | "
              f"{ours['analyze_batched_vs_tokenize_best_pass']:.2f} | "
              f"{ours['analyze_vs_jieba_rs_best_pass']:.2f} | "
              f"{ours['analyze_batched_vs_jieba_rs_best_pass']:.2f} | {j_best:.0f} | {s_best:.1f} | "
              f"{a['best_pass_items_per_s'] / s_best:.0f}× | {b['best_pass_items_per_s'] / s_best:.0f}× |")
    print()
    first = rows[0][1]
    print(f"start-up (dictionaries + rules loaded): {first['startup_ms']:.0f} ms wall, "
          f"{first['startup_cpu_ms']:.0f} ms CPU over its threads")
    for name, ours, *_ in rows:
        print(f"{name}: {ours['items']} items, {ours['bytes'] / 1e3:.0f} kB")


if __name__ == "__main__":
    main()
