//! Matching cost against rule-set size: the same corpus (short posts and long
//! articles) matched with 10, 1,000 and 10,000 synthetic rules. The design goal
//! is that 10,000 rules cost at most 1.5× the time of 10.
//!
//! cargo bench --bench rules

use criterion::{BenchmarkId, Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use yuqing::analyze::rules::{Document, RuleSet, synthetic};

fn matching(c: &mut Criterion) {
    // Words of every 97th rule up to 10,000 are planted, so larger sets find
    // (a few) more hits, as they would on real posts; the dense corpus plants
    // them into a third of all sentences.
    for (name, corpus) in [
        ("rules/match", synthetic::bench_corpus()),
        ("rules/match-dense", synthetic::bench_corpus_dense()),
    ] {
        matching_on(c, name, &corpus);
    }
}

fn matching_on(c: &mut Criterion, name: &str, corpus: &[String]) {
    let bytes: usize = corpus.iter().map(String::len).sum();
    let mut group = c.benchmark_group(name);
    group.throughput(Throughput::Bytes(bytes as u64));
    for n in [10, 1_000, 10_000] {
        let rules = RuleSet::from_sources(&synthetic::rule_files(n)).expect("synthetic rules");
        let hits: usize = corpus.iter().map(|t| rules.matches(&doc(t)).len()).sum();
        eprintln!(
            "{name}, {n} rules: {} terms, {hits} hits on {} docs ({bytes} bytes)",
            rules.summary().terms,
            corpus.len()
        );
        group.bench_with_input(BenchmarkId::from_parameter(n), &rules, |b, rules| {
            b.iter(|| {
                let mut total = 0;
                for t in corpus {
                    total += rules.matches(black_box(&doc(t))).len();
                }
                total
            })
        });
    }
    group.finish();
}

fn compile(c: &mut Criterion) {
    let files = synthetic::rule_files(10_000);
    let mut group = c.benchmark_group("rules/compile");
    group.sample_size(10);
    group.bench_function("10000", |b| {
        b.iter(|| RuleSet::from_sources(black_box(&files)).expect("compiles"))
    });
    group.finish();
}

fn doc(text: &str) -> Document<'_> {
    Document {
        title: "",
        text,
        author: "",
        source: "",
    }
}

criterion_group!(benches, matching, compile);
criterion_main!(benches);
