//! `POST /api/v1/sources/{name}/items`: items pushed by another system into
//! a `push` source, authenticated by the source's bearer token. The body is
//! one JSON object, an array, `{"items": [...]}`, or JSON lines
//! (`application/x-ndjson`). Valid items are stored even when others are
//! rejected; the response says which were rejected and why.

use super::{ApiError, AppState};
use crate::crawl::source::push::{MAX_ITEMS, PushReceipt, receive};
use axum::Router;
use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::routing::post;
use serde_json::Value;

pub fn router() -> Router<AppState> {
    Router::new().route("/api/v1/sources/{name}/items", post(push_items))
}

async fn push_items(
    State(state): State<AppState>,
    Path(name): Path<String>,
    headers: HeaderMap,
    body: Bytes,
) -> Result<(StatusCode, axum::Json<PushReceipt>), ApiError> {
    // Same answer for an unknown source and a wrong token would hide which
    // names exist, but integrators need to tell a typo from a bad token;
    // source names are not secret.
    let source = state
        .push_sources
        .get(&name)
        .ok_or_else(|| ApiError::NotFound(format!("没有名为 '{name}' 的推送来源")))?;
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "))
        .ok_or(ApiError::Unauthorized)?;
    if !source.accepts(token.trim()) {
        tracing::warn!(source = %name, "push with a wrong token");
        return Err(ApiError::Unauthorized);
    }
    let lines = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|t| t.contains("ndjson") || t.contains("jsonl") || t.contains("json-seq"));
    let items = parse_items(&body, lines)?;
    if items.len() > MAX_ITEMS {
        return Err(ApiError::TooLarge(format!(
            "一次最多推送 {MAX_ITEMS} 条，本次 {} 条",
            items.len()
        )));
    }
    let receipt = receive(source, &state.pipeline, items).await?;
    if receipt.new + receipt.updated > 0 {
        state.stored.notify_one();
    }
    tracing::info!(source = %name, received = receipt.received, new = receipt.new, rejected = receipt.rejected.len(), "push received");
    let status = if receipt.accepted == 0 && receipt.received > 0 {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    Ok((status, axum::Json(receipt)))
}

fn parse_items(body: &[u8], lines: bool) -> Result<Vec<Value>, ApiError> {
    let text = std::str::from_utf8(body)
        .map_err(|e| ApiError::BadRequest(format!("请求体不是 UTF-8 文本：{e}")))?;
    let text = text.trim_start_matches('\u{feff}');
    if lines {
        return text
            .lines()
            .enumerate()
            .filter(|(_, l)| !l.trim().is_empty())
            .map(|(i, l)| {
                serde_json::from_str(l).map_err(|e| {
                    ApiError::BadRequest(format!(
                        "第 {} 行不是有效的 JSON（第 {} 列）：{e}",
                        i + 1,
                        e.column()
                    ))
                })
            })
            .collect();
    }
    let value: Value = serde_json::from_str(text).map_err(|e| {
        ApiError::BadRequest(format!(
            "请求体不是有效的 JSON（第 {} 行第 {} 列）：{e}",
            e.line(),
            e.column()
        ))
    })?;
    Ok(match value {
        Value::Array(items) => items,
        Value::Object(mut o) if o.get("items").is_some_and(Value::is_array) => {
            match o.remove("items") {
                Some(Value::Array(items)) => items,
                _ => unreachable!("checked above"),
            }
        }
        other => vec![other],
    })
}
