//! `kill -9` in the middle of `yuqing crawl --once`: nothing committed is
//! lost, and the next run stores the rest exactly once.

use crate::fixture_site::{self, MANY_PER_PAGE};
use sqlx::sqlite::{SqliteConnectOptions, SqlitePool, SqlitePoolOptions};
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A stored post as the test compares it before and after the kill.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
struct Row {
    id: i64,
    external_id: String,
    canonical_url: Option<String>,
    title: String,
    text: String,
    content_hash: i64,
    version: i64,
    event_id: i64,
    updated_at: String,
}

async fn read_only(db: &Path) -> Option<SqlitePool> {
    if !db.exists() {
        return None;
    }
    let options = SqliteConnectOptions::new().filename(db).read_only(true);
    SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .ok()
}

async fn posts(pool: &SqlitePool) -> Vec<Row> {
    sqlx::query_as(
        "SELECT id, external_id, canonical_url, title, text, content_hash, version, event_id, updated_at \
         FROM posts ORDER BY id",
    )
    .fetch_all(pool)
    .await
    .unwrap()
}

async fn count(pool: &SqlitePool, sql: &str) -> i64 {
    sqlx::query_scalar(sqlx::AssertSqlSafe(sql))
        .fetch_one(pool)
        .await
        .unwrap()
}

fn yuqing(config: &Path) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yuqing"));
    cmd.args(["crawl", "--once", "--config"]).arg(config);
    for (k, _) in std::env::vars() {
        if k.starts_with("YUQING_") {
            cmd.env_remove(k);
        }
    }
    cmd.stdout(Stdio::piped()).stderr(Stdio::piped());
    cmd
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn kill_9_mid_crawl_loses_nothing_committed_and_the_next_run_resumes() {
    // 8 list pages × 10 detail pages; pages from no. 41 on wait for the
    // release, so the first crawl is certainly still running when killed.
    let site = fixture_site::spawn_many(8, 41).await;
    let total = site.total;
    assert_eq!(total, 8 * MANY_PER_PAGE);
    let dir = tempfile::tempdir().unwrap();
    let root = env!("CARGO_MANIFEST_DIR");
    let data = dir.path().join("data");
    let config = dir.path().join("yuqing.toml");
    std::fs::write(
        &config,
        format!(
            r#"data_dir = "{data}"
dictionaries_dir = "{root}/dictionaries"
rules_dir = "{root}/rules"
{fast}
[[sources]]
name = "many"
kind = "html"
url = "{base}/many/list_1.html"
items = "ul.news li a"
next_page = "a.next"
max_pages = 100
max_items = 1000
title = "h1.title"
body = "div.content p"
time = "span.time"
author = "span.author"
respect_robots = false
"#,
            data = data.display(),
            fast = crate::helpers::FAST,
            base = site.base,
        ),
    )
    .unwrap();
    let db = data.join("yuqing.db");

    // First run: wait (polling, with a deadline) until some posts are
    // committed, then SIGKILL while it is still writing.
    let mut child = yuqing(&config).spawn().unwrap();
    let deadline = Instant::now() + Duration::from_secs(30);
    let mut pool = None;
    loop {
        assert!(Instant::now() < deadline, "no posts committed within 30 s");
        if let Some(status) = child.try_wait().unwrap() {
            let out = child.wait_with_output().unwrap();
            panic!(
                "crawl ended before the kill ({status}): {}{}",
                String::from_utf8_lossy(&out.stdout),
                String::from_utf8_lossy(&out.stderr)
            );
        }
        if pool.is_none() {
            pool = read_only(&db).await;
        }
        if let Some(p) = &pool
            && sqlx::query_scalar::<_, i64>("SELECT COUNT(*) FROM posts")
                .fetch_one(p)
                .await
                .unwrap_or(0)
                >= 8
        {
            break;
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
    child.kill().unwrap(); // SIGKILL
    let status = child.wait().unwrap();
    assert!(!status.success());
    let pool = pool.unwrap();
    let before = posts(&pool).await;
    assert!(
        before.len() >= 8 && before.len() < 40,
        "killed mid-way: {} posts",
        before.len()
    );
    pool.close().await;

    // Second run, with every page answering: it finishes.
    site.release();
    let out = tokio::task::spawn_blocking({
        let mut cmd = yuqing(&config);
        move || cmd.output().unwrap()
    })
    .await
    .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout).to_string();
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let pool = read_only(&db).await.unwrap();
    let after = posts(&pool).await;
    // Nothing committed before the kill was lost or changed.
    for p in &before {
        assert_eq!(after.iter().find(|a| a.id == p.id), Some(p), "{stdout}");
    }
    // Every page stored exactly once.
    assert_eq!(after.len(), total, "{stdout}");
    let mut ids: Vec<&str> = after.iter().map(|p| p.external_id.as_str()).collect();
    ids.sort();
    ids.dedup();
    assert_eq!(ids.len(), total);
    let mut urls: Vec<&str> = after
        .iter()
        .filter_map(|p| p.canonical_url.as_deref())
        .collect();
    urls.sort();
    urls.dedup();
    assert_eq!(urls.len(), total);
    for id in 1..=total {
        assert!(
            ids.contains(&site.detail_url(id).as_str()),
            "page {id} missing"
        );
    }
    // Events and alerts agree with the posts: no event without posts, every
    // 7th page (a repost) in the event of the page before it, one alert per
    // event at most, counters that match.
    let events = count(&pool, "SELECT COUNT(*) FROM events").await;
    let used = count(&pool, "SELECT COUNT(DISTINCT event_id) FROM posts").await;
    assert_eq!(events, used);
    let event_of = |id: usize| {
        let url = site.detail_url(id);
        after
            .iter()
            .find(|p| p.external_id == url)
            .unwrap()
            .event_id
    };
    for id in (7..=total).step_by(7) {
        assert_eq!(event_of(id), event_of(id - 1), "repost {id}");
    }
    let wrong_counts = count(
        &pool,
        "SELECT COUNT(*) FROM events e WHERE e.post_count <> \
         (SELECT COUNT(*) FROM posts p WHERE p.event_id = e.id)",
    )
    .await;
    assert_eq!(wrong_counts, 0);
    let alerts = count(&pool, "SELECT COUNT(*) FROM alerts").await;
    let alerted_events = count(&pool, "SELECT COUNT(DISTINCT event_id) FROM alerts").await;
    assert_eq!(alerts, alerted_events);
    assert!(alerts > 0, "the canteen stories raise alerts");
    let stale_alerts = count(
        &pool,
        "SELECT COUNT(*) FROM alerts a WHERE a.post_count <> \
         (SELECT COUNT(*) FROM posts p WHERE p.event_id = a.event_id)",
    )
    .await;
    assert_eq!(stale_alerts, 0);
    let analyses = count(&pool, "SELECT COUNT(*) FROM analyses").await;
    assert_eq!(analyses as usize, total);

    // The summary: all pages taken, only those not stored before are new;
    // the ones stored before the kill are reported as duplicates.
    let row: Vec<usize> = stdout
        .lines()
        .find(|l| l.starts_with("many"))
        .unwrap_or_else(|| panic!("{stdout}"))
        .split_whitespace()
        .skip(1)
        .take(3)
        .map(|c| c.parse().unwrap())
        .collect();
    let (fetched, new, duplicates) = (row[0], row[1], row[2]);
    assert_eq!(fetched, total, "{stdout}");
    assert_eq!(new, total - before.len(), "{stdout}");
    assert!(duplicates >= before.len(), "{stdout}");
}
