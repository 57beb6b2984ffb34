//! Server-rendered pages in Simplified Chinese. Templates live in
//! `dashboards/templates/` and are loaded once at start.

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

/// What every page's header shows of the signed-in user.
pub fn user_ctx(user: &CurrentUser) -> minijinja::Value {
    let roles: Vec<&str> = user.user.roles.iter().map(|r| r.zh()).collect();
    minijinja::context! {
        display_name => &user.user.display_name,
        username => &user.user.username,
        roles => roles.join("、"),
    }
}

pub async fn home(State(state): State<AppState>, user: CurrentUser) -> Response {
    render(
        &state,
        "home.html",
        minijinja::context! { user => user_ctx(&user), csrf => &user.csrf },
        StatusCode::OK,
    )
}
