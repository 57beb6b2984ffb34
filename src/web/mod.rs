//! The HTTP side: axum router over one shared state: sign-in and sessions,
//! the dashboard pages (overview, alert queue, alert page, hot events), live
//! updates, the push endpoint, health.

pub mod admin;
pub mod alerts;
pub mod api;
pub mod audit;
pub mod auth;
pub mod charts;
pub mod contents;
mod error;
pub mod live;
pub mod overview;
pub mod pages;
pub mod present;
mod push;
pub mod reports;
pub mod rules;

pub use error::ApiError;

use crate::clock::Clock;
use crate::config::AuthSettings;
use crate::crawl::source::push::PushSource;
use crate::pipeline::Pipeline;
use crate::review::ReviewSettings;
use crate::search::SearchReader;
use axum::Router;
use axum::routing::{get, post};
use std::collections::HashMap;
use std::path::PathBuf;
use std::sync::Arc;
use tokio::sync::{Notify, watch};

/// Largest request body accepted (a push of 1,000 long posts fits).
pub const MAX_BODY: usize = 8 * 1024 * 1024;

/// What every handler shares.
#[derive(Clone)]
pub struct AppState {
    pub pipeline: Pipeline,
    /// Push sources by name.
    pub push_sources: Arc<HashMap<String, PushSource>>,
    /// Woken when posts were stored, so the search index catches up soon.
    pub stored: Arc<Notify>,
    pub templates: Arc<minijinja::Environment<'static>>,
    pub auth: Arc<AuthSettings>,
    pub clock: Arc<dyn Clock>,
    pub login_throttle: Arc<auth::LoginThrottle>,
    pub review: Arc<ReviewSettings>,
    /// Full-text search over the index the server keeps; None without one.
    pub search: Option<SearchReader>,
    /// The newest alert id (live updates).
    pub live: watch::Receiver<i64>,
    /// `dashboards/static`.
    pub static_dir: Arc<PathBuf>,
    /// The publishing check, the secrets key and uploads (syndication pages).
    pub syndication: Arc<contents::Syndication>,
}

pub fn router(state: AppState) -> Router {
    Router::new()
        .route("/", get(overview::home))
        .route("/events", get(overview::events))
        .route("/reports/{name}", get(reports::report))
        .route("/rules", get(rules::rules))
        .route("/audit", get(audit::page))
        .route("/account", get(auth::account_page))
        .route("/account/password", post(auth::change_own_password))
        .route("/admin/users", get(admin::page).post(admin::add))
        .route("/admin/users/{id}/password", post(admin::reset_password))
        .route("/admin/users/{id}/{action}", post(admin::set_disabled))
        .route("/admin/groups", post(admin::add_group))
        .route("/admin/groups/{id}/members", post(admin::add_member))
        .route("/audit.csv", get(audit::export))
        .route("/live", get(live::live))
        .route("/static/{*path}", get(pages::static_file))
        .merge(alerts::router())
        .merge(contents::router(state.clone()))
        .merge(api::router())
        .route("/login", get(auth::login_page).post(auth::login))
        .route("/logout", post(auth::logout))
        .route("/healthz", get(health))
        .merge(push::router())
        .layer(axum::extract::DefaultBodyLimit::max(MAX_BODY))
        .with_state(state)
}

async fn health(
    axum::extract::State(state): axum::extract::State<AppState>,
) -> Result<axum::Json<serde_json::Value>, ApiError> {
    let posts = state.pipeline.store().count_posts().await?;
    Ok(axum::Json(serde_json::json!({
        "status": "ok",
        "database": state.pipeline.store().backend(),
        "posts": posts,
        "analyzer": state.pipeline.analyzer().version(),
    })))
}
