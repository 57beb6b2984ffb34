//! The scheduler inside `yuqing serve`: runs each scheduled source when it
//! is due (its `next_run_at`, set from its interval plus jitter, or a
//! backoff after failures), never the same source twice at once, at most
//! `crawl.concurrency` at a time. A source is claimed with a lease in the
//! store, so several processes on one PostgreSQL database share the work.

use super::{CrawlError, NoProgress, Runner, Source, SourceSummary, build_sources, run_source};
use crate::config::Config;
use crate::pipeline::Pipeline;
use chrono::Utc;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::{Semaphore, watch};

/// Longest sleep between looks at the sources' states: other processes and
/// `yuqing crawl` may have moved them.
const MAX_IDLE: Duration = Duration::from_secs(5);

/// Told after every run (the server updates the search index then).
pub type RunObserver = Arc<dyn Fn(&SourceSummary) + Send + Sync>;

pub struct Scheduler {
    runner: Arc<Runner>,
    sources: Vec<Arc<Source>>,
    concurrency: usize,
    observer: Option<RunObserver>,
}

impl Scheduler {
    pub fn new(config: &Config, pipeline: Pipeline) -> Result<Scheduler, CrawlError> {
        Ok(Scheduler {
            runner: Arc::new(Runner::new(config, pipeline)?),
            sources: build_sources(config, None)?,
            concurrency: config.crawl.concurrency.max(1),
            observer: None,
        })
    }

    pub fn observe(mut self, observer: RunObserver) -> Self {
        self.observer = Some(observer);
        self
    }

    /// Run until `shutdown` turns true. Runs in progress are then dropped:
    /// what they committed stays, and their sources are given back.
    pub async fn run(self, mut shutdown: watch::Receiver<bool>) -> Result<(), CrawlError> {
        let store = self.runner.pipeline.store().clone();
        for s in &self.sources {
            store.ensure_source(&s.name, s.kind.as_str()).await?;
        }
        // The embedded database has one server: leases left by a killed
        // predecessor would only delay its sources.
        if store.backend() == "sqlite" {
            store.release_leases(None).await?;
        }
        tracing::info!(
            sources = self.sources.len(),
            owner = %self.runner.owner,
            "scheduler started"
        );
        let slots = Arc::new(Semaphore::new(self.concurrency));
        let mut running = vec![false; self.sources.len()];
        let mut tasks: tokio::task::JoinSet<SourceSummary> = tokio::task::JoinSet::new();
        let mut task_source = std::collections::HashMap::new();
        loop {
            let now = Utc::now();
            let mut wake = now + chrono::Duration::from_std(MAX_IDLE).expect("small");
            for (i, source) in self.sources.iter().enumerate() {
                if running[i] {
                    continue;
                }
                // A database hiccup skips this look, not the server: the
                // next tick tries again.
                let state = match store.source_state(&source.name).await {
                    Ok(s) => s.unwrap_or_default(),
                    Err(e) => {
                        tracing::error!(source = %source.name, error = %e, "cannot read source state");
                        continue;
                    }
                };
                match state.next_run_at {
                    Some(t) if t > now => {
                        wake = wake.min(t);
                        continue;
                    }
                    _ => {}
                }
                match self.runner.claim(source, false).await {
                    Ok(true) => {}
                    Ok(false) => continue,
                    Err(e) => {
                        tracing::error!(source = %source.name, error = %e, "cannot claim source");
                        continue;
                    }
                }
                running[i] = true;
                let (runner, source, slots) = (self.runner.clone(), source.clone(), slots.clone());
                let handle = tasks.spawn(async move {
                    let _slot = slots.acquire_owned().await.expect("semaphore never closed");
                    run_source(&source, &runner, &NoProgress, state).await
                });
                task_source.insert(handle.id(), i);
            }
            let sleep = (wake - Utc::now())
                .to_std()
                .unwrap_or(Duration::ZERO)
                .max(Duration::from_millis(50));
            tokio::select! {
                _ = tokio::time::sleep(sleep) => {}
                Some(done) = tasks.join_next_with_id(), if !tasks.is_empty() => {
                    let id = match &done {
                        Ok((id, _)) => *id,
                        Err(e) => e.id(),
                    };
                    if let Some(i) = task_source.remove(&id) {
                        running[i] = false;
                    }
                    match done {
                        Ok((_, summary)) => {
                            if let Some(o) = &self.observer {
                                o(&summary);
                            }
                        }
                        // Its lease stays until it expires: another process
                        // (or this one, later) takes the source over.
                        Err(e) => tracing::error!(error = %e, "source run panicked"),
                    }
                }
                changed = shutdown.changed() => {
                    if changed.is_err() || *shutdown.borrow() {
                        break;
                    }
                }
            }
        }
        tasks.abort_all();
        while tasks.join_next().await.is_some() {}
        store.release_leases(Some(&self.runner.owner)).await?;
        tracing::info!("scheduler stopped");
        Ok(())
    }
}
