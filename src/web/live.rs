//! Live updates: the newest alert id, watched by every open queue over
//! server-sent events (SSE). One poll of the store serves all viewers and
//! sees alerts raised by any process (`yuqing crawl`, another node).

use super::AppState;
use super::auth::CurrentUser;
use crate::store::Store;
use axum::extract::State;
use axum::response::sse::{Event, KeepAlive, Sse};
use futures_util::Stream;
use std::convert::Infallible;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// How often the store is asked for the newest alert.
pub const POLL: Duration = Duration::from_millis(250);

/// Publish the newest alert id until `stop` turns true.
pub async fn watch_alerts(
    store: Arc<Store>,
    tx: watch::Sender<i64>,
    mut stop: watch::Receiver<bool>,
) {
    loop {
        match store.max_alert_id().await {
            Ok(id) => {
                tx.send_if_modified(|cur| {
                    let changed = *cur != id;
                    *cur = id;
                    changed
                });
            }
            Err(e) => tracing::warn!(error = %e, "live updates: cannot read alerts"),
        }
        tokio::select! {
            _ = tokio::time::sleep(POLL) => {}
            _ = stop.wait_for(|s| *s) => return,
        }
    }
}

/// `GET /live`: an `alerts` event with the newest alert id whenever it
/// changes (and once at the start). The page then fetches the rows it may see.
pub async fn live(
    State(state): State<AppState>,
    _user: CurrentUser,
) -> Result<Sse<impl Stream<Item = Result<Event, Infallible>>>, super::ApiError> {
    // The first event is the store's own newest id, not the last poll's.
    let start = state.pipeline.store().max_alert_id().await?;
    let mut rx = state.live.clone();
    rx.mark_unchanged();
    let stream = futures_util::stream::unfold(
        (rx, Some(start), start),
        |(mut rx, first, last)| async move {
            if let Some(id) = first {
                let event = Event::default().event("alerts").data(id.to_string());
                return Some((Ok(event), (rx, None, last)));
            }
            loop {
                if rx.changed().await.is_err() {
                    return None;
                }
                let id = *rx.borrow_and_update();
                if id > last {
                    let event = Event::default().event("alerts").data(id.to_string());
                    return Some((Ok(event), (rx, None, id)));
                }
            }
        },
    );
    Ok(Sse::new(stream).keep_alive(KeepAlive::new().interval(Duration::from_secs(15))))
}
