//! Notifications: alerts sent to WeCom (企业微信) and DingTalk (钉钉) group
//! robots and to signed webhooks.
//!
//! The notifier follows the `alerts` table, not the posts: one alert per
//! event cluster, so a story reposted a hundred times is one notification.
//! Each pass ([`Notifier::tick`]) does two things, all state in the store so
//! that it survives restarts and can run in several processes:
//!
//! 1. **Scan.** Alerts changed since a watermark `(updated_at, id)` (meta key
//!    `notify.watermark`, re-read with an overlap like the search catch-up).
//!    For each channel that wants the alert (level, categories, sources,
//!    channel types), a conditional upsert on `notify_marks` claims the news
//!    — a new alert, a higher level, or growth by the channel's step — and
//!    queues the alert in `notify_queue`. A copy joining the event that
//!    changes neither is not news.
//! 2. **Dispatch**, per channel under a lease: retries that are due go out
//!    first, within the channel's messages-a-minute budget; then the queued
//!    alerts that may go now (quiet hours, weekdays, minimum interval, digest
//!    window; bypass levels go at once) become ONE message — the alert in
//!    detail, or a digest of all of them — written to the delivery log
//!    before it is sent (at least once; a webhook's `webhook-id` stays the
//!    same across retries so the receiver can deduplicate).
//!
//! Time comes from a [`Clock`], so quiet hours, weekdays, intervals and
//! backoff are tested without sleeping.

pub mod config;
pub mod message;
pub mod send;

pub use config::{ChannelConfig, ChannelKind, MessageFormat, NotifySettings, QuietHours};

use crate::store::{AttemptOutcome, NotifyAlert, QueuedAlert, Store, StoreError};
use chrono::{DateTime, Utc};
use send::SendResult;
use serde::{Deserialize, Serialize};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::watch;

/// Meta key of the scan's watermark.
pub const WATERMARK_KEY: &str = "notify.watermark";
/// Alerts changed up to this long before the watermark are looked at again:
/// writers stamp `updated_at` when their transaction starts, so with
/// concurrent writers a change can appear slightly in the past.
const OVERLAP: chrono::TimeDelta = chrono::TimeDelta::seconds(60);
/// How long one process keeps a channel for a dispatch.
const LEASE: chrono::TimeDelta = chrono::TimeDelta::minutes(5);
const PAGE: i64 = 500;

pub use crate::clock::{Clock, SystemClock};

/// A clock that stands still until told to move (tests, simulations).
#[derive(Clone)]
pub struct ManualClock(Arc<Mutex<DateTime<Utc>>>);

impl ManualClock {
    pub fn new(at: DateTime<Utc>) -> Self {
        ManualClock(Arc::new(Mutex::new(at)))
    }

    pub fn set(&self, at: DateTime<Utc>) {
        *self.0.lock().expect("clock lock") = at;
    }

    pub fn advance(&self, by: Duration) {
        let mut t = self.0.lock().expect("clock lock");
        *t += chrono::TimeDelta::from_std(by).expect("a small duration");
    }
}

impl Clock for ManualClock {
    fn now(&self) -> DateTime<Utc> {
        *self.0.lock().expect("clock lock")
    }
}

#[derive(Debug, thiserror::Error)]
pub enum NotifyError {
    #[error("通知数据库错误：{0}")]
    Store(#[from] StoreError),
    #[error("通知 HTTP 客户端无法创建：{0}")]
    Client(String),
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    /// (channel, alert) pairs newly queued.
    pub queued: usize,
    /// Messages written to the delivery log.
    pub messages: usize,
    /// Requests that succeeded / will be retried / failed for good.
    pub sent: usize,
    pub retried: usize,
    pub failed: usize,
}

#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Watermark {
    updated_at: DateTime<Utc>,
    id: i64,
}

pub struct Notifier {
    store: Arc<Store>,
    settings: NotifySettings,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    /// Lease owner name of this process.
    owner: String,
}

impl Notifier {
    /// A notifier for `settings` (validated with the config), or `None`
    /// when notifications are off or no channel is configured.
    pub fn from_settings(
        store: Arc<Store>,
        settings: &NotifySettings,
        clock: Arc<dyn Clock>,
    ) -> Result<Option<Notifier>, NotifyError> {
        if !settings.active() {
            return Ok(None);
        }
        // One crypto provider (ring) for rustls, as the crawler; a second install is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            // A robot address never redirects; following one could carry the key elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.timeout)
            .connect_timeout(settings.timeout)
            .user_agent(concat!("yuqing/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| NotifyError::Client(e.to_string()))?;
        let owner = format!("notify-{}-{}", std::process::id(), rand::random::<u32>());
        Ok(Some(Notifier {
            store,
            settings: settings.clone(),
            http,
            clock,
            owner,
        }))
    }

    pub fn settings(&self) -> &NotifySettings {
        &self.settings
    }

    /// Run passes every `poll` until `stop` turns true. A failed pass is
    /// logged and retried on the next one.
    pub async fn run(self, mut stop: watch::Receiver<bool>) -> Result<(), NotifyError> {
        // The embedded database has one server: channel leases left by a
        // killed predecessor would only hold its messages back.
        if self.store.backend() == "sqlite" {
            self.store.notify_release_channel(None, None).await?;
        }
        tracing::info!(channels = self.settings.channels.len(), "notifier started");
        loop {
            if let Err(e) = self.tick().await {
                tracing::error!(error = %e, "notification pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.settings.poll) => {}
                _ = stop.wait_for(|s| *s) => return Ok(()),
            }
        }
    }

    /// One pass: scan changed alerts, then dispatch every channel.
    pub async fn tick(&self) -> Result<TickReport, NotifyError> {
        let mut report = TickReport {
            queued: self.scan().await?,
            ..TickReport::default()
        };
        for channel in &self.settings.channels {
            self.dispatch(channel, &mut report).await?;
        }
        Ok(report)
    }

    /// Queue the news in alerts changed since the watermark.
    async fn scan(&self) -> Result<usize, NotifyError> {
        let saved = self
            .store
            .meta(WATERMARK_KEY)
            .await?
            .and_then(|v| serde_json::from_str::<Watermark>(&v).ok());
        // `updated_at` is the store writer's clock, so is the backlog start.
        let mut after = match saved {
            Some(w) => (w.updated_at - OVERLAP, 0),
            None => {
                let backlog = chrono::TimeDelta::from_std(self.settings.backlog)
                    .unwrap_or(chrono::TimeDelta::MAX);
                (
                    Utc::now()
                        .checked_sub_signed(backlog)
                        .unwrap_or(DateTime::<Utc>::UNIX_EPOCH),
                    0,
                )
            }
        };
        let now = self.clock.now();
        let mut queued = 0;
        loop {
            let page = self.store.notify_alerts_after(after, PAGE).await?;
            let Some(last) = page.last() else { break };
            after = (last.updated_at, last.id);
            for alert in &page {
                queued += self.queue_alert(alert, now).await?;
            }
            let mark = Watermark {
                updated_at: after.0,
                id: after.1,
            };
            // Only ever forward: another process may have gone further.
            if saved.is_none_or(|w| (mark.updated_at, mark.id) > (w.updated_at, w.id)) {
                let value = serde_json::to_string(&mark).expect("a watermark serialises");
                self.store.set_meta(WATERMARK_KEY, &value).await?;
            }
            if (page.len() as i64) < PAGE {
                break;
            }
        }
        Ok(queued)
    }

    async fn queue_alert(
        &self,
        alert: &NotifyAlert,
        now: DateTime<Utc>,
    ) -> Result<usize, NotifyError> {
        if alert.state == "dismissed" {
            return Ok(0);
        }
        // What is queued keeps only a masked excerpt of the post.
        let mut snapshot = alert.clone();
        snapshot.text = message::truncate_chars(
            &crate::analyze::pii::mask_pii(alert.text.trim()),
            message::EXCERPT_CHARS,
        );
        snapshot.title = crate::analyze::pii::mask_pii(&alert.title).into_owned();
        snapshot.event_title = crate::analyze::pii::mask_pii(&alert.event_title).into_owned();
        let rank = crate::store::notify_sql::level_rank(alert.level);
        let mut queued = 0;
        for c in self.settings.channels.iter().filter(|c| c.wants(alert)) {
            let step = i64::from(c.growth_step);
            let reason = match self.store.notify_marked(&c.name, alert.id).await? {
                None => "raised",
                Some((r, _)) if rank > r => "level",
                Some((_, n)) if step > 0 && alert.post_count >= n + step => "growth",
                Some(_) => continue,
            };
            if self
                .store
                .notify_mark(&c.name, &snapshot, step, reason, now)
                .await?
            {
                tracing::debug!(channel = %c.name, alert = alert.id, reason, "alert queued for notification");
                queued += 1;
            }
        }
        Ok(queued)
    }

    async fn dispatch(
        &self,
        c: &ChannelConfig,
        report: &mut TickReport,
    ) -> Result<(), NotifyError> {
        let now = self.clock.now();
        let Some(paused) = self
            .store
            .notify_claim_channel(&c.name, &self.owner, now, now + LEASE)
            .await?
        else {
            return Ok(()); // another process is on it
        };
        let result = self.dispatch_claimed(c, paused, now, report).await;
        self.store
            .notify_release_channel(Some(&c.name), Some(&self.owner))
            .await?;
        result
    }

    async fn dispatch_claimed(
        &self,
        c: &ChannelConfig,
        paused: Option<DateTime<Utc>>,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), NotifyError> {
        if paused.is_some_and(|p| p > now) {
            return Ok(());
        }
        let used = self
            .store
            .notify_attempts_since(&c.name, now - chrono::TimeDelta::seconds(60))
            .await?;
        let mut budget = i64::from(c.max_per_minute) - used;
        if budget <= 0 {
            return Ok(());
        }
        let due = self.store.notify_due(&c.name, now, budget).await?;
        // A new message only when it can go out now; otherwise the queue
        // keeps growing into one digest.
        if (due.len() as i64) < budget {
            self.compose(c, now, report).await?;
        }
        for d in self.store.notify_due(&c.name, now, budget).await? {
            if budget <= 0 {
                break;
            }
            budget -= 1;
            let at = self.clock.now();
            let result = send::send(&self.http, c, d.id, &d.payload, at).await;
            let attempt = d.attempts + 1;
            let outcome = match result {
                SendResult::Sent => {
                    report.sent += 1;
                    tracing::info!(channel = %c.name, delivery = d.id, alerts = d.alert_ids.len(), "notification sent");
                    AttemptOutcome::Sent
                }
                SendResult::Permanent(error) => {
                    report.failed += 1;
                    tracing::warn!(channel = %c.name, delivery = d.id, %error, "notification refused; not retried");
                    AttemptOutcome::Failed { error }
                }
                SendResult::Retry { error, .. }
                    if attempt >= i64::from(self.settings.max_attempts) =>
                {
                    report.failed += 1;
                    tracing::warn!(channel = %c.name, delivery = d.id, %error, attempt, "notification failed; attempts exhausted");
                    AttemptOutcome::Failed {
                        error: format!("{error}（已尝试 {attempt} 次）"),
                    }
                }
                SendResult::Retry {
                    error,
                    throttled,
                    retry_after,
                } => {
                    report.retried += 1;
                    let mut wait = self.backoff(attempt);
                    if let Some(r) = retry_after {
                        wait = wait.max(r);
                    }
                    if throttled {
                        wait = wait.max(send::THROTTLE_PAUSE);
                    }
                    let next = at + chrono::TimeDelta::from_std(wait).expect("a bounded backoff");
                    tracing::warn!(channel = %c.name, delivery = d.id, %error, attempt, retry_at = %next, "notification will be retried");
                    self.store
                        .notify_record_attempt(
                            d.id,
                            &c.name,
                            at,
                            &AttemptOutcome::Retry { error, next },
                        )
                        .await?;
                    if throttled {
                        // Everything else on this robot would be refused too.
                        self.store.notify_pause_channel(&c.name, next).await?;
                        break;
                    }
                    continue;
                }
            };
            self.store
                .notify_record_attempt(d.id, &c.name, at, &outcome)
                .await?;
        }
        Ok(())
    }

    /// `retry_backoff × 2^(attempt-1)`, at most `retry_max_backoff`.
    fn backoff(&self, attempt: i64) -> Duration {
        let exp = u32::try_from(attempt.saturating_sub(1))
            .unwrap_or(u32::MAX)
            .min(20);
        self.settings
            .retry_backoff
            .saturating_mul(1u32 << exp)
            .min(self.settings.retry_max_backoff)
    }

    /// Turn the queued alerts that may go now into one message in the log.
    async fn compose(
        &self,
        c: &ChannelConfig,
        now: DateTime<Utc>,
        report: &mut TickReport,
    ) -> Result<(), NotifyError> {
        let queued = self.store.notify_queued(&c.name).await?;
        let open: Vec<QueuedAlert> = queued
            .into_iter()
            .filter(|q| c.open_at(now, q.alert.level))
            .collect();
        if open.is_empty() {
            return Ok(());
        }
        let urgent = open.iter().any(|q| c.bypasses(q.alert.level));
        if !urgent {
            if !c.min_interval.is_zero()
                && let Some(last) = self.store.notify_last_message_at(&c.name).await?
                && now < last + chrono::TimeDelta::from_std(c.min_interval).expect("at most 1d")
            {
                return Ok(());
            }
            let oldest = open.iter().map(|q| q.queued_at).min().expect("not empty");
            if now < oldest + chrono::TimeDelta::from_std(c.digest_window).expect("at most 1d") {
                return Ok(());
            }
        }
        let msg = message::build(c, self.settings.base_url.as_deref(), &open, now);
        let id = self
            .store
            .notify_create_delivery(&c.name, &msg.alert_ids, &msg.body, now)
            .await?;
        report.messages += 1;
        tracing::debug!(channel = %c.name, delivery = id, alerts = open.len(), "notification written");
        Ok(())
    }
}
