use crate::fixture_site;
use crate::helpers::spawn_server;

#[tokio::test]
async fn the_scheduler_runs_due_sources_and_records_the_next_run() {
    let site = fixture_site::spawn().await;
    let app = spawn_server(&format!(
        r#"
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
interval = "10m"

[[sources]]
name = "inbox"
kind = "import"
dir = "{{dir}}/inbox"
interval = "10s"
jitter = "0s"

[[sources]]
name = "broken"
kind = "feed"
url = "{base}/error500"
interval = "10m"
"#,
        base = site.base
    ))
    .await;
    let store = app.store.clone();
    app.wait_for("the first runs", || {
        let store = store.clone();
        async move {
            let (c, i, b) = (
                store.source_state("campus").await.unwrap(),
                store.source_state("inbox").await.unwrap(),
                store.source_state("broken").await.unwrap(),
            );
            [c, i, b]
                .iter()
                .all(|s| s.as_ref().is_some_and(|s| s.last_run_at.is_some()))
        }
    })
    .await;
    let campus = app.store.source_state("campus").await.unwrap().unwrap();
    assert!(campus.last_error.is_none(), "{campus:?}");
    let next = campus.next_run_at.unwrap() - campus.last_run_at.unwrap();
    assert!(
        next >= chrono::Duration::minutes(10) && next <= chrono::Duration::minutes(11),
        "{next:?}"
    );
    assert!(!app.posts().await.is_empty());
    // The failing source has its error and a backoff, the others went on.
    let broken = app.store.source_state("broken").await.unwrap().unwrap();
    assert!(broken.last_error.is_some());
    assert_eq!(broken.consecutive_failures, 1);

    // A file dropped while the server runs is picked up on the next tick.
    let inbox = app.dir.path().join("inbox");
    std::fs::create_dir_all(&inbox).unwrap();
    std::fs::write(
        inbox.join("x.jsonl"),
        "{\"id\": \"late\", \"text\": \"宿舍楼晚上停水了\"}\n",
    )
    .unwrap();
    let store = app.store.clone();
    app.wait_for("the dropped file", || {
        let store = store.clone();
        async move {
            store
                .posts_since(None, None, 1000)
                .await
                .unwrap()
                .iter()
                .any(|p| p.external_id == "late")
        }
    })
    .await;
    app.stop().await;
    // Leases are given back on a clean stop.
    drop(site);
}
