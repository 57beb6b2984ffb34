//! Interleaved A/B of the whole analysis on a noisy machine: tokenize only,
//! the whole analysis post by post, the whole analysis in batches
//! (`Analyzer::analyze_batch`), and jieba-rs's own tokenization (the limit
//! the analysis is held to), one pass over the corpus each, in rotating
//! order, many rounds. Every variant sees the same background load, and the
//! fastest and median pass of each are compared.
//!
//! cargo run --release --example analyze_ab [posts.jsonl] [rounds] [batch]
//!
//! `AB_ONLY=0|1|2|3` runs one variant only (for a profiler).

use std::hint::black_box;
use std::time::Instant;
use yuqing::analyze::Analyzer;
use yuqing::model::PostText;

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args
        .next()
        .unwrap_or_else(|| "benches/corpus/posts.jsonl".to_string());
    let rounds: usize = args.next().map_or(300, |s| s.parse().expect("rounds"));
    let batch: usize = args.next().map_or(64, |s| s.parse().expect("batch"));
    let text = std::fs::read_to_string(&path).expect("corpus");
    let posts: Vec<(String, String)> = text
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l).expect("JSON");
            (
                v["title"].as_str().unwrap_or("").to_string(),
                v["text"].as_str().expect("text").to_string(),
            )
        })
        .collect();
    let texts: Vec<PostText<'_>> = posts
        .iter()
        .map(|(title, text)| PostText {
            title,
            ..PostText::new(text)
        })
        .collect();
    let analyzer = Analyzer::load_default().expect("shipped data loads");
    let tokenizer = analyzer.tokenizer();
    let jieba = tokenizer.jieba().clone();
    let mut buf = Vec::new();
    let mut times: [Vec<f64>; 4] = Default::default();
    let names = ["tokenize", "per post", "batched", "jieba-rs"];
    let only: Option<usize> = std::env::var("AB_ONLY")
        .ok()
        .map(|v| v.parse().expect("AB_ONLY"));
    for round in 0..rounds + 1 {
        for k in 0..4 {
            let variant = (round + k) % 4;
            if only.is_some_and(|o| o != variant) {
                continue;
            }
            let t0 = Instant::now();
            match variant {
                0 => {
                    for (title, text) in &posts {
                        tokenizer.tokens_into(title, &mut buf);
                        black_box(&buf);
                        tokenizer.tokens_into(text, &mut buf);
                        black_box(&buf);
                    }
                }
                1 => {
                    for p in &texts {
                        black_box(analyzer.analyze(p));
                    }
                }
                2 => {
                    for chunk in texts.chunks(batch) {
                        black_box(analyzer.analyze_batch(chunk));
                    }
                }
                _ => {
                    // What the tokenizer did before it had its own
                    // segmenter: jieba-rs's cut, blanks dropped.
                    for (title, text) in &posts {
                        for s in [title, text] {
                            buf.clear();
                            for t in jieba.cut(s, true) {
                                if !t.word.trim().is_empty() {
                                    buf.push(t.word);
                                }
                            }
                            black_box(&buf);
                        }
                    }
                }
            }
            // Round 0 warms the caches and is not counted.
            if round > 0 {
                times[variant].push(t0.elapsed().as_secs_f64() * 1e6 / posts.len() as f64);
            }
        }
    }
    let mut stats = Vec::new();
    if let Some(o) = only {
        let t = &mut times[o];
        t.sort_by(f64::total_cmp);
        println!("fastest {:.3} µs/post, median {:.3}", t[0], t[t.len() / 2]);
        return;
    }
    for (name, t) in names.iter().zip(times.iter_mut()) {
        t.sort_by(f64::total_cmp);
        let (min, median) = (t[0], t[t.len() / 2]);
        println!("{name:>9}: fastest {min:.3} µs/post, median {median:.3} µs/post");
        stats.push((min, median));
    }
    for (base, name) in [(0, "tokenize"), (3, "jieba-rs")] {
        println!(
            "whole / {name} (speed): per post {:.3} (median {:.3}), batched {:.3} (median {:.3})",
            stats[base].0 / stats[1].0,
            stats[base].1 / stats[1].1,
            stats[base].0 / stats[2].0,
            stats[base].1 / stats[2].1
        );
    }
}
