//! `yuqing bench dashboard`: the dashboard under load at scale.
//!
//! 1. Seeds a SQLite data directory with `--posts` posts and `--alerts`
//!    alerts of realistic shape (the texts of a JSONL corpus combined and
//!    numbered; sources, channels, levels, categories, states and assignees
//!    spread as a campus deployment sees them, over 90 days) through
//!    [`Store::seed_batch`], which bypasses analysis; then builds the search
//!    index with the server's own catch-up, timed. A directory that already
//!    holds the requested numbers is reused as it is.
//! 2. Starts the real `yuqing serve` as a child process on a free loopback
//!    port, signs in `--users` sessions (monitors and commentators) and runs
//!    as many concurrent clients for `--seconds`, each issuing a mix of
//!    queue pages, filtered pages and searches; reports latency percentiles
//!    per kind, throughput, errors and the server's memory and CPU (`/proc`).
//! 3. With a live connection (`/live`, server-sent events) open, pushes risky
//!    posts one at a time through a push source and times push → `alerts`
//!    event → `/alerts/fresh` returning the row, during the load and after.

use super::super::{AnalysisPaths, load_analyzer, load_config};
use crate::analyze::Analyzer;
use crate::model::{PostText, RiskLevel};
use crate::review::Role;
use crate::store::Store;
use crate::store::seed::{SeedAlert, SeedBatch, SeedEvent, SeedPost};
use anyhow::{Context, bail};
use chrono::{DateTime, Duration as CDuration, Utc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::io::Write as _;
use std::path::{Path, PathBuf};
use std::process::{Child, ExitCode, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

/// One request: its kind, its latency in ms, and whether it succeeded.
type Sample = (&'static str, f64, bool);

#[derive(Debug, clap::Args)]
pub struct DashboardArgs {
    #[command(flatten)]
    paths: AnalysisPaths,
    /// Data directory to seed or reuse (default: a new temporary one, removed at the end).
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// JSONL corpus whose texts the posts are built from.
    #[arg(long, default_value = "benches/corpus/posts.jsonl")]
    input: PathBuf,
    #[arg(long, default_value_t = 1_000_000)]
    posts: usize,
    #[arg(long, default_value_t = 100_000)]
    alerts: usize,
    /// Signed-in sessions, each one concurrent client.
    #[arg(long, default_value_t = 50)]
    users: usize,
    /// Length of the load phase.
    #[arg(long, default_value_t = 30.0)]
    seconds: f64,
    /// Risky posts pushed for the post → dashboard latency (in each phase).
    #[arg(long, default_value_t = 20)]
    pushes: usize,
    /// Mean pause of a client between a response and its next request, as a
    /// person reading the page would (uniform in 0.5–1.5× this); sessions
    /// then also start spread over 0–1.5× this. 0: a closed loop, all
    /// sessions starting at once, that measures saturation rather than users.
    #[arg(long, default_value_t = 0)]
    think_ms: u64,
}

const PASSWORD: &str = "bench-password-0123";
const PUSH_SOURCE: &str = "bench-push";
const PUSH_TOKEN: &str = "bench-push-token-0123456789";
const MONITOR: &str = "bench.mon";
const COMMENTATORS: [&str; 5] = ["bench.c0", "bench.c1", "bench.c2", "bench.c3", "bench.c4"];
/// Words searched for, as users type them.
const SEARCH_WORDS: [&str; 10] = [
    "食堂",
    "宿舍",
    "考试",
    "老师",
    "断电",
    "图书馆",
    "外卖",
    "辅导员",
    "学费",
    "跑步",
];
const CATEGORY_FILTERS: [&str; 5] = [
    "食品安全",
    "校园安全",
    "校园贷/诈骗",
    "师德师风",
    "心理健康",
];

/// splitmix64, seeded: the same data for the same arguments.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }
    /// An index drawn with the given weights.
    fn weighted(&mut self, weights: &[u32]) -> usize {
        let total: u32 = weights.iter().sum();
        let mut x = (self.next() % total as u64) as u32;
        for (i, w) in weights.iter().enumerate() {
            if x < *w {
                return i;
            }
            x -= w;
        }
        weights.len() - 1
    }
}

/// A corpus text with its analysis, reused for every post built from it.
struct Template {
    text: String,
    level: RiskLevel,
    risk: i64,
    sentiment: f64,
    label: &'static str,
    categories: String,
    analysis: String,
}

/// (source name, channel, share in %, has titles)
const SOURCES: [(&str, &str, u32, bool); 9] = [
    ("weibo-campus", "weibo", 28, false),
    ("tieba-school", "forum", 18, false),
    ("bbs-campus", "forum", 8, false),
    ("douyin-search", "douyin", 12, false),
    ("wechat-accounts", "wechat", 10, true),
    ("bilibili", "bilibili", 5, true),
    ("kuaishou", "kuaishou", 4, false),
    ("school-news", "campus", 6, true),
    ("media-news", "news", 9, true),
];

#[derive(Serialize, Default)]
struct Seeding {
    reused: bool,
    posts: i64,
    alerts: i64,
    seed_s: f64,
    index_docs: usize,
    index_s: f64,
    db_bytes: u64,
    index_bytes: u64,
}

#[derive(Serialize)]
struct KindStats {
    count: usize,
    errors: usize,
    per_s: f64,
    p50_ms: f64,
    p95_ms: f64,
    p99_ms: f64,
    max_ms: f64,
}

#[derive(Serialize, Default, Clone, Copy)]
struct ServerUse {
    /// The server's CPU (user + system) during the load phase, per request:
    /// the cost that does not depend on what else the machine is doing.
    load_cpu_s: f64,
    cpu_ms_per_request: f64,
    idle_rss_mib: f64,
    load_rss_max_mib: f64,
    hwm_mib: f64,
}

#[derive(Serialize)]
struct LiveRow {
    /// Push sent → its `alerts` event received on `/live`.
    sse_ms: f64,
    /// Push sent → `/alerts/fresh?after=…` returned the row.
    fresh_ms: f64,
}

#[derive(Serialize)]
struct LiveStats {
    measured: usize,
    missed: usize,
    sse_p50_ms: f64,
    sse_max_ms: f64,
    fresh_p50_ms: f64,
    fresh_max_ms: f64,
}

#[derive(Serialize)]
struct Report {
    seeding: Seeding,
    users: usize,
    think_ms: u64,
    seconds: f64,
    requests: usize,
    requests_per_s: f64,
    kinds: BTreeMap<&'static str, KindStats>,
    server: ServerUse,
    live_under_load: LiveStats,
    live_idle: LiveStats,
}

pub fn run(args: DashboardArgs) -> anyhow::Result<ExitCode> {
    let _ = rustls::crypto::ring::default_provider().install_default();
    let config = load_config(&args.paths)?;
    let abs =
        |p: &Path| std::fs::canonicalize(p).with_context(|| format!("找不到目录 {}", p.display()));
    let dictionaries = abs(&config.dictionaries_dir)?;
    let rules = abs(&config.rules_dir)?;
    let dashboards = abs(&config.server.dashboards_dir)?;
    let analyzer = load_analyzer(&dictionaries, &rules, config.analysis.clone())?;
    let templates = templates(&args.input, &analyzer)?;
    let (temp, data_dir) = match &args.data_dir {
        Some(d) => (false, d.clone()),
        None => (
            true,
            std::env::temp_dir().join(format!("yuqing-dashbench-{}", std::process::id())),
        ),
    };
    std::fs::create_dir_all(&data_dir)
        .with_context(|| format!("无法创建 {}", data_dir.display()))?;
    let data_dir = abs(&data_dir)?;
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let analyzer = Arc::new(analyzer);
    let result = rt.block_on(async {
        let seeding = prepare(&args, &data_dir, &templates, &analyzer).await?;
        let cfg = write_config(&data_dir, &dictionaries, &rules, &dashboards)?;
        measure(&args, &data_dir, &cfg, seeding, &analyzer).await
    });
    if temp {
        let _ = std::fs::remove_dir_all(&data_dir);
    }
    let report = result?;
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(ExitCode::SUCCESS)
}

fn templates(input: &Path, analyzer: &Analyzer) -> anyhow::Result<Vec<Template>> {
    let posts = super::read_posts(&input.to_path_buf())?;
    Ok(posts
        .iter()
        .map(|p| {
            let a = analyzer.analyze(&PostText {
                title: &p.title,
                ..PostText::new(&p.text)
            });
            let mut categories: Vec<&str> = a.hits.iter().map(|h| h.category.as_str()).collect();
            categories.dedup();
            Template {
                text: p.text.clone(),
                level: a.risk.level,
                risk: a.risk.score as i64,
                sentiment: a.sentiment.score as f64,
                label: a.sentiment.label.as_str(),
                categories: serde_json::to_string(&categories).expect("strings serialize"),
                analysis: serde_json::to_string(&a).expect("analysis serializes"),
            }
        })
        .collect())
}

/// Users, groups, data and index: everything the server will find.
async fn prepare(
    args: &DashboardArgs,
    data_dir: &Path,
    templates: &[Template],
    analyzer: &Arc<Analyzer>,
) -> anyhow::Result<Seeding> {
    let store = Store::open(None, data_dir).await?;
    let now = Utc::now();
    let mut commentators = Vec::new();
    for (name, role) in std::iter::once((MONITOR, Role::Monitor))
        .chain(COMMENTATORS.iter().map(|c| (*c, Role::Commentator)))
    {
        let id = match store.user_by_name(name).await? {
            Some(u) => u.id,
            None => {
                crate::review::users::add_user(&store, name, None, &[role], PASSWORD, None, now)
                    .await?
            }
        };
        if role == Role::Commentator {
            commentators.push(id);
        }
    }
    let groups = store.groups().await?;
    let mut group_of = Vec::new();
    for (name, members) in [("舆情一组", 0..3), ("舆情二组", 3..5)] {
        let id = match groups.iter().find(|x| x.name == name) {
            Some(x) => x.id,
            None => {
                let id = store
                    .create_group(name, Some(commentators[members.start]), None, now)
                    .await?;
                for m in members.clone() {
                    store
                        .add_group_member(id, commentators[m], None, now)
                        .await?;
                }
                id
            }
        };
        for _ in members {
            group_of.push(id);
        }
    }

    let mut seeding = Seeding::default();
    let (posts, alerts) = store.seed_counts().await?;
    if (posts, alerts) == (args.posts as i64, args.alerts as i64) {
        seeding.reused = true;
        eprintln!(
            "复用 {}：{posts} 条帖子，{alerts} 条预警",
            data_dir.display()
        );
    } else if posts > 0 {
        bail!(
            "{} 已有 {posts} 条帖子、{alerts} 条预警，与 --posts {} --alerts {} 不符；请换一个 --data-dir",
            data_dir.display(),
            args.posts,
            args.alerts
        );
    } else {
        let started = Instant::now();
        seed(
            &store,
            args,
            templates,
            &commentators,
            &group_of,
            &analyzer.version(),
            now,
        )
        .await?;
        store.seed_finish().await?;
        seeding.seed_s = started.elapsed().as_secs_f64();
        eprintln!("写入完成：{:.1} s", seeding.seed_s);
    }
    (seeding.posts, seeding.alerts) = store.seed_counts().await?;

    let mut index = crate::search::SearchIndex::open_or_create(
        &data_dir.join("index"),
        crate::search::JiebaTokenizer::from_analyzer(analyzer.tokenizer()),
    )?;
    let started = Instant::now();
    seeding.index_docs = crate::search::catch_up(&store, &mut index).await?;
    seeding.index_s = started.elapsed().as_secs_f64();
    eprintln!("索引：{} 篇，{:.1} s", seeding.index_docs, seeding.index_s);
    drop(index);
    seeding.db_bytes = dir_bytes(data_dir, |p| {
        p.file_name()
            .is_some_and(|n| n.to_string_lossy().starts_with("yuqing.db"))
    });
    seeding.index_bytes = dir_bytes(&data_dir.join("index"), |_| true);
    Ok(seeding)
}

fn dir_bytes(dir: &Path, keep: impl Fn(&Path) -> bool) -> u64 {
    std::fs::read_dir(dir)
        .map(|rd| {
            rd.flatten()
                .filter(|e| keep(&e.path()))
                .filter_map(|e| e.metadata().ok())
                .filter(|m| m.is_file())
                .map(|m| m.len())
                .sum()
        })
        .unwrap_or(0)
}

/// Posts per transaction.
const BATCH_POSTS: usize = 20_000;
/// The posts span this many days before now.
const SPAN_DAYS: i64 = 90;

/// Cluster sizes: most posts stand alone, some are reposted, a few spread.
fn cluster_size(rng: &mut Rng, alerted: bool) -> usize {
    if alerted {
        match rng.weighted(&[80, 15, 4, 1]) {
            0 => 1,
            1 => 2 + rng.below(4),
            2 => 6 + rng.below(15),
            _ => 21 + rng.below(30),
        }
    } else {
        match rng.weighted(&[95, 5]) {
            0 => 1,
            _ => 2 + rng.below(4),
        }
    }
}

async fn seed(
    store: &Store,
    args: &DashboardArgs,
    templates: &[Template],
    commentators: &[i64],
    group_of: &[i64],
    analyzer_version: &str,
    now: DateTime<Utc>,
) -> anyhow::Result<()> {
    let alert_level = RiskLevel::Medium;
    let risky: Vec<usize> = (0..templates.len())
        .filter(|&i| templates[i].level >= alert_level)
        .collect();
    let calm: Vec<usize> = (0..templates.len())
        .filter(|&i| templates[i].level < alert_level)
        .collect();
    anyhow::ensure!(
        !risky.is_empty() && !calm.is_empty(),
        "语料需同时含有达到和未达到预警级别的帖子"
    );
    eprintln!(
        "模板：{} 条（{} 条达到预警级别）；写入 {} 条帖子、{} 条预警……",
        templates.len(),
        risky.len(),
        args.posts,
        args.alerts
    );
    let mut rng = Rng(0x5EED);
    // Every event's size, alerted ones spread evenly among the others.
    let mut sizes: Vec<(usize, bool)> = Vec::new();
    let mut total = 0;
    for _ in 0..args.alerts {
        let n = cluster_size(&mut rng, true);
        sizes.push((n, true));
        total += n;
    }
    anyhow::ensure!(
        total <= args.posts,
        "{} 条预警的事件需要 {total} 条帖子，多于 --posts {}",
        args.alerts,
        args.posts
    );
    while total < args.posts {
        let n = cluster_size(&mut rng, false).min(args.posts - total);
        sizes.push((n, false));
        total += n;
    }
    for i in (1..sizes.len()).rev() {
        let j = rng.below(i + 1);
        sizes.swap(i, j);
    }
    let events = sizes.len();
    let start = now - CDuration::days(SPAN_DAYS);
    let span_s = (SPAN_DAYS * 86_400) as f64;
    let shares: Vec<u32> = SOURCES.iter().map(|s| s.2).collect();

    let mut batch = SeedBatch::default();
    let mut serial = 0usize;
    let started = Instant::now();
    for (e, (size, alerted)) in sizes.into_iter().enumerate() {
        let first_at = start
            + CDuration::milliseconds(
                ((e as f64 + rng.unit()) / events as f64 * span_s * 1000.0) as i64,
            );
        let pool = if alerted { &risky } else { &calm };
        let t = &templates[pool[rng.below(pool.len())]];
        let event = batch.events.len();
        let first_post = batch.posts.len();
        let mut last_at = first_at;
        let mut sources = Vec::new();
        for k in 0..size {
            let at = if k == 0 {
                first_at
            } else {
                // A cluster spreads over hours, faster at first.
                first_at + CDuration::seconds((rng.unit().powi(2) * 48.0 * 3600.0) as i64)
            }
            .min(now);
            last_at = last_at.max(at);
            let s = SOURCES[rng.weighted(&shares)];
            sources.push(s.0);
            // Varied lengths: the template, sometimes with other sentences.
            let mut text = t.text.clone();
            let extra = match rng.weighted(&[55, 25, 12, 6, 2]) {
                0 => 0,
                1 => 1,
                2 => 2,
                3 => 4 + rng.below(4),
                _ => 10 + rng.below(15),
            };
            for _ in 0..extra {
                text.push('，');
                text.push_str(&templates[calm[rng.below(calm.len())]].text);
            }
            text.push_str(&format!(" #{serial}"));
            let title = if s.3 {
                t.text.chars().take(24).collect()
            } else {
                String::new()
            };
            batch.posts.push(SeedPost {
                event,
                source: s.0.to_string(),
                external_id: format!("s{serial}"),
                url: Some(format!("https://example.edu.cn/{}/{serial}", s.0)),
                channel: s.1,
                content_hash: crate::dedup::content_hash(&title, &text),
                title,
                text,
                author: Some(format!("用户{}", rng.below(200_000))),
                published_at: at - CDuration::seconds(rng.below(1800) as i64),
                fetched_at: at,
                simhash: rng.next(),
                analyzer_version: analyzer_version.to_string(),
                sentiment_score: t.sentiment,
                sentiment_label: t.label,
                risk_score: t.risk,
                risk_level: t.level.as_str(),
                categories: t.categories.clone(),
                analysis: t.analysis.clone(),
            });
            serial += 1;
        }
        sources.sort_unstable();
        sources.dedup();
        batch.events.push(SeedEvent {
            title: t.text.chars().take(60).collect(),
            first_seen_at: first_at,
            last_seen_at: last_at,
            post_count: size as i64,
            source_count: sources.len() as i64,
            max_risk: t.risk,
        });
        if alerted {
            batch.alerts.push(alert(
                &mut rng,
                event,
                first_post,
                size,
                t,
                first_at,
                last_at,
                now,
                commentators,
                group_of,
            ));
        }
        if batch.posts.len() >= BATCH_POSTS {
            store.seed_batch(&batch).await?;
            batch = SeedBatch::default();
            eprint!(
                "\r{serial} / {} 条帖子（{:.0} 条/秒）",
                args.posts,
                serial as f64 / started.elapsed().as_secs_f64()
            );
        }
    }
    if !batch.posts.is_empty() {
        store.seed_batch(&batch).await?;
    }
    eprintln!();
    Ok(())
}

/// An alert's handling as its age makes likely: old ones mostly closed,
/// recent ones in every state; open ones past due are escalated.
#[allow(clippy::too_many_arguments)]
fn alert(
    rng: &mut Rng,
    event: usize,
    post: usize,
    size: usize,
    t: &Template,
    created: DateTime<Utc>,
    last: DateTime<Utc>,
    now: DateTime<Utc>,
    commentators: &[i64],
    group_of: &[i64],
) -> SeedAlert {
    let recent = now - created < CDuration::days(7);
    let states = [
        "new",
        "triaged",
        "assigned",
        "in_progress",
        "responded",
        "resolved",
        "dismissed",
        "escalated",
    ];
    let weights: [u32; 8] = if recent {
        [30, 10, 25, 15, 10, 7, 3, 0]
    } else {
        [0, 0, 0, 0, 5, 70, 20, 5]
    };
    let mut state = states[rng.weighted(&weights)];
    let sla = match t.level {
        RiskLevel::Critical => CDuration::hours(2),
        RiskLevel::High => CDuration::hours(8),
        _ => CDuration::hours(24),
    };
    let due = created + sla;
    let assigned = !matches!(state, "new" | "triaged") && rng.below(10) < 9;
    let who = rng.below(commentators.len());
    let mut escalated_at = (state == "escalated").then_some(due);
    if matches!(state, "new" | "triaged" | "assigned" | "in_progress") && due < now {
        state = "escalated";
        escalated_at = Some(due);
    }
    let closed_at = matches!(state, "resolved" | "dismissed")
        .then(|| (created + CDuration::minutes(30 + rng.below(48 * 60) as i64)).min(now));
    SeedAlert {
        event,
        post,
        level: t.level.as_str(),
        risk_score: t.risk,
        state,
        post_count: size as i64,
        created_at: created,
        updated_at: closed_at.unwrap_or(last).max(last),
        assignee_id: assigned.then(|| commentators[who]),
        group_id: assigned.then(|| group_of[who]),
        assigned_at: assigned.then(|| created + CDuration::minutes(10)),
        due_at: Some(due),
        escalated_at,
        closed_at,
        false_positive: state == "dismissed" && rng.below(2) == 0,
    }
}

fn free_port() -> anyhow::Result<u16> {
    Ok(std::net::TcpListener::bind("127.0.0.1:0")?
        .local_addr()?
        .port())
}

fn write_config(
    data_dir: &Path,
    dictionaries: &Path,
    rules: &Path,
    dashboards: &Path,
) -> anyhow::Result<PathBuf> {
    let port = free_port()?;
    let toml = format!(
        "data_dir = {data:?}\ndictionaries_dir = {dict:?}\nrules_dir = {rules:?}\n\n\
         [server]\naddr = \"127.0.0.1:{port}\"\ndashboards_dir = {dash:?}\n\n\
         [server.auth]\nlogin_per_minute = 10000\n\n\
         [[sources]]\nname = \"{PUSH_SOURCE}\"\nkind = \"push\"\ntoken = \"{PUSH_TOKEN}\"\nchannel = \"weibo\"\n",
        data = data_dir.display().to_string(),
        dict = dictionaries.display().to_string(),
        rules = rules.display().to_string(),
        dash = dashboards.display().to_string(),
    );
    let path = data_dir.join("yuqing.toml");
    std::fs::write(&path, toml)?;
    Ok(path)
}

/// The server child, killed when dropped.
struct ServerChild(Child);

impl Drop for ServerChild {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// (VmRSS, VmHWM) in MiB.
fn memory_of(pid: u32) -> Option<(f64, f64)> {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).ok()?;
    let kib = |key: &str| -> Option<f64> {
        let line = status.lines().find(|l| l.starts_with(key))?;
        line[key.len()..]
            .trim()
            .trim_end_matches("kB")
            .trim()
            .parse::<f64>()
            .ok()
    };
    Some((kib("VmRSS:")? / 1024.0, kib("VmHWM:")? / 1024.0))
}

#[derive(Clone)]
struct Session {
    cookie: String,
    commentator: bool,
}

async fn measure(
    args: &DashboardArgs,
    data_dir: &Path,
    cfg: &Path,
    seeding: Seeding,
    analyzer: &Analyzer,
) -> anyhow::Result<Report> {
    let exe = std::env::current_exe()?;
    let token_out = std::process::Command::new(&exe)
        .args(["user", "token", MONITOR, "--label", "bench", "--config"])
        .arg(cfg)
        .output()?;
    anyhow::ensure!(token_out.status.success(), "yuqing user token 失败");
    let token = String::from_utf8_lossy(&token_out.stdout)
        .lines()
        .map(str::trim)
        .find(|l| {
            l.len() >= 20
                && l.chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        })
        .context("yuqing user token 没有输出令牌")?
        .to_string();

    let addr = std::fs::read_to_string(cfg)?
        .lines()
        .find_map(|l| {
            l.strip_prefix("addr = \"")
                .map(|a| a.trim_end_matches('"').to_string())
        })
        .context("配置中没有 addr")?;
    let base = format!("http://{addr}");
    let log = std::fs::File::create(data_dir.join("serve.log"))?;
    let started = Instant::now();
    let child = std::process::Command::new(&exe)
        .args(["serve", "--config"])
        .arg(cfg)
        .env("RUST_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(log.try_clone()?)
        .stderr(log)
        .spawn()
        .context("无法启动 yuqing serve")?;
    let server = ServerChild(child);
    let pid = server.0.id();
    let client = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .pool_max_idle_per_host(args.users + 8)
        .timeout(Duration::from_secs(30))
        .build()?;
    loop {
        if let Ok(r) = client.get(format!("{base}/login")).send().await
            && r.status().is_success()
        {
            break;
        }
        anyhow::ensure!(
            started.elapsed() < Duration::from_secs(120),
            "服务 120 秒内未就绪（见 {}）",
            data_dir.join("serve.log").display()
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    eprintln!("服务已就绪：{:.1} s", started.elapsed().as_secs_f64());
    // Let the start-up work (index catch-up check, SLA pass) settle.
    tokio::time::sleep(Duration::from_secs(3)).await;
    let mut server_use = ServerUse::default();
    if let Some((rss, _)) = memory_of(pid) {
        server_use.idle_rss_mib = rss;
    }

    let mut sessions = Vec::new();
    for i in 0..args.users {
        // Seven in ten are monitors; the rest the commentators in turn.
        let (name, commentator) = if i % 10 < 7 {
            (MONITOR, false)
        } else {
            (COMMENTATORS[i % COMMENTATORS.len()], true)
        };
        let r = client
            .post(format!("{base}/login"))
            .form(&[("username", name), ("password", PASSWORD), ("next", "/")])
            .send()
            .await?;
        let cookie = r
            .headers()
            .get(reqwest::header::SET_COOKIE)
            .and_then(|v| v.to_str().ok())
            .and_then(|v| v.split(';').next())
            .with_context(|| format!("{name} 登录失败：{}", r.status()))?
            .to_string();
        sessions.push(Session {
            cookie,
            commentator,
        });
    }
    eprintln!(
        "{} 个会话已登录；负载 {} 秒……",
        sessions.len(),
        args.seconds
    );

    // Memory during the load.
    let sampling = Arc::new(std::sync::atomic::AtomicBool::new(true));
    let sampler = {
        let sampling = sampling.clone();
        tokio::spawn(async move {
            let mut max_rss = 0.0f64;
            let mut hwm = 0.0f64;
            while sampling.load(std::sync::atomic::Ordering::Relaxed) {
                if let Some((rss, h)) = memory_of(pid) {
                    max_rss = max_rss.max(rss);
                    hwm = hwm.max(h);
                }
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
            (max_rss, hwm)
        })
    };

    let texts = risky_texts(analyzer, args.pushes * 2);
    let monitor_cookie = sessions[0].cookie.clone();
    let samples: Arc<Mutex<Vec<Sample>>> = Arc::default();
    let deadline = Instant::now() + Duration::from_secs_f64(args.seconds);
    let load_started = Instant::now();
    let cpu_before = super::cpu::process(pid).map_or(0.0, |d| d.as_secs_f64());
    let mut tasks = Vec::new();
    for (i, s) in sessions.iter().enumerate() {
        let client = client.clone();
        let base = base.clone();
        let s = s.clone();
        let token = token.clone();
        let samples = samples.clone();
        let think_ms = args.think_ms;
        tasks.push(tokio::spawn(async move {
            let mut rng = Rng(1000 + i as u64);
            let mut mine = Vec::new();
            // With think time, sessions arrive spread over one think period,
            // as people in an office do; otherwise all 50 would send their
            // first request in the same millisecond and that one burst would
            // be the whole tail of a short run. The closed loop (no think
            // time) keeps the simultaneous start: it measures saturation.
            if think_ms > 0 {
                let arrival = think_ms as f64 * 1.5 * rng.unit();
                tokio::time::sleep(Duration::from_secs_f64(arrival / 1e3)).await;
            }
            while Instant::now() < deadline {
                let (kind, path, bearer) = pick(&mut rng, &s);
                let mut req = client.get(format!("{base}{path}"));
                req = if bearer {
                    req.bearer_auth(&token)
                } else {
                    req.header(reqwest::header::COOKIE, &s.cookie)
                };
                let t0 = Instant::now();
                let ok = match req.send().await {
                    Ok(r) => {
                        let ok = r.status().is_success();
                        r.bytes().await.is_ok() && ok
                    }
                    Err(_) => false,
                };
                mine.push((kind, t0.elapsed().as_secs_f64() * 1e3, ok));
                if think_ms > 0 {
                    let pause = think_ms as f64 * (0.5 + rng.unit());
                    tokio::time::sleep(Duration::from_secs_f64(pause / 1e3)).await;
                }
            }
            samples.lock().expect("not poisoned").extend(mine);
        }));
    }
    // Post → dashboard while the load runs.
    let spacing = Duration::from_secs_f64((args.seconds / (args.pushes as f64 + 1.0)).max(0.3));
    let live_under_load = live_latency(
        &client,
        &base,
        &monitor_cookie,
        &texts[..args.pushes.min(texts.len())],
        spacing,
        Some(deadline),
    )
    .await?;
    for t in tasks {
        t.await?;
    }
    let elapsed = load_started.elapsed().as_secs_f64();
    server_use.load_cpu_s = super::cpu::process(pid).map_or(0.0, |d| d.as_secs_f64()) - cpu_before;
    sampling.store(false, std::sync::atomic::Ordering::Relaxed);
    let (max_rss, hwm) = sampler.await?;
    server_use.load_rss_max_mib = max_rss;
    server_use.hwm_mib = hwm;

    let samples = std::mem::take(&mut *samples.lock().expect("not poisoned"));
    server_use.cpu_ms_per_request = server_use.load_cpu_s * 1e3 / samples.len().max(1) as f64;
    let mut by_kind: BTreeMap<&'static str, Vec<(f64, bool)>> = BTreeMap::new();
    for (k, ms, ok) in &samples {
        by_kind.entry(*k).or_default().push((*ms, *ok));
    }
    let kinds = by_kind
        .into_iter()
        .map(|(k, v)| (k, stats(&v, elapsed)))
        .collect();

    eprintln!("负载结束；空闲时推送……");
    tokio::time::sleep(Duration::from_secs(2)).await;
    let live_idle = live_latency(
        &client,
        &base,
        &monitor_cookie,
        &texts[args.pushes.min(texts.len())..],
        Duration::from_millis(700),
        None,
    )
    .await?;
    if let Some((_, h)) = memory_of(pid) {
        server_use.hwm_mib = server_use.hwm_mib.max(h);
    }
    drop(server);
    Ok(Report {
        seeding,
        users: sessions.len(),
        think_ms: args.think_ms,
        seconds: elapsed,
        requests: samples.len(),
        requests_per_s: samples.len() as f64 / elapsed,
        kinds,
        server: server_use,
        live_under_load,
        live_idle,
    })
}

/// One request of the mix: (kind, path, by API token).
fn pick(rng: &mut Rng, s: &Session) -> (&'static str, String, bool) {
    let word = SEARCH_WORDS[rng.below(SEARCH_WORDS.len())];
    match rng.weighted(&[30, 35, 20, 15]) {
        0 => ("queue", "/alerts".into(), false),
        1 => {
            let page = if rng.below(3) == 0 {
                2 + rng.below(19)
            } else {
                1
            };
            let filter = if s.commentator && rng.below(2) == 0 {
                "assignee=me".to_string()
            } else {
                match rng.below(5) {
                    0 => ["level=critical", "level=high", "level=medium"][rng.below(3)].to_string(),
                    1 => format!(
                        "category={}",
                        url_encode(CATEGORY_FILTERS[rng.below(CATEGORY_FILTERS.len())])
                    ),
                    2 => ["state=new", "state=resolved", "state=all"][rng.below(3)].to_string(),
                    3 => "sort=newest&state=all".to_string(),
                    _ => "range=7d&sentiment=negative".to_string(),
                }
            };
            ("filtered", format!("/alerts?{filter}&page={page}"), false)
        }
        2 => (
            "search_queue",
            format!("/alerts?q={}&state=all", url_encode(word)),
            false,
        ),
        _ if s.commentator => (
            "search_queue",
            format!("/alerts?q={}", url_encode(word)),
            false,
        ),
        _ => (
            "search_api",
            format!("/api/v1/search?q={}", url_encode(word)),
            true,
        ),
    }
}

fn url_encode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

fn percentile(sorted: &[f64], q: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((q * sorted.len() as f64).ceil() as usize).clamp(1, sorted.len());
    sorted[rank - 1]
}

fn stats(v: &[(f64, bool)], secs: f64) -> KindStats {
    let mut ms: Vec<f64> = v.iter().map(|x| x.0).collect();
    ms.sort_by(f64::total_cmp);
    KindStats {
        count: v.len(),
        errors: v.iter().filter(|x| !x.1).count(),
        per_s: v.len() as f64 / secs,
        p50_ms: percentile(&ms, 0.50),
        p95_ms: percentile(&ms, 0.95),
        p99_ms: percentile(&ms, 0.99),
        max_ms: ms.last().copied().unwrap_or(0.0),
    }
}

/// Distinct risky texts (each its own event: three of 24 risky sentences
/// and a random tag, so that no two are near-duplicates, nor, most likely,
/// a push of an earlier run on a reused data directory), checked to raise
/// an alert.
fn risky_texts(analyzer: &Analyzer, n: usize) -> Vec<String> {
    const RISKY: [&str; 24] = [
        "化学楼实验室发生爆炸，有学生受伤，现场浓烟滚滚",
        "急寻！我校一名大二女生昨晚离校后失联，手机关机，请大家帮忙转发",
        "实名举报：我的导师长期对女学生性骚扰，还发暧昧短信",
        "后勤处长在食堂承包招标中收受贿赂数十万元",
        "在食堂打的饭里吃出一只虫子，好几个同学吃完腹泻住院了",
        "学校强制实习，把我们送到电子厂流水线上，不去就扣毕业证",
        "暑假两名大学生在水库游泳溺水，一人不幸身亡",
        "体育馆看台坍塌，多名观众受伤，救护车来了好几辆",
        "三号宿舍楼半夜起火，楼道里全是烟，消防车来了",
        "辅导员让我们交两千块钱买教材，不交就不给发毕业证",
        "有同学在宿舍楼顶要跳楼，警察和老师都在劝",
        "学校卫生间发现针孔摄像头，女生们都很害怕",
        "教务处篡改考试成绩，好几个同学挂科被取消保研资格",
        "有人冒充学校老师诈骗新生学费，已经有三个人被骗",
        "食堂后厨老鼠乱窜，饭菜里吃出了头发和钢丝球",
        "宿管阿姨殴打学生的视频在网上传开了",
        "学校拖欠食堂员工工资半年，员工拉横幅讨薪",
        "图书馆电梯突然下坠，里面困了五名学生",
        "实训车间机器绞伤学生手臂，学校封锁消息",
        "校医院误诊耽误治疗，学生病情加重转院抢救",
        "新生军训中暑晕倒多人，教官还不让休息",
        "学校收取高额住宿费却连热水都没有，学生集体投诉",
        "有人在校园网贷群里诱导学生借高利贷，已有同学被逼退学",
        "校车在校门口撞倒两名学生，司机逃逸",
    ];
    let mut rng = Rng(rand::random());
    let mut out = Vec::new();
    let mut hashes: Vec<u64> = Vec::new();
    for _ in 0..n * 50 {
        if out.len() == n {
            break;
        }
        let a = rng.below(RISKY.len());
        let b = (a + 1 + rng.below(RISKY.len() - 1)) % RISKY.len();
        let c = (0..)
            .map(|_| rng.below(RISKY.len()))
            .find(|c| *c != a && *c != b)
            .unwrap_or(a);
        let text = format!(
            "{}。另外，{}。还有，{}。编号{}",
            RISKY[a],
            RISKY[b],
            RISKY[c],
            rng.next() % 1_000_000
        );
        let (analysis, simhash) = analyzer.analyze_with_simhash(&PostText::new(&text));
        if analysis.risk.level < RiskLevel::Medium
            || hashes.iter().any(|h| {
                crate::dedup::hamming(*h, simhash) <= crate::dedup::NEAR_DUPLICATE_BITS + 2
            })
        {
            continue;
        }
        hashes.push(simhash);
        out.push(text);
    }
    out
}

/// An open `/live` stream: the ids of its `alerts` events.
struct Live {
    response: reqwest::Response,
    buf: String,
}

impl Live {
    async fn open(client: &reqwest::Client, base: &str, cookie: &str) -> anyhow::Result<Live> {
        let response = client
            .get(format!("{base}/live"))
            .header(reqwest::header::COOKIE, cookie)
            .timeout(Duration::from_secs(3600))
            .send()
            .await?
            .error_for_status()?;
        Ok(Live {
            response,
            buf: String::new(),
        })
    }

    /// The next `alerts` event's id, or None at `timeout`.
    async fn next(&mut self, timeout: Duration) -> anyhow::Result<Option<i64>> {
        let until = tokio::time::Instant::now() + timeout;
        loop {
            if let Some(end) = self.buf.find("\n\n") {
                let event: String = self.buf.drain(..end + 2).collect();
                let is_alerts = event.lines().any(|l| l.trim() == "event: alerts");
                let data = event
                    .lines()
                    .find_map(|l| l.strip_prefix("data:"))
                    .and_then(|d| d.trim().parse::<i64>().ok());
                if is_alerts && let Some(id) = data {
                    return Ok(Some(id));
                }
                continue;
            }
            match tokio::time::timeout_at(until, self.response.chunk()).await {
                Err(_) => return Ok(None),
                Ok(chunk) => match chunk? {
                    Some(bytes) => self.buf.push_str(&String::from_utf8_lossy(&bytes)),
                    None => bail!("/live 连接被关闭"),
                },
            }
        }
    }
}

/// Push each text, timing its `alerts` event and the fresh rows' fetch.
async fn live_latency(
    client: &reqwest::Client,
    base: &str,
    cookie: &str,
    texts: &[String],
    spacing: Duration,
    stop_at: Option<Instant>,
) -> anyhow::Result<LiveStats> {
    let mut live = Live::open(client, base, cookie).await?;
    let mut last = live
        .next(Duration::from_secs(10))
        .await?
        .context("/live 没有发出初始事件")?;
    let mut rows = Vec::new();
    let mut missed = 0;
    for (i, text) in texts.iter().enumerate() {
        tokio::time::sleep(spacing).await;
        if stop_at.is_some_and(|t| Instant::now() + Duration::from_secs(2) > t) {
            break;
        }
        let item = serde_json::json!({
            "id": format!("live-{}-{i}", rand::random::<u64>()),
            "text": text,
            "url": format!("https://example.edu.cn/live/{}", rand::random::<u64>()),
        });
        let t0 = Instant::now();
        let r = client
            .post(format!("{base}/api/v1/sources/{PUSH_SOURCE}/items"))
            .bearer_auth(PUSH_TOKEN)
            .json(&item)
            .send()
            .await?;
        anyhow::ensure!(r.status().is_success(), "推送失败：{}", r.status());
        let _ = r.bytes().await;
        let id = loop {
            match live.next(Duration::from_secs(5)).await? {
                Some(id) if id > last => break Some(id),
                Some(_) => continue,
                None => break None,
            }
        };
        let Some(id) = id else {
            missed += 1;
            continue;
        };
        let sse_ms = t0.elapsed().as_secs_f64() * 1e3;
        let body = client
            .get(format!("{base}/alerts/fresh?after={last}"))
            .header(reqwest::header::COOKIE, cookie)
            .send()
            .await?
            .text()
            .await?;
        let fresh_ms = t0.elapsed().as_secs_f64() * 1e3;
        if !body.contains(&format!("/alerts/{id}\"")) {
            missed += 1;
        } else {
            rows.push(LiveRow { sse_ms, fresh_ms });
        }
        last = id;
    }
    let mut sse: Vec<f64> = rows.iter().map(|r| r.sse_ms).collect();
    let mut fresh: Vec<f64> = rows.iter().map(|r| r.fresh_ms).collect();
    sse.sort_by(f64::total_cmp);
    fresh.sort_by(f64::total_cmp);
    let _ = std::io::stderr().flush();
    Ok(LiveStats {
        measured: rows.len(),
        missed,
        sse_p50_ms: percentile(&sse, 0.5),
        sse_max_ms: sse.last().copied().unwrap_or(0.0),
        fresh_p50_ms: percentile(&fresh, 0.5),
        fresh_max_ms: fresh.last().copied().unwrap_or(0.0),
    })
}
