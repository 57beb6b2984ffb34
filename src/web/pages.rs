//! Server-rendered pages in Simplified Chinese: templates from
//! `dashboards/templates/` (loaded once at start), static files from
//! `dashboards/static/`, and what every page shares.

use super::auth::CurrentUser;
use super::{ApiError, AppState};
use axum::extract::State;
use axum::http::StatusCode;
use axum::response::{Html, IntoResponse, Response};
use std::path::Path;

/// Every `*.html` under `dir`, by file name; auto-escaped.
pub fn load_templates(dir: &Path) -> Result<minijinja::Environment<'static>, String> {
    let mut env = minijinja::Environment::new();
    let entries = std::fs::read_dir(dir).map_err(|e| format!("{}: {e}", dir.display()))?;
    for entry in entries {
        let path = entry.map_err(|e| e.to_string())?.path();
        if path.extension().is_some_and(|e| e == "html") {
            let name = path
                .file_name()
                .unwrap_or_default()
                .to_string_lossy()
                .into_owned();
            let source =
                std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
            env.add_template_owned(name, source)
                .map_err(|e| format!("{}: {e}", path.display()))?;
        }
    }
    Ok(env)
}

/// Render a template; a template error is logged and shown as a 500.
pub fn render(state: &AppState, name: &str, ctx: minijinja::Value, status: StatusCode) -> Response {
    match state
        .templates
        .get_template(name)
        .and_then(|t| t.render(ctx))
    {
        Ok(html) => (status, Html(html)).into_response(),
        Err(e) => {
            tracing::error!(template = name, error = %e, "template failed");
            ApiError::Internal.into_response()
        }
    }
}

/// What every page's header shows of the signed-in user, and which parts
/// of the navigation apply to them.
pub fn user_ctx(user: &CurrentUser) -> minijinja::Value {
    use crate::review::Role;
    let roles: Vec<&str> = user.user.roles.iter().map(|r| r.zh()).collect();
    minijinja::context! {
        id => user.user.id,
        display_name => &user.user.display_name,
        username => &user.user.username,
        roles => roles.join("、"),
        reviewer => user.actor.is_reviewer(),
        commentator => user.actor.has(Role::Commentator),
        admin => user.actor.has(Role::Admin),
        publisher => crate::syndicate::approval::can_publish(&user.actor),
    }
}

/// Files under `dashboards/static/` (styles, scripts, vendored libraries).
pub async fn static_file(
    State(state): State<AppState>,
    axum::extract::Path(path): axum::extract::Path<String>,
) -> Response {
    let clean = !path.is_empty()
        && path
            .split('/')
            .all(|p| !p.is_empty() && p != ".." && p != "." && !p.contains('\\'));
    if !clean {
        return ApiError::NotFound("文件不存在".into()).into_response();
    }
    let file = state.static_dir.join(&path);
    let kind = match file.extension().and_then(|e| e.to_str()) {
        Some("js") => "text/javascript; charset=utf-8",
        Some("css") => "text/css; charset=utf-8",
        Some("svg") => "image/svg+xml",
        Some("png") => "image/png",
        Some("ico") => "image/x-icon",
        Some("woff2") => "font/woff2",
        _ => "application/octet-stream",
    };
    match tokio::fs::read(&file).await {
        Ok(body) => (
            [
                (axum::http::header::CONTENT_TYPE, kind),
                (axum::http::header::CACHE_CONTROL, "public, max-age=3600"),
                (
                    axum::http::header::HeaderName::from_static("x-content-type-options"),
                    "nosniff",
                ),
            ],
            body,
        )
            .into_response(),
        Err(_) => ApiError::NotFound("文件不存在".into()).into_response(),
    }
}

/// Any serialisable value for a template.
pub fn ser<T: serde::Serialize>(t: T) -> minijinja::Value {
    minijinja::Value::from(minijinja::value::Serde(t))
}

/// A CSV file to download: UTF-8 with a BOM (so Excel reads the Chinese),
/// `header` then `rows`.
pub fn csv_download<R, F>(file: &str, header: &[&str], rows: R) -> Result<Response, ApiError>
where
    R: IntoIterator<Item = F>,
    F: IntoIterator,
    F::Item: AsRef<[u8]>,
{
    let mut w = csv::Writer::from_writer(vec![0xEF, 0xBB, 0xBF]);
    w.write_record(header).map_err(|_| ApiError::Internal)?;
    for r in rows {
        w.write_record(r).map_err(|_| ApiError::Internal)?;
    }
    let body = w.into_inner().map_err(|_| ApiError::Internal)?;
    Ok((
        [
            (
                axum::http::header::CONTENT_TYPE,
                "text/csv; charset=utf-8".to_string(),
            ),
            (
                axum::http::header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{file}\""),
            ),
        ],
        body,
    )
        .into_response())
}

/// A message carried over a redirect (`?ok=…` / `?err=…`).
#[derive(Debug, Default, Clone, serde::Deserialize, serde::Serialize)]
#[serde(default)]
pub struct Flash {
    pub ok: Option<String>,
    pub err: Option<String>,
}

/// A refusal or failure as a page with the reason and a way back.
pub fn error_page(state: &AppState, status: StatusCode, message: &str, back: &str) -> Response {
    render(
        state,
        "error.html",
        minijinja::context! { message, back, status => status.as_u16() },
        status,
    )
}
