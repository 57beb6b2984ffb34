use crate::helpers::{cst, spawn_app};

const CAMPUS: &str = r#"
[[sources]]
name = "campus"
kind = "html"
url = "{base}/campus/list.html"
items = "ul.news li a"
next_page = "a.next"
title = "h1.title"
body = "div.content p"
time = "span.time"
author = "span.author"
weight = 1.5
"#;

#[tokio::test]
async fn html_list_pagination_details_and_robots() {
    let app = spawn_app(CAMPUS).await;
    let summary = app.crawl().await;
    let s = summary.get("campus").unwrap();
    assert!(!s.failed, "{s:?}");
    assert_eq!((s.stats.fetched, s.stats.new), (3, 3), "{s:?}");
    // The link under /private/ was skipped: robots.txt disallows it.
    assert_eq!(app.site.hits.get("/private/secret.html"), 0);
    assert_eq!(
        app.site.hits.get("/robots.txt"),
        1,
        "robots.txt fetched once and cached"
    );

    let a2 = app.post("campus", "食堂饭菜质量引发学生不满").await;
    assert_eq!(
        a2.text,
        "多名学生反映第二食堂饭菜变质，食用后出现腹泻症状。"
    );
    assert_eq!(a2.author.as_deref(), Some("张三"));
    assert_eq!(cst(a2.published_at), "2026-03-19T09:30:00+08:00");
    assert_eq!(a2.external_id, format!("{}/campus/a2.html", app.site.base));
    let analysis = a2.analysis.as_ref().expect("analysed");
    assert!(
        analysis.keywords.iter().any(|k| k.contains("食堂")),
        "{analysis:?}"
    );
    // Page 2, reached through the next-page link; a date written in Chinese.
    let a3 = app.post("campus", "图书馆延长开放时间").await;
    assert_eq!(cst(a3.published_at), "2026-03-10T08:00:00+08:00");
    assert_eq!(a3.author.as_deref(), Some("图书馆"));

    let state = app.state("campus").await;
    assert!(state.last_error.is_none() && state.last_success_at.is_some());
    assert!(state.next_run_at.unwrap() > state.last_success_at.unwrap());
}

#[tokio::test]
async fn second_run_is_incremental_with_304s() {
    let app = spawn_app(&format!(
        "{CAMPUS}{}",
        r#"
[[sources]]
name = "rss"
kind = "feed"
url = "{base}/feed/rss.xml"

[[sources]]
name = "atom"
kind = "feed"
url = "{base}/feed/atom.xml"

[[sources]]
name = "weibo"
kind = "json"
preset = "weibo"
url = "{base}/api/container/getIndex?containerid=100103"
comments = true
"#
    ))
    .await;
    let first = app.crawl().await;
    assert!(!first.any_failed(), "{first:?}");
    let details_before = app.site.hits.get("/campus/a1.html");
    let posts_before = app.store.count_posts().await.unwrap();

    let second = app.crawl().await;
    assert!(!second.any_failed(), "{second:?}");
    for s in &second.sources {
        assert_eq!(s.stats.new, 0, "nothing new in {}: {s:?}", s.name);
    }
    // Conditional GETs: the list page (ETag), RSS (ETag) and Atom (Last-Modified) answer 304.
    assert_eq!(second.get("campus").unwrap().stats.not_modified, 1);
    assert_eq!(second.get("rss").unwrap().stats.not_modified, 1);
    assert_eq!(second.get("atom").unwrap().stats.not_modified, 1);
    assert_eq!(
        app.site.hits.get("/campus/a1.html"),
        details_before,
        "detail pages not refetched"
    );
    // The API has no validators: its items were seen before, so not re-ingested, comments not refetched.
    let w = second.get("weibo").unwrap();
    assert_eq!((w.stats.fetched, w.stats.skipped), (0, 2), "{w:?}");
    assert_eq!(app.site.hits.get("/comments/hotflow"), 3);
    assert_eq!(app.store.count_posts().await.unwrap(), posts_before);
}

#[tokio::test]
async fn gbk_pages_are_decoded() {
    let app = spawn_app(
        r#"
[[sources]]
name = "gbk"
kind = "html"
url = "{base}/gbk/list.html"
items = "ul.news a"
title = "h1.title"
body = "div.content"
time = "span.time"
author = "span.author"
"#,
    )
    .await;
    let s = app.crawl().await;
    assert!(!s.any_failed(), "{s:?}");
    let p = app.post("gbk", "学生宿舍停水三天无人处理").await;
    assert_eq!(
        p.text,
        "宿舍楼停水已经三天，后勤部门至今没有答复，同学们非常气愤。"
    );
    assert_eq!(p.author.as_deref(), Some("李四"));
    assert_eq!(cst(p.published_at), "2026-03-17T08:00:00+08:00");
}

#[tokio::test]
async fn forum_inline_posts_with_page_pattern() {
    let app = spawn_app(
        r#"
[[sources]]
name = "bbs"
kind = "html"
channel = "forum"
url = "{base}/forum/page/1"
page_url = "{base}/forum/page/{page}"
max_pages = 5
inline = true
items = "div.thread"
link = "a.subject"
title = "a.subject"
body = "div.body"
time = "span.date"
author = "span.user"
"#,
    )
    .await;
    let s = app.crawl().await;
    let b = s.get("bbs").unwrap();
    assert!(!b.failed, "{b:?}");
    assert_eq!(b.stats.new, 3);
    // Page 3 is empty: paging stops there, not at max_pages.
    assert_eq!(app.site.hits.get("/forum/page/3"), 1);
    assert_eq!(app.site.hits.get("/forum/page/4"), 0);
    let p = app.post("bbs", "宿舍空调坏了一周没人修").await;
    assert_eq!(p.channel, yuqing::model::Channel::Forum);
    assert_eq!(p.author.as_deref(), Some("小王"));
    assert_eq!(
        p.url.as_deref(),
        Some(format!("{}/forum/t/101", app.site.base).as_str())
    );
    assert_eq!(cst(p.published_at), "2026-03-18T22:15:00+08:00");
}

#[tokio::test]
async fn auto_extraction_and_malformed_html() {
    let app = spawn_app(
        r#"
[[sources]]
name = "auto"
kind = "html"
url = "{base}/auto/list.html"
items = "ul.news a"
extract = "auto"

[[sources]]
name = "malformed"
kind = "html"
url = "{base}/malformed/list.html"
items = "ul.news a"
title = "h1.title"
body = "div.content p"
"#,
    )
    .await;
    let s = app.crawl().await;
    assert!(!s.any_failed(), "{s:?}");
    let posts = app.posts("auto").await;
    assert_eq!(posts.len(), 1);
    assert!(
        posts[0].title.contains("人工智能学术报告会举行"),
        "{:?}",
        posts[0].title
    );
    assert!(
        posts[0].text.contains("图书馆报告厅"),
        "{:?}",
        posts[0].text
    );
    // Unclosed tags everywhere: html5ever recovers, both posts come through.
    let m = app.posts("malformed").await;
    assert_eq!(m.len(), 2, "{m:?}");
    let first = app.post("malformed", "标签没有闭合的页面").await;
    assert_eq!(first.text, "正文段落没有闭合\n第二段");
}

#[tokio::test]
async fn robots_can_be_ignored_for_own_sites() {
    let app = spawn_app(
        r#"
[[sources]]
name = "own"
kind = "html"
url = "{base}/private/list.html"
items = "ul.news a"
title = "h1.title"
body = "div.content"
respect_robots = false
polite = false
"#,
    )
    .await;
    let s = app.crawl().await;
    assert!(!s.any_failed(), "{s:?}");
    app.post("own", "内部通知").await;
    assert_eq!(app.site.hits.get("/robots.txt"), 0);
}

#[tokio::test]
async fn per_host_rate_limit_spaces_requests() {
    let app = spawn_app(&CAMPUS.replace("weight = 1.5", "rate_limit = \"150ms\"")).await;
    let start = std::time::Instant::now();
    let s = app.crawl().await;
    assert!(!s.any_failed(), "{s:?}");
    // robots.txt, 2 list pages and 3 details: 6 requests, at least 5 gaps.
    let took = start.elapsed();
    assert!(
        took >= std::time::Duration::from_millis(5 * 150),
        "took {took:?}"
    );
}

#[tokio::test]
async fn item_budget_resumes_on_the_next_run() {
    let app = spawn_app(&CAMPUS.replace("weight = 1.5", "max_items = 2")).await;
    let first = app.crawl().await;
    assert_eq!(first.get("campus").unwrap().stats.new, 2, "{first:?}");
    // The list page is unchanged (its ETag would give 304), but the run was
    // cut short: the next one reads it again and takes the rest.
    let second = app.crawl().await;
    let c = second.get("campus").unwrap();
    // Skipped: the two taken before and the link robots.txt disallows.
    assert_eq!(
        (c.stats.new, c.stats.skipped, c.stats.not_modified),
        (1, 3, 0),
        "{c:?}"
    );
    assert_eq!(app.posts("campus").await.len(), 3);
    let third = app.crawl().await;
    assert_eq!(
        third.get("campus").unwrap().stats.not_modified,
        1,
        "{third:?}"
    );
}
