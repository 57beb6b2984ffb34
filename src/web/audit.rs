//! The audit log (审计日志) for admins: the latest entries of every kind,
//! and a CSV export of a period. Entries are only ever appended.

use super::alerts::action_zh;
use super::auth::CurrentUser;
use super::pages::{render, user_ctx};
use super::{ApiError, AppState, present};
use crate::review::Role;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::Response;
use chrono::{DateTime, NaiveDate, Utc};
use serde::Deserialize;
use std::collections::HashMap;

/// Newest entries on the page; the export has no limit but this one.
const PAGE_ROWS: i64 = 300;
const EXPORT_ROWS: i64 = 1_000_000;

#[derive(Debug, Default, Deserialize)]
#[serde(default)]
pub struct AuditQuery {
    from: Option<String>,
    to: Option<String>,
}

fn day(v: &Option<String>, field: &str) -> Result<Option<DateTime<Utc>>, ApiError> {
    match v.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => {
            let d = NaiveDate::parse_from_str(s, "%Y-%m-%d").map_err(|_| {
                ApiError::BadRequest(format!("{field} 的日期格式应为 YYYY-MM-DD：{s}"))
            })?;
            Ok(Some(crate::clock::beijing_midnight(d)))
        }
    }
}

/// One entry as shown and exported.
#[derive(Debug, serde::Serialize)]
struct Row {
    at: String,
    who: String,
    action: String,
    target: String,
    /// The alert page, for entries about an alert.
    link: Option<String>,
    before: String,
    after: String,
    note: String,
}

async fn rows(
    state: &AppState,
    q: &AuditQuery,
    limit: i64,
    newest_first: bool,
) -> Result<Vec<Row>, ApiError> {
    let since = day(&q.from, "from")?;
    let until = day(&q.to, "to")?.map(|t| t + chrono::Duration::days(1));
    let store = state.pipeline.store();
    let names: HashMap<i64, String> = store
        .users()
        .await?
        .into_iter()
        .map(|u| (u.id, u.display_name))
        .collect();
    let entries = store.audit_log(since, until, limit, newest_first).await?;
    let json =
        |v: &Option<serde_json::Value>| v.as_ref().map(|v| v.to_string()).unwrap_or_default();
    Ok(entries
        .iter()
        .map(|e| Row {
            at: present::full_time(e.at),
            who: e.actor_id.map_or_else(
                || "系统".to_string(),
                |id| {
                    names
                        .get(&id)
                        .cloned()
                        .unwrap_or_else(|| format!("用户 {id}"))
                },
            ),
            action: action_zh(&e.action).to_string(),
            target: format!("{} #{}", e.target_type, e.target_id),
            link: (e.target_type == "alert").then(|| format!("/alerts/{}", e.target_id)),
            before: json(&e.before),
            after: json(&e.after),
            note: e.note.clone().unwrap_or_default(),
        })
        .collect())
}

fn admins_only(user: &CurrentUser) -> Result<(), ApiError> {
    if user.actor.has(Role::Admin) {
        Ok(())
    } else {
        Err(ApiError::Forbidden("只有管理员可以查看审计日志".into()))
    }
}

pub async fn page(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    admins_only(&user)?;
    let rows = rows(&state, &q, PAGE_ROWS, true).await?;
    Ok(render(
        &state,
        "audit.html",
        minijinja::context! {
            user => user_ctx(&user),
            csrf => &user.csrf,
            nav => "audit",
            rows => super::pages::ser(&rows),
            from => q.from.as_deref().unwrap_or(""),
            to => q.to.as_deref().unwrap_or(""),
        },
        StatusCode::OK,
    ))
}

pub async fn export(
    State(state): State<AppState>,
    user: CurrentUser,
    Query(q): Query<AuditQuery>,
) -> Result<Response, ApiError> {
    admins_only(&user)?;
    let rows = rows(&state, &q, EXPORT_ROWS, false).await?;
    super::pages::csv_download(
        "audit.csv",
        &["时间", "操作人", "操作", "对象", "变更前", "变更后", "备注"],
        rows.iter().map(|r| {
            [
                &r.at, &r.who, &r.action, &r.target, &r.before, &r.after, &r.note,
            ]
        }),
    )
}
