//! `yuqing bench rules`: the matcher's cost as the rule count grows. The
//! same synthetic rule sets and corpus as `benches/rules.rs` (300 short
//! posts + 10 long articles with rule words planted at a realistic
//! density, or in a third of all sentences with `--dense`), timed in this
//! thread's CPU time so that a loaded machine does not skew the ratios.

use super::cpu;
use crate::analyze::rules::{Document, RuleSet, synthetic};
use serde::Serialize;
use std::process::ExitCode;
use std::time::Duration;

#[derive(Debug, clap::Args)]
pub struct RulesArgs {
    /// Matching passes over the corpus per round (best of three rounds).
    #[arg(long, default_value_t = 200)]
    passes: usize,
    /// Rule counts to compare; the first is the baseline.
    #[arg(long, value_delimiter = ',', default_value = "10,1000,10000")]
    sizes: Vec<usize>,
    /// Plant rule words into a third of all sentences (many hits).
    #[arg(long)]
    dense: bool,
}

#[derive(Serialize)]
struct Row {
    rules: usize,
    terms: usize,
    hits_per_pass: usize,
    distinct_rules_firing: usize,
    compile_ms: f64,
    cpu_ms_per_pass: f64,
    vs_first: f64,
    /// Growth of the process's resident memory while the set is held: an
    /// approximation of the set's heap (allocator slack counts, memory freed
    /// by an earlier size may be reused); `examples/rules_memory.rs` counts
    /// the heap exactly.
    rss_growth_mib: f64,
}

#[derive(Serialize)]
struct Report {
    docs: usize,
    bytes: usize,
    dense: bool,
    passes: usize,
    sizes: Vec<Row>,
}

fn rss_mib() -> f64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines()
                .find_map(|l| l.strip_prefix("VmRSS:"))
                .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        })
        .map_or(0.0, |kib| kib / 1024.0)
}

pub(super) fn run(args: RulesArgs) -> anyhow::Result<ExitCode> {
    anyhow::ensure!(!args.sizes.is_empty(), "--sizes 至少需要一个规则数");
    anyhow::ensure!(args.passes > 0, "--passes 必须大于 0");
    let corpus = if args.dense {
        synthetic::bench_corpus_dense()
    } else {
        synthetic::bench_corpus()
    };
    let docs: Vec<Document<'_>> = corpus
        .iter()
        .map(|t| Document {
            text: t,
            ..Document::default()
        })
        .collect();
    // One-time allocations (lazy tables, thread-local buffers) are made
    // here, not counted against the first size.
    let warm = RuleSet::from_sources(&synthetic::rule_files(10))?;
    docs.iter().for_each(|d| drop(warm.matches(d)));
    drop(warm);
    let mut rows: Vec<Row> = Vec::new();
    for &n in &args.sizes {
        let files = synthetic::rule_files(n);
        let rss_before = rss_mib();
        let cpu0 = cpu::this_thread();
        let rules = RuleSet::from_sources(&files)?;
        let compile = match (cpu0, cpu::this_thread()) {
            (Some(a), Some(b)) => b - a,
            _ => Duration::ZERO,
        };
        drop(files);
        let rss_growth_mib = (rss_mib() - rss_before).max(0.0);
        let hits: usize = docs.iter().map(|d| rules.matches(d).len()).sum();
        let firing: std::collections::HashSet<String> = docs
            .iter()
            .flat_map(|d| rules.matches(d).into_iter().map(|h| h.rule))
            .collect();
        let mut best = Duration::MAX;
        for _ in 0..3 {
            let t0 = cpu::this_thread();
            let mut total = 0;
            for _ in 0..args.passes {
                for d in &docs {
                    total += std::hint::black_box(rules.matches(std::hint::black_box(d))).len();
                }
            }
            let spent = match (t0, cpu::this_thread()) {
                (Some(a), Some(b)) => b - a,
                _ => anyhow::bail!("无法读取 /proc/thread-self/schedstat（需要 Linux）"),
            };
            anyhow::ensure!(total == hits * args.passes, "匹配结果不稳定");
            best = best.min(spent / args.passes as u32);
        }
        let ms = best.as_secs_f64() * 1e3;
        let first = rows.first().map_or(ms, |r| r.cpu_ms_per_pass);
        let row = Row {
            rules: rules.len(),
            terms: rules.summary().terms,
            hits_per_pass: hits,
            distinct_rules_firing: firing.len(),
            compile_ms: compile.as_secs_f64() * 1e3,
            cpu_ms_per_pass: ms,
            vs_first: ms / first,
            rss_growth_mib,
        };
        eprintln!(
            "{:>6} 条规则：{} 个词，每遍 {} 次命中，每遍 CPU {:.3} ms（{:.2}×），编译 {:.0} ms，常驻内存增长 {:.1} MiB",
            row.rules,
            row.terms,
            row.hits_per_pass,
            row.cpu_ms_per_pass,
            row.vs_first,
            row.compile_ms,
            row.rss_growth_mib
        );
        rows.push(row);
    }
    let report = Report {
        docs: docs.len(),
        bytes: corpus.iter().map(String::len).sum(),
        dense: args.dense,
        passes: args.passes,
        sizes: rows,
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}
