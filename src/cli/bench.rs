//! `yuqing bench`: throughput of the analyser on one core, as JSON, for
//! `benches/compare.py` to set beside Python jieba and snownlp in one run.

use super::{AnalysisPaths, load_analyzer, load_config};
use crate::model::PostText;
use anyhow::Context;
use serde::{Deserialize, Serialize};
use std::hint::black_box;
use std::path::PathBuf;
use std::process::ExitCode;
use std::time::{Duration, Instant};

#[derive(Debug, clap::Subcommand)]
pub enum BenchCommand {
    /// Start-up time, then tokenize-only vs. whole analysis on the posts of a JSONL file.
    Analyze {
        #[command(flatten)]
        paths: AnalysisPaths,
        /// JSONL posts (only `title` and `text` are read).
        #[arg(long)]
        input: PathBuf,
        /// Minimum measuring time per stage, in seconds.
        #[arg(long, default_value_t = 3.0)]
        seconds: f64,
    },
}

#[derive(Deserialize)]
struct BenchPost {
    #[serde(default)]
    title: String,
    text: String,
}

#[derive(Serialize)]
struct Throughput {
    items_per_s: f64,
    mb_per_s: f64,
    passes: usize,
}

#[derive(Serialize)]
struct Report {
    items: usize,
    bytes: usize,
    startup_ms: f64,
    tokenize: Throughput,
    sentiment_only: Throughput,
    analyze: Throughput,
    analyze_vs_tokenize: f64,
}

/// Repeats `pass` over the corpus until `min` has elapsed.
fn measure(items: usize, bytes: usize, min: Duration, mut pass: impl FnMut()) -> Throughput {
    pass(); // warm caches
    let start = Instant::now();
    let mut passes = 0;
    while passes == 0 || start.elapsed() < min {
        pass();
        passes += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    Throughput {
        items_per_s: (items * passes) as f64 / secs,
        mb_per_s: (bytes * passes) as f64 / secs / 1e6,
        passes,
    }
}

pub(super) fn run(cmd: BenchCommand) -> anyhow::Result<ExitCode> {
    let BenchCommand::Analyze {
        paths,
        input,
        seconds,
    } = cmd;
    let text =
        std::fs::read_to_string(&input).with_context(|| format!("无法读取 {}", input.display()))?;
    let mut posts = Vec::new();
    for (i, line) in text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty())
    {
        let post: BenchPost = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: 无效的 JSON", input.display(), i + 1))?;
        posts.push(post);
    }
    anyhow::ensure!(!posts.is_empty(), "{} 中没有帖子", input.display());
    let bytes: usize = posts.iter().map(|p| p.title.len() + p.text.len()).sum();

    let config = load_config(&paths)?;
    let started = Instant::now();
    let analyzer = load_analyzer(
        &config.dictionaries_dir,
        &config.rules_dir,
        config.analysis.clone(),
    )?;
    let startup_ms = started.elapsed().as_secs_f64() * 1e3;

    let min = Duration::from_secs_f64(seconds);
    let tokenizer = analyzer.tokenizer();
    let mut buf = Vec::new();
    let tokenize = measure(posts.len(), bytes, min, || {
        for p in &posts {
            tokenizer.tokens_into(&p.title, &mut buf);
            black_box(&buf);
            tokenizer.tokens_into(&p.text, &mut buf);
            black_box(&buf);
        }
    });
    let model = analyzer.sentiment_model();
    let band = analyzer.settings().neutral_band;
    let token_lists: Vec<Vec<&str>> = posts.iter().map(|p| tokenizer.tokens(&p.text)).collect();
    let sentiment_only = measure(posts.len(), bytes, min, || {
        for t in &token_lists {
            black_box(model.score(t, band));
        }
    });
    let analyze = measure(posts.len(), bytes, min, || {
        for p in &posts {
            black_box(analyzer.analyze(&PostText {
                title: &p.title,
                ..PostText::new(&p.text)
            }));
        }
    });
    let report = Report {
        items: posts.len(),
        bytes,
        startup_ms,
        analyze_vs_tokenize: analyze.mb_per_s / tokenize.mb_per_s,
        tokenize,
        sentiment_only,
        analyze,
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}
