use crate::helpers::{cst, spawn_app};
use yuqing::model::{Channel, Metrics};

#[tokio::test]
async fn weibo_preset_posts_paging_and_comments() {
    let app = spawn_app(
        r#"
[[sources]]
name = "weibo"
kind = "json"
preset = "weibo"
url = "{base}/api/container/getIndex?containerid=100103type%3D1%26q%3D%E6%9F%90%E5%A4%A7%E5%AD%A6&page_type=searchall"
comments = true
headers = { "X-Requested-With" = "XMLHttpRequest" }
cookies = "SUB=secret-login-cookie"
"#,
    )
    .await;
    let s = app.crawl().await;
    let w = s.get("weibo").unwrap();
    assert!(!w.failed, "{w:?}");
    // 3 posts over two pages (the card that is not a post skipped), 2 comments.
    assert_eq!((w.stats.fetched, w.stats.new), (5, 5), "{w:?}");
    // The login cookie went with every API request (2 pages + 3 comment lists).
    assert_eq!(app.site.hits.get("cookie:SUB=secret-login-cookie"), 5);
    let state = app.state("weibo").await;
    assert!(
        !format!("{state:?} {:?}", app.config).contains("secret-login-cookie"),
        "secret leaked"
    );

    let posts = app.posts("weibo").await;
    let p = posts.iter().find(|p| p.external_id == "5001").unwrap();
    assert_eq!(p.text, "食堂饭菜里吃出虫子[怒]，学校管不管？@学生会");
    assert_eq!(p.author.as_deref(), Some("学生甲"));
    assert_eq!(p.channel, Channel::Weibo);
    assert_eq!(cst(p.published_at), "2026-03-18T10:00:00+08:00");
    assert_eq!(
        p.metrics,
        Some(Metrics {
            reposts: 12,
            comments: 30,
            likes: 100
        })
    );
    assert_eq!(p.url.as_deref(), Some("https://m.weibo.cn/detail/5001"));
    let p2 = posts.iter().find(|p| p.external_id == "5002").unwrap();
    assert_eq!(p2.metrics.unwrap().likes, 12_000);
    // Page 2 through since_id.
    assert!(posts.iter().any(|p| p.external_id == "4998"));

    let c = posts.iter().find(|p| p.external_id == "c5001-1").unwrap();
    assert_eq!(c.text, "确实太恶心了[吐]");
    assert_eq!(c.author.as_deref(), Some("学生丁"));
    assert_eq!(c.parent_id, Some(p.id), "comment linked to its post");
    assert_eq!(cst(c.published_at), "2026-03-18T11:00:00+08:00");
}

#[tokio::test]
async fn bilibili_preset_pages_and_replies() {
    let app = spawn_app(
        r#"
[[sources]]
name = "bili"
kind = "json"
preset = "bilibili"
url = "{base}/x/space/wbi/arc/search?mid=123&ps=30&order=pubdate"
comments = true
weight = 2.0
"#,
    )
    .await;
    let s = app.crawl().await;
    let b = s.get("bili").unwrap();
    assert!(!b.failed, "{b:?}");
    assert_eq!(b.stats.new, 5, "3 videos + 2 replies: {b:?}");
    // pn=1, pn=2, then pn=3 is empty.
    assert_eq!(app.site.hits.get("/x/space/wbi/arc/search"), 3);

    let v = app.post("bili", "校园宣传片《青春》").await;
    assert_eq!(v.external_id, "BV1aa411");
    assert_eq!(v.text, "我们的大学，我们的青春");
    assert_eq!(v.author.as_deref(), Some("校团委"));
    assert_eq!(v.channel, Channel::Bilibili);
    assert_eq!(cst(v.published_at), "2026-03-18T10:00:00+08:00");
    assert_eq!(v.metrics.unwrap().comments, 2);
    assert_eq!(
        v.url.as_deref(),
        Some("https://www.bilibili.com/video/BV1aa411")
    );
    let posts = app.posts("bili").await;
    let r = posts.iter().find(|p| p.external_id == "9002").unwrap();
    assert_eq!(r.text, "宿舍条件什么时候改善");
    assert_eq!(r.author.as_deref(), Some("在校生B"));
    assert_eq!(r.metrics.unwrap().likes, 9);
    assert_eq!(r.parent_id, Some(v.id));
}
