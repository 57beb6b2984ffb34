use crate::helpers::{TOKEN, search_tokenizer, spawn_server};
use reqwest::StatusCode;
use serde_json::{Value, json};

const PUSH: &str = r#"
[[sources]]
name = "partner"
kind = "push"
token = "test-token-0123456789"
channel = "douyin"
tags = ["合作方"]
weight = 2.0
"#;

#[tokio::test]
async fn pushed_items_are_stored_analysed_and_indexed() {
    let app = spawn_server(PUSH).await;
    let r = app
        .push("partner")
        .json(&json!([
            {"id": "d1", "text": "食堂饭菜里有虫子，好几个同学吃完腹泻住院了", "author": "抖音用户", "metrics": {"likes": 500}},
            {"id": "d2", "title": "运动会", "text": "今天的运动会开幕式很精彩"},
            {"id": "d3", "text": "日期不对", "published_at": "下个月"},
            {"text": ""}
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["received"], 4);
    assert_eq!(body["accepted"], 2);
    assert_eq!(body["new"], 2);
    assert_eq!(body["rejected"][0]["index"], 2);
    assert_eq!(body["rejected"][0]["field"], "published_at");
    assert_eq!(body["rejected"][1]["index"], 3);
    assert_eq!(body["rejected"][1]["field"], "text");

    let posts = app.posts().await;
    assert_eq!(posts.len(), 2);
    let d1 = posts.iter().find(|p| p.external_id == "d1").unwrap();
    assert_eq!(d1.source, "partner");
    assert_eq!(d1.channel, yuqing::model::Channel::Douyin);
    assert_eq!(d1.tags, ["合作方"]);
    assert!(d1.analysis.as_ref().unwrap().risk.score >= 40, "{d1:?}");
    assert_eq!(app.store.alerts().await.unwrap().len(), 1);

    // A retried push stores nothing twice.
    let r = app
        .push("partner")
        .header("content-type", "application/x-ndjson")
        .body("{\"id\": \"d1\", \"text\": \"食堂饭菜里有虫子，好几个同学吃完腹泻住院了\", \"metrics\": {\"likes\": 900}}\n")
        .send()
        .await
        .unwrap();
    let body: Value = r.json().await.unwrap();
    assert_eq!(
        (body["new"].as_u64(), body["duplicates"].as_u64()),
        (Some(0), Some(1))
    );
    assert_eq!(app.posts().await.len(), 2);

    // The indexer catches up on its own, soon after the push.
    let index_dir = app.dir.path().join("data").join("index");
    app.wait_for("the post in the search index", || {
        let dir = index_dir.clone();
        async move {
            let index =
                yuqing::search::SearchIndex::open_or_create(&dir, search_tokenizer()).unwrap();
            let hits = index.search("腹泻", Default::default()).unwrap();
            hits.iter().any(|h| h.source == "partner")
        }
    })
    .await;
    let state = app.store.source_state("partner").await.unwrap().unwrap();
    assert!(state.last_success_at.is_some());
    app.stop().await;
}

#[tokio::test]
async fn push_refuses_bad_tokens_unknown_sources_and_bad_bodies() {
    let app = spawn_server(PUSH).await;
    let url = format!("{}/api/v1/sources/partner/items", app.base);
    let item = json!({"text": "有内容"});

    let r = app.http.post(&url).json(&item).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert_eq!(r.headers()["www-authenticate"], "Bearer");
    let r = app
        .http
        .post(&url)
        .bearer_auth("test-token-0123456788")
        .json(&item)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let body: Value = r.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthorized");

    let r = app.push("nobody").json(&item).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::NOT_FOUND);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("nobody")
    );

    let r = app
        .push("partner")
        .header("content-type", "application/json")
        .body("[{\"text\": ")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let body: Value = r.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("第 1 行"),
        "{body}"
    );

    let many: Vec<Value> = (0..1001)
        .map(|i| json!({"text": format!("第{i}条")}))
        .collect();
    let r = app.push("partner").json(&many).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::PAYLOAD_TOO_LARGE);

    // Every item invalid: 422, and nothing stored.
    let r = app
        .push("partner")
        .json(&json!([{"text": "x", "channel": "tiktok"}]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNPROCESSABLE_ENTITY);
    assert!(app.posts().await.is_empty());
    let _ = TOKEN;
    app.stop().await;
}

#[tokio::test]
async fn a_new_alert_is_routed_to_the_configured_group() {
    let app = spawn_server(&format!(
        "{PUSH}\n[[review.routing]]\ncategory = \"食品安全\"\ngroup = \"后勤组\"\n[review.sla]\nhigh = \"2h\"\n"
    ))
    .await;
    let now = chrono::Utc::now();
    let c = yuqing::review::users::add_user(
        &app.store,
        "hou.qin",
        None,
        &[yuqing::review::Role::Commentator],
        "a-long-password",
        None,
        now,
    )
    .await
    .unwrap();
    let g = app
        .store
        .create_group("后勤组", Some(c), None, now)
        .await
        .unwrap();
    let r = app
        .push("partner")
        .json(&json!({"id": "f1", "text": "食堂饭菜里有虫子，好几个同学吃完腹泻住院了", "metrics": {"likes": 5000, "reposts": 800}}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let alerts = app.store.alerts().await.unwrap();
    assert_eq!(alerts.len(), 1);
    let access = app.store.alert_access(alerts[0].id).await.unwrap().unwrap();
    assert_eq!(access.state, yuqing::review::AlertState::Assigned);
    assert_eq!((access.assignee, access.group), (Some(c), Some(g)));
    let trail = app.store.audit_trail("alert", alerts[0].id).await.unwrap();
    assert_eq!(trail[0].action, "alert.route");
    assert_eq!(trail[0].actor_id, None);
    app.stop().await;
}
