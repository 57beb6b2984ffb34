//! The same tests on both backends. PostgreSQL runs when
//! `YUQING_TEST_DATABASE_URL` is set (`.ci/run` sets it); otherwise those
//! cases print that they were skipped.

use super::*;
use crate::dedup::{content_hash, simhash};
use crate::model::{
    Analysis, Channel, Metrics, NewPost, Risk, RiskLevel, RuleHit, Sentiment, SentimentLabel,
    Severity,
};

pub(crate) const PG_ENV: &str = "YUQING_TEST_DATABASE_URL";

/// A fresh store per test: a SQLite file in a temp dir, or a new PostgreSQL schema.
pub(crate) async fn stores() -> Vec<(Store, Option<tempfile::TempDir>)> {
    let dir = tempfile::tempdir().unwrap();
    let sqlite = Store::open(None, dir.path()).await.unwrap();
    let mut out = vec![(sqlite, Some(dir))];
    match std::env::var(PG_ENV) {
        Ok(url) => {
            let schema = format!(
                "t_{}_{}",
                std::process::id(),
                std::time::SystemTime::now()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_nanos()
            );
            let pg = PgStore::connect(&url, Some(&schema)).await.unwrap();
            out.push((Store::Postgres(pg), None));
        }
        Err(_) => eprintln!("PostgreSQL store tests skipped: {PG_ENV} is not set"),
    }
    out
}

pub(crate) fn post(source: &str, id: &str, text: &str) -> NewPost {
    NewPost {
        source: source.into(),
        external_id: id.into(),
        url: Some(format!("http://example.edu.cn/{id}")),
        channel: Channel::Campus,
        title: String::new(),
        text: text.into(),
        author: None,
        published_at: None,
        fetched_at: chrono::Utc::now(),
        metrics: Some(Metrics {
            reposts: 1,
            comments: 2,
            likes: 3,
        }),
        parent_external_id: None,
        tags: Vec::new(),
    }
}

pub(crate) fn analysis(level: RiskLevel, score: u8) -> Analysis {
    Analysis {
        sentiment: Sentiment {
            score: -0.5,
            label: SentimentLabel::Negative,
            explanation: vec![],
        },
        risk: Risk {
            score,
            level,
            explanation: vec![],
        },
        hits: vec![RuleHit {
            rule: "food-safety.canteen-illness".into(),
            category: "食品安全".into(),
            severity: Severity::High,
            weight: 1.0,
            matched: vec!["食堂".into()],
            spans: vec![],
        }],
        keywords: vec!["食堂".into()],
    }
}

fn tokens(text: &str) -> Vec<&str> {
    text.split(' ').collect()
}

pub(crate) async fn save(store: &Store, p: &NewPost, a: &Analysis) -> SaveOutcome {
    let toks = tokens(&p.text);
    store
        .save_post(&SaveRequest {
            post: p,
            canonical_url: p.url.as_deref(),
            content_hash: content_hash(&p.title, &p.text),
            simhash: simhash(&toks),
            analysis: a,
            analyzer_version: "test",
            alert_level: RiskLevel::Medium,
        })
        .await
        .unwrap()
}

const STORY: &str = "今天 中午 二食堂 饭菜 导致 多名 学生 腹泻 呕吐 后勤处 介入 调查 学生 校医院 治疗 家长 担心 食品 安全";

#[tokio::test]
async fn new_post_raises_one_alert_and_copies_join_the_event() {
    for (store, _dir) in stores().await {
        let high = analysis(RiskLevel::High, 70);
        let first = save(&store, &post("weibo", "1", STORY), &high).await;
        assert_eq!(first.status, SaveStatus::New);
        assert!(
            matches!(first.alert, Some(AlertChange::Raised { .. })),
            "{}",
            store.backend()
        );

        // The same story on another source: joins the event, updates its alert.
        let copy = save(&store, &post("tieba", "9", STORY), &high).await;
        assert_eq!(copy.status, SaveStatus::New);
        assert!(copy.joined_event);
        assert_eq!(copy.event_id, first.event_id);
        assert!(matches!(copy.alert, Some(AlertChange::Updated { .. })));

        let alerts = store.alerts().await.unwrap();
        assert_eq!(alerts.len(), 1, "{}", store.backend());
        assert_eq!(alerts[0].post_count, 2);
        let event = store.event(first.event_id).await.unwrap().unwrap();
        assert_eq!((event.post_count, event.source_count), (2, 2));

        // An unrelated harmless post: its own event, no alert.
        let other = save(
            &store,
            &post(
                "weibo",
                "2",
                "图书馆 延长 开放 时间 期末 考试 期间 自习室 通宵 开放 欢迎 同学们",
            ),
            &analysis(RiskLevel::None, 0),
        )
        .await;
        assert!(!other.joined_event);
        assert_ne!(other.event_id, first.event_id);
        assert_eq!(other.alert, None);
    }
}

#[tokio::test]
async fn refetching_the_same_post_is_unchanged_and_an_edit_keeps_history() {
    for (store, _dir) in stores().await {
        let a = analysis(RiskLevel::Low, 20);
        let p = post("campus", "n1", STORY);
        assert_eq!(save(&store, &p, &a).await.status, SaveStatus::New);
        assert_eq!(save(&store, &p, &a).await.status, SaveStatus::Unchanged);
        // A tracking parameter in the URL and another id: still the same page.
        let mut same_url = p.clone();
        same_url.external_id = "n1-again".into();
        assert_eq!(
            save(&store, &same_url, &a).await.status,
            SaveStatus::Unchanged
        );

        let mut edited = p.clone();
        edited.text = format!("{STORY} 更新 学校 通报 处理 结果");
        let out = save(&store, &edited, &a).await;
        assert_eq!(out.status, SaveStatus::Updated);
        let versions = store.post_versions(out.post_id).await.unwrap();
        assert_eq!(versions.len(), 1);
        assert_eq!(versions[0].0, 1);
        assert_eq!(versions[0].2, STORY);
        assert_eq!(store.count_posts().await.unwrap(), 1);
        let posts = store.posts_since(None, None, 10).await.unwrap();
        assert_eq!(posts[0].version, 2);
        assert_eq!(
            posts[0].analysis.as_ref().unwrap().risk.level,
            RiskLevel::Low
        );
    }
}

#[tokio::test]
async fn export_pages_through_all_posts_in_order() {
    for (store, _dir) in stores().await {
        let a = analysis(RiskLevel::None, 0);
        for i in 0..25 {
            save(
                &store,
                &post(
                    "s",
                    &i.to_string(),
                    &format!("帖子 {i} 独特 内容 编号 {i}{i}{i}"),
                ),
                &a,
            )
            .await;
        }
        let mut seen = Vec::new();
        let mut after = None;
        loop {
            let page = store.posts_since(None, after, 7).await.unwrap();
            if page.is_empty() {
                break;
            }
            after = page.last().map(|p| (p.updated_at, p.id));
            seen.extend(page.into_iter().map(|p| p.external_id));
        }
        assert_eq!(seen.len(), 25, "{}", store.backend());
        let mut unique = seen.clone();
        unique.sort();
        unique.dedup();
        assert_eq!(unique.len(), 25);
    }
}

#[tokio::test]
async fn comments_link_to_their_post_and_source_state_is_kept() {
    for (store, _dir) in stores().await {
        let a = analysis(RiskLevel::None, 0);
        let parent = save(&store, &post("bili", "v1", "视频 标题 校园 生活 记录"), &a).await;
        let mut c = post("bili", "c1", "评论 内容 很有 意思 支持");
        c.parent_external_id = Some("v1".into());
        save(&store, &c, &a).await;
        let posts = store.posts_since(None, None, 10).await.unwrap();
        let comment = posts.iter().find(|p| p.external_id == "c1").unwrap();
        assert_eq!(comment.parent_id, Some(parent.post_id));

        store.ensure_source("bili", "json").await.unwrap();
        let now = chrono::Utc::now();
        store
            .record_source_failure("bili", now, "HTTP 503", now + chrono::Duration::minutes(5))
            .await
            .unwrap();
        let s = store.source_state("bili").await.unwrap().unwrap();
        assert_eq!(
            (s.consecutive_failures, s.last_error.as_deref()),
            (1, Some("HTTP 503"))
        );
        store
            .record_source_success(
                "bili",
                now,
                now + chrono::Duration::minutes(10),
                Some("page=3"),
            )
            .await
            .unwrap();
        let s = store.source_state("bili").await.unwrap().unwrap();
        assert_eq!(s.consecutive_failures, 0);
        assert_eq!(s.last_error, None);
        assert_eq!(s.cursor.as_deref(), Some("page=3"));

        store.set_meta("index.watermark", "42").await.unwrap();
        store.set_meta("index.watermark", "43").await.unwrap();
        assert_eq!(
            store.meta("index.watermark").await.unwrap().as_deref(),
            Some("43")
        );
    }
}

#[tokio::test]
async fn concurrent_writers_do_not_fail() {
    for (store, _dir) in stores().await {
        let store = std::sync::Arc::new(store);
        let a = analysis(RiskLevel::None, 0);
        let mut tasks = Vec::new();
        for w in 0..4 {
            let store = store.clone();
            let a = a.clone();
            tasks.push(tokio::spawn(async move {
                for i in 0..15 {
                    let p = post(
                        &format!("w{w}"),
                        &i.to_string(),
                        &format!("并发 写入 测试 {w} 号 第 {i} 条 {w}{i}{w}"),
                    );
                    save(&store, &p, &a).await;
                }
            }));
        }
        for t in tasks {
            t.await.unwrap();
        }
        assert_eq!(
            store.count_posts().await.unwrap(),
            60,
            "{}",
            store.backend()
        );
    }
}

#[tokio::test]
async fn leases_keep_a_source_to_one_owner_until_released_or_expired() {
    for (store, _dir) in stores().await {
        let b = store.backend();
        store.ensure_source("s", "html").await.unwrap();
        let now = chrono::Utc::now();
        let later = now + chrono::Duration::minutes(15);
        assert!(
            store
                .claim_source("s", "a", now, later, false)
                .await
                .unwrap(),
            "{b}"
        );
        // Held by a: b cannot take it, even forced; a may renew.
        assert!(
            !store
                .claim_source("s", "b", now, later, true)
                .await
                .unwrap(),
            "{b}"
        );
        assert!(
            store
                .claim_source("s", "a", now, later, false)
                .await
                .unwrap(),
            "{b}"
        );
        // Recording the run gives it back; not due now, but forced is fine.
        store
            .record_source_success("s", now, now + chrono::Duration::minutes(10), None)
            .await
            .unwrap();
        assert!(
            !store
                .claim_source("s", "b", now, later, false)
                .await
                .unwrap(),
            "{b}"
        );
        assert!(
            store
                .claim_source("s", "b", now, later, true)
                .await
                .unwrap(),
            "{b}"
        );
        // A dead owner's lease expires.
        let after = later + chrono::Duration::seconds(1);
        assert!(
            store
                .claim_source("s", "c", after, after + chrono::Duration::minutes(15), true)
                .await
                .unwrap(),
            "{b}"
        );
        assert_eq!(store.release_leases(Some("b")).await.unwrap(), 0, "{b}");
        assert_eq!(store.release_leases(None).await.unwrap(), 1, "{b}");
        assert!(
            !store
                .claim_source("nobody", "a", now, later, true)
                .await
                .unwrap(),
            "{b}"
        );
    }
}

#[tokio::test]
async fn tags_are_stored_with_the_post() {
    for (store, _dir) in stores().await {
        let mut p = post("s", "t1", "宿舍楼停水");
        p.tags = vec!["官网".into(), "学工".into()];
        save(&store, &p, &analysis(RiskLevel::None, 0)).await;
        let stored = store.posts_since(None, None, 10).await.unwrap();
        assert_eq!(stored[0].tags, ["官网", "学工"], "{}", store.backend());
    }
}
