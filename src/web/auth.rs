//! Sign-in, sessions and CSRF. Sessions live in the store (only the SHA-256
//! of the cookie value is kept); a new id at every sign-in; idle and
//! absolute expiry; every state-changing request made with the cookie
//! carries the session's CSRF token. Failed sign-ins lock the account for a
//! while, and a per-address limit slows guessing across accounts.

use super::{ApiError, AppState, pages};
use crate::config::constant_time_eq;
use crate::review::Actor;
use crate::review::users::verify_password;
use crate::store::UserRow;
use axum::extract::{ConnectInfo, Form, FromRequestParts, Query, State};
use axum::http::request::Parts;
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Redirect, Response};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const COOKIE: &str = "yuqing_session";

/// The hash of a password nobody has: signing in as an unknown user costs
/// as much time as a known one.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    crate::review::users::hash_password(&crate::review::users::generate_password())
        .expect("argon2 hashes a generated password")
});

/// The signed-in user of a request.
#[derive(Debug, Clone)]
pub struct CurrentUser {
    pub user: UserRow,
    pub actor: Actor,
    pub csrf: String,
    pub(crate) session_hash: String,
}

impl CurrentUser {
    /// Refuse a state-changing request without this session's CSRF token.
    pub fn check_csrf(&self, token: Option<&str>) -> Result<(), ApiError> {
        match token {
            Some(t) if constant_time_eq(t.as_bytes(), self.csrf.as_bytes()) => Ok(()),
            _ => Err(ApiError::Forbidden(
                "请求已失效（CSRF 校验失败），请刷新页面后重试".into(),
            )),
        }
    }
}

fn random_token() -> String {
    let bytes: [u8; 32] = rand::random();
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

pub(crate) fn hash_id(id: &str) -> String {
    crate::review::users::sha256_hex(id)
}

fn cookie_value<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .find_map(|kv| {
            let (k, v) = kv.trim().split_once('=')?;
            (k == name).then_some(v)
        })
}

/// Why a request has no signed-in user: pages go to the sign-in form, the
/// API answers 401.
pub enum AuthRejection {
    Page(String),
    Api,
    Error(ApiError),
}

impl IntoResponse for AuthRejection {
    fn into_response(self) -> Response {
        match self {
            AuthRejection::Page(next) => {
                let target = format!(
                    "/login?next={}",
                    url::form_urlencoded::byte_serialize(next.as_bytes()).collect::<String>()
                );
                Redirect::to(&target).into_response()
            }
            AuthRejection::Api => ApiError::Unauthorized.into_response(),
            AuthRejection::Error(e) => e.into_response(),
        }
    }
}

impl FromRequestParts<AppState> for CurrentUser {
    type Rejection = AuthRejection;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        let reject = || {
            if parts.uri.path().starts_with("/api/") {
                AuthRejection::Api
            } else {
                AuthRejection::Page(parts.uri.path().to_string())
            }
        };
        let Some(id) = cookie_value(&parts.headers, COOKIE) else {
            return Err(reject());
        };
        let hash = hash_id(id);
        let store = state.pipeline.store();
        let session = store
            .session(&hash)
            .await
            .map_err(|e| AuthRejection::Error(e.into()))?
            .ok_or_else(reject)?;
        let now = state.clock.now();
        let s = &state.auth;
        if now - session.last_seen_at > chrono_dur(s.session_idle)
            || now - session.created_at > chrono_dur(s.session_max)
        {
            let _ = store.delete_session(&hash).await;
            return Err(reject());
        }
        let (user, actor) = match (
            store
                .user(session.user_id)
                .await
                .map_err(|e| AuthRejection::Error(e.into()))?,
            store
                .actor(session.user_id)
                .await
                .map_err(|e| AuthRejection::Error(e.into()))?,
        ) {
            (Some(u), Some(a)) => (u, a),
            _ => {
                // Disabled or deleted since sign-in.
                let _ = store.delete_session(&hash).await;
                return Err(reject());
            }
        };
        // Sessions started before the password last changed are over.
        if session.created_at < user.password_changed_at {
            let _ = store.delete_session(&hash).await;
            return Err(reject());
        }
        if now - session.last_seen_at > chrono::Duration::seconds(60) {
            let _ = store.touch_session(&hash, now).await;
        }
        Ok(CurrentUser {
            user,
            actor,
            csrf: session.csrf,
            session_hash: hash,
        })
    }
}

fn chrono_dur(d: Duration) -> chrono::Duration {
    chrono::Duration::from_std(d).unwrap_or(chrono::Duration::days(365))
}

/// Sign-in attempts per client address in the last minute.
#[derive(Default)]
pub struct LoginThrottle {
    attempts: Mutex<HashMap<IpAddr, (Instant, u32)>>,
}

impl LoginThrottle {
    /// Whether another attempt from `ip` is allowed now.
    fn allow(&self, ip: IpAddr, per_minute: u32) -> bool {
        let mut map = self.attempts.lock().expect("not poisoned");
        let now = Instant::now();
        map.retain(|_, (start, _)| now.duration_since(*start) < Duration::from_secs(60));
        let entry = map.entry(ip).or_insert((now, 0));
        entry.1 += 1;
        entry.1 <= per_minute
    }
}

#[derive(Deserialize)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct LoginForm {
    username: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

#[derive(Deserialize)]
pub struct CsrfForm {
    #[serde(default)]
    csrf: Option<String>,
}

/// Only local paths: never redirect to another site after sign-in.
fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(n) if n.starts_with('/') && !n.starts_with("//") && !n.contains('\\') => n.to_string(),
        _ => "/".to_string(),
    }
}

pub async fn login_page(State(state): State<AppState>, Query(q): Query<NextQuery>) -> Response {
    pages::render(
        &state,
        "login.html",
        minijinja::context! {
            next => safe_next(q.next.as_deref()),
            username => "",
        },
        StatusCode::OK,
    )
}

pub async fn login(
    State(state): State<AppState>,
    ConnectInfo(peer): ConnectInfo<SocketAddr>,
    Form(form): Form<LoginForm>,
) -> Response {
    let next = safe_next(form.next.as_deref());
    let fail = |status: StatusCode, error: String| {
        pages::render(
            &state,
            "login.html",
            minijinja::context! {
                next => &next, username => &form.username, error => error,
            },
            status,
        )
    };
    if !state
        .login_throttle
        .allow(peer.ip(), state.auth.login_per_minute)
    {
        return fail(
            StatusCode::TOO_MANY_REQUESTS,
            "登录尝试过于频繁，请一分钟后再试".into(),
        );
    }
    let store = state.pipeline.store();
    let user = match store.user_by_name(form.username.trim()).await {
        Ok(u) => u,
        Err(e) => return ApiError::from(e).into_response(),
    };
    let now = state.clock.now();
    let hash = user
        .as_ref()
        .map_or_else(|| DUMMY_HASH.clone(), |u| u.password_hash.clone());
    let password = form.password.clone();
    // argon2 is deliberately slow: keep it off the async workers.
    let matches = tokio::task::spawn_blocking(move || verify_password(&password, &hash))
        .await
        .unwrap_or(false);
    let generic = "用户名或密码错误".to_string();
    let Some(user) = user.filter(|u| !u.disabled) else {
        return fail(StatusCode::UNAUTHORIZED, generic);
    };
    if let Some(until) = user.locked_until.filter(|t| *t > now) {
        return fail(StatusCode::UNAUTHORIZED, locked_message(until, now));
    }
    if !matches {
        let lock_until = now + chrono_dur(state.auth.lockout);
        return match store
            .record_login_failure(user.id, state.auth.max_failures as i64, lock_until)
            .await
        {
            Ok(Some(until)) => fail(StatusCode::UNAUTHORIZED, locked_message(until, now)),
            Ok(None) => fail(StatusCode::UNAUTHORIZED, generic),
            Err(e) => ApiError::from(e).into_response(),
        };
    }
    let id = random_token();
    let csrf = random_token();
    let created = store.record_login_success(user.id).await.and(
        store
            .create_session(&hash_id(&id), user.id, &csrf, now)
            .await,
    );
    if let Err(e) = created {
        return ApiError::from(e).into_response();
    }
    tracing::info!(user = %user.username, "signed in");
    let mut response = Redirect::to(&next).into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&id, state.auth.secure_cookies),
    );
    response
}

fn locked_message(until: DateTime<Utc>, now: DateTime<Utc>) -> String {
    let minutes = ((until - now).num_seconds() + 59) / 60;
    format!("多次登录失败，账户已临时锁定，请 {minutes} 分钟后再试")
}

fn session_cookie(id: &str, secure: bool) -> HeaderValue {
    let secure = if secure { "; Secure" } else { "" };
    HeaderValue::from_str(&format!(
        "{COOKIE}={id}; Path=/; HttpOnly; SameSite=Strict{secure}"
    ))
    .expect("hex is a valid header value")
}

pub async fn logout(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<CsrfForm>,
) -> Result<Response, ApiError> {
    user.check_csrf(form.csrf.as_deref())?;
    state
        .pipeline
        .store()
        .delete_session(&user.session_hash)
        .await?;
    let mut response = Redirect::to("/login").into_response();
    let secure = if state.auth.secure_cookies {
        "; Secure"
    } else {
        ""
    };
    response.headers_mut().insert(
        header::SET_COOKIE,
        HeaderValue::from_str(&format!(
            "{COOKIE}=; Path=/; HttpOnly; SameSite=Strict; Max-Age=0{secure}"
        ))
        .expect("valid header"),
    );
    Ok(response)
}

#[derive(Deserialize)]
pub struct PasswordForm {
    #[serde(default)]
    csrf: Option<String>,
    current: String,
    new: String,
    confirm: String,
}

pub async fn account_page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(flash): Query<pages::Flash>,
) -> Response {
    pages::render(
        &state,
        "account.html",
        minijinja::context! {
            user => pages::user_ctx(&user), csrf => &user.csrf, flash => pages::ser(&flash),
            nav => "account",
        },
        StatusCode::OK,
    )
}

/// Change one's own password: every other session ends, this browser gets
/// a new session.
pub async fn change_own_password(
    State(state): State<AppState>,
    user: CurrentUser,
    Form(form): Form<PasswordForm>,
) -> Result<Response, ApiError> {
    user.check_csrf(form.csrf.as_deref())?;
    let again = |message: &str| {
        let msg: String = url::form_urlencoded::byte_serialize(message.as_bytes()).collect();
        Ok(Redirect::to(&format!("/account?err={msg}")).into_response())
    };
    let hash = user.user.password_hash.clone();
    let current = form.current.clone();
    let ok = tokio::task::spawn_blocking(move || verify_password(&current, &hash))
        .await
        .unwrap_or(false);
    if !ok {
        return again("当前密码不正确");
    }
    if form.new != form.confirm {
        return again("两次输入的新密码不一致");
    }
    let store = state.pipeline.store();
    let now = state.clock.now();
    if let Err(e) = crate::review::users::change_password(
        store,
        &user.user.username,
        &form.new,
        Some(user.user.id),
        now,
    )
    .await
    {
        return match e {
            crate::review::users::UserError::Store(e) => Err(e.into()),
            e => again(&e.to_string()),
        };
    }
    store.end_sessions(user.user.id, None).await?;
    let id = random_token();
    let csrf = random_token();
    // Started at the change itself: only sessions older than the password
    // are refused.
    store
        .create_session(&hash_id(&id), user.user.id, &csrf, now)
        .await?;
    let mut response = Redirect::to(&format!(
        "/account?ok={}",
        url::form_urlencoded::byte_serialize("密码已修改，其他设备上的登录已退出".as_bytes())
            .collect::<String>()
    ))
    .into_response();
    response.headers_mut().insert(
        header::SET_COOKIE,
        session_cookie(&id, state.auth.secure_cookies),
    );
    Ok(response)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn next_stays_on_this_site() {
        assert_eq!(safe_next(Some("/alerts/3")), "/alerts/3");
        for bad in ["//evil.example", "https://evil.example", "/\\evil", ""] {
            assert_eq!(safe_next(Some(bad)), "/", "{bad}");
        }
    }

    #[test]
    fn cookies_are_found_among_others() {
        let mut h = HeaderMap::new();
        h.insert(
            header::COOKIE,
            HeaderValue::from_static("a=1; yuqing_session=abc; b=2"),
        );
        assert_eq!(cookie_value(&h, COOKIE), Some("abc"));
        assert_eq!(cookie_value(&h, "c"), None);
    }

    #[test]
    fn the_dummy_hash_parses_and_matches_nothing() {
        assert!(DUMMY_HASH.starts_with("$argon2id$"));
        assert!(!verify_password("password", &DUMMY_HASH));
    }
}
