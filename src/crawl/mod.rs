//! The crawler: fetch with manners ([`fetch`]), read pages, feeds and JSON
//! APIs ([`source`]), and hand every item to the ingest pipeline.
//! [`crawl_once`] is one pass over the due (or one named) source.

pub mod charset;
pub mod extract;
pub mod fetch;
pub mod progress;
pub mod schedule;
pub mod source;
pub mod text;
pub mod time;

use crate::config::{Config, ConfigError};
use crate::pipeline::Pipeline;
use crate::store::StoreError;
use chrono::{DateTime, Utc};
use serde::Serialize;
use source::{RunCtx, RunStats, Source, SourceCursor};
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::Semaphore;

pub use fetch::{FetchError, Fetcher};
pub use progress::{CrawlProgress, NoProgress};

/// What one source did in a crawl.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct SourceSummary {
    pub name: String,
    pub kind: &'static str,
    /// False when the source was not due and was left alone.
    pub ran: bool,
    /// True when it was due but another process was running it.
    pub busy: bool,
    /// True when the source as a whole failed (its error state is set).
    pub failed: bool,
    #[serde(flatten)]
    pub stats: RunStats,
    pub next_run_at: Option<DateTime<Utc>>,
}

impl SourceSummary {
    /// Errors for the summary table: item errors plus the source's own failure.
    pub fn error_count(&self) -> usize {
        self.stats.errors + usize::from(self.failed)
    }
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize)]
pub struct CrawlSummary {
    /// In configuration order.
    pub sources: Vec<SourceSummary>,
}

impl CrawlSummary {
    pub fn any_failed(&self) -> bool {
        self.sources.iter().any(|s| s.failed)
    }

    pub fn get(&self, name: &str) -> Option<&SourceSummary> {
        self.sources.iter().find(|s| s.name == name)
    }
}

/// Errors that stop a crawl before any source runs.
#[derive(Debug, thiserror::Error)]
pub enum CrawlError {
    #[error("{0}")]
    Config(#[from] ConfigError),
    #[error("没有名为 '{0}' 的来源")]
    UnknownSource(String),
    #[error("来源 '{0}' 是推送类来源（push），由接口接收，不需要抓取")]
    NotCrawled(String),
    #[error("无法创建 HTTP 客户端：{0}")]
    Client(#[from] FetchError),
    #[error("数据库错误：{0}")]
    Store(#[from] StoreError),
}

#[derive(Debug, Clone, Copy, Default)]
pub struct CrawlOptions<'a> {
    /// Only this source, due or not.
    pub only: Option<&'a str>,
    /// Run every crawled source, due or not.
    pub force: bool,
}

/// How long a process may hold a source before others may take it over
/// (it gives the lease back when the run ends; this covers a dead process).
pub const LEASE: Duration = Duration::from_secs(15 * 60);

/// One pass over the due sources (or only the named one, due or not).
pub async fn crawl_once(
    config: &Config,
    pipeline: &Pipeline,
    only: Option<&str>,
    progress: Arc<dyn CrawlProgress>,
) -> Result<CrawlSummary, CrawlError> {
    crawl_with(
        config,
        pipeline,
        CrawlOptions { only, force: false },
        progress,
    )
    .await
}

/// The sources of `config` that run on a schedule (crawled or imported),
/// built and checked; only the named one with `only`.
pub fn build_sources(config: &Config, only: Option<&str>) -> Result<Vec<Arc<Source>>, CrawlError> {
    if let Some(name) = only {
        let s = config
            .sources
            .iter()
            .find(|s| s.name == name)
            .ok_or_else(|| CrawlError::UnknownSource(name.to_string()))?;
        if !s.kind.is_scheduled() {
            return Err(CrawlError::NotCrawled(name.to_string()));
        }
    }
    let mut sources = Vec::new();
    for s in &config.sources {
        if s.kind.is_scheduled() && only.is_none_or(|n| n == s.name) {
            sources.push(Arc::new(s.build()?));
        }
    }
    Ok(sources)
}

/// What every source run shares: the HTTP client, the pipeline, and the
/// lease owner's name.
pub struct Runner {
    pub fetcher: Fetcher,
    pub pipeline: Pipeline,
    pub max_items: usize,
    /// This process, as lease owner: host and pid.
    pub owner: String,
    /// SQLite takes one writer at a time; serialising our writes avoids
    /// "database is locked" when sources finish together.
    write_lock: Option<tokio::sync::Mutex<()>>,
}

impl Runner {
    pub fn new(config: &Config, pipeline: Pipeline) -> Result<Runner, CrawlError> {
        let write_lock =
            (pipeline.store().backend() == "sqlite").then(|| tokio::sync::Mutex::new(()));
        let host = host_name();
        Ok(Runner {
            fetcher: Fetcher::new(&config.crawl)?,
            pipeline,
            max_items: config.crawl.max_items,
            owner: format!("{host}:{}", std::process::id()),
            write_lock,
        })
    }

    /// Take `source` for a run if it is due (or `force`) and no other
    /// live process holds it. A lease left by a killed process on this host
    /// is taken over at once instead of waiting for it to expire.
    pub async fn claim(&self, source: &Source, force: bool) -> Result<bool, StoreError> {
        let now = Utc::now();
        let until = now + chrono_dur(LEASE);
        let store = self.pipeline.store();
        if store
            .claim_source(&source.name, &self.owner, now, until, force)
            .await?
        {
            return Ok(true);
        }
        let Some(holder) = store.lease_owner(&source.name).await? else {
            return Ok(false);
        };
        if !owner_is_dead(&holder) {
            return Ok(false);
        }
        tracing::warn!(source = %source.name, holder = %holder, "taking over the lease of a process that is gone");
        if !store
            .take_over_lease(&source.name, &holder, &self.owner, until)
            .await?
        {
            return Ok(false);
        }
        // Due-ness still applies: the dead run recorded nothing.
        store
            .claim_source(&source.name, &self.owner, now, until, force)
            .await
    }
}

/// This machine's name, for lease owners (`host:pid`).
fn host_name() -> String {
    std::fs::read_to_string("/proc/sys/kernel/hostname")
        .or_else(|_| std::fs::read_to_string("/etc/hostname"))
        .map(|h| h.trim().to_string())
        .ok()
        .filter(|h| !h.is_empty())
        .or_else(|| std::env::var("HOSTNAME").ok())
        .unwrap_or_else(|| "localhost".into())
}

/// Whether a lease owner `host:pid` is a process on this host that no
/// longer runs. Owners elsewhere are never judged dead: their leases expire.
fn owner_is_dead(owner: &str) -> bool {
    let Some((host, pid)) = owner.rsplit_once(':') else {
        return false;
    };
    let Ok(pid) = pid.parse::<u32>() else {
        return false;
    };
    if host != host_name() || pid == std::process::id() {
        return false;
    }
    let proc = std::path::Path::new("/proc");
    proc.is_dir() && !proc.join(pid.to_string()).exists()
}

/// [`crawl_once`] with all options.
pub async fn crawl_with(
    config: &Config,
    pipeline: &Pipeline,
    opts: CrawlOptions<'_>,
    progress: Arc<dyn CrawlProgress>,
) -> Result<CrawlSummary, CrawlError> {
    // Validate everything up front; nothing runs with a broken source.
    let sources = build_sources(config, opts.only)?;
    let runner = Arc::new(Runner::new(config, pipeline.clone())?);
    let store = pipeline.store().clone();
    let slots = Arc::new(Semaphore::new(config.crawl.concurrency.max(1)));
    let mut tasks = tokio::task::JoinSet::new();
    let mut summaries: Vec<SourceSummary> = Vec::new();
    let force = opts.force || opts.only.is_some();
    for source in &sources {
        store
            .ensure_source(&source.name, source.kind.as_str())
            .await?;
    }
    for source in sources {
        let state = store.source_state(&source.name).await?.unwrap_or_default();
        // The claim checks due-ness and other processes' leases at once.
        if !runner.claim(&source, force).await? {
            let busy = state.next_run_at.is_none_or(|t| t <= Utc::now());
            summaries.push(SourceSummary {
                name: source.name.clone(),
                kind: source.kind.as_str(),
                busy,
                next_run_at: state.next_run_at,
                ..Default::default()
            });
            continue;
        }
        let (runner, progress, slots) = (runner.clone(), progress.clone(), slots.clone());
        tasks.spawn(async move {
            let _slot = slots.acquire_owned().await.expect("semaphore never closed");
            run_source(&source, &runner, &*progress, state).await
        });
    }
    while let Some(joined) = tasks.join_next().await {
        match joined {
            Ok(summary) => summaries.push(summary),
            Err(e) => tracing::error!(error = %e, "crawl task panicked"),
        }
    }
    let order: Vec<&str> = config.sources.iter().map(|s| s.name.as_str()).collect();
    summaries.sort_by_key(|s| order.iter().position(|n| *n == s.name));
    Ok(CrawlSummary { sources: summaries })
}

/// Run one claimed source and record its outcome (which gives the lease back).
pub async fn run_source(
    source: &Source,
    runner: &Runner,
    progress: &dyn CrawlProgress,
    state: crate::store::SourceState,
) -> SourceSummary {
    progress.started(&source.name);
    let started = std::time::Instant::now();
    let write_lock = runner.write_lock.as_ref();
    let pipeline = &runner.pipeline;
    let mut ctx = RunCtx {
        fetcher: &runner.fetcher,
        pipeline,
        progress,
        source,
        cursor: SourceCursor::parse(state.cursor.as_deref()),
        stats: RunStats::default(),
        now: time::now_cst(),
        limit: source.max_items.unwrap_or(runner.max_items),
        write_lock,
    };
    let result = source.run(&mut ctx).await;
    // A run that left items behind (errors, or the item budget) must look at
    // its pages again next time, even if they have not changed: forget
    // their validators. Items already taken stay in the seen set.
    if ctx.stats.errors > 0 || ctx.full() {
        ctx.cursor.validators.clear();
    }
    let at = Utc::now();
    let store = pipeline.store();
    let _guard = match write_lock {
        Some(l) => Some(l.lock().await),
        None => None,
    };
    let mut summary = SourceSummary {
        name: source.name.clone(),
        kind: source.kind.as_str(),
        ran: true,
        ..Default::default()
    };
    let recorded = match result {
        Ok(()) => {
            let next = at + chrono_dur(source.interval + jitter(source.jitter));
            summary.next_run_at = Some(next);
            store
                .record_source_success(&source.name, at, next, Some(&ctx.cursor.to_json()))
                .await
        }
        Err(e) => {
            let message = e.to_string();
            tracing::warn!(source = %source.name, error = %message, "source failed");
            summary.failed = true;
            ctx.stats.last_error = Some(message.clone());
            let next = at
                + chrono_dur(failure_backoff(
                    source.interval,
                    state.consecutive_failures + 1,
                ));
            summary.next_run_at = Some(next);
            store
                .record_source_failure(&source.name, at, &message, next)
                .await
        }
    };
    if let Err(e) = recorded {
        tracing::error!(source = %source.name, error = %e, "cannot record source state");
        summary.failed = true;
        ctx.stats.last_error = Some(format!("数据库错误：{e}"));
    }
    summary.stats = ctx.stats;
    tracing::info!(
        source = %source.name,
        fetched = summary.stats.fetched,
        new = summary.stats.new,
        elapsed_ms = started.elapsed().as_millis() as u64,
        "source crawled"
    );
    progress.finished(&summary);
    summary
}

fn chrono_dur(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(1))
}

fn jitter(max: Duration) -> Duration {
    max.mul_f64(rand::random::<f64>())
}

/// After `failures` failures in a row: the interval (at most 5 minutes)
/// doubled each time, at most 6 hours, plus up to 10 % jitter.
pub fn failure_backoff(interval: Duration, failures: i64) -> Duration {
    let base = interval.min(Duration::from_secs(300));
    let exp = (failures.clamp(1, 20) - 1) as u32;
    let d = base
        .saturating_mul(2u32.saturating_pow(exp))
        .min(Duration::from_secs(6 * 3600));
    d + jitter(d / 10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_gone_processes_on_this_host_are_dead() {
        let me = format!("{}:{}", host_name(), std::process::id());
        assert!(!owner_is_dead(&me));
        assert!(!owner_is_dead("elsewhere:1"));
        assert!(!owner_is_dead("garbage"));
        if std::path::Path::new("/proc").is_dir() {
            // Pid 1 always runs; a pid beyond pid_max never does.
            assert!(!owner_is_dead(&format!("{}:1", host_name())));
            assert!(owner_is_dead(&format!("{}:4294967295", host_name())));
        }
    }

    #[test]
    fn failure_backoff_grows_and_is_capped() {
        let i = Duration::from_secs(600);
        let one = failure_backoff(i, 1);
        assert!(one >= Duration::from_secs(300) && one <= Duration::from_secs(330));
        let three = failure_backoff(i, 3);
        assert!(three >= Duration::from_secs(1200));
        assert!(failure_backoff(i, 50) <= Duration::from_secs(6 * 3600 + 2160));
    }
}
