//! `yuqing bench`: throughput of the analyser on one core, as JSON, for
//! `benches/compare.py` to set beside Python jieba and snownlp in one run;
//! ingest throughput; a synthetic site for crawl benchmarks; and the
//! dashboard under load at scale (`dashboard.rs`); the syndication outbox
//! against mock platforms (`syndicate.rs`).

mod cpu;
mod dashboard;
mod rules;
mod site;
mod syndicate;

use super::{AnalysisPaths, load_analyzer, load_config};
use crate::analyze::normalize;
use crate::analyze::rules::Document;
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
    /// Ingest throughput (dedup + analyse + store + alert, then index) into
    /// a fresh SQLite file, or a fresh schema of the PostgreSQL at `--database-url`.
    Ingest {
        #[command(flatten)]
        paths: AnalysisPaths,
        /// JSONL posts; they are repeated with a serial number until `--count`.
        #[arg(long)]
        input: PathBuf,
        #[arg(long, default_value_t = 5000)]
        count: usize,
        /// postgres://… (default: SQLite in a temporary directory).
        #[arg(long)]
        database_url: Option<String>,
    },
    /// The dashboard under load: seed (or reuse) a large SQLite store, run
    /// `yuqing serve` as a child, time concurrent queue pages and searches,
    /// and post → live-update latency.
    Dashboard(dashboard::DashboardArgs),
    /// Matching cost and memory of 10 → 10,000 synthetic rules on the same
    /// texts: the rule-count scaling of the matcher.
    Rules(rules::RulesArgs),
    /// Outbox throughput: contents × six channels published against local
    /// mock platforms, with 1 and N workers; duplicates the mocks saw.
    Syndicate(syndicate::SyndicateArgs),
    /// Time from a post appearing on a polled source to its alert being stored.
    Latency(super::latency::LatencyArgs),
    /// Serve a deterministic synthetic campus news site (list pages of 20
    /// links with pagination, detail pages) on loopback for crawl
    /// benchmarks; prints the first list page's URL, runs until killed.
    Site {
        /// Detail pages.
        #[arg(long, default_value_t = 10_000)]
        pages: usize,
        #[arg(long, default_value = "127.0.0.1:0")]
        addr: std::net::SocketAddr,
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
    /// The same per second of this thread's CPU time: what the stage costs
    /// on one core whatever else the machine is doing.
    cpu_items_per_s: f64,
    cpu_mb_per_s: f64,
    /// The same in the fastest single pass (wall time): on a shared machine
    /// the passes that ran undisturbed, so each stage's cost without the
    /// cache misses other processes cause.
    best_pass_items_per_s: f64,
    best_pass_mb_per_s: f64,
    passes: usize,
}

#[derive(Serialize)]
struct Report {
    items: usize,
    bytes: usize,
    startup_ms: f64,
    /// CPU time of start-up summed over its threads: an upper bound of its
    /// wall time on an idle core, whatever the load during the run.
    startup_cpu_ms: f64,
    tokenize: Throughput,
    /// jieba-rs's own tokenization (what ours replaced, with the same
    /// tokens): the limit the issue holds the whole analysis to.
    tokenize_jieba_rs: Throughput,
    analyze_vs_jieba_rs_cpu: f64,
    analyze_batched_vs_jieba_rs_cpu: f64,
    analyze_vs_jieba_rs_best_pass: f64,
    analyze_batched_vs_jieba_rs_best_pass: f64,
    sentiment_only: Throughput,
    analyze: Throughput,
    analyze_vs_tokenize: f64,
    analyze_vs_tokenize_cpu: f64,
    /// The whole analysis of batches of posts, stage by stage.
    analyze_batched: Throughput,
    analyze_batched_vs_tokenize_cpu: f64,
    analyze_vs_tokenize_best_pass: f64,
    analyze_batched_vs_tokenize_best_pass: f64,
    /// Rule matching alone on the normalised title and text.
    rules_only: Throughput,
    /// Keyword extraction alone (tokens given).
    keywords_only: Throughput,
}

/// Posts per [`crate::analyze::Analyzer::analyze_batch`] call.
const BATCH: usize = 64;

/// Repeats `pass` over the corpus until `min` has elapsed.
fn measure(items: usize, bytes: usize, min: Duration, mut pass: impl FnMut()) -> Throughput {
    pass(); // warm caches
    let cpu_start = cpu::this_thread();
    let start = Instant::now();
    let mut passes = 0;
    let mut best = Duration::MAX;
    while passes == 0 || start.elapsed() < min {
        let t0 = Instant::now();
        pass();
        best = best.min(t0.elapsed());
        passes += 1;
    }
    let secs = start.elapsed().as_secs_f64();
    let cpu_secs = match (cpu_start, cpu::this_thread()) {
        (Some(a), Some(b)) if b > a => (b - a).as_secs_f64(),
        _ => secs,
    };
    let done = (items * passes) as f64;
    let mb = (bytes * passes) as f64 / 1e6;
    Throughput {
        items_per_s: done / secs,
        mb_per_s: mb / secs,
        cpu_items_per_s: done / cpu_secs,
        cpu_mb_per_s: mb / cpu_secs,
        best_pass_items_per_s: items as f64 / best.as_secs_f64(),
        best_pass_mb_per_s: bytes as f64 / 1e6 / best.as_secs_f64(),
        passes,
    }
}

pub(super) fn run(cmd: BenchCommand) -> anyhow::Result<ExitCode> {
    match cmd {
        BenchCommand::Analyze {
            paths,
            input,
            seconds,
        } => bench_analyze(paths, input, seconds),
        BenchCommand::Ingest {
            paths,
            input,
            count,
            database_url,
        } => bench_ingest(paths, input, count, database_url),
        BenchCommand::Latency(args) => super::latency::run(args),
        BenchCommand::Dashboard(args) => dashboard::run(args),
        BenchCommand::Syndicate(args) => syndicate::run(args),
        BenchCommand::Site { pages, addr } => site::run(pages, addr),
        BenchCommand::Rules(args) => rules::run(args),
    }
}

fn read_posts(input: &PathBuf) -> anyhow::Result<Vec<BenchPost>> {
    let text =
        std::fs::read_to_string(input).with_context(|| format!("无法读取 {}", input.display()))?;
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
    Ok(posts)
}

#[derive(Serialize)]
struct IngestReport {
    backend: &'static str,
    posts: usize,
    bytes: usize,
    ingest_posts_per_s: f64,
    index_posts_per_s: f64,
    total_posts_per_s: f64,
    alerts: usize,
}

fn bench_ingest(
    paths: AnalysisPaths,
    input: PathBuf,
    count: usize,
    database_url: Option<String>,
) -> anyhow::Result<ExitCode> {
    use crate::model::{Channel, NewPost, RiskLevel};
    use crate::pipeline::Pipeline;
    use crate::search::{JiebaTokenizer, SearchIndex, catch_up};
    use crate::store::{PgStore, Store};
    use std::sync::Arc;

    let corpus = read_posts(&input)?;
    let config = load_config(&paths)?;
    let analyzer = Arc::new(load_analyzer(
        &config.dictionaries_dir,
        &config.rules_dir,
        config.analysis.clone(),
    )?);
    let dir = tempfile_dir()?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let report = rt.block_on(async {
        let store = match &database_url {
            Some(url) => {
                let schema = format!("bench_{}", std::process::id());
                Store::Postgres(PgStore::connect(url, Some(&schema)).await?)
            }
            None => Store::open(None, &dir).await?,
        };
        let store = Arc::new(store);
        let pipeline = Pipeline::new(analyzer.clone(), store.clone(), RiskLevel::Medium);
        let now = chrono::Utc::now();
        // Distinct posts: the serial number makes each one new content.
        let posts: Vec<NewPost> = (0..count)
            .map(|i| {
                let p = &corpus[i % corpus.len()];
                NewPost {
                    source: format!("bench-{}", i % 7),
                    external_id: i.to_string(),
                    url: Some(format!("http://127.0.0.1/post/{i}")),
                    channel: Channel::Weibo,
                    title: p.title.clone(),
                    text: format!("{} #{i}", p.text),
                    author: None,
                    published_at: Some(now),
                    fetched_at: now,
                    metrics: None,
                    parent_external_id: None,
                    tags: Vec::new(),
                }
            })
            .collect();
        let bytes = posts.iter().map(|p| p.title.len() + p.text.len()).sum();
        let started = Instant::now();
        for p in &posts {
            pipeline.ingest(p, 1.0).await?;
        }
        let ingest_secs = started.elapsed().as_secs_f64();
        let mut index = SearchIndex::open_or_create(
            &dir.join("index"),
            JiebaTokenizer::from_analyzer(analyzer.tokenizer()),
        )?;
        let indexed_at = Instant::now();
        catch_up(&store, &mut index).await?;
        let index_secs = indexed_at.elapsed().as_secs_f64();
        let alerts = store.alerts().await?.len();
        anyhow::Ok(IngestReport {
            backend: store.backend(),
            posts: count,
            bytes,
            ingest_posts_per_s: count as f64 / ingest_secs,
            index_posts_per_s: count as f64 / index_secs,
            total_posts_per_s: count as f64 / (ingest_secs + index_secs),
            alerts,
        })
    })?;
    let _ = std::fs::remove_dir_all(&dir);
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}

fn tempfile_dir() -> anyhow::Result<PathBuf> {
    let dir = std::env::temp_dir().join(format!("yuqing-bench-{}", std::process::id()));
    std::fs::create_dir_all(&dir).with_context(|| format!("无法创建 {}", dir.display()))?;
    Ok(dir)
}

fn bench_analyze(paths: AnalysisPaths, input: PathBuf, seconds: f64) -> anyhow::Result<ExitCode> {
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
    let cpu_before = cpu::this_process();
    let started = Instant::now();
    let analyzer = load_analyzer(
        &config.dictionaries_dir,
        &config.rules_dir,
        config.analysis.clone(),
    )?;
    let startup_ms = started.elapsed().as_secs_f64() * 1e3;
    let startup_cpu_ms = match (cpu_before, cpu::this_process()) {
        (Some(a), Some(b)) => (b - a).as_secs_f64() * 1e3,
        _ => startup_ms,
    };

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
    let jieba = tokenizer.jieba().clone();
    let tokenize_jieba_rs = measure(posts.len(), bytes, min, || {
        for p in &posts {
            for s in [&p.title, &p.text] {
                buf.clear();
                for t in jieba.cut(s, true) {
                    if !t.word.trim().is_empty() {
                        buf.push(t.word);
                    }
                }
                black_box(&buf);
            }
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
    // Rules and keywords on their own, on what the analysis gives them
    // (normalised fields, the tokens of title and text).
    let rules = analyzer.rules();
    let normalised: Vec<(String, String)> = posts
        .iter()
        .map(|p| {
            (
                normalize::normalize(&p.title),
                normalize::normalize(&p.text),
            )
        })
        .collect();
    let rules_only = measure(posts.len(), bytes, min, || {
        for (title, text) in &normalised {
            black_box(rules.matches(&Document {
                title,
                text,
                ..Document::default()
            }));
        }
    });
    let extractor = analyzer.keyword_extractor();
    let top_k = analyzer.settings().keywords;
    let keywords_only = measure(posts.len(), bytes, min, || {
        for t in &token_lists {
            black_box(extractor.extract(t, top_k));
        }
    });
    let texts: Vec<PostText<'_>> = posts
        .iter()
        .map(|p| PostText {
            title: &p.title,
            ..PostText::new(&p.text)
        })
        .collect();
    let analyze_batched = measure(posts.len(), bytes, min, || {
        for chunk in texts.chunks(BATCH) {
            black_box(analyzer.analyze_batch(chunk));
        }
    });
    let vs_jieba = |t: &Throughput, best: bool| {
        if best {
            t.best_pass_mb_per_s / tokenize_jieba_rs.best_pass_mb_per_s
        } else {
            t.cpu_mb_per_s / tokenize_jieba_rs.cpu_mb_per_s
        }
    };
    let report = Report {
        analyze_vs_jieba_rs_cpu: vs_jieba(&analyze, false),
        analyze_batched_vs_jieba_rs_cpu: vs_jieba(&analyze_batched, false),
        analyze_vs_jieba_rs_best_pass: vs_jieba(&analyze, true),
        analyze_batched_vs_jieba_rs_best_pass: vs_jieba(&analyze_batched, true),
        tokenize_jieba_rs,
        items: posts.len(),
        analyze_batched_vs_tokenize_cpu: analyze_batched.cpu_mb_per_s / tokenize.cpu_mb_per_s,
        analyze_vs_tokenize_best_pass: analyze.best_pass_mb_per_s / tokenize.best_pass_mb_per_s,
        analyze_batched_vs_tokenize_best_pass: analyze_batched.best_pass_mb_per_s
            / tokenize.best_pass_mb_per_s,
        analyze_batched,
        rules_only,
        keywords_only,
        bytes,
        startup_ms,
        startup_cpu_ms,
        analyze_vs_tokenize: analyze.mb_per_s / tokenize.mb_per_s,
        analyze_vs_tokenize_cpu: analyze.cpu_mb_per_s / tokenize.cpu_mb_per_s,
        tokenize,
        sentiment_only,
        analyze,
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}
