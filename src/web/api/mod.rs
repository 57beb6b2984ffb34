//! The JSON API for integrations, under `/api/v1`: alerts (list, one,
//! actions), assignments, posts and search. Authenticated by a token
//! (`Authorization: Bearer …`, made with `yuqing user token`) that acts as its
//! user; a signed-in browser may call it too, with the session's CSRF token
//! in `X-CSRF-Token` for every change. Described at `/api/v1/openapi.json`.

use super::alerts::{QueueQuery, may_use_queue, review};
use super::auth::{CurrentUser, hash_id};
use super::{ApiError, AppState};
use crate::review::{Actor, AlertState, can_view};
use crate::store::{AlertListItem, ResponseInput, UserRow};
use axum::extract::{FromRequestParts, Path, Query, State};
use axum::http::request::Parts;
use axum::http::{Method, header};
use axum::routing::{get, post};
use axum::{Json, Router};
use serde::Deserialize;
use serde_json::{Value, json};

mod openapi;

pub fn router() -> Router<AppState> {
    Router::new()
        .route("/api/v1/openapi.json", get(openapi::document))
        .route("/api/v1/alerts", get(list_alerts))
        .route("/api/v1/alerts/{id}", get(get_alert))
        .route("/api/v1/alerts/{id}/assign", post(assign))
        .route("/api/v1/alerts/{id}/state", post(change_state))
        .route("/api/v1/alerts/{id}/dismiss", post(dismiss))
        .route("/api/v1/alerts/{id}/respond", post(respond))
        .route("/api/v1/assignments", get(assignments))
        .route("/api/v1/posts/{id}", get(get_post))
        .route("/api/v1/search", get(search))
}

/// The caller of an API request.
pub struct ApiUser {
    pub user: UserRow,
    pub actor: Actor,
}

impl FromRequestParts<AppState> for ApiUser {
    type Rejection = ApiError;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, ApiError> {
        let store = state.pipeline.store();
        if let Some(value) = parts.headers.get(header::AUTHORIZATION) {
            let token = value
                .to_str()
                .ok()
                .and_then(|v| v.strip_prefix("Bearer "))
                .map(str::trim)
                .filter(|t| !t.is_empty())
                .ok_or(ApiError::Unauthorized)?;
            let now = state.clock.now();
            let user_id = store
                .api_token_user(&hash_id(token), now)
                .await?
                .ok_or(ApiError::Unauthorized)?;
            let user = store
                .user(user_id)
                .await?
                .filter(|u| !u.disabled)
                .ok_or(ApiError::Unauthorized)?;
            let actor = store.actor(user_id).await?.ok_or(ApiError::Unauthorized)?;
            return Ok(ApiUser { user, actor });
        }
        let cu = CurrentUser::from_request_parts(parts, state)
            .await
            .map_err(|_| ApiError::Unauthorized)?;
        if !matches!(parts.method, Method::GET | Method::HEAD | Method::OPTIONS) {
            let token = parts
                .headers
                .get("x-csrf-token")
                .and_then(|v| v.to_str().ok());
            cu.check_csrf(token)?;
        }
        Ok(ApiUser {
            user: cu.user,
            actor: cu.actor,
        })
    }
}

/// An alert as the API returns it: personal data masked like on the pages.
fn masked(mut a: AlertListItem) -> AlertListItem {
    a.title = crate::analyze::pii::mask_pii(&a.title).into_owned();
    a.excerpt = crate::analyze::pii::mask_pii(&a.excerpt).into_owned();
    a.author = a
        .author
        .map(|x| crate::analyze::pii::mask_pii(&x).into_owned());
    a
}

async fn page_of(state: &AppState, actor: &Actor, q: &QueueQuery) -> Result<Json<Value>, ApiError> {
    may_use_queue(actor)?;
    let now = state.clock.now();
    let mut filter = q.filter(state, actor, now)?;
    let per_page = q.per_page.unwrap_or(50).clamp(1, 500);
    filter.limit = per_page;
    filter.offset = (q.page.unwrap_or(1).max(1) - 1) * per_page;
    let page = state.pipeline.store().alert_page(&filter).await?;
    let items: Vec<AlertListItem> = page.items.into_iter().map(masked).collect();
    Ok(Json(json!({
        "total": page.total,
        "page": q.page.unwrap_or(1).max(1),
        "per_page": per_page,
        "items": items,
    })))
}

async fn list_alerts(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<QueueQuery>,
) -> Result<Json<Value>, ApiError> {
    page_of(&state, &user.actor, &q).await
}

/// Open alerts assigned to the caller, earliest due first.
async fn assignments(
    State(state): State<AppState>,
    user: ApiUser,
    Query(mut q): Query<QueueQuery>,
) -> Result<Json<Value>, ApiError> {
    q.assignee = Some("me".into());
    q.sort = q.sort.or(Some("due".into()));
    page_of(&state, &user.actor, &q).await
}

async fn visible(state: &AppState, actor: &Actor, id: i64) -> Result<(), ApiError> {
    match state.pipeline.store().alert_access(id).await? {
        Some(a) if can_view(actor, &a) => Ok(()),
        Some(_) => Err(ApiError::Forbidden("没有权限查看该预警".into())),
        None => Err(ApiError::NotFound(format!("预警 {id} 不存在"))),
    }
}

async fn get_alert(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    visible(&state, &user.actor, id).await?;
    let store = state.pipeline.store();
    let item = store
        .alert_item(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("预警 {id} 不存在")))?;
    let post = store.post(item.post_id).await?.map(masked_post);
    let responses = store.alert_responses(id).await?;
    let audit = store.audit_trail("alert", id).await?;
    let cluster = store.cluster_posts(item.event_id, 500).await?;
    Ok(Json(json!({
        "alert": masked(item),
        "post": post,
        "responses": responses,
        "cluster": cluster,
        "audit": audit,
    })))
}

fn masked_post(mut p: crate::model::StoredPost) -> crate::model::StoredPost {
    p.title = crate::analyze::pii::mask_pii(&p.title).into_owned();
    p.text = crate::analyze::pii::mask_pii(&p.text).into_owned();
    p.author = p
        .author
        .map(|x| crate::analyze::pii::mask_pii(&x).into_owned());
    p
}

#[derive(Debug, Deserialize)]
struct AssignBody {
    user: Option<i64>,
    group: Option<i64>,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
struct StateBody {
    to: String,
    note: Option<String>,
}

#[derive(Debug, Deserialize)]
struct DismissBody {
    reason: String,
    #[serde(default)]
    false_positive: bool,
}

#[derive(Debug, Deserialize)]
struct RespondBody {
    text: String,
    link: Option<String>,
    channel: Option<String>,
}

/// The alert after a change, as `GET /alerts/{id}` lists it.
async fn after_change(state: &AppState, id: i64) -> Result<Json<Value>, ApiError> {
    let item = state
        .pipeline
        .store()
        .alert_item(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("预警 {id} 不存在")))?;
    Ok(Json(json!({ "alert": masked(item) })))
}

/// A body that is not the expected JSON, in the API's error shape.
fn body<T>(r: Result<Json<T>, axum::extract::rejection::JsonRejection>) -> Result<T, ApiError> {
    r.map(|Json(t)| t)
        .map_err(|e| ApiError::BadRequest(format!("请求体不是有效的 JSON：{}", e.body_text())))
}

async fn assign(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    b: Result<Json<AssignBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let b = body(b)?;
    let now = state.clock.now();
    review(&state)
        .assign(&user.actor, id, b.user, b.group, b.note.as_deref(), now)
        .await?;
    after_change(&state, id).await
}

async fn change_state(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    b: Result<Json<StateBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let b = body(b)?;
    let to: AlertState =
        b.to.parse()
            .map_err(|_| ApiError::BadRequest(format!("未知状态：{}", b.to)))?;
    let now = state.clock.now();
    review(&state)
        .transition(&user.actor, id, to, b.note.as_deref(), now)
        .await?;
    after_change(&state, id).await
}

async fn dismiss(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    b: Result<Json<DismissBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let b = body(b)?;
    let now = state.clock.now();
    review(&state)
        .dismiss(&user.actor, id, &b.reason, b.false_positive, now)
        .await?;
    after_change(&state, id).await
}

async fn respond(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
    b: Result<Json<RespondBody>, axum::extract::rejection::JsonRejection>,
) -> Result<Json<Value>, ApiError> {
    let b = body(b)?;
    let now = state.clock.now();
    let input = ResponseInput {
        text: &b.text,
        link: b.link.as_deref(),
        channel: b.channel.as_deref(),
    };
    review(&state).respond(&user.actor, id, &input, now).await?;
    after_change(&state, id).await
}

fn reviewers_only(actor: &Actor) -> Result<(), ApiError> {
    if actor.is_reviewer() {
        Ok(())
    } else {
        Err(ApiError::Forbidden(
            "只有监测员和管理员可以读取帖子与检索".into(),
        ))
    }
}

async fn get_post(
    State(state): State<AppState>,
    user: ApiUser,
    Path(id): Path<i64>,
) -> Result<Json<Value>, ApiError> {
    reviewers_only(&user.actor)?;
    let post = state
        .pipeline
        .store()
        .post(id)
        .await?
        .ok_or_else(|| ApiError::NotFound(format!("帖子 {id} 不存在")))?;
    Ok(Json(json!({ "post": masked_post(post) })))
}

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
struct SearchQuery {
    q: String,
    limit: Option<usize>,
    since: Option<chrono::DateTime<chrono::Utc>>,
    until: Option<chrono::DateTime<chrono::Utc>>,
}

async fn search(
    State(state): State<AppState>,
    user: ApiUser,
    Query(q): Query<SearchQuery>,
) -> Result<Json<Value>, ApiError> {
    reviewers_only(&user.actor)?;
    let Some(reader) = &state.search else {
        return Err(ApiError::BadRequest("全文检索索引未启用".into()));
    };
    let opts = crate::search::SearchOptions {
        limit: q.limit.unwrap_or(20).clamp(1, 200),
        since: q.since,
        until: q.until,
    };
    let hits = reader
        .search(&q.q, opts)
        .map_err(|e| ApiError::BadRequest(format!("检索式有误：{e}")))?;
    let hits: Vec<_> = hits
        .into_iter()
        .map(|mut h| {
            h.title = crate::analyze::pii::mask_pii(&h.title).into_owned();
            h.snippet_html = crate::analyze::pii::mask_pii(&h.snippet_html).into_owned();
            h
        })
        .collect();
    Ok(Json(json!({ "hits": hits })))
}
