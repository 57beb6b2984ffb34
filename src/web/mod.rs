//! The HTTP side: axum router over one shared state. The dashboard (issue
//! 4) will add its routers here; for now the push endpoint and health.

mod error;
mod push;

pub use error::ApiError;

use crate::crawl::source::push::PushSource;
use crate::pipeline::Pipeline;
use axum::Router;
use axum::routing::get;
use std::collections::HashMap;
use std::sync::Arc;
use tokio::sync::Notify;

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
}

pub fn router(state: AppState) -> Router {
    Router::new()
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
