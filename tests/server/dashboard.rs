//! The dashboard over HTTP: the alert queue and its filters, the alert page,
//! the workflow from the browser (legal and illegal moves, CSRF, role
//! boundaries, edit locks, bulk actions), audit trails, live updates,
//! overview, hot events, rules, reports and the JSON API.

use crate::helpers::{Session, TestServer, spawn_server};
use reqwest::StatusCode;
use serde_json::{Value, json};
use std::collections::BTreeSet;
use std::time::Duration;
use yuqing::review::{AlertState, Role};

const SETUP: &str = r#"
[[sources]]
name = "partner"
kind = "push"
token = "test-token-0123456789"
channel = "weibo"

[[review.routing]]
category = "食品安全"
group = "后勤组"

[[review.routing]]
category = "校园贷/诈骗"
group = "学工组"
"#;

const FOOD: &str = "二食堂饭菜里有虫子，好几个同学吃完腹泻住院了，学校到现在都不回应！";
/// A repost with the same words joins the original's event.
const FOOD_COPY: &str = FOOD;
const LOAN: &str =
    "有人在宿舍推销校园贷，说是无抵押秒到账，已经有同学被骗了好几万，联系电话13812345678";
const NEUTRAL: &str = "今天图书馆开放时间延长到晚上十点，欢迎同学们前来自习";

/// Users: 监测员 mon; 后勤组 lead hq.lead and member hq.a; 学工组 member xg.a;
/// 宣传员 pub. Returns (server, group ids).
struct World {
    app: TestServer,
    hq: i64,
    xg: i64,
    hq_a: i64,
    xg_a: i64,
}

async fn world() -> World {
    let app = spawn_server(SETUP).await;
    let now = chrono::Utc::now();
    app.user("mon", "王监测", &[Role::Monitor]).await;
    let lead = app.user("hq.lead", "李组长", &[Role::Commentator]).await;
    let hq_a = app.user("hq.a", "赵网评", &[Role::Commentator]).await;
    let xg_a = app.user("xg.a", "钱网评", &[Role::Commentator]).await;
    app.user("pub", "孙宣传", &[Role::Publisher]).await;
    let hq = app
        .store
        .create_group("后勤组", Some(lead), None, now)
        .await
        .unwrap();
    app.store
        .add_group_member(hq, hq_a, None, now)
        .await
        .unwrap();
    let xg = app
        .store
        .create_group("学工组", None, None, now)
        .await
        .unwrap();
    app.store
        .add_group_member(xg, xg_a, None, now)
        .await
        .unwrap();
    World {
        app,
        hq,
        xg,
        hq_a,
        xg_a,
    }
}

async fn push(app: &TestServer, items: Value) {
    let r = app.push("partner").json(&items).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK, "{:?}", r.text().await);
}

/// Alert ids by the external id of their first post.
async fn alert_of(app: &TestServer, external: &str) -> i64 {
    let posts = app.posts().await;
    let post = posts
        .iter()
        .find(|p| p.external_id == external)
        .unwrap_or_else(|| panic!("post {external}"));
    app.store
        .alerts()
        .await
        .unwrap()
        .into_iter()
        .find(|a| a.event_id == post.event_id)
        .unwrap_or_else(|| panic!("alert of {external}"))
        .id
}

async fn seed(app: &TestServer) {
    push(
        app,
        json!([
            {"id": "food", "text": FOOD, "metrics": {"likes": 3000, "reposts": 500, "comments": 200}},
            {"id": "loan", "text": LOAN, "metrics": {"likes": 40}},
            {"id": "calm", "text": NEUTRAL},
        ]),
    )
    .await;
}

fn location(r: &reqwest::Response) -> String {
    r.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_string())
        .unwrap_or_default()
}

async fn state_of(app: &TestServer, id: i64) -> AlertState {
    app.store.alert_access(id).await.unwrap().unwrap().state
}

#[tokio::test]
async fn the_queue_filters_and_shows_each_role_only_what_it_may_see() {
    let w = world().await;
    let app = &w.app;
    seed(app).await;
    let food = alert_of(app, "food").await;
    let loan = alert_of(app, "loan").await;
    assert_eq!(
        app.store.alerts().await.unwrap().len(),
        2,
        "the calm post raises nothing"
    );

    // Not signed in: the sign-in page.
    let r = app
        .http
        .get(format!("{}/alerts", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/login"));

    let mon = app.sign_in("mon").await;
    let page = mon.page("/alerts").await;
    assert!(page.contains("共 2 条"), "{page}");
    assert!(page.contains(&format!("/alerts/{food}")) && page.contains(&format!("/alerts/{loan}")));
    // Personal data is masked in the list.
    assert!(page.contains("138****5678") && !page.contains("13812345678"));
    // Filters: category, channel, sentiment, assignee group, state.
    let page = mon.page("/alerts?category=食品安全").await;
    assert!(page.contains("共 1 条") && page.contains(&format!("/alerts/{food}")));
    let page = mon.page(&format!("/alerts?group={}", w.xg)).await;
    assert!(page.contains("共 1 条") && page.contains(&format!("/alerts/{loan}")));
    assert!(mon.page("/alerts?channel=douyin").await.contains("共 0 条"));
    assert!(mon.page("/alerts?state=resolved").await.contains("共 0 条"));
    assert!(
        mon.page("/alerts?range=today&sort=newest")
            .await
            .contains("共 2 条")
    );
    // A bad filter value is named.
    let r = mon.get("/alerts?level=huge").await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    assert!(r.text().await.unwrap().contains("level"));

    // Full-text search through the index (once the indexer caught up).
    app.wait_for("the index", || async {
        mon.page("/alerts?q=校园贷").await.contains("共 1 条")
    })
    .await;
    let page = mon.page("/alerts?q=腹泻").await;
    assert!(
        page.contains(&format!("/alerts/{food}")) && !page.contains(&format!("/alerts/{loan}\""))
    );

    // A commentator sees their group's items only, in the list and by id.
    let xg = app.sign_in("xg.a").await;
    let page = xg.page("/alerts").await;
    assert!(page.contains("共 1 条") && page.contains(&format!("/alerts/{loan}")));
    let r = xg.get(&format!("/alerts/{food}")).await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(
        xg.get(&format!("/alerts/{food}/audit.csv")).await.status(),
        StatusCode::FORBIDDEN
    );
    // Not for a commentator: hot events, reports, rules.
    for path in ["/events", "/reports/daily", "/rules"] {
        assert_eq!(xg.get(path).await.status(), StatusCode::FORBIDDEN, "{path}");
    }
    // A publisher has no alert queue at all.
    let publisher = app.sign_in("pub").await;
    assert_eq!(
        publisher.get("/alerts").await.status(),
        StatusCode::FORBIDDEN
    );
    assert_eq!(
        publisher.get(&format!("/alerts/{loan}")).await.status(),
        StatusCode::FORBIDDEN
    );
    w.app.stop().await;
}

#[tokio::test]
async fn a_commentator_works_an_alert_through_the_workflow_in_the_browser() {
    let w = world().await;
    let app = &w.app;
    seed(app).await;
    let loan = alert_of(app, "loan").await;
    // Routed on raise to 学工组 and its only member.
    let access = app.store.alert_access(loan).await.unwrap().unwrap();
    assert_eq!((access.group, access.assignee), (Some(w.xg), Some(w.xg_a)));

    let mon = app.sign_in("mon").await;
    let page = mon.page(&format!("/alerts/{loan}")).await;
    // Rule hits highlighted, explanations and the cluster shown, PII masked.
    assert!(page.contains("<mark>校园贷</mark>"), "{page}");
    assert!(page.contains("命中规则") && page.contains("风险分") && page.contains("事件传播"));
    assert!(page.contains("138****5678") && !page.contains("13812345678"));

    // The monitor reassigns it to 后勤组's member (with a note).
    let r = mon
        .post(
            &format!("/alerts/{loan}/assign"),
            &[
                ("group", &w.hq.to_string()),
                ("user", &w.hq_a.to_string()),
                ("note", "转后勤处理"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.text().await);
    assert!(location(&r).starts_with(&format!("/alerts/{loan}?ok=")));
    let access = app.store.alert_access(loan).await.unwrap().unwrap();
    assert_eq!((access.group, access.assignee), (Some(w.hq), Some(w.hq_a)));

    // The old assignee lost sight of it; the new one works it.
    let xg = app.sign_in("xg.a").await;
    assert_eq!(
        xg.get(&format!("/alerts/{loan}")).await.status(),
        StatusCode::FORBIDDEN
    );
    let c = app.sign_in("hq.a").await;
    assert!(
        c.page("/alerts?assignee=me")
            .await
            .contains(&format!("/alerts/{loan}"))
    );
    // Skipping a step is refused by the server.
    let r = c
        .post(&format!("/alerts/{loan}/state"), &[("to", "resolved")])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("不能从"));
    // A commentator may not dismiss.
    let r = c
        .post(
            &format!("/alerts/{loan}/dismiss"),
            &[("reason", "不想处理")],
        )
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    // Without the CSRF token nothing happens.
    let r = c
        .post_raw(&format!("/alerts/{loan}/state"), &[("to", "in_progress")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert_eq!(state_of(app, loan).await, AlertState::Assigned);

    let r = c
        .post(&format!("/alerts/{loan}/state"), &[("to", "in_progress")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    // A response with a bad link is refused and records nothing.
    let r = c
        .post(
            &format!("/alerts/{loan}/respond"),
            &[
                ("text", "已报警并提醒同学"),
                ("link", "javascript:alert(1)"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = c
        .post(
            &format!("/alerts/{loan}/respond"),
            &[
                ("text", "已联系保卫处处理，并在公众号发布防骗提醒"),
                ("link", "https://mp.weixin.qq.com/s/abc"),
                ("channel", "微信公众号"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    c.post(&format!("/alerts/{loan}/note"), &[("note", "保卫处已介入")])
        .await;
    let r = c
        .post(&format!("/alerts/{loan}/state"), &[("to", "resolved")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(state_of(app, loan).await, AlertState::Resolved);

    // Every step is in the audit trail, on the page and in the CSV.
    let trail = app.store.audit_trail("alert", loan).await.unwrap();
    let actions: Vec<&str> = trail.iter().map(|e| e.action.as_str()).collect();
    assert_eq!(
        actions,
        [
            "alert.route",
            "alert.reassign",
            "alert.state",
            "alert.response",
            "alert.state",
            "alert.note",
            "alert.state"
        ]
    );
    let page = c.page(&format!("/alerts/{loan}")).await;
    assert!(
        page.contains("已联系保卫处处理") && page.contains("mp.weixin.qq.com"),
        "{page}"
    );
    assert!(
        page.contains("处置中 → 已回应") && page.contains("已回应 → 已办结"),
        "{page}"
    );
    let r = mon.get(&format!("/alerts/{loan}/audit.csv")).await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    assert!(csv.starts_with('\u{feff}'));
    assert_eq!(csv.lines().count(), 1 + actions.len(), "{csv}");
    assert!(csv.contains("王监测") && csv.contains("系统") && csv.contains("转后勤处理"));
    // Reopening is for monitors.
    let r = c
        .post(&format!("/alerts/{loan}/state"), &[("to", "triaged")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = mon
        .post(&format!("/alerts/{loan}/state"), &[("to", "triaged")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    w.app.stop().await;
}

#[tokio::test]
async fn an_edit_lock_keeps_others_out_until_released() {
    let w = world().await;
    let app = &w.app;
    seed(app).await;
    let food = alert_of(app, "food").await;
    let mon = app.sign_in("mon").await;
    let c = app.sign_in("hq.a").await;
    let r = mon
        .post(
            &format!("/alerts/{food}/assign"),
            &[("group", &w.hq.to_string()), ("user", &w.hq_a.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c.post(&format!("/alerts/{food}/lock"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.text().await);
    // Others cannot change it meanwhile, and see who holds it.
    let r = mon
        .post(&format!("/alerts/{food}/state"), &[("to", "escalated")])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    assert!(r.text().await.unwrap().contains("赵网评 正在处理"));
    assert!(
        mon.page(&format!("/alerts/{food}"))
            .await
            .contains("赵网评 正在处理")
    );
    // The holder's own change goes through and releases the lock.
    let r = c
        .post(&format!("/alerts/{food}/state"), &[("to", "in_progress")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        app.store
            .alert_lock(food, app.clock_now())
            .await
            .unwrap()
            .is_none()
    );
    // A lock runs out on its own.
    let r = mon.post(&format!("/alerts/{food}/lock"), &[]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let r = c
        .post(&format!("/alerts/{food}/state"), &[("to", "escalated")])
        .await;
    assert_eq!(r.status(), StatusCode::CONFLICT);
    app.clock.advance(chrono::Duration::minutes(11));
    let r = c
        .post(&format!("/alerts/{food}/state"), &[("to", "escalated")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER, "{:?}", r.text().await);
    assert_eq!(state_of(app, food).await, AlertState::Escalated);
    w.app.stop().await;
}

#[tokio::test]
async fn bulk_false_positives_show_on_the_rules_page() {
    let w = world().await;
    let app = &w.app;
    seed(app).await;
    let food = alert_of(app, "food").await;
    let loan = alert_of(app, "loan").await;
    let mon = app.sign_in("mon").await;
    // A bulk action without a reason fails per item and says so.
    let r = mon
        .post(
            "/alerts/bulk",
            &[
                ("id", &food.to_string()),
                ("id", &loan.to_string()),
                ("action", "dismiss"),
                ("reason", ""),
                ("back", "/alerts?state=all"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).starts_with("/alerts?state=all&ok="));
    assert_eq!(state_of(app, food).await, AlertState::Assigned);
    let r = mon
        .post(
            "/alerts/bulk",
            &[
                ("id", &food.to_string()),
                ("id", &loan.to_string()),
                ("action", "dismiss"),
                ("reason", "演练通知，非真实事件"),
                ("false_positive", "1"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    for id in [food, loan] {
        assert_eq!(state_of(app, id).await, AlertState::Dismissed);
        let trail = app.store.audit_trail("alert", id).await.unwrap();
        assert_eq!(trail.last().unwrap().action, "alert.false_positive");
    }
    // Commentators cannot bulk-route.
    let c = app.sign_in("hq.a").await;
    let r = c
        .post(
            "/alerts/bulk",
            &[
                ("id", &food.to_string()),
                ("action", "state"),
                ("to", "triaged"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(urlencoding_decode(&location(&r)).contains("失败 1 条"));
    assert_eq!(state_of(app, food).await, AlertState::Dismissed);

    let page = mon.page("/rules").await;
    assert!(page.contains("其中误报 2 条"), "{page}");
    // The food rule: 1 alert, 1 false positive, 100%.
    assert!(page.contains("food-safety."), "{page}");
    assert!(page.contains("100%"));
    w.app.stop().await;
}

fn urlencoding_decode(s: &str) -> String {
    url::form_urlencoded::parse(s.split_once('?').map_or("", |x| x.1).as_bytes())
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

#[tokio::test]
async fn new_alerts_are_announced_live_and_fetched_with_the_filters() {
    let w = world().await;
    let app = &w.app;
    seed(app).await;
    let mon = app.sign_in("mon").await;
    let page = mon.page("/alerts").await;
    let at = page.find("data-max-id=\"").unwrap() + 13;
    let max_id: i64 = page[at..].split('"').next().unwrap().parse().unwrap();

    let mut sse = app
        .http
        .get(format!("{}/live", app.base))
        .header("cookie", &mon.cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(sse.status(), StatusCode::OK);
    assert!(
        sse.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/event-stream")
    );
    let first = String::from_utf8(sse.chunk().await.unwrap().unwrap().to_vec()).unwrap();
    assert!(
        first.contains("event: alerts") && first.contains(&format!("data: {max_id}")),
        "{first}"
    );

    push(app, json!([{"id": "fire", "text": "三号宿舍楼起火了，浓烟很大，有同学被困在楼上", "metrics": {"reposts": 300}}])).await;
    let next = tokio::time::timeout(Duration::from_secs(3), sse.chunk())
        .await
        .expect("announced within 3 s")
        .unwrap()
        .unwrap();
    let next = String::from_utf8(next.to_vec()).unwrap();
    let new_id: i64 = next
        .lines()
        .find_map(|l| l.strip_prefix("data: "))
        .unwrap()
        .parse()
        .unwrap();
    assert!(new_id > max_id);

    let r = mon.get(&format!("/alerts/fresh?after={max_id}")).await;
    assert_eq!(r.headers()["x-new-alerts"], "1");
    let rows = r.text().await.unwrap();
    assert!(rows.contains(&format!("/alerts/{new_id}")) && rows.contains("fresh"));
    // The same filters apply: not a 食品安全 alert.
    let r = mon
        .get(&format!("/alerts/fresh?after={max_id}&category=食品安全"))
        .await;
    assert_eq!(r.headers()["x-new-alerts"], "0");
    // A commentator of another group is not told about it.
    let xg = app.sign_in("xg.a").await;
    let r = xg.get(&format!("/alerts/fresh?after={max_id}")).await;
    assert_eq!(r.headers()["x-new-alerts"], "0");
    drop(sse);
    w.app.stop().await;
}

#[tokio::test]
async fn overview_hot_events_and_reports() {
    let w = world().await;
    let app = &w.app;
    seed(app).await;
    push(app, json!([{"id": "food2", "text": FOOD_COPY}])).await;
    let mon = app.sign_in("mon").await;
    let home = mon.page("/").await;
    assert!(home.contains("今日新增预警"), "{home}");
    assert!(home.contains("data-chart="));
    assert!(home.contains("/static/vendor/echarts.min.js"));

    let events = mon.page("/events").await;
    assert!(events.contains("二食堂饭菜里有虫子"), "{events}");

    let daily = mon.page("/reports/daily").await;
    assert!(daily.contains("舆情日报") && daily.contains("网评员工作量"));
    assert!(daily.contains("赵网评") || daily.contains("李组长"));
    let weekly = mon.page("/reports/weekly").await;
    assert!(weekly.contains("舆情周报"));
    let r = mon.get("/reports/daily.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .contains(".csv")
    );
    let csv = r.text().await.unwrap();
    assert!(csv.contains("概况,新增预警,2"), "{csv}");
    let md = mon.page("/reports/weekly.md").await;
    assert!(md.starts_with("# 舆情周报"));
    assert!(md.contains("| 食品安全 | 1 |"), "{md}");
    assert_eq!(
        mon.get("/reports/daily?date=2026-13-01").await.status(),
        StatusCode::BAD_REQUEST
    );
    assert_eq!(
        mon.get("/reports/monthly").await.status(),
        StatusCode::NOT_FOUND
    );

    // The commentator's overview is their own work.
    let c = app.sign_in("xg.a").await;
    let home = c.page("/").await;
    assert!(home.contains("我的待办（1）"), "{home}");
    // Static files, and nothing outside their folder.
    let r = mon.get("/static/app.css").await;
    assert_eq!(r.status(), StatusCode::OK);
    assert!(
        r.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert_eq!(
        mon.get("/static/../Cargo.toml").await.status(),
        StatusCode::NOT_FOUND
    );
    assert_eq!(
        mon.get("/static/%2e%2e/Cargo.toml").await.status(),
        StatusCode::NOT_FOUND
    );
    w.app.stop().await;
}

async fn token_for(app: &TestServer, name: &str) -> String {
    let user = app.store.user_by_name(name).await.unwrap().unwrap();
    let (token, hash) = yuqing::review::users::new_api_token();
    app.store
        .create_api_token(user.id, "test", &hash, chrono::Utc::now())
        .await
        .unwrap();
    token
}

async fn api(
    app: &TestServer,
    token: &str,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
) -> (StatusCode, Value) {
    let mut req = app
        .http
        .request(method, format!("{}{path}", app.base))
        .bearer_auth(token);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let r = req.send().await.unwrap();
    let status = r.status();
    (status, r.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn the_json_api_acts_as_the_tokens_user_and_is_described() {
    let w = world().await;
    let app = &w.app;
    seed(app).await;
    let food = alert_of(app, "food").await;
    let loan = alert_of(app, "loan").await;
    let mon = token_for(app, "mon").await;
    let xg = token_for(app, "xg.a").await;
    let get = reqwest::Method::GET;
    let post = reqwest::Method::POST;

    let (s, body) = api(app, &mon, get.clone(), "/api/v1/alerts?per_page=1", None).await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(
        (
            body["total"].as_i64(),
            body["items"].as_array().unwrap().len()
        ),
        (Some(2), 1)
    );
    let (_, body) = api(app, &xg, get.clone(), "/api/v1/alerts", None).await;
    assert_eq!(body["total"], 1);
    assert_eq!(body["items"][0]["id"], loan);
    assert!(
        body["items"][0]["excerpt"]
            .as_str()
            .unwrap()
            .contains("138****5678")
    );
    let (s, _) = api(
        app,
        &xg,
        get.clone(),
        &format!("/api/v1/alerts/{food}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, body) = api(app, &xg, get.clone(), "/api/v1/assignments", None).await;
    assert_eq!((s, body["total"].as_i64()), (StatusCode::OK, Some(1)));
    let (s, body) = api(
        app,
        &mon,
        get.clone(),
        &format!("/api/v1/alerts/{loan}"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    assert_eq!(body["audit"][0]["action"], "alert.route");
    assert!(
        body["post"]["text"]
            .as_str()
            .unwrap()
            .contains("138****5678")
    );

    // Actions, with the same rules as the pages.
    let (s, body) = api(
        app,
        &xg,
        post.clone(),
        &format!("/api/v1/alerts/{loan}/state"),
        Some(json!({"to": "in_progress"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK, "{body}");
    assert_eq!(body["alert"]["state"], "in_progress");
    let (s, body) = api(
        app,
        &xg,
        post.clone(),
        &format!("/api/v1/alerts/{loan}/state"),
        Some(json!({"to": "resolved"})),
    )
    .await;
    assert_eq!(s, StatusCode::CONFLICT, "{body}");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("不能从")
    );
    let (s, _) = api(
        app,
        &xg,
        post.clone(),
        &format!("/api/v1/alerts/{food}/state"),
        Some(json!({"to": "escalated"})),
    )
    .await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    let (s, _) = api(
        app,
        &xg,
        post.clone(),
        &format!("/api/v1/alerts/{loan}/respond"),
        Some(json!({"text": "已处理", "link": "https://weibo.com/1/2"})),
    )
    .await;
    assert_eq!(s, StatusCode::OK);
    let (s, body) = api(
        app,
        &mon,
        post.clone(),
        &format!("/api/v1/alerts/{food}/dismiss"),
        Some(json!({"reason": "重复", "false_positive": true})),
    )
    .await;
    assert_eq!(
        (s, body["alert"]["false_positive"].as_bool()),
        (StatusCode::OK, Some(true))
    );
    let (s, body) = api(
        app,
        &mon,
        post.clone(),
        &format!("/api/v1/alerts/{food}/state"),
        Some(json!({"to": "sideways"})),
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST, "{body}");
    let (s, _) = api(
        app,
        &mon,
        post.clone(),
        &format!("/api/v1/alerts/{food}/state"),
        None,
    )
    .await;
    assert_eq!(s, StatusCode::BAD_REQUEST);
    // Posts and search are for reviewers.
    let (s, _) = api(app, &xg, get.clone(), "/api/v1/search?q=食堂", None).await;
    assert_eq!(s, StatusCode::FORBIDDEN);
    app.wait_for("the index", || async {
        let (_, b) = api(app, &mon, get.clone(), "/api/v1/search?q=食堂", None).await;
        b["hits"].as_array().is_some_and(|h| !h.is_empty())
    })
    .await;

    // No token, a wrong one, a revoked one: 401.
    let r = app
        .http
        .get(format!("{}/api/v1/alerts", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    let (s, _) = api(app, "yq_wrong", get.clone(), "/api/v1/alerts", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);
    let user = app.store.user_by_name("mon").await.unwrap().unwrap();
    app.store
        .revoke_api_tokens(user.id, "test", chrono::Utc::now())
        .await
        .unwrap();
    let (s, _) = api(app, &mon, get.clone(), "/api/v1/alerts", None).await;
    assert_eq!(s, StatusCode::UNAUTHORIZED);

    // With a session cookie, a change needs the CSRF header.
    let session: Session = app.sign_in("mon").await;
    let url = format!("{}/api/v1/alerts/{loan}/state", app.base);
    let r = app
        .http
        .post(&url)
        .header("cookie", &session.cookie)
        .json(&json!({"to": "escalated"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let r = app
        .http
        .post(&url)
        .header("cookie", &session.cookie)
        .header("x-csrf-token", &session.csrf)
        .json(&json!({"to": "escalated"}))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);

    // The OpenAPI document names every route of the API.
    let r = app
        .http
        .get(format!("{}/api/v1/openapi.json", app.base))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let spec: Value = r.json().await.unwrap();
    assert_eq!(spec["openapi"], "3.1.0");
    let paths: BTreeSet<&str> = spec["paths"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    let routes = [
        "/api/v1/alerts",
        "/api/v1/alerts/{id}",
        "/api/v1/alerts/{id}/assign",
        "/api/v1/alerts/{id}/state",
        "/api/v1/alerts/{id}/dismiss",
        "/api/v1/alerts/{id}/respond",
        "/api/v1/assignments",
        "/api/v1/posts/{id}",
        "/api/v1/search",
        "/api/v1/openapi.json",
    ];
    assert_eq!(paths, routes.into_iter().collect());
    w.app.stop().await;
}

#[tokio::test]
async fn overdue_alerts_are_escalated_on_the_servers_clock_and_highlighted() {
    let app = spawn_server(&format!("{SETUP}\n[review]\nsla_check = \"50ms\"\n")).await;
    let now = chrono::Utc::now();
    let lead = app.user("hq.lead", "李组长", &[Role::Commentator]).await;
    app.user("mon", "王监测", &[Role::Monitor]).await;
    app.store
        .create_group("后勤组", Some(lead), None, now)
        .await
        .unwrap();
    seed(&app).await;
    let food = alert_of(&app, "food").await;
    let item = app.store.alert_item(food).await.unwrap().unwrap();
    let due = item.due_at.expect("a due time from the SLA");
    assert!(due > now, "not overdue yet");
    let mon = app.sign_in("mon").await;
    assert!(mon.page("/alerts?overdue=1").await.contains("共 0 条"));
    let page = mon.page(&format!("/alerts/{food}")).await;
    assert!(page.contains("剩余"), "{page}");

    // Past the due time on the server's clock: escalated by the system.
    app.clock.advance(due - now + chrono::Duration::minutes(5));
    app.wait_for("the SLA job", || async {
        state_of(&app, food).await == AlertState::Escalated
    })
    .await;
    let trail = app.store.audit_trail("alert", food).await.unwrap();
    let last = trail.last().unwrap();
    assert_eq!(
        (last.action.as_str(), last.actor_id),
        ("alert.sla_escalate", None)
    );
    // Still open and past due (both seeded alerts): listed, highlighted, counted.
    let page = mon.page("/alerts?overdue=1&sort=due").await;
    assert!(
        page.contains("共 2 条") && page.contains("已超时 5 分钟"),
        "{page}"
    );
    assert!(page.contains("row overdue"));
    // The group lead sees it and may take it back.
    let l = app.sign_in("hq.lead").await;
    assert!(l.page(&format!("/alerts/{food}")).await.contains("已升级"));
    let r = l
        .post(&format!("/alerts/{food}/state"), &[("to", "in_progress")])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    app.stop().await;
}

#[tokio::test]
async fn admins_read_and_export_the_whole_audit_log() {
    let w = world().await;
    let app = &w.app;
    seed(app).await;
    app.user("root", "系统管理员", &[Role::Admin]).await;
    let admin = app.sign_in("root").await;
    let page = admin.page("/audit").await;
    assert!(
        page.contains("自动分派") && page.contains("创建处置组"),
        "{page}"
    );
    assert!(page.contains("alert #") && page.contains("&#x2f;alerts&#x2f;"));
    let r = admin.get("/audit.csv").await;
    assert_eq!(r.status(), StatusCode::OK);
    let csv = r.text().await.unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(lines[0].contains("时间,操作人,操作"));
    // Oldest first, every entry.
    let total = app
        .store
        .audit_log(None, None, 10_000, false)
        .await
        .unwrap()
        .len();
    assert_eq!(lines.len(), total + 1);
    assert!(
        lines[1].contains("创建用户") || lines[1].contains("创建处置组"),
        "{}",
        lines[1]
    );
    assert_eq!(
        admin.get("/audit?from=2026-02-30").await.status(),
        StatusCode::BAD_REQUEST
    );
    // Not for monitors.
    let mon = app.sign_in("mon").await;
    assert_eq!(mon.get("/audit").await.status(), StatusCode::FORBIDDEN);
    assert_eq!(mon.get("/audit.csv").await.status(), StatusCode::FORBIDDEN);
    w.app.stop().await;
}

#[tokio::test]
async fn admins_manage_users_and_groups_and_users_change_their_password() {
    let app = spawn_server("").await;
    app.user("root", "系统管理员", &[Role::Admin]).await;
    app.user("mon", "王监测", &[Role::Monitor]).await;
    let admin = app.sign_in("root").await;
    // A new commentator with a generated password shown once.
    let r = admin
        .post(
            "/admin/users",
            &[
                ("username", "new.c"),
                ("display_name", "新网评"),
                ("role", "commentator"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::OK);
    let page = r.text().await.unwrap();
    let at = page.find("初始密码：<code").expect("password shown");
    let password: String = page[at..]
        .split('>')
        .nth(1)
        .unwrap()
        .split('<')
        .next()
        .unwrap()
        .to_string();
    assert_eq!(password.len(), 16);
    let new_c = app.store.user_by_name("new.c").await.unwrap().unwrap();
    assert_eq!(new_c.roles, [Role::Commentator]);
    // Bad input is refused with the reason.
    let r = admin
        .post("/admin/users", &[("username", "x"), ("role", "monitor")])
        .await;
    assert_eq!(r.status(), StatusCode::BAD_REQUEST);
    let r = admin.post("/admin/users", &[("username", "no.role")]).await;
    assert!(r.text().await.unwrap().contains("至少需要一个角色"));
    // A group with the new member.
    let r = admin.post("/admin/groups", &[("name", "宣传组")]).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let g = app.store.group_id("宣传组").await.unwrap().unwrap();
    let r = admin
        .post(
            &format!("/admin/groups/{g}/members"),
            &[("user", &new_c.id.to_string())],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(app.store.groups().await.unwrap()[0].members, [new_c.id]);
    let mon = app.store.user_by_name("mon").await.unwrap().unwrap();
    let r = admin
        .post(
            &format!("/admin/groups/{g}/members"),
            &[("user", &mon.id.to_string())],
        )
        .await;
    assert_eq!(
        r.status(),
        StatusCode::BAD_REQUEST,
        "only commentators join groups"
    );

    // Disabling ends the user's sessions.
    let m = app.sign_in("mon").await;
    let r = admin
        .post(&format!("/admin/users/{}/disable", mon.id), &[])
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(m.get("/").await.status(), StatusCode::SEE_OTHER);
    admin
        .post(&format!("/admin/users/{}/enable", mon.id), &[])
        .await;
    // Only admins.
    let m = app.sign_in("mon").await;
    assert_eq!(m.get("/admin/users").await.status(), StatusCode::FORBIDDEN);
    let r = m
        .post("/admin/users", &[("username", "sneaky"), ("role", "admin")])
        .await;
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    assert!(app.store.user_by_name("sneaky").await.unwrap().is_none());

    // Changing one's own password ends the other sessions, keeps this one.
    let other = app.sign_in("mon").await;
    let r = m
        .post(
            "/account/password",
            &[
                ("current", "wrong-password"),
                ("new", "another-long-one"),
                ("confirm", "another-long-one"),
            ],
        )
        .await;
    assert!(location(&r).contains("err="));
    let r = m
        .post(
            "/account/password",
            &[
                ("current", "a-long-password"),
                ("new", "another-long-one"),
                ("confirm", "another-long-one"),
            ],
        )
        .await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(location(&r).contains("ok="));
    let cookie = r.headers()["set-cookie"]
        .to_str()
        .unwrap()
        .split(';')
        .next()
        .unwrap()
        .to_string();
    assert_ne!(cookie, m.cookie);
    assert_eq!(
        other.get("/").await.status(),
        StatusCode::SEE_OTHER,
        "other session ended"
    );
    let r = app
        .http
        .get(format!("{}/account", app.base))
        .header("cookie", &cookie)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "this browser stays signed in");
    app.stop().await;
}
