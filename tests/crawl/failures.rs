use crate::helpers::spawn_app;

/// Every misbehaving source fails with a clear error state; the good one
/// next to them still runs.
#[tokio::test]
async fn each_bad_source_gets_a_clear_error_and_others_go_on() {
    let app = spawn_app(
        r#"
[[sources]]
name = "good"
kind = "feed"
url = "{base}/feed/rss.xml"

[[sources]]
name = "slow"
kind = "html"
url = "{base}/slow"
items = "a"
body = "p"

[[sources]]
name = "huge"
kind = "html"
url = "{base}/huge"
items = "a"
body = "p"

[[sources]]
name = "broken"
kind = "feed"
url = "{base}/error500"

[[sources]]
name = "loop"
kind = "feed"
url = "{base}/loop/a"

[[sources]]
name = "invalid"
kind = "feed"
url = "{base}/feed/invalid.xml"

[[sources]]
name = "forbidden"
kind = "html"
url = "{base}/private/list.html"
items = "ul.news a"
body = "div.content"

[[sources]]
name = "changed"
kind = "html"
url = "{base}/campus/list.html"
items = "div.no-such-list a"
body = "div.content"

[[sources]]
name = "blocked"
kind = "json"
preset = "bilibili"
url = "{base}/x/space/wbi/arc/search?mid=412"

[[sources]]
name = "down"
kind = "feed"
url = "http://127.0.0.1:1/feed.xml"
"#,
    )
    .await;
    let summary = app.crawl().await;
    assert!(summary.any_failed());
    let good = summary.get("good").unwrap();
    assert!(!good.failed && good.stats.new == 2, "{good:?}");

    let expect = [
        ("slow", "传输过慢"),
        ("huge", "响应体超过上限 1 MiB"),
        ("broken", "HTTP 500（已重试 2 次）"),
        ("loop", "重定向次数过多"),
        ("invalid", "不是有效的 RSS/Atom 订阅"),
        ("forbidden", "robots.txt 禁止抓取 /private/list.html"),
        ("changed", "列表选择器 `div.no-such-list a` 未匹配任何条目"),
        ("blocked", "接口返回错误：code = -412（应为 0）：请求被拦截"),
        ("down", "无法连接"),
    ];
    for (name, message) in expect {
        let s = summary.get(name).unwrap();
        assert!(s.failed, "{name} should fail: {s:?}");
        let state = app.state(name).await;
        let err = state.last_error.clone().unwrap_or_default();
        assert!(
            err.contains(message),
            "{name}: error state '{err}' lacks '{message}'"
        );
        assert_eq!(state.consecutive_failures, 1, "{name}");
        assert!(
            state.next_run_at.unwrap() > state.last_run_at.unwrap(),
            "{name}: backoff scheduled"
        );
    }
    assert_eq!(app.site.hits.get("/error500"), 3, "one try and two retries");
    assert!(app.state("good").await.last_error.is_none());
}

#[tokio::test]
async fn only_named_source_runs_and_due_sources_are_respected() {
    let app = spawn_app(
        r#"
[[sources]]
name = "rss"
kind = "feed"
url = "{base}/feed/rss.xml"

[[sources]]
name = "atom"
kind = "feed"
url = "{base}/feed/atom.xml"
"#,
    )
    .await;
    let pipeline = &app.pipeline;
    let s = yuqing::crawl::crawl_once(
        &app.config,
        pipeline,
        Some("atom"),
        std::sync::Arc::new(yuqing::crawl::NoProgress),
    )
    .await
    .unwrap();
    assert_eq!(s.sources.len(), 1);
    assert_eq!(app.site.hits.get("/feed/rss.xml"), 0);
    // A plain pass now runs only rss: atom is not due for another interval.
    let s = yuqing::crawl::crawl_once(
        &app.config,
        pipeline,
        None,
        std::sync::Arc::new(yuqing::crawl::NoProgress),
    )
    .await
    .unwrap();
    assert!(s.get("rss").unwrap().ran);
    assert!(!s.get("atom").unwrap().ran);
    assert_eq!(app.site.hits.get("/feed/atom.xml"), 1);
    let err = yuqing::crawl::crawl_once(
        &app.config,
        pipeline,
        Some("nope"),
        std::sync::Arc::new(yuqing::crawl::NoProgress),
    )
    .await
    .unwrap_err();
    assert_eq!(err.to_string(), "没有名为 'nope' 的来源");
}
