//! Local stand-ins for the WeCom and DingTalk group robots and a webhook
//! receiver, on 127.0.0.1:0. Like the real ones they check the key or
//! token, DingTalk's signature and timestamp window, the Standard Webhooks
//! signature, the message shape and byte limits, and allow 20 messages a
//! minute (then answer with the robot's rate-limit errcode). Time comes from
//! the test's clock. A script of canned answers simulates outages.

use axum::Router;
use axum::body::Bytes;
use axum::extract::{Query, State};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::post;
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;
use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex};
use yuqing::notify::Clock;

pub const WECOM_KEY: &str = "wecom-key-0001";
pub const DING_TOKEN: &str = "ding-token-0001";
pub const DING_SECRET: &str = "SEC0123456789abcdef";
pub const HOOK_SECRET: &str = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Wecom,
    Dingtalk,
    Webhook,
}

/// A message the robot accepted.
#[derive(Clone, Debug)]
pub struct Received {
    pub body: Value,
    pub headers: HashMap<String, String>,
}

impl Received {
    /// The text a person reads: markdown / text content, or the webhook summary.
    pub fn content(&self) -> String {
        let b = &self.body;
        [
            &b["markdown"]["content"],
            &b["markdown"]["text"],
            &b["text"]["content"],
            &b["data"]["summary"],
        ]
        .iter()
        .find_map(|v| v.as_str())
        .unwrap_or_default()
        .to_string()
    }
}

struct MockState {
    clock: Arc<dyn Clock>,
    received: Mutex<Vec<Received>>,
    /// Every request's refusal, with its reason.
    refused: Mutex<Vec<String>>,
    /// Canned answers, taken before any check: (HTTP status, body).
    script: Mutex<VecDeque<(u16, String)>>,
    /// Times of accepted requests, for the 20-a-minute limit.
    window: Mutex<VecDeque<DateTime<Utc>>>,
}

pub struct MockRobot {
    pub kind: Kind,
    pub addr: std::net::SocketAddr,
    state: Arc<MockState>,
}

impl MockRobot {
    pub async fn start(kind: Kind, clock: Arc<dyn Clock>) -> MockRobot {
        let state = Arc::new(MockState {
            clock,
            received: Mutex::new(Vec::new()),
            refused: Mutex::new(Vec::new()),
            script: Mutex::new(VecDeque::new()),
            window: Mutex::new(VecDeque::new()),
        });
        let app = Router::new()
            .route("/cgi-bin/webhook/send", post(wecom))
            .route("/robot/send", post(dingtalk))
            .route("/hook", post(webhook))
            .with_state(state.clone());
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
        MockRobot { kind, addr, state }
    }

    /// The address to configure (with the right key or token).
    pub fn url(&self) -> String {
        match self.kind {
            Kind::Wecom => format!("http://{}/cgi-bin/webhook/send?key={WECOM_KEY}", self.addr),
            Kind::Dingtalk => format!("http://{}/robot/send?access_token={DING_TOKEN}", self.addr),
            Kind::Webhook => format!("http://{}/hook", self.addr),
        }
    }

    pub fn received(&self) -> Vec<Received> {
        self.state.received.lock().unwrap().clone()
    }

    pub fn refused(&self) -> Vec<String> {
        self.state.refused.lock().unwrap().clone()
    }

    /// Answer the next request with `status` and `body`, whatever it is;
    /// status 0 never answers (the sender is cut off mid-request).
    pub fn script(&self, status: u16, body: &str) {
        self.state
            .script
            .lock()
            .unwrap()
            .push_back((status, body.to_string()));
    }
}

fn robot_error(state: &MockState, errcode: i64, errmsg: &str) -> Response {
    state
        .refused
        .lock()
        .unwrap()
        .push(format!("{errcode} {errmsg}"));
    axum::Json(json!({"errcode": errcode, "errmsg": errmsg})).into_response()
}

async fn scripted(state: &MockState) -> Option<Response> {
    let (status, body) = state.script.lock().unwrap().pop_front()?;
    if status == 0 {
        tokio::time::sleep(std::time::Duration::from_secs(3600)).await;
    }
    state
        .refused
        .lock()
        .unwrap()
        .push(format!("scripted {status} {body}"));
    Some((StatusCode::from_u16(status).unwrap(), body).into_response())
}

/// The robots' limit: 20 accepted messages in any 60 seconds.
fn over_limit(state: &MockState) -> bool {
    let now = state.clock.now();
    let mut w = state.window.lock().unwrap();
    while w
        .front()
        .is_some_and(|t| now - *t >= chrono::TimeDelta::seconds(60))
    {
        w.pop_front();
    }
    if w.len() >= 20 {
        return true;
    }
    w.push_back(now);
    false
}

fn accept(state: &MockState, body: Value, headers: &HeaderMap) {
    let headers = headers
        .iter()
        .map(|(k, v)| (k.to_string(), v.to_str().unwrap_or("").to_string()))
        .collect();
    state
        .received
        .lock()
        .unwrap()
        .push(Received { body, headers });
}

/// Content checks shared by both robots: (errcode, errmsg) on failure.
fn check_robot_message(body: &Value, dingtalk: bool) -> Result<(), (i64, String)> {
    let bad = |m: &str| Err((40008, m.to_string()));
    match body["msgtype"].as_str() {
        Some("text") => {
            let c = body["text"]["content"].as_str().unwrap_or("");
            if c.is_empty() {
                return bad("empty content");
            }
            if c.len() > 2048 {
                return Err((
                    40058,
                    format!("content exceed max length 2048: {}", c.len()),
                ));
            }
        }
        Some("markdown") => {
            let c = if dingtalk {
                if body["markdown"]["title"].as_str().unwrap_or("").is_empty() {
                    return bad("markdown title missing");
                }
                body["markdown"]["text"].as_str().unwrap_or("")
            } else {
                body["markdown"]["content"].as_str().unwrap_or("")
            };
            if c.is_empty() {
                return bad("empty content");
            }
            if c.len() > 4096 {
                return Err((
                    40058,
                    format!("content exceed max length 4096: {}", c.len()),
                ));
            }
        }
        _ => return bad("invalid message type"),
    }
    Ok(())
}

async fn wecom(
    State(state): State<Arc<MockState>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = scripted(&state).await {
        return r;
    }
    if q.get("key").map(String::as_str) != Some(WECOM_KEY) {
        return robot_error(&state, 93000, "invalid webhook url");
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return robot_error(&state, 40001, "invalid json");
    };
    if let Err((c, m)) = check_robot_message(&v, false) {
        return robot_error(&state, c, &m);
    }
    if over_limit(&state) {
        return robot_error(&state, 45009, "api freq out of limit");
    }
    accept(&state, v, &headers);
    axum::Json(json!({"errcode": 0, "errmsg": "ok"})).into_response()
}

async fn dingtalk(
    State(state): State<Arc<MockState>>,
    Query(q): Query<HashMap<String, String>>,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    if let Some(r) = scripted(&state).await {
        return r;
    }
    if q.get("access_token").map(String::as_str) != Some(DING_TOKEN) {
        return robot_error(&state, 300001, "token is not exist");
    }
    let Some(ts) = q.get("timestamp").and_then(|t| t.parse::<i64>().ok()) else {
        return robot_error(&state, 310000, "timestamp missing");
    };
    let now = state.clock.now().timestamp_millis();
    if (now - ts).abs() > 3_600_000 {
        return robot_error(&state, 310000, "invalid timestamp");
    }
    // `sign` arrives URL-decoded; recompute it as DingTalk documents.
    let mut mac = Hmac::<Sha256>::new_from_slice(DING_SECRET.as_bytes()).unwrap();
    mac.update(format!("{ts}\n{DING_SECRET}").as_bytes());
    let expected = B64.encode(mac.finalize().into_bytes());
    if q.get("sign") != Some(&expected) {
        return robot_error(&state, 310000, "sign not match");
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return robot_error(&state, 40001, "invalid json");
    };
    if let Err((c, m)) = check_robot_message(&v, true) {
        return robot_error(&state, c, &m);
    }
    if over_limit(&state) {
        return robot_error(&state, 130101, "send too fast, exceed 20 times per minute");
    }
    accept(&state, v, &headers);
    axum::Json(json!({"errcode": 0, "errmsg": "ok"})).into_response()
}

async fn webhook(State(state): State<Arc<MockState>>, headers: HeaderMap, body: Bytes) -> Response {
    if let Some(r) = scripted(&state).await {
        return r;
    }
    let refuse = |why: &str| {
        state.refused.lock().unwrap().push(why.to_string());
        (StatusCode::UNAUTHORIZED, why.to_string()).into_response()
    };
    let h = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    };
    let (id, ts, sigs) = (
        h("webhook-id"),
        h("webhook-timestamp"),
        h("webhook-signature"),
    );
    if id.is_empty() || ts.is_empty() || sigs.is_empty() {
        return refuse("missing webhook headers");
    }
    let Ok(ts_n) = ts.parse::<i64>() else {
        return refuse("bad timestamp");
    };
    if (state.clock.now().timestamp() - ts_n).abs() > 300 {
        return refuse("timestamp outside tolerance");
    }
    let key = B64
        .decode(HOOK_SECRET.trim_start_matches("whsec_"))
        .unwrap();
    let mut mac = Hmac::<Sha256>::new_from_slice(&key).unwrap();
    mac.update(format!("{id}.{ts}.").as_bytes());
    mac.update(&body);
    let expected = format!("v1,{}", B64.encode(mac.finalize().into_bytes()));
    if !sigs.split(' ').any(|s| s == expected) {
        return refuse("signature mismatch");
    }
    let Ok(v) = serde_json::from_slice::<Value>(&body) else {
        return (StatusCode::BAD_REQUEST, "invalid json").into_response();
    };
    if v["type"].as_str().is_none() || v["data"]["alerts"].as_array().is_none() {
        return (StatusCode::BAD_REQUEST, "not an alert event").into_response();
    }
    accept(&state, v, &headers);
    StatusCode::NO_CONTENT.into_response()
}
