//! `yuqing bench latency`: how long after a post appears on a source its
//! alert is stored, with the real scheduler polling a loopback feed at the
//! configured interval. Prints, per post, appearance → first fetch → alert.

use crate::analyze::Analyzer;
use crate::config::Config;
use crate::crawl::schedule::Scheduler;
use crate::pipeline::Pipeline;
use crate::store::Store;
use anyhow::Context;
use axum::extract::State;
use axum::response::IntoResponse;
use chrono::{DateTime, Utc};
use serde::Serialize;
use std::sync::{Arc, Mutex};
use std::time::Duration;

/// Risky posts of different categories, so that each raises its own alert.
const POSTS: &[&str] = &[
    "化学楼实验室发生爆炸，有学生受伤，现场浓烟滚滚",
    "急寻！我校一名大二女生昨晚离校后失联，手机关机，请大家帮忙转发",
    "实名举报：我的导师长期对女学生性骚扰，还发暧昧短信",
    "后勤处长在食堂承包招标中收受贿赂数十万元",
    "在食堂打的饭里吃出一只虫子，好几个同学吃完腹泻住院了",
    "学校强制实习，把我们送到电子厂流水线上，不去就扣毕业证",
    "暑假两名大学生在水库游泳溺水，一人不幸身亡",
    "体育馆看台坍塌，多名观众受伤，救护车来了好几辆",
];

#[derive(Debug, clap::Args)]
pub struct LatencyArgs {
    /// Posts to publish on the loopback feed (at most 8).
    #[arg(long, default_value_t = 5)]
    posts: usize,
    /// The source's polling interval (at least 10s).
    #[arg(long, default_value = "60s")]
    interval: String,
    /// The posts appear at random moments over this many seconds.
    #[arg(long, default_value_t = 240)]
    span: u64,
}

/// The feed's items: when each appears, and when a fetch first carried it.
struct Site {
    appear: Vec<DateTime<Utc>>,
    first_served: Mutex<Vec<Option<DateTime<Utc>>>>,
}

async fn feed(State(site): State<Arc<Site>>) -> impl IntoResponse {
    let now = Utc::now();
    let mut items = String::new();
    let mut served = site.first_served.lock().expect("not poisoned");
    for (i, at) in site.appear.iter().enumerate() {
        if *at > now {
            continue;
        }
        served[i].get_or_insert(now);
        items.push_str(&format!(
            "<item><title>帖子{i}</title><link>http://bbs.example.edu.cn/t/{i}</link>\
             <guid>t{i}</guid><description>{}</description><pubDate>{}</pubDate></item>",
            POSTS[i],
            at.to_rfc2822()
        ));
    }
    (
        [("content-type", "application/rss+xml; charset=utf-8")],
        format!(
            "<?xml version=\"1.0\" encoding=\"utf-8\"?><rss version=\"2.0\"><channel>\
             <title>校园论坛</title><link>http://bbs.example.edu.cn/</link>\
             <description>bench</description>{items}</channel></rss>"
        ),
    )
}

#[derive(Serialize)]
struct Row {
    post: usize,
    /// Fetched this long after it appeared (the polling wait).
    wait_s: f64,
    /// Alert stored this long after the fetch that carried the post.
    after_fetch_ms: f64,
    /// Alert stored this long after the post appeared.
    total_s: f64,
}

pub fn run(args: LatencyArgs) -> anyhow::Result<std::process::ExitCode> {
    let n = args.posts.clamp(1, POSTS.len());
    let analyzer = Arc::new(Analyzer::load_default().context("无法加载分析器")?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    runtime.block_on(async move {
        let start = Utc::now();
        let appear: Vec<DateTime<Utc>> = (0..n)
            .map(|_| {
                start
                    + chrono::Duration::milliseconds(
                        (rand::random::<f64>() * args.span as f64 * 1000.0) as i64,
                    )
            })
            .collect();
        let site = Arc::new(Site {
            appear: appear.clone(),
            first_served: Mutex::new(vec![None; n]),
        });
        let app = axum::Router::new()
            .route("/feed.xml", axum::routing::get(feed))
            .with_state(site.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        tokio::spawn(async move { axum::serve(listener, app).await });

        let dir = tempfile_dir()?;
        let toml = format!(
            "data_dir = \"{}\"\n[[sources]]\nname = \"forum\"\nkind = \"feed\"\n\
             url = \"http://{addr}/feed.xml\"\ninterval = \"{}\"\nchannel = \"forum\"\n",
            dir.join("data").display(),
            args.interval
        );
        let path = dir.join("yuqing.toml");
        std::fs::write(&path, toml)?;
        let config = Config::load_with_env(Some(&path), Vec::<(String, String)>::new())?;
        let store = Arc::new(Store::open(None, &config.data_dir).await?);
        let pipeline = Pipeline::new(analyzer, store.clone(), config.alert_level());
        let (stop, rx) = tokio::sync::watch::channel(false);
        let scheduler = tokio::spawn(Scheduler::new(&config, pipeline)?.run(rx));
        eprintln!(
            "{n} 条帖子将在 {} 秒内随机出现；来源每 {} 轮询一次……",
            args.span, args.interval
        );

        // Wait for an alert per post (each is its own event).
        let deadline = std::time::Instant::now()
            + Duration::from_secs(args.span)
            + Duration::from_secs(180);
        let alerts = loop {
            let alerts = store.alerts().await?;
            if alerts.len() >= n || std::time::Instant::now() > deadline {
                break alerts;
            }
            tokio::time::sleep(Duration::from_millis(200)).await;
        };
        let _ = stop.send(true);
        let _ = scheduler.await;
        let posts = store.posts_since(None, None, 1000).await?;
        let served = site.first_served.lock().expect("not poisoned").clone();
        let mut rows = Vec::new();
        for a in &alerts {
            let Some(p) = posts.iter().find(|p| p.id == a.post_id) else {
                continue;
            };
            let Some(i) = p
                .external_id
                .strip_prefix('t')
                .and_then(|s| s.parse::<usize>().ok())
            else {
                continue;
            };
            let fetched = served[i].expect("an alerted post was served");
            rows.push(Row {
                post: i,
                wait_s: (fetched - appear[i]).as_seconds_f64(),
                after_fetch_ms: (a.created_at - fetched).as_seconds_f64() * 1000.0,
                total_s: (a.created_at - appear[i]).as_seconds_f64(),
            });
        }
        rows.sort_by_key(|r| r.post);
        for r in &rows {
            println!("{}", serde_json::to_string(r)?);
        }
        let worst = |f: fn(&Row) -> f64| rows.iter().map(f).fold(0.0, f64::max);
        eprintln!(
            "{} / {n} 条产生预警；抓取后至预警入库最长 {:.0} ms，出现至预警最长 {:.1} s（轮询间隔 {}）",
            rows.len(),
            worst(|r| r.after_fetch_ms),
            worst(|r| r.total_s),
            args.interval
        );
        let _ = std::fs::remove_dir_all(&dir);
        anyhow::Ok(if rows.len() == n {
            std::process::ExitCode::SUCCESS
        } else {
            std::process::ExitCode::FAILURE
        })
    })
}

fn tempfile_dir() -> std::io::Result<std::path::PathBuf> {
    let dir = std::env::temp_dir().join(format!("yuqing-latency-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}
