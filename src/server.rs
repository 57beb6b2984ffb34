//! `yuqing serve` as a library type: the web server, the crawl scheduler,
//! the search indexer and the notifier as tasks of one process, stopped
//! together. Built on a
//! listener passed in, so tests bind `127.0.0.1:0`.

use crate::analyze::Analyzer;
use crate::config::Config;
use crate::crawl::CrawlError;
use crate::crawl::schedule::Scheduler;
use crate::notify::{Notifier, NotifyError, SystemClock};
use crate::pipeline::Pipeline;
use crate::search::{JiebaTokenizer, SearchError, SearchIndex};
use crate::store::{Store, StoreError};
use crate::web::{self, AppState};
use std::collections::HashMap;
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::{Notify, watch};

/// The index catches up at least this often, and soon after posts are stored.
const INDEX_EVERY: Duration = Duration::from_secs(30);
/// Stored posts are batched into one index commit for this long.
const INDEX_DEBOUNCE: Duration = Duration::from_millis(500);

#[derive(Debug, thiserror::Error)]
pub enum ServerError {
    #[error("{0}")]
    Crawl(#[from] CrawlError),
    #[error("{0}")]
    Config(#[from] crate::config::ConfigError),
    #[error("数据库错误：{0}")]
    Store(#[from] StoreError),
    #[error("搜索索引错误：{0}")]
    Search(#[from] SearchError),
    #[error("网络服务错误：{0}")]
    Io(#[from] std::io::Error),
    #[error("{0}")]
    Notify(#[from] NotifyError),
    #[error("任务 {0} 意外退出")]
    TaskDied(&'static str),
}

pub struct Server {
    state: AppState,
    scheduler: Scheduler,
    index: SearchIndex,
    notifier: Option<Notifier>,
}

impl Server {
    /// Everything checked and opened; nothing runs yet.
    pub async fn build(config: &Config, analyzer: Arc<Analyzer>) -> Result<Server, ServerError> {
        let store = Arc::new(
            Store::open(
                config.database_url.as_ref().map(|s| s.expose()),
                &config.data_dir,
            )
            .await?,
        );
        let notifier =
            Notifier::from_settings(store.clone(), &config.notify, Arc::new(SystemClock))?;
        let pipeline = Pipeline::new(analyzer.clone(), store, config.alert_level());
        let mut push_sources = HashMap::new();
        for s in &config.sources {
            if let Some(p) = s.build_push()? {
                push_sources.insert(s.name.clone(), p);
            }
        }
        let index = SearchIndex::open_or_create(
            &config.data_dir.join("index"),
            JiebaTokenizer::from_analyzer(analyzer.tokenizer()),
        )?;
        let stored = Arc::new(Notify::new());
        let notify = stored.clone();
        let scheduler = Scheduler::new(config, pipeline.clone())?.observe(Arc::new(move |s| {
            if s.stats.new + s.stats.updated > 0 {
                notify.notify_one();
            }
        }));
        Ok(Server {
            state: AppState {
                pipeline,
                push_sources: Arc::new(push_sources),
                stored,
            },
            scheduler,
            index,
            notifier,
        })
    }

    pub fn pipeline(&self) -> &Pipeline {
        &self.state.pipeline
    }

    /// Serve on `listener` until `shutdown` turns true, or until one task
    /// fails (the error says which).
    pub async fn run(
        self,
        listener: TcpListener,
        mut shutdown: watch::Receiver<bool>,
    ) -> Result<(), ServerError> {
        let Server {
            state,
            scheduler,
            index,
            notifier,
        } = self;
        let store = state.pipeline.store().clone();
        let stored = state.stored.clone();
        let app = web::router(state);
        let (stop_tx, stop_rx) = watch::channel(false);

        let mut web_stop = stop_rx.clone();
        let web = tokio::spawn(async move {
            axum::serve(listener, app)
                .with_graceful_shutdown(async move {
                    let _ = web_stop.wait_for(|s| *s).await;
                })
                .await
        });
        let sched = tokio::spawn(scheduler.run(stop_rx.clone()));
        let indexer = tokio::spawn(index_loop(store, index, stored, stop_rx.clone()));
        let mut notify_stop = stop_rx;
        let notifier = tokio::spawn(async move {
            match notifier {
                Some(n) => n.run(notify_stop).await,
                None => {
                    let _ = notify_stop.wait_for(|s| *s).await;
                    Ok(())
                }
            }
        });
        tokio::pin!(web, sched, indexer, notifier);

        let stopping = async {
            let _ = shutdown.wait_for(|s| *s).await;
        };
        let died = tokio::select! {
            _ = stopping => None,
            r = &mut web => Some(("web", r.map(|r| r.map_err(ServerError::from)))),
            r = &mut sched => Some(("scheduler", r.map(|r| r.map_err(ServerError::from)))),
            r = &mut indexer => Some(("indexer", r)),
            r = &mut notifier => Some(("notifier", r.map(|r| r.map_err(ServerError::from)))),
        };
        let _ = stop_tx.send(true);
        if let Some((task, result)) = died {
            tracing::error!(task, "task stopped; shutting down");
            return match result {
                Ok(Err(e)) => Err(e),
                _ => Err(ServerError::TaskDied(task)),
            };
        }
        // Give each task a moment to finish cleanly.
        let grace = Duration::from_secs(10);
        let (w, s, i, n) = tokio::join!(
            tokio::time::timeout(grace, web),
            tokio::time::timeout(grace, sched),
            tokio::time::timeout(grace, indexer),
            tokio::time::timeout(grace, notifier),
        );
        if let Ok(Ok(Err(e))) = w {
            return Err(e.into());
        }
        if let Ok(Ok(Err(e))) = s {
            return Err(e.into());
        }
        if let Ok(Ok(Err(e))) = i {
            return Err(e);
        }
        if let Ok(Ok(Err(e))) = n {
            return Err(e.into());
        }
        Ok(())
    }
}

/// Keep the search index caught up with the store.
async fn index_loop(
    store: Arc<Store>,
    mut index: SearchIndex,
    stored: Arc<Notify>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), ServerError> {
    loop {
        if let Err(e) = crate::search::catch_up(&store, &mut index).await {
            // The store is the truth: a failed catch-up is retried later.
            tracing::error!(error = %e, "search index catch-up failed");
        }
        let stopping = async {
            let _ = stop.wait_for(|s| *s).await;
        };
        let woken = tokio::select! {
            _ = stored.notified() => true,
            _ = tokio::time::sleep(INDEX_EVERY) => false,
            _ = stopping => return Ok(()),
        };
        if woken {
            tokio::time::sleep(INDEX_DEBOUNCE).await;
        }
    }
}
