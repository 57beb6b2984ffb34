//! Criterion benchmarks of each analysis stage on realistic short posts and
//! longer articles (benches/corpus). `cargo bench --bench analyze`.

use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use std::hint::black_box;
use yuqing::analyze::Analyzer;
use yuqing::analyze::normalize::normalize;
use yuqing::analyze::rules::Document;
use yuqing::model::PostText;

struct Post {
    title: String,
    text: String,
}

fn corpus(name: &str) -> Vec<Post> {
    let path = format!("{}/benches/corpus/{name}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(&path)
        .unwrap_or_else(|e| panic!("{path}: {e}"))
        .lines()
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("corpus line is JSON");
            Post {
                title: v["title"].as_str().unwrap_or("").to_string(),
                text: v["text"].as_str().expect("text").to_string(),
            }
        })
        .collect()
}

fn stages(c: &mut Criterion) {
    let analyzer = Analyzer::load_default().expect("shipped dictionaries and rules load");
    for name in ["posts.jsonl", "articles.jsonl"] {
        let posts = corpus(name);
        let normalized: Vec<String> = posts.iter().map(|p| normalize(&p.text)).collect();
        let bytes: usize = posts.iter().map(|p| p.text.len()).sum();
        let mut group = c.benchmark_group(name.trim_end_matches(".jsonl"));
        group.throughput(Throughput::Bytes(bytes as u64));

        group.bench_function("normalize", |b| {
            b.iter(|| {
                for p in &posts {
                    black_box(normalize(&p.text));
                }
            })
        });
        let tokenizer = analyzer.tokenizer();
        group.bench_function("tokenize", |b| {
            let mut buf = Vec::new();
            b.iter(|| {
                for t in &normalized {
                    tokenizer.tokens_into(t, &mut buf);
                    black_box(&buf);
                }
            })
        });
        let tokens: Vec<Vec<&str>> = normalized.iter().map(|t| tokenizer.tokens(t)).collect();
        let model = analyzer.sentiment_model();
        group.bench_function("sentiment", |b| {
            b.iter(|| {
                for t in &tokens {
                    black_box(model.score(t, 0.15));
                }
            })
        });
        let rules = analyzer.rules();
        group.bench_function("rules", |b| {
            b.iter(|| {
                for t in &normalized {
                    black_box(rules.matches(&Document {
                        title: "",
                        text: t,
                        author: "",
                        source: "",
                    }));
                }
            })
        });
        group.bench_function("analyze", |b| {
            b.iter(|| {
                for p in &posts {
                    black_box(analyzer.analyze(&PostText {
                        title: &p.title,
                        ..PostText::new(&p.text)
                    }));
                }
            })
        });
        group.finish();
    }
}

criterion_group! {
    name = benches;
    config = Criterion::default().sample_size(20);
    targets = stages
}
criterion_main!(benches);
