//! `yuqing crawl [--config F] [--source NAME] --once`: one pass over the due
//! (or the named) sources, then a summary table; non-zero exit if any failed.

use super::{AnalysisPaths, load_analyzer, load_config};
use crate::crawl::{self, CrawlProgress, CrawlSummary, SourceSummary};
use crate::pipeline::Pipeline;
use crate::store::Store;
use anyhow::Context;
use indicatif::{ProgressBar, ProgressStyle};
use std::io::IsTerminal;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

#[derive(Debug, clap::Args)]
pub struct CrawlArgs {
    /// Configuration file (default: ./yuqing.toml if present).
    #[arg(long, env = "YUQING_CONFIG")]
    pub config: Option<PathBuf>,
    /// Only this source, due or not.
    #[arg(long)]
    pub source: Option<String>,
    /// One pass, then exit (continuous scheduling runs in `yuqing serve`).
    #[arg(long)]
    pub once: bool,
}

pub fn run(args: CrawlArgs) -> anyhow::Result<ExitCode> {
    if !args.once {
        eprintln!("持续调度由 `yuqing serve` 负责；单次抓取请使用 `yuqing crawl --once`。");
        return Ok(ExitCode::from(2));
    }
    let config = load_config(&AnalysisPaths {
        config: args.config.clone(),
        rules: None,
        dictionaries: None,
    })?;
    let analyzer = load_analyzer(
        &config.dictionaries_dir,
        &config.rules_dir,
        config.analysis.clone(),
    )?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    let summary = runtime.block_on(async {
        let store = Store::open(
            config.database_url.as_ref().map(|s| s.expose()),
            &config.data_dir,
        )
        .await
        .context("无法打开数据库")?;
        let pipeline = Pipeline::new(Arc::new(analyzer), Arc::new(store), config.alert_level())
            .with_review(Arc::new(config.review.clone()));
        let total = config
            .sources
            .iter()
            .filter(|s| s.kind.is_scheduled() && args.source.as_deref().is_none_or(|n| n == s.name))
            .count();
        let progress: Arc<dyn CrawlProgress> = if std::io::stderr().is_terminal() {
            Arc::new(Bar::new(total))
        } else {
            Arc::new(crawl::NoProgress)
        };
        let summary =
            crawl::crawl_once(&config, &pipeline, args.source.as_deref(), progress.clone())
                .await
                .context("抓取未能开始")?;
        anyhow::Ok(summary)
    })?;
    print!("{}", render_table(&summary));
    Ok(if summary.any_failed() {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

struct Bar {
    bar: ProgressBar,
    total: usize,
    done: AtomicUsize,
    items: AtomicUsize,
}

impl Bar {
    fn new(total: usize) -> Bar {
        let bar = ProgressBar::new(total as u64);
        bar.set_style(
            ProgressStyle::with_template("{spinner} [{elapsed}] {bar:30} {pos}/{len} 个来源 {msg}")
                .expect("valid template"),
        );
        bar.enable_steady_tick(std::time::Duration::from_millis(120));
        Bar {
            bar,
            total,
            done: AtomicUsize::new(0),
            items: AtomicUsize::new(0),
        }
    }
}

impl CrawlProgress for Bar {
    fn started(&self, source: &str) {
        self.bar.set_message(format!("正在抓取 {source}"));
    }
    fn item(&self, _source: &str) {
        let n = self.items.fetch_add(1, Ordering::Relaxed) + 1;
        if n.is_multiple_of(10) {
            self.bar.set_message(format!("已抓取 {n} 条"));
        }
    }
    fn finished(&self, _summary: &SourceSummary) {
        let done = self.done.fetch_add(1, Ordering::Relaxed) + 1;
        self.bar.set_position(done as u64);
        if done >= self.total {
            self.bar.finish_and_clear();
        }
    }
}

/// Terminal columns of a string (CJK characters count two).
pub(super) fn width(s: &str) -> usize {
    s.chars()
        .map(|c| if (c as u32) >= 0x1100 { 2 } else { 1 })
        .sum()
}

pub(super) fn pad(s: &str, w: usize) -> String {
    format!("{s}{}", " ".repeat(w.saturating_sub(width(s))))
}

/// The summary in Simplified Chinese: 来源, 抓取, 新增, 重复, 错误, then status.
pub fn render_table(summary: &CrawlSummary) -> String {
    let head = ["来源", "抓取", "新增", "重复", "未变化", "错误", "状态"];
    let mut rows: Vec<[String; 7]> = Vec::new();
    let (mut skipped, mut busy) = (0, 0);
    for s in &summary.sources {
        if s.busy {
            busy += 1;
            continue;
        }
        if !s.ran {
            skipped += 1;
            continue;
        }
        let status = match (&s.failed, &s.stats.last_error) {
            (true, Some(e)) => format!("失败：{e}"),
            (false, Some(e)) => format!("部分出错：{e}"),
            _ => "成功".to_string(),
        };
        rows.push([
            s.name.clone(),
            s.stats.fetched.to_string(),
            s.stats.new.to_string(),
            s.stats.duplicates.to_string(),
            s.stats.not_modified.to_string(),
            s.error_count().to_string(),
            status,
        ]);
    }
    let mut widths: Vec<usize> = head.iter().map(|h| width(h)).collect();
    for r in &rows {
        for (i, c) in r.iter().enumerate() {
            widths[i] = widths[i].max(width(c));
        }
    }
    let line = |cells: Vec<&str>| {
        let mut l = cells
            .iter()
            .enumerate()
            .map(|(i, c)| {
                if i + 1 == cells.len() {
                    c.to_string()
                } else {
                    pad(c, widths[i])
                }
            })
            .collect::<Vec<_>>()
            .join("  ");
        l.push('\n');
        l
    };
    let mut out = line(head.to_vec());
    for r in &rows {
        out.push_str(&line(r.iter().map(String::as_str).collect()));
    }
    let failed = summary.sources.iter().filter(|s| s.failed).count();
    out.push_str(&format!("共 {} 个来源运行，{} 个失败", rows.len(), failed));
    if skipped > 0 {
        out.push_str(&format!("，{skipped} 个未到抓取时间"));
    }
    if busy > 0 {
        out.push_str(&format!("，{busy} 个正由其他进程抓取"));
    }
    out.push('\n');
    out
}
