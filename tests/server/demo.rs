//! `yuqing demo`'s orchestration for real: the bundled site on 127.0.0.1:0,
//! a temporary data directory, the first crawl, the dashboard on a random
//! port, and every demo user signing in. No internet.

use crate::helpers::analyzer;
use reqwest::StatusCode;
use std::collections::HashSet;
use std::time::Instant;
use yuqing::demo::content::Content;
use yuqing::demo::{DemoError, DemoOptions, LOGISTICS, SOURCES, STUDENT_AFFAIRS, prepare};
use yuqing::model::{RiskLevel, StoredPost};

fn http() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    page[at..at + 64].to_string()
}

/// Sign in, see the start page, sign out with the page's CSRF token.
async fn sign_in_and_out(base: &str, user: &str, password: &str, display: &str) {
    let http = http();
    let r = http
        .post(format!("{base}/login"))
        .form(&[("username", user), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{user} signs in");
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    let page = http
        .get(format!("{base}/"))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(page.contains(display), "{user}: {page}");
    let r = http
        .post(format!("{base}/logout"))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf_of(&page))])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{user} signs out");
}

fn find<'a>(posts: &'a [StoredPost], source: &str, snippet: &str) -> Option<&'a StoredPost> {
    posts
        .iter()
        .find(|p| p.source == source && (p.text.contains(snippet) || p.title.contains(snippet)))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn demo_crawls_every_source_raises_routed_alerts_and_its_users_sign_in() {
    let dir = tempfile::tempdir().unwrap();
    let opts = DemoOptions::new(dir.path().join("demo"));
    let started = Instant::now();
    let demo = prepare(&opts, analyzer()).await.unwrap();
    eprintln!("demo ready in {:?}", started.elapsed());
    assert!(demo.first_run);

    // Every source ran and brought posts.
    for name in SOURCES {
        let s = demo.crawl.get(name).unwrap_or_else(|| panic!("{name}"));
        assert!(s.ran && !s.failed, "{name}: {s:?}");
        assert!(s.stats.new > 0 && s.stats.errors == 0, "{name}: {s:?}");
    }
    let store = demo.server.pipeline().store().clone();
    let posts = store.posts_since(None, None, 10_000).await.unwrap();
    let content = Content::bundled();
    assert_eq!(
        posts.len(),
        content.post_count(),
        "every bundled post stored once"
    );
    assert_eq!(demo.posts as usize, posts.len());
    let sources: HashSet<&str> = posts.iter().map(|p| p.source.as_str()).collect();
    assert_eq!(sources.len(), SOURCES.len(), "{sources:?}");
    // Comments of Weibo posts and Bilibili videos became posts of their own.
    assert!(
        posts
            .iter()
            .any(|p| p.source == "weibo-search" && p.parent_id.is_some())
    );
    assert!(
        posts
            .iter()
            .any(|p| p.source == "bilibili-search" && p.parent_id.is_some())
    );

    // The GBK section was decoded: its Chinese text reads back as written.
    let gbk = find(&posts, "campus-notices", "学生公寓热水供应时间调整")
        .expect("a GBK notice decoded correctly");
    assert_eq!(gbk.title, "关于北区7号楼恢复供水的通知");
    assert_eq!(gbk.author.as_deref(), Some("后勤服务中心"));
    let r = reqwest::get(format!("{}/tzgg/list.htm", demo.site.base))
        .await
        .unwrap();
    assert_eq!(r.headers()["content-type"], "text/html; charset=gbk");
    let bytes = r.bytes().await.unwrap();
    assert!(std::str::from_utf8(&bytes).is_err(), "served as GBK bytes");
    let (page, _, bad) = encoding_rs::GBK.decode(&bytes);
    assert!(!bad && page.contains("charset=gbk") && page.contains("通知公告"));

    // Alerts at several levels, most routed, to both groups.
    let levels: HashSet<RiskLevel> = demo.alerts.iter().map(|a| a.level).collect();
    assert!(levels.contains(&RiskLevel::High), "{levels:?}");
    assert!(levels.len() >= 2, "{levels:?}");
    assert!(demo.alerts.len() >= 10, "{} alerts", demo.alerts.len());
    let mut groups = HashSet::new();
    for a in &demo.alerts {
        if let Some(g) = store.alert_access(a.id).await.unwrap().unwrap().group {
            groups.insert(g);
        }
    }
    let group = |name| {
        let store = store.clone();
        async move { store.group_id(name).await.unwrap().unwrap() }
    };
    assert!(groups.contains(&group(STUDENT_AFFAIRS).await), "{groups:?}");
    assert!(groups.contains(&group(LOGISTICS).await), "{groups:?}");
    assert!(demo.routed > 0 && demo.routed <= demo.alerts.len());
    // Reposts and reports of one story cluster into one event.
    assert!(
        demo.alerts.iter().any(|a| a.post_count >= 3),
        "no event with copies: {:?}",
        demo.alerts
    );
    // The canteen story is one of the alerts.
    let canteen = find(&posts, "campus-bbs", "二食堂的黄焖鸡").expect("forum thread");
    assert!(demo.alerts.iter().any(|a| a.event_id == canteen.event_id));

    // Traps (fire drills, anti-fraud campaigns, a passed inspection) raise nothing.
    let mut traps = 0;
    for (section, items) in content.sections() {
        for item in items.iter().filter(|i| i.trap) {
            let snippet: String = item.text.chars().take(12).collect();
            let p = posts
                .iter()
                .find(|p| p.text.contains(&snippet))
                .unwrap_or_else(|| panic!("{section} trap {} stored", item.id));
            let level = p.analysis.as_ref().unwrap().risk.level;
            assert!(level < RiskLevel::Medium, "trap {} is {level:?}", item.id);
            assert!(
                demo.alerts.iter().all(|a| a.event_id != p.event_id),
                "trap {} raised an alert",
                item.id
            );
            traps += 1;
        }
    }
    assert!(traps >= 4);

    // The sample workflow moved some alerts on.
    let states: HashSet<String> = store
        .alerts()
        .await
        .unwrap()
        .into_iter()
        .map(|a| a.state)
        .collect();
    for s in ["assigned", "in_progress", "responded"] {
        assert!(states.contains(s), "{s} in {states:?}");
    }

    // The dashboard: every demo user signs in with the printed password.
    let users = demo.users.clone();
    assert_eq!(users.len(), 6);
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(demo.run(listener, rx));
    for u in &users {
        sign_in_and_out(&base, u.username, &u.password, u.display_name).await;
    }
    stop.send(true).unwrap();
    task.await.unwrap().expect("demo stops cleanly");

    // A second start keeps users and posts, and gives new passwords.
    let again = prepare(&opts, analyzer()).await.unwrap();
    assert!(!again.first_run);
    assert_eq!(again.posts as usize, posts.len(), "nothing stored twice");
    assert_eq!(again.alerts.len(), store.alerts().await.unwrap().len());
    let store2 = again.server.pipeline().store().clone();
    assert_eq!(store2.users().await.unwrap().len(), users.len());
    for (old, new) in users.iter().zip(&again.users) {
        assert_eq!(old.username, new.username);
        assert_ne!(old.password, new.password, "{}", old.username);
    }
    drop(again);

    // --fresh starts over in the demo's own directory.
    let mut fresh = opts.clone();
    fresh.fresh = true;
    let over = prepare(&fresh, analyzer()).await.unwrap();
    assert!(over.first_run);
    assert_eq!(over.posts as usize, posts.len());
    assert!(opts.data_dir.join(yuqing::demo::MARKER).exists());
}

#[tokio::test]
async fn fresh_refuses_a_directory_that_is_not_the_demos() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("precious.txt"), "keep me").unwrap();
    let mut opts = DemoOptions::new(dir.path());
    opts.fresh = true;
    let err = match prepare(&opts, analyzer()).await {
        Err(e) => e,
        Ok(_) => panic!("--fresh deleted a foreign directory"),
    };
    assert!(matches!(err, DemoError::NotDemoDir(_)), "{err}");
    assert!(dir.path().join("precious.txt").exists());
}
