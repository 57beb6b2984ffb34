//! `yuqing bench syndicate`: outbox throughput. `--contents` approved
//! contents (default 1,000), each for six channels (website with its CMS
//! hook, WeChat, Weibo, Douyin, Bilibili, Kuaishou), published through the
//! outbox against the local mock platforms (`syndicate::mock`, in this
//! process on 127.0.0.1) into a fresh SQLite store. Each run (the baseline
//! worker count, then `--workers`) starts from scratch and reports jobs/s,
//! time, per-channel counts and the duplicates the mocks saw (must be 0).
//! JSON on stdout, a summary on stderr; exit 1 if anything failed or was
//! posted twice.

use super::super::{AnalysisPaths, load_config};
use super::tempfile_dir;
use crate::clock::{Clock, SystemClock};
use crate::review::Role;
use crate::store::{NewUser, Store};
use crate::syndicate::mock::{self, Mock};
use crate::syndicate::{
    ChannelKind, ChannelSettings, ContentBody, Desk, MediaRef, NewChannel, Outbox, OutboxSettings,
    PublishChecker, SecretKey, register_channel,
};
use anyhow::{Context, bail};
use serde::Serialize;
use std::collections::BTreeMap;
use std::process::ExitCode;
use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

#[derive(Debug, clap::Args)]
pub struct SyndicateArgs {
    #[command(flatten)]
    paths: AnalysisPaths,
    /// Approved contents, each published to all six channels.
    #[arg(long, default_value_t = 1000)]
    contents: usize,
    /// Concurrent outbox workers (each its own lease owner, as separate
    /// processes would be).
    #[arg(long, default_value_t = 4)]
    workers: usize,
    /// Workers of the baseline run made first (0: none).
    #[arg(long, default_value_t = 1)]
    baseline_workers: usize,
    /// Bytes of the test video.
    #[arg(long, default_value_t = 256 * 1024)]
    video_bytes: usize,
    /// Run on PostgreSQL (`postgres://…`): each run in a fresh schema,
    /// dropped afterwards. Default: a fresh SQLite store.
    #[arg(long)]
    database_url: Option<String>,
}

#[derive(Serialize)]
struct Run {
    workers: usize,
    jobs: usize,
    /// Creating, submitting, approving and scheduling the contents, and
    /// releasing them to the outbox (not part of the throughput).
    prepare_s: f64,
    seconds: f64,
    jobs_per_s: f64,
    published: usize,
    retried: usize,
    failed: usize,
    /// Public posts (deliveries for the webhook) each mock platform saw.
    posts: BTreeMap<&'static str, usize>,
    duplicates: BTreeMap<&'static str, usize>,
    duplicates_total: usize,
}

#[derive(Serialize)]
struct Report {
    backend: &'static str,
    contents: usize,
    channels: usize,
    video_bytes: usize,
    runs: Vec<Run>,
}

pub fn run(args: SyndicateArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&args.paths)?;
    let rules = config
        .syndicate
        .rules_dir
        .clone()
        .unwrap_or_else(|| config.rules_dir.join("publish"));
    let checker = Arc::new(
        PublishChecker::load(&rules)
            .with_context(|| format!("发布检查规则无法加载：{}", rules.display()))?,
    );
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    let mut runs = Vec::new();
    for workers in [args.baseline_workers, args.workers] {
        if workers == 0 {
            continue;
        }
        let r = rt.block_on(one_run(&args, workers, checker.clone()))?;
        eprintln!(
            "{} 个工作者：{} 个任务，{:.2} s，{:.0} 任务/秒；发布 {}，重试 {}，失败 {}，重复 {}（准备 {:.1} s）",
            r.workers,
            r.jobs,
            r.seconds,
            r.jobs_per_s,
            r.published,
            r.retried,
            r.failed,
            r.duplicates_total,
            r.prepare_s
        );
        eprintln!("  各平台收到：{:?}", r.posts);
        runs.push(r);
    }
    let bad = runs
        .iter()
        .any(|r| r.failed > 0 || r.duplicates_total > 0 || r.published != r.jobs);
    let report = Report {
        backend: if args.database_url.is_some() {
            "postgres"
        } else {
            "sqlite"
        },
        contents: args.contents,
        channels: 6,
        video_bytes: args.video_bytes,
        runs,
    };
    println!("{}", serde_json::to_string_pretty(&report)?);
    Ok(if bad {
        ExitCode::FAILURE
    } else {
        ExitCode::SUCCESS
    })
}

fn media(dir: &std::path::Path, name: &str, mime: &str, len: usize) -> anyhow::Result<MediaRef> {
    let path = dir.join(name);
    let mut bytes = vec![0xFF, 0xD8, 0xFF, 0xE0];
    bytes.resize(len, 7);
    std::fs::write(&path, &bytes).with_context(|| format!("无法写入 {}", path.display()))?;
    Ok(MediaRef {
        path: path.display().to_string(),
        mime: mime.into(),
        bytes: len as u64,
    })
}

async fn one_run(
    args: &SyndicateArgs,
    workers: usize,
    checker: Arc<PublishChecker>,
) -> anyhow::Result<Run> {
    let dir = tempfile_dir()?.join(format!("syndicate-{workers}"));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    let (store, schema) = match &args.database_url {
        Some(url) => {
            let schema = format!("yq_bench_syndicate_{}_{workers}", std::process::id());
            let pg = crate::store::PgStore::connect(url, Some(&schema))
                .await
                .context("PostgreSQL 无法连接")?;
            (crate::store::Store::Postgres(pg), Some(schema))
        }
        None => (
            Store::open(None, &dir).await.context("数据库无法打开")?,
            None,
        ),
    };
    let result = measure(args, workers, checker, &dir, Arc::new(store)).await;
    if let (Some(url), Some(schema)) = (&args.database_url, schema)
        && let Err(e) = crate::store::PgStore::drop_schema(url, &schema).await
    {
        eprintln!("未能删除测试 schema {schema}：{e}");
    }
    let _ = std::fs::remove_dir_all(&dir);
    result
}

async fn measure(
    args: &SyndicateArgs,
    workers: usize,
    checker: Arc<PublishChecker>,
    dir: &std::path::Path,
    store: Arc<Store>,
) -> anyhow::Result<Run> {
    let mock = Mock::default();
    let base = mock.start().await.context("模拟平台无法启动")?;
    let key = Arc::new(SecretKey::from_base64(&SecretKey::generate())?);
    let clock: Arc<dyn Clock> = Arc::new(SystemClock);
    let college = "XX职业技术学院";

    let mut channels = Vec::new();
    let mut bili_paths = BTreeMap::new();
    bili_paths.insert(
        "part_upload".to_string(),
        format!("{base}/video/v2/part/upload"),
    );
    let api = Some(base.clone());
    for (kind, settings, secret) in [
        (
            ChannelKind::Website,
            ChannelSettings {
                site_url: Some("https://www.xx.edu.cn".into()),
                url: Some(format!("{base}/hook")),
                ..ChannelSettings::default()
            },
            mock::WHSEC,
        ),
        (
            ChannelKind::Wechat,
            ChannelSettings {
                api_base: api.clone(),
                app_id: Some(mock::WX_APP.into()),
                ..ChannelSettings::default()
            },
            mock::WX_SECRET,
        ),
        (
            ChannelKind::Weibo,
            ChannelSettings {
                api_base: api.clone(),
                safe_domain: Some("xx.edu.cn".into()),
                ..ChannelSettings::default()
            },
            mock::WB_TOKEN,
        ),
        (
            ChannelKind::Douyin,
            ChannelSettings {
                api_base: api.clone(),
                open_id: Some(mock::DY_OPEN_ID.into()),
                ..ChannelSettings::default()
            },
            mock::DY_TOKEN,
        ),
        (
            ChannelKind::Bilibili,
            ChannelSettings {
                api_base: api.clone(),
                app_id: Some(mock::BILI_CLIENT.into()),
                paths: bili_paths,
                ..ChannelSettings::default()
            },
            mock::BILI_TOKEN,
        ),
        (
            ChannelKind::Kuaishou,
            ChannelSettings {
                api_base: api.clone(),
                app_id: Some(mock::KS_APP.into()),
                ..ChannelSettings::default()
            },
            mock::KS_TOKEN,
        ),
    ] {
        let name = crate::syndicate::channels::unified_name(college, None, kind);
        let new = NewChannel {
            college,
            name: &name,
            kind,
            settings: &settings,
            secret: Some(secret),
            refresh_token: None,
            // Bilibili signs every request with it.
            app_secret: (kind == ChannelKind::Bilibili).then_some(mock::BILI_SECRET),
        };
        channels.push(register_channel(&store, &key, &new, None, clock.now()).await?);
    }

    let prepare = Instant::now();
    let mut actors = Vec::new();
    for name in ["bench.author", "bench.approver"] {
        let id = store
            .create_user(
                &NewUser {
                    username: name,
                    display_name: name,
                    password_hash: "$argon2id$v=19$m=19456,t=2,p=1$c2FsdA$aGFzaA",
                    roles: &[Role::Publisher],
                    created_by: None,
                },
                clock.now(),
            )
            .await?;
        actors.push(store.actor(id).await?.context("用户已创建")?);
    }
    let cover = media(dir, "cover.jpg", "image/jpeg", 3000)?;
    let video = media(dir, "clip.mp4", "video/mp4", args.video_bytes)?;
    let desk = Desk {
        store: &store,
        checker: &checker,
    };
    for i in 0..args.contents {
        let body = ContentBody {
            title: format!("第{i}期校园新闻：我院举办技能大赛"),
            body: format!("第{i}期：我院举办职业技能大赛，三百余名学生参加。"),
            cover: Some(cover.clone()),
            video: Some(video.clone()),
            tags: vec!["技能大赛".into()],
            link: Some(format!("https://www.xx.edu.cn/news/{i}.html")),
            ..ContentBody::default()
        };
        let now = clock.now();
        let id = desk.create(&actors[0], &body, now).await?;
        desk.submit(&actors[0], id, &channels, now).await?;
        desk.approve(&actors[1], id, now).await?;
        desk.schedule(&actors[0], id, None, now).await?;
    }
    let released = desk.release_due(clock.now()).await?.len();
    if released != args.contents {
        bail!("只放行了 {released} 条内容");
    }
    let prepare_s = prepare.elapsed().as_secs_f64();
    let jobs = args.contents * channels.len();

    let settings = OutboxSettings {
        poll: Duration::from_millis(5),
        request_timeout: Duration::from_secs(10),
        backoff_base: Duration::from_millis(200),
        publish_poll: Duration::from_millis(50),
        ..OutboxSettings::default()
    };
    let finished = Arc::new(AtomicUsize::new(0));
    let counts = Arc::new(std::sync::Mutex::new((0usize, 0usize, 0usize)));
    let start = Instant::now();
    let mut tasks = Vec::new();
    for w in 0..workers {
        let outbox = Outbox::new(
            store.clone(),
            checker.clone(),
            key.clone(),
            clock.clone(),
            settings.clone(),
        )?
        .with_owner(format!("bench-{w}"));
        let (finished, counts) = (finished.clone(), counts.clone());
        tasks.push(tokio::spawn(async move {
            while finished.load(Ordering::SeqCst) < jobs {
                let r = outbox.tick().await?;
                finished.fetch_add(r.published + r.failed, Ordering::SeqCst);
                {
                    let mut c = counts.lock().unwrap_or_else(|e| e.into_inner());
                    c.0 += r.published;
                    c.1 += r.retried;
                    c.2 += r.failed;
                }
                if r.published + r.retried + r.failed == 0 {
                    tokio::time::sleep(Duration::from_millis(5)).await;
                }
            }
            anyhow::Ok(())
        }));
    }
    let deadline = Duration::from_secs(30 * 60);
    for t in tasks {
        tokio::time::timeout(deadline, t)
            .await
            .context("30 分钟内未完成")???;
    }
    let seconds = start.elapsed().as_secs_f64();
    let (published, retried, failed) = *counts.lock().unwrap_or_else(|e| e.into_inner());
    let tally = mock.with(|m| m.tally());
    Ok(Run {
        workers,
        jobs,
        prepare_s,
        seconds,
        jobs_per_s: jobs as f64 / seconds,
        published,
        retried,
        failed,
        duplicates_total: tally.duplicates.values().sum(),
        posts: tally.posts,
        duplicates: tally.duplicates,
    })
}
