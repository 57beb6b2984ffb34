//! `yuqing demo`: the whole pipeline on a fresh machine, with nothing to
//! configure. A bundled demo source site ([`site`], serving [`content`])
//! starts on loopback; a typed [`Config`] pointing at it is built in code;
//! the demo users and commentator groups are created; every source is
//! crawled once so alerts exist (raised and routed) before the dashboard's
//! address is shown; then the [`Server`] runs until stopped.

pub mod content;
pub mod site;

use crate::analyze::Analyzer;
use crate::config::{Config, KindSettings, SourceConfig, SourceKind};
use crate::crawl::source::feed::FeedConfig;
use crate::crawl::source::html::HtmlConfig;
use crate::crawl::source::json::{FieldMap, JsonConfig, Preset};
use crate::crawl::{CrawlOptions, CrawlSummary, NoProgress};
use crate::model::{Channel, RiskLevel};
use crate::review::routing::RoutingRule;
use crate::review::users::{add_user, change_password, generate_password};
use crate::review::{Actor, AlertState, Review, ReviewSettings, Role};
use crate::server::{Server, ServerError};
use crate::store::{AlertRow, ResponseInput, Store};
use chrono::Utc;
use content::Content;
use site::DemoSite;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::watch;

/// Default data directory of the demo (under the git-ignored `/data`).
pub const DEFAULT_DATA_DIR: &str = "data/demo";
/// Written into a data directory the demo created, so `--fresh` only ever
/// deletes a directory that is the demo's own.
pub const MARKER: &str = ".yuqing-demo";
/// Store metadata key: the sample review actions were taken.
const SEEDED: &str = "demo.workflow_seeded";

/// 学工组 takes student-affairs matters, 后勤组 canteen, dorms and campus safety.
pub const STUDENT_AFFAIRS: &str = "学工组";
pub const LOGISTICS: &str = "后勤组";

#[derive(Debug, thiserror::Error)]
pub enum DemoError {
    #[error("{0}")]
    Server(#[from] ServerError),
    #[error("数据库错误：{0}")]
    Store(#[from] crate::store::StoreError),
    #[error("{0}")]
    User(#[from] crate::review::users::UserError),
    #[error("{0}")]
    Review(#[from] crate::review::ReviewError),
    #[error("{0}")]
    Crawl(#[from] crate::crawl::CrawlError),
    #[error("{path}: {source}")]
    Io {
        path: String,
        source: std::io::Error,
    },
    #[error("{0} 不是演示数据目录（缺少 {MARKER}），--fresh 不会删除它；请换一个 --data 目录")]
    NotDemoDir(String),
}

fn io_err(path: &Path) -> impl FnOnce(std::io::Error) -> DemoError + '_ {
    move |source| DemoError::Io {
        path: path.display().to_string(),
        source,
    }
}

/// What `yuqing demo` is told.
#[derive(Debug, Clone)]
pub struct DemoOptions {
    pub data_dir: PathBuf,
    /// Delete the demo's data directory first (users, posts, alerts).
    pub fresh: bool,
    pub dictionaries_dir: PathBuf,
    pub rules_dir: PathBuf,
    pub dashboards_dir: PathBuf,
}

impl DemoOptions {
    /// The repository's dictionaries, rules and dashboards: those under the
    /// working directory if it is a checkout, else those of the checkout the
    /// binary was built from.
    pub fn new(data_dir: impl Into<PathBuf>) -> DemoOptions {
        DemoOptions {
            data_dir: data_dir.into(),
            fresh: false,
            dictionaries_dir: resource_dir("dictionaries", "sentiment"),
            rules_dir: resource_dir("rules", "_exclusions.toml"),
            dashboards_dir: resource_dir("dashboards", "templates"),
        }
    }
}

fn resource_dir(name: &str, inside: &str) -> PathBuf {
    let local = PathBuf::from(name);
    if local.join(inside).exists() {
        local
    } else {
        Path::new(env!("CARGO_MANIFEST_DIR")).join(name)
    }
}

/// A demo account and the password it has for this run.
#[derive(Debug, Clone)]
pub struct DemoUser {
    pub username: &'static str,
    pub display_name: &'static str,
    pub role: Role,
    pub group: Option<&'static str>,
    pub leads: bool,
    /// Generated at every start (the demo is local and throwaway, so the
    /// printed table always works; other sessions of the user end).
    pub password: String,
}

struct UserSpec {
    username: &'static str,
    display_name: &'static str,
    role: Role,
    group: Option<&'static str>,
    leads: bool,
}

const USERS: [UserSpec; 6] = [
    UserSpec {
        username: "admin",
        display_name: "管理员",
        role: Role::Admin,
        group: None,
        leads: false,
    },
    UserSpec {
        username: "wang.min",
        display_name: "王敏",
        role: Role::Monitor,
        group: None,
        leads: false,
    },
    UserSpec {
        username: "li.hang",
        display_name: "李航",
        role: Role::Commentator,
        group: Some(STUDENT_AFFAIRS),
        leads: true,
    },
    UserSpec {
        username: "zhao.xue",
        display_name: "赵雪",
        role: Role::Commentator,
        group: Some(STUDENT_AFFAIRS),
        leads: false,
    },
    UserSpec {
        username: "chen.gang",
        display_name: "陈刚",
        role: Role::Commentator,
        group: Some(LOGISTICS),
        leads: true,
    },
    UserSpec {
        username: "liu.yang",
        display_name: "刘洋",
        role: Role::Publisher,
        group: None,
        leads: false,
    },
];

/// Source names of the demo, in crawl order.
pub const SOURCES: [&str; 6] = [
    "campus-news",
    "campus-notices",
    "campus-bbs",
    "local-news",
    "weibo-search",
    "bilibili-search",
];

fn source(
    name: &str,
    kind: SourceKind,
    url: String,
    channel: Channel,
    tags: &[&str],
    weight: f32,
    settings: KindSettings,
) -> SourceConfig {
    SourceConfig {
        name: name.to_string(),
        kind,
        url: Some(url),
        interval: Duration::from_secs(30 * 60),
        weight,
        channel: Some(channel),
        tags: tags.iter().map(|t| t.to_string()).collect(),
        headers: BTreeMap::new(),
        cookies: None,
        rate_limit: None,
        // The demo site is our own, on loopback.
        polite: false,
        respect_robots: true,
        encoding: None,
        jitter: None,
        max_items: None,
        settings,
    }
}

/// The college CMS's list and article pages (学校要闻, 通知公告).
fn cms() -> KindSettings {
    KindSettings::Html(HtmlConfig {
        items: Some("ul.news_list li a".into()),
        next_page: Some("a.next".into()),
        max_pages: Some(5),
        title: Some("h1.arti_title".into()),
        body: Some("div.wp_articlecontent".into()),
        time: Some("span.arti_update".into()),
        author: Some("span.arti_publisher".into()),
        ..Default::default()
    })
}

/// The demo's configuration, typed, pointing at the demo site at `base`.
pub fn demo_config(opts: &DemoOptions, base: &str) -> Config {
    let mut config = Config {
        data_dir: opts.data_dir.clone(),
        dictionaries_dir: opts.dictionaries_dir.clone(),
        rules_dir: opts.rules_dir.clone(),
        ..Config::default()
    };
    config.server.dashboards_dir = opts.dashboards_dir.clone();
    config.crawl.concurrency = 6;
    config.crawl.retries = 1;
    config.crawl.retry_backoff = Duration::from_millis(200);
    config.crawl.timeout = Duration::from_secs(10);
    config.alerts.level = RiskLevel::Medium;
    config.sources = vec![
        source(
            "campus-news",
            SourceKind::Html,
            format!("{base}/news/list.htm"),
            Channel::Campus,
            &["官网"],
            1.2,
            cms(),
        ),
        source(
            "campus-notices",
            SourceKind::Html,
            format!("{base}/tzgg/list.htm"),
            Channel::Campus,
            &["官网", "通知公告"],
            1.2,
            cms(),
        ),
        source(
            "campus-bbs",
            SourceKind::Html,
            format!("{base}/bbs/forum-2-1.html"),
            Channel::Forum,
            &["论坛"],
            1.0,
            KindSettings::Html(HtmlConfig {
                items: Some("#threadlist a.xst".into()),
                next_page: Some("a.nxt".into()),
                max_pages: Some(5),
                title: Some("h1#thread_subject".into()),
                body: Some("div.post.first div.t_f".into()),
                time: Some("div.post.first em.post-time".into()),
                author: Some("div.post.first a.xw1".into()),
                ..Default::default()
            }),
        ),
        source(
            "local-news",
            SourceKind::Feed,
            format!("{base}/rss/edu.xml"),
            Channel::News,
            &["媒体"],
            1.5,
            KindSettings::Feed(FeedConfig::default()),
        ),
        source(
            "weibo-search",
            SourceKind::Json,
            format!("{base}{}", site::weibo_search_path()),
            Channel::Weibo,
            &["微博"],
            1.0,
            KindSettings::Json(Box::new(JsonConfig {
                preset: Some(Preset::Weibo),
                max_pages: Some(5),
                comments: true,
                ..Default::default()
            })),
        ),
        source(
            "bilibili-search",
            SourceKind::Json,
            format!("{base}{}", site::bilibili_search_path()),
            Channel::Bilibili,
            &["B站"],
            1.0,
            KindSettings::Json(Box::new(JsonConfig {
                preset: Some(Preset::Bilibili),
                max_pages: Some(5),
                comments: true,
                // Search results count comments as `review`.
                fields: FieldMap {
                    comments: Some("review".into()),
                    ..Default::default()
                },
                ..Default::default()
            })),
        ),
    ];
    let rule = |category: &str, group: &str| RoutingRule {
        category: Some(category.to_string()),
        min_level: None,
        source: None,
        tag: None,
        group: group.to_string(),
    };
    // 招生录取, 违纪违法 and the rest stay 待研判 for the monitors.
    config.review = ReviewSettings {
        routing: vec![
            rule("食品安全", LOGISTICS),
            rule("基础设施", LOGISTICS),
            rule("校园安全", LOGISTICS),
            rule("乱收费", STUDENT_AFFAIRS),
            rule("校园管理", STUDENT_AFFAIRS),
            rule("师德师风", STUDENT_AFFAIRS),
            rule("学术不端", STUDENT_AFFAIRS),
            rule("就业", STUDENT_AFFAIRS),
            rule("心理健康", STUDENT_AFFAIRS),
            rule("学生安全", STUDENT_AFFAIRS),
            rule("校园贷/诈骗", STUDENT_AFFAIRS),
        ],
        ..ReviewSettings::default()
    };
    config
}

/// Everything set up and crawled; [`Demo::run`] serves it.
pub struct Demo {
    pub server: Server,
    pub site: DemoSite,
    pub config: Config,
    pub users: Vec<DemoUser>,
    /// True when this start created the data (users, groups, first posts).
    pub first_run: bool,
    pub crawl: CrawlSummary,
    pub posts: i64,
    pub alerts: Vec<AlertRow>,
    /// Alerts the routing rules gave to a commentator group.
    pub routed: usize,
}

/// Set up the demo in `opts.data_dir`: the site on 127.0.0.1:0, the
/// configuration, the store and users, the first crawl of every source.
pub async fn prepare(opts: &DemoOptions, analyzer: Arc<Analyzer>) -> Result<Demo, DemoError> {
    let dir = &opts.data_dir;
    if opts.fresh && dir.exists() {
        let empty = std::fs::read_dir(dir)
            .map_err(io_err(dir))?
            .next()
            .is_none();
        if !empty && !dir.join(MARKER).exists() {
            return Err(DemoError::NotDemoDir(dir.display().to_string()));
        }
        std::fs::remove_dir_all(dir).map_err(io_err(dir))?;
    }
    let first_run = !dir.join("yuqing.db").exists();
    // Only a directory the demo created (or found empty) is marked as its
    // own, so `--fresh` never deletes anything else.
    let ours = match std::fs::read_dir(dir) {
        Ok(mut entries) => entries.next().is_none(),
        Err(_) => true,
    };
    std::fs::create_dir_all(dir).map_err(io_err(dir))?;
    let marker = dir.join(MARKER);
    if ours {
        std::fs::write(
            &marker,
            "yuqing demo 的数据目录；`yuqing demo --fresh` 会删除并重建它。\n",
        )
        .map_err(io_err(&marker))?;
    }

    // The site keeps its address and its clock across starts: web pages
    // are known by their URLs, so a new port would collect them again.
    let state_file = dir.join(SITE_STATE);
    let saved = if first_run {
        None
    } else {
        std::fs::read_to_string(&state_file)
            .ok()
            .and_then(|s| serde_json::from_str::<SiteState>(&s).ok())
    };
    let listener = bind_site(saved.as_ref().map(|s| s.addr)).await?;
    let started_at = saved.map_or_else(Utc::now, |s| s.started_at);
    let state = SiteState {
        addr: listener.local_addr().map_err(io_err(&state_file))?,
        started_at,
    };
    std::fs::write(
        &state_file,
        serde_json::to_string(&state).expect("serialisable"),
    )
    .map_err(io_err(&state_file))?;
    let site = DemoSite::spawn(listener, Arc::new(Content::bundled()), started_at);
    let config = demo_config(opts, &site.base);

    let server = Server::build(&config, analyzer).await?;
    let store = server.pipeline().store().clone();
    let users = ensure_users(&store, server.initial_admin_password()).await?;

    let crawl = crate::crawl::crawl_with(
        &config,
        server.pipeline(),
        CrawlOptions {
            only: None,
            force: true,
        },
        Arc::new(NoProgress),
    )
    .await?;
    if store.meta(SEEDED).await?.is_none() {
        seed_workflow(&store, &config.review).await?;
        store.set_meta(SEEDED, &Utc::now().to_rfc3339()).await?;
    }
    let posts = store.count_posts().await?;
    let alerts = store.alerts().await?;
    let mut routed = 0;
    for a in &alerts {
        if store
            .alert_access(a.id)
            .await?
            .is_some_and(|x| x.group.is_some())
        {
            routed += 1;
        }
    }
    Ok(Demo {
        server,
        site,
        config,
        users,
        first_run,
        crawl,
        posts,
        alerts,
        routed,
    })
}

/// Where the demo site listened and when it first started (`site.json`).
#[derive(serde::Serialize, serde::Deserialize)]
struct SiteState {
    addr: std::net::SocketAddr,
    started_at: chrono::DateTime<Utc>,
}

const SITE_STATE: &str = "site.json";

/// The saved address if it is free again (the previous run may still be
/// letting it go), else any free loopback port.
async fn bind_site(saved: Option<std::net::SocketAddr>) -> Result<TcpListener, DemoError> {
    if let Some(addr) = saved {
        for _ in 0..20 {
            match TcpListener::bind(addr).await {
                Ok(l) => return Ok(l),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        }
        tracing::warn!(%addr, "the demo site's previous address is taken; its pages will be collected again");
    }
    TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(io_err(Path::new("127.0.0.1:0")))
}

impl Demo {
    /// Serve the dashboard on `listener` (with the scheduler, indexer, SLA
    /// and notifier tasks) until `shutdown` turns true; then stop the site.
    pub async fn run(
        self,
        listener: TcpListener,
        shutdown: watch::Receiver<bool>,
    ) -> Result<(), ServerError> {
        let Demo { server, site, .. } = self;
        let result = server.run(listener, shutdown).await;
        site.stop();
        result
    }

    /// Alerts per level, highest first (levels without alerts left out).
    pub fn alerts_by_level(&self) -> Vec<(RiskLevel, usize)> {
        [
            RiskLevel::Critical,
            RiskLevel::High,
            RiskLevel::Medium,
            RiskLevel::Low,
        ]
        .into_iter()
        .map(|l| (l, self.alerts.iter().filter(|a| a.level == l).count()))
        .filter(|(_, n)| *n > 0)
        .collect()
    }
}

/// Create the demo users and groups that are missing; give every demo user
/// a fresh password (the admin created by the server keeps its own).
async fn ensure_users(
    store: &Store,
    initial_admin: Option<&str>,
) -> Result<Vec<DemoUser>, DemoError> {
    let now = Utc::now();
    let mut users = Vec::new();
    let mut ids = BTreeMap::new();
    for spec in &USERS {
        let password = match (spec.username, initial_admin) {
            ("admin", Some(p)) => p.to_string(),
            _ => generate_password(),
        };
        let id = match store.user_by_name(spec.username).await? {
            Some(u) if spec.username == "admin" && initial_admin.is_some() => u.id,
            Some(_) => {
                let id = change_password(store, spec.username, &password, None, now).await?;
                store.end_sessions(id, None).await?;
                id
            }
            None => {
                add_user(
                    store,
                    spec.username,
                    Some(spec.display_name),
                    &[spec.role],
                    &password,
                    None,
                    now,
                )
                .await?
            }
        };
        ids.insert(spec.username, id);
        users.push(DemoUser {
            username: spec.username,
            display_name: spec.display_name,
            role: spec.role,
            group: spec.group,
            leads: spec.leads,
            password,
        });
    }
    for group in [STUDENT_AFFAIRS, LOGISTICS] {
        let members: Vec<&UserSpec> = USERS.iter().filter(|u| u.group == Some(group)).collect();
        if store.group_id(group).await?.is_some() {
            continue;
        }
        let lead = members.iter().find(|u| u.leads).map(|u| ids[u.username]);
        let gid = store.create_group(group, lead, None, now).await?;
        for m in members.iter().filter(|u| !u.leads) {
            store
                .add_group_member(gid, ids[m.username], None, now)
                .await?;
        }
    }
    Ok(users)
}

/// A few alerts moved along the workflow, as a working team would have
/// done, so every state shows up on the dashboard.
async fn seed_workflow(store: &Store, settings: &ReviewSettings) -> Result<(), DemoError> {
    let review = Review { store, settings };
    let actor = |name: &'static str| async move {
        let id = store.user_by_name(name).await?.map(|u| u.id);
        Ok::<Option<Actor>, DemoError>(match id {
            Some(id) => store.actor(id).await?,
            None => None,
        })
    };
    let Some(monitor) = actor("wang.min").await? else {
        return Ok(());
    };
    let now = Utc::now();
    let mut assigned: Vec<(i64, i64)> = Vec::new();
    let mut unrouted = Vec::new();
    for a in store.alerts().await? {
        let Some(access) = store.alert_access(a.id).await? else {
            continue;
        };
        match (access.state, access.assignee) {
            (AlertState::Assigned, Some(user)) => assigned.push((a.id, user)),
            (AlertState::New, _) => unrouted.push(a.id),
            _ => {}
        }
    }
    // Oldest first: the team has worked longest on those.
    for (k, (alert, user)) in assigned.iter().enumerate().take(4) {
        let Some(commentator) = store.actor(*user).await? else {
            continue;
        };
        review
            .transition(
                &commentator,
                *alert,
                AlertState::InProgress,
                Some("已联系相关部门了解情况"),
                now,
            )
            .await?;
        if k % 2 == 1 {
            review
                .respond(
                    &commentator,
                    *alert,
                    &ResponseInput {
                        text: "已在原帖下回复：学校已关注此事，相关部门正在核实处理，结果将及时公布。",
                        link: None,
                        channel: Some("校园论坛"),
                    },
                    now,
                )
                .await?;
        }
        if k == 3 {
            review
                .transition(
                    &commentator,
                    *alert,
                    AlertState::Resolved,
                    Some("当事人表示满意"),
                    now,
                )
                .await?;
        }
    }
    if let Some(first) = unrouted.first() {
        review
            .transition(
                &monitor,
                *first,
                AlertState::Triaged,
                Some("需进一步核实"),
                now,
            )
            .await?;
    }
    Ok(())
}
