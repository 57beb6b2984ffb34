//! `yuqing serve` as a library type: the web server, the crawl scheduler,
//! the search indexer, the notifier and the syndication outbox as tasks of
//! one process, stopped together. Built on a
//! listener passed in, so tests bind `127.0.0.1:0`.

use crate::analyze::Analyzer;
use crate::clock::{Clock, SystemClock};
use crate::config::Config;
use crate::crawl::CrawlError;
use crate::crawl::schedule::Scheduler;
use crate::notify::{Notifier, NotifyError};
use crate::pipeline::Pipeline;
use crate::review::{Review, ReviewSettings};
use crate::search::{JiebaTokenizer, SearchError, SearchIndex};
use crate::store::{Store, StoreError};
use crate::syndicate::Outbox;
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
    #[error("{0}")]
    Syndicate(#[from] crate::syndicate::SyndicateError),
    #[error("任务 {0} 意外退出")]
    TaskDied(&'static str),
    #[error("无法加载页面模板：{0}")]
    Templates(String),
    #[error("无法创建初始管理员：{0}")]
    User(#[from] crate::review::users::UserError),
}

/// With no users at all, create `admin` with a generated password.
async fn first_admin(store: &Store) -> Result<Option<String>, ServerError> {
    if !store.users().await?.is_empty() {
        return Ok(None);
    }
    let password = crate::review::users::generate_password();
    crate::review::users::add_user(
        store,
        "admin",
        Some("管理员"),
        &[crate::review::Role::Admin],
        &password,
        None,
        chrono::Utc::now(),
    )
    .await?;
    Ok(Some(password))
}

pub struct Server {
    state: AppState,
    /// The password of the admin created at first start (no users yet).
    initial_admin: Option<String>,
    scheduler: Scheduler,
    index: SearchIndex,
    review: Arc<ReviewSettings>,
    notifier: Option<Notifier>,
    outbox: Option<Outbox>,
    live_tx: watch::Sender<i64>,
}

impl Server {
    /// Everything checked and opened; nothing runs yet.
    pub async fn build(config: &Config, analyzer: Arc<Analyzer>) -> Result<Server, ServerError> {
        Self::build_with_clock(config, analyzer, Arc::new(SystemClock)).await
    }

    /// [`Server::build`] with a given clock (tests move it).
    pub async fn build_with_clock(
        config: &Config,
        analyzer: Arc<Analyzer>,
        clock: Arc<dyn Clock>,
    ) -> Result<Server, ServerError> {
        let store = Arc::new(
            Store::open(
                config.database_url.as_ref().map(|s| s.expose()),
                &config.data_dir,
            )
            .await?,
        );
        let review = Arc::new(config.review.clone());
        let notifier = Notifier::from_settings(store.clone(), &config.notify, clock.clone())?;
        let outbox = Outbox::from_config(store.clone(), config, clock.clone())?;
        let pipeline = Pipeline::new(analyzer.clone(), store, config.alert_level())
            .with_review(review.clone());
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
        let templates_dir = config.server.dashboards_dir.join("templates");
        let templates =
            crate::web::pages::load_templates(&templates_dir).map_err(ServerError::Templates)?;
        let initial_admin = first_admin(pipeline.store()).await?;
        let syndication = Arc::new(syndication_state(config)?);
        let (live_tx, live) = watch::channel(0);
        Ok(Server {
            state: AppState {
                pipeline,
                push_sources: Arc::new(push_sources),
                stored,
                templates: Arc::new(templates),
                auth: Arc::new(config.server.auth.clone()),
                clock,
                login_throttle: Arc::new(Default::default()),
                review: review.clone(),
                search: Some(index.reader()),
                live,
                static_dir: Arc::new(config.server.dashboards_dir.join("static")),
                syndication,
            },
            live_tx,
            initial_admin,
            scheduler,
            index,
            review,
            notifier,
            outbox,
        })
    }

    pub fn pipeline(&self) -> &Pipeline {
        &self.state.pipeline
    }

    /// Set when this start created the first admin: shown once, never stored.
    pub fn initial_admin_password(&self) -> Option<&str> {
        self.initial_admin.as_deref()
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
            initial_admin: _,
            scheduler,
            index,
            review,
            notifier,
            outbox,
            live_tx,
        } = self;
        let store = state.pipeline.store().clone();
        let stored = state.stored.clone();
        let clock = state.clock.clone();
        let data_dir = state.syndication.data_dir.clone();
        let app = web::router(state);
        let (stop_tx, stop_rx) = watch::channel(false);

        let mut web_stop = stop_rx.clone();
        let web = tokio::spawn(async move {
            axum::serve(
                listener,
                app.into_make_service_with_connect_info::<std::net::SocketAddr>(),
            )
            .with_graceful_shutdown(async move {
                let _ = web_stop.wait_for(|s| *s).await;
            })
            .await
        });
        let sched = tokio::spawn(scheduler.run(stop_rx.clone()));
        let indexer = tokio::spawn(index_loop(store.clone(), index, stored, stop_rx.clone()));
        let live = tokio::spawn(crate::web::live::watch_alerts(
            store.clone(),
            live_tx,
            stop_rx.clone(),
        ));
        // Housekeeping, not a task the server depends on: not watched below.
        tokio::spawn(media_sweep_loop(store.clone(), data_dir, stop_rx.clone()));
        let sla = tokio::spawn(sla_loop(store, review, clock, stop_rx.clone()));
        let mut notify_stop = stop_rx.clone();
        let notifier = tokio::spawn(async move {
            match notifier {
                Some(n) => n.run(notify_stop).await,
                None => {
                    let _ = notify_stop.wait_for(|s| *s).await;
                    Ok(())
                }
            }
        });
        let mut outbox_stop = stop_rx;
        let outbox = tokio::spawn(async move {
            match outbox {
                Some(o) => o.run(outbox_stop).await,
                None => {
                    let _ = outbox_stop.wait_for(|s| *s).await;
                    Ok(())
                }
            }
        });
        tokio::pin!(web, sched, indexer, sla, notifier, outbox);

        let stopping = async {
            let _ = shutdown.wait_for(|s| *s).await;
        };
        let died = tokio::select! {
            _ = stopping => None,
            r = &mut web => Some(("web", r.map(|r| r.map_err(ServerError::from)))),
            r = &mut sched => Some(("scheduler", r.map(|r| r.map_err(ServerError::from)))),
            r = &mut indexer => Some(("indexer", r)),
            r = &mut sla => Some(("sla", r)),
            r = &mut notifier => Some(("notifier", r.map(|r| r.map_err(ServerError::from)))),
            r = &mut outbox => Some(("outbox", r.map(|r| r.map_err(ServerError::from)))),
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
        let (w, s, i, _, n, _, o) = tokio::join!(
            tokio::time::timeout(grace, web),
            tokio::time::timeout(grace, sched),
            tokio::time::timeout(grace, indexer),
            tokio::time::timeout(grace, sla),
            tokio::time::timeout(grace, notifier),
            tokio::time::timeout(grace, live),
            tokio::time::timeout(grace, outbox),
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
        if let Ok(Ok(Err(e))) = o {
            return Err(e.into());
        }
        Ok(())
    }
}

/// What the syndication pages need: the publishing rules (also without a
/// secrets key: content can be written and checked before channels exist)
/// and the key (None when not configured).
fn syndication_state(config: &Config) -> Result<web::contents::Syndication, ServerError> {
    use crate::syndicate::{PublishChecker, SecretKey, SyndicateError, secrets::SecretError};
    let settings = &config.syndicate;
    let key = match SecretKey::load(settings.secret_key_file.as_deref()) {
        Ok(k) => Some(Arc::new(k)),
        Err(SecretError::NoKey) => None,
        Err(e) => return Err(SyndicateError::from(e).into()),
    };
    let rules = settings
        .rules_dir
        .clone()
        .unwrap_or_else(|| config.rules_dir.join("publish"));
    // Without them the content pages are off, not the whole dashboard.
    let checker = PublishChecker::load(&rules)
        .map(Arc::new)
        .map_err(|e| format!("publishing rules not loaded: {e}"));
    if let Err(e) = &checker {
        tracing::warn!(error = %e, "content pages unavailable");
    }
    Ok(web::contents::Syndication {
        checker,
        key,
        college: settings.college.clone(),
        data_dir: config.data_dir.clone(),
        public_url: config.notify.base_url.clone(),
        media_quota: settings.media_quota_mb.saturating_mul(1024 * 1024),
    })
}

/// Daily, remove uploaded media no content refers to after a day (a draft
/// being written may not be saved yet).
async fn media_sweep_loop(
    store: Arc<Store>,
    data_dir: std::path::PathBuf,
    mut stop: watch::Receiver<bool>,
) {
    const DAY: Duration = Duration::from_secs(24 * 3600);
    loop {
        match crate::syndicate::media::sweep_unused(&store, &data_dir, DAY, false).await {
            Ok(s) if s.files.is_empty() => {}
            Ok(s) => tracing::info!(
                files = s.files.len(),
                bytes = s.bytes,
                "unused media removed"
            ),
            Err(e) => tracing::warn!(error = %e, "media sweep failed"),
        }
        tokio::select! {
            _ = tokio::time::sleep(DAY) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// Escalate alerts past their SLA due time.
async fn sla_loop(
    store: Arc<Store>,
    settings: Arc<ReviewSettings>,
    clock: Arc<dyn Clock>,
    mut stop: watch::Receiver<bool>,
) -> Result<(), ServerError> {
    // The planner's statistics are checked here too, hourly, as the alerts
    // grow (a count when nothing changed; see Store::refresh_planner_stats).
    let mut stats_checked = std::time::Instant::now();
    loop {
        if stats_checked.elapsed() >= std::time::Duration::from_secs(3600) {
            stats_checked = std::time::Instant::now();
            if let Err(e) = store.refresh_planner_stats().await {
                tracing::warn!(error = %e, "planner statistics not refreshed");
            }
        }
        let review = Review {
            store: &store,
            settings: &settings,
        };
        match review.escalate_overdue(clock.now()).await {
            Ok(0) => {}
            Ok(n) => tracing::info!(alerts = n, "overdue alerts escalated"),
            Err(e) => tracing::error!(error = %e, "SLA check failed"),
        }
        let stopping = async {
            let _ = stop.wait_for(|s| *s).await;
        };
        tokio::select! {
            _ = tokio::time::sleep(settings.sla_check) => {}
            _ = stopping => return Ok(()),
        }
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
