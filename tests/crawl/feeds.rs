use crate::helpers::{cst, spawn_app};
use std::time::Instant;

#[tokio::test]
async fn rss_atom_and_gbk_feeds() {
    let app = spawn_app(
        r#"
[[sources]]
name = "rss"
kind = "feed"
url = "{base}/feed/rss.xml"

[[sources]]
name = "gbk-rss"
kind = "feed"
url = "{base}/feed/gbk.xml"
channel = "campus"

[[sources]]
name = "atom"
kind = "feed"
url = "{base}/feed/atom.xml"
channel = "wechat"

[[sources]]
name = "moved"
kind = "feed"
url = "{base}/redirect/feed"
"#,
    )
    .await;
    let s = app.crawl().await;
    assert!(!s.any_failed(), "{s:?}");

    let p = app.post("rss", "我校学子在数学建模竞赛中获奖").await;
    assert_eq!(p.text, "在全国大学生数学建模竞赛中，我校代表队获得一等奖。");
    assert_eq!(p.author.as_deref(), Some("教务处"));
    assert_eq!(p.external_id, "news-1001");
    assert_eq!(
        p.url.as_deref(),
        Some("http://example.edu.cn/news/1001.html")
    );
    assert_eq!(cst(p.published_at), "2026-03-18T10:00:00+08:00");
    assert_eq!(p.channel, yuqing::model::Channel::News);
    assert_eq!(app.posts("rss").await.len(), 2);

    let g = app.post("gbk-rss", "关于调整作息时间的通知").await;
    assert_eq!(g.text, "自下周一起，上午第一节课调整为八点十分开始。");
    assert_eq!(g.author.as_deref(), Some("学院办公室"));

    let a = app.post("atom", "校友返校日活动安排").await;
    assert_eq!(a.text, "欢迎广大校友回母校参观。");
    assert_eq!(a.author.as_deref(), Some("校友会"));
    assert_eq!(cst(a.published_at), "2026-03-18T09:00:00+08:00");
    assert_eq!(a.channel, yuqing::model::Channel::Wechat);
    let a2 = app.post("atom", "校友捐赠仪式举行").await;
    assert_eq!(a2.text, "一位校友向学校捐赠图书一万册。");

    // Followed a redirect.
    app.post("moved", "新闻中心网址变更").await;
}

#[tokio::test]
async fn retry_after_is_honoured() {
    let app = spawn_app(
        r#"
[[sources]]
name = "flaky"
kind = "feed"
url = "{base}/feed/flaky.xml"
"#,
    )
    .await;
    let start = Instant::now();
    let s = app.crawl().await;
    let f = s.get("flaky").unwrap();
    assert!(!f.failed, "{f:?}");
    assert!(
        start.elapsed().as_millis() >= 1000,
        "waited {:?} (Retry-After: 1)",
        start.elapsed()
    );
    assert_eq!(app.site.hits.get("/feed/flaky.xml"), 2);
    app.post("flaky", "限流之后的新闻").await;
}
