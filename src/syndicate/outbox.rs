//! The outbox: persisted publication jobs, one per (content version,
//! channel), delivered at least once — and, through the adapters'
//! checkpoints and platform checks, posted at most once.
//!
//! A worker claims one due job at a time under a lease (`FOR UPDATE SKIP
//! LOCKED` on PostgreSQL), so several processes share the work and a job
//! whose worker died (kill -9) is taken over when its lease runs out and
//! resumed from its checkpoint. Outcomes:
//! - published: the platform's post id and URL are recorded;
//! - busy / rate limited (429, Weibo 10022/10023/20016): exponential
//!   backoff, honouring `Retry-After`, failing after `max_attempts`;
//! - daily quota (WeChat 45009): the channel pauses until the next Beijing
//!   midnight and the job waits for it;
//! - token expired (WeChat 40001/40014/42001): the cached token is dropped,
//!   a new one fetched and the job retried once, at once;
//! - in progress (WeChat publishing): polled again after `publish_poll`;
//! - permanent: failed with the platform's message ("retry failed" requeues).

use super::SyndicateError;
use super::adapters::{self, Failure, JobContext};
use super::approval::Desk;
use super::check::PublishChecker;
use super::content::ContentBody;
use super::secrets::{SecretKey, channel_context};
use crate::clock::Clock;
use crate::store::{JobOutcome, Publication, Store};
use chrono::{DateTime, Utc};
use serde::Deserialize;
use std::sync::Arc;
use std::time::Duration;
use tokio::sync::watch;

/// `[syndicate.outbox]` in `yuqing.toml`.
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct OutboxSettings {
    /// How often the worker looks for due jobs.
    #[serde(deserialize_with = "crate::config::deserialize_duration")]
    pub poll: Duration,
    /// How long a claimed job is ours without a sign of life.
    #[serde(deserialize_with = "crate::config::deserialize_duration")]
    pub lease: Duration,
    /// Timeout of one platform request.
    #[serde(deserialize_with = "crate::config::deserialize_duration")]
    pub request_timeout: Duration,
    /// First retry delay; doubled per failed attempt up to `backoff_max`.
    #[serde(deserialize_with = "crate::config::deserialize_duration")]
    pub backoff_base: Duration,
    #[serde(deserialize_with = "crate::config::deserialize_duration")]
    pub backoff_max: Duration,
    /// Least delay after the platform said we post too often.
    #[serde(deserialize_with = "crate::config::deserialize_duration")]
    pub rate_limit_min: Duration,
    /// How often to ask whether an accepted post is published yet.
    #[serde(deserialize_with = "crate::config::deserialize_duration")]
    pub publish_poll: Duration,
    /// Failed attempts (not polls) before the job fails.
    pub max_attempts: u32,
    /// Status polls before the job fails.
    pub max_polls: u32,
}

impl Default for OutboxSettings {
    fn default() -> Self {
        OutboxSettings {
            poll: Duration::from_secs(5),
            lease: Duration::from_secs(120),
            request_timeout: Duration::from_secs(30),
            backoff_base: Duration::from_secs(30),
            backoff_max: Duration::from_secs(3600),
            rate_limit_min: Duration::from_secs(120),
            publish_poll: Duration::from_secs(30),
            max_attempts: 8,
            max_polls: 120,
        }
    }
}

impl OutboxSettings {
    /// The delay before the `errors`-th retry.
    pub fn backoff(
        &self,
        errors: u32,
        retry_after: Option<Duration>,
        rate_limited: bool,
    ) -> Duration {
        let exp = self
            .backoff_base
            .saturating_mul(2u32.saturating_pow(errors.saturating_sub(1)))
            .min(self.backoff_max);
        let mut d = exp.max(retry_after.unwrap_or_default());
        if rate_limited {
            d = d.max(self.rate_limit_min);
        }
        d
    }
}

/// What one pass did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TickReport {
    /// Scheduled contents handed to the outbox.
    pub released: usize,
    pub published: usize,
    pub retried: usize,
    pub failed: usize,
}

pub struct Outbox {
    store: Arc<Store>,
    checker: Arc<PublishChecker>,
    key: Arc<SecretKey>,
    http: reqwest::Client,
    clock: Arc<dyn Clock>,
    settings: OutboxSettings,
    owner: String,
}

const ERRORS: &str = "_errors";
const POLLS: &str = "_polls";
const CHECKED: &str = "_checked";

/// Midnight (Beijing) after `now`, when daily quotas reset.
pub fn next_quota_reset(now: DateTime<Utc>) -> DateTime<Utc> {
    let today = crate::clock::beijing(now).date_naive();
    crate::clock::beijing_midnight(today.succ_opt().expect("a next day"))
}

impl Outbox {
    pub fn new(
        store: Arc<Store>,
        checker: Arc<PublishChecker>,
        key: Arc<SecretKey>,
        clock: Arc<dyn Clock>,
        settings: OutboxSettings,
    ) -> Result<Outbox, SyndicateError> {
        let _ = rustls::crypto::ring::default_provider().install_default();
        let http = reqwest::Client::builder()
            // A platform API never redirects; following one could carry a token elsewhere.
            .redirect(reqwest::redirect::Policy::none())
            .timeout(settings.request_timeout)
            .connect_timeout(settings.request_timeout)
            .user_agent(concat!("yuqing/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(|e| SyndicateError::Invalid(format!("HTTP 客户端无法创建：{e}")))?;
        Ok(Outbox {
            store,
            checker,
            key,
            http,
            clock,
            settings,
            owner: format!("outbox-{}-{}", std::process::id(), rand::random::<u32>()),
        })
    }

    /// The outbox of `yuqing serve`, or `None` when no secrets key is
    /// configured (then no channel can have been registered either).
    pub fn from_config(
        store: Arc<Store>,
        config: &crate::config::Config,
        clock: Arc<dyn Clock>,
    ) -> Result<Option<Outbox>, SyndicateError> {
        let settings = &config.syndicate;
        let key = match SecretKey::load(settings.secret_key_file.as_deref()) {
            Ok(k) => k,
            Err(super::secrets::SecretError::NoKey) => {
                tracing::info!(
                    "outbox off: no secrets key (YUQING_SECRET_KEY or syndicate.secret_key_file)"
                );
                return Ok(None);
            }
            Err(e) => return Err(e.into()),
        };
        let rules = settings
            .rules_dir
            .clone()
            .unwrap_or_else(|| config.rules_dir.join("publish"));
        let checker = PublishChecker::load(&rules)
            .map_err(|e| SyndicateError::Invalid(format!("发布检查规则无法加载：{e}")))?;
        Outbox::new(
            store,
            Arc::new(checker),
            Arc::new(key),
            clock,
            settings.outbox.clone(),
        )
        .map(Some)
    }

    /// Name this worker's leases (tests run several "processes").
    pub fn with_owner(mut self, owner: impl Into<String>) -> Self {
        self.owner = owner.into();
        self
    }

    pub fn owner(&self) -> &str {
        &self.owner
    }

    /// Run passes every `poll` until `stop` turns true.
    pub async fn run(self, mut stop: watch::Receiver<bool>) -> Result<(), SyndicateError> {
        // The embedded database has one server: jobs a killed predecessor
        // was sending are resumed at once instead of after their lease.
        if self.store.backend() == "sqlite" {
            self.store.syn_expire_leases(self.clock.now()).await?;
        }
        tracing::info!(owner = %self.owner, "outbox started");
        loop {
            if let Err(e) = self.tick().await {
                tracing::error!(error = %e, "outbox pass failed");
            }
            tokio::select! {
                _ = tokio::time::sleep(self.settings.poll) => {}
                _ = stop.wait_for(|s| *s) => return Ok(()),
            }
        }
    }

    /// Release due scheduled content, then work off the due jobs.
    pub async fn tick(&self) -> Result<TickReport, SyndicateError> {
        let desk = Desk {
            store: &self.store,
            checker: &self.checker,
        };
        let mut report = TickReport {
            released: desk.release_due(self.clock.now()).await?.len(),
            ..TickReport::default()
        };
        // Bounded, so a pass ends even if jobs keep coming due.
        for _ in 0..100 {
            match self.run_one().await? {
                None => break,
                Some(JobOutcome::Published { .. }) => report.published += 1,
                Some(JobOutcome::Retry { .. }) => report.retried += 1,
                Some(JobOutcome::Failed { .. }) => report.failed += 1,
            }
        }
        Ok(report)
    }

    /// Claim one due job and make one attempt at it.
    pub async fn run_one(&self) -> Result<Option<JobOutcome>, SyndicateError> {
        let now = self.clock.now();
        let lease = chrono::TimeDelta::from_std(self.settings.lease).expect("a sane lease");
        let Some(job) = self.store.syn_claim(&self.owner, now, now + lease).await? else {
            return Ok(None);
        };
        let outcome = self.attempt(&job, lease).await?;
        let at = self.clock.now();
        let ours = self
            .store
            .syn_finish(job.id, &self.owner, &outcome, at)
            .await?;
        match &outcome {
            JobOutcome::Published {
                remote_id,
                remote_url,
            } => tracing::info!(
                job = job.id,
                content = job.content_id,
                channel = job.channel_id,
                remote_id = remote_id.as_deref().unwrap_or(""),
                url = remote_url.as_deref().unwrap_or(""),
                "published"
            ),
            JobOutcome::Retry { error, next } => tracing::warn!(
                job = job.id, channel = job.channel_id, error = %error, next = %next, "publication will be retried"
            ),
            JobOutcome::Failed { error } => tracing::warn!(
                job = job.id, channel = job.channel_id, error = %error, "publication failed"
            ),
        }
        if !ours {
            tracing::warn!(job = job.id, "lease lost before the outcome was recorded");
        }
        Ok(Some(outcome))
    }

    async fn attempt(
        &self,
        job: &Publication,
        lease: chrono::TimeDelta,
    ) -> Result<JobOutcome, SyndicateError> {
        let failed = |error: String| Ok(JobOutcome::Failed { error });
        let Some(record) = self.store.syn_channel(job.channel_id).await? else {
            return failed("渠道已不存在".into());
        };
        let open = |sealed: &Option<String>, purpose: &str| match sealed {
            Some(s) => self
                .key
                .open(&channel_context(record.account.id, purpose), s)
                .map(Some),
            None => Ok(None),
        };
        let (secret, app_secret) = match (
            open(&record.secret, "secret"),
            open(&record.app_secret, "app_secret"),
        ) {
            (Ok(s), Ok(a)) => (s, a),
            (Err(e), _) | (_, Err(e)) => return failed(format!("渠道密钥无法解密：{e}")),
        };
        let mut ctx = JobContext {
            http: &self.http,
            store: &self.store,
            key: &self.key,
            clock: self.clock.as_ref(),
            channel: &record.account,
            secret,
            app_secret,
            publication: job,
            checkpoint: job.checkpoint.clone(),
            owner: &self.owner,
            lease,
            token_rejected: false,
            used_token: std::sync::Mutex::new(None),
        };
        // The second check, right before the first request.
        if ctx.get(CHECKED).is_none() {
            let body = ContentBody {
                title: job.variant.title.clone(),
                body: job.variant.markdown.clone(),
                digest: job.variant.digest.clone(),
                tags: job.variant.tags.clone(),
                ..ContentBody::default()
            };
            let report = self.checker.check(&body);
            if report.blocked() {
                return failed(format!("发送前检查未通过：{}", report.blocking_summary()));
            }
            ctx.set(CHECKED, report.rules_version.clone());
            if ctx.save(None).await.is_err() {
                return Ok(self.retry_soon("任务已被其他进程接管"));
            }
        }
        let mut result = adapters::publish(&mut ctx).await;
        if let Err(Failure::TokenExpired { message }) = &result {
            tracing::info!(channel = record.account.id, error = %message, "access token stale; refreshing once");
            ctx.token_rejected = true;
            result = adapters::publish(&mut ctx).await;
            if let Err(Failure::TokenExpired { message }) = result {
                result = Err(Failure::permanent(format!(
                    "刷新访问令牌后仍被拒绝：{message}"
                )));
            }
        }
        let now = self.clock.now();
        let counter = |ctx: &JobContext<'_>, key: &str| ctx.count(key) as u32 + 1;
        let outcome = match result {
            Ok(p) => JobOutcome::Published {
                remote_id: p.remote_id,
                remote_url: p.url,
            },
            Err(Failure::InProgress { message }) => {
                let polls = counter(&ctx, POLLS);
                ctx.set(POLLS, polls);
                if polls > self.settings.max_polls {
                    JobOutcome::Failed {
                        error: format!("{message}：长时间未得到最终结果，请到平台核实"),
                    }
                } else {
                    JobOutcome::Retry {
                        error: message,
                        next: now + delta(self.settings.publish_poll),
                    }
                }
            }
            Err(f @ (Failure::Busy { .. } | Failure::RateLimited { .. })) => {
                let errors = counter(&ctx, ERRORS);
                ctx.set(ERRORS, errors);
                let (message, retry_after, limited) = match f {
                    Failure::Busy {
                        message,
                        retry_after,
                    } => (message, retry_after, false),
                    Failure::RateLimited {
                        message,
                        retry_after,
                    } => (message, retry_after, true),
                    _ => unreachable!("matched above"),
                };
                if errors >= self.settings.max_attempts {
                    JobOutcome::Failed {
                        error: format!("{message}（已重试 {errors} 次）"),
                    }
                } else {
                    JobOutcome::Retry {
                        error: message,
                        next: now + delta(self.settings.backoff(errors, retry_after, limited)),
                    }
                }
            }
            Err(Failure::Quota { message }) => {
                let until = next_quota_reset(now);
                self.store
                    .syn_pause_channel(record.account.id, Some(until))
                    .await?;
                JobOutcome::Retry {
                    error: format!("{message}（今日接口额度已用完，次日再发）"),
                    next: until,
                }
            }
            Err(Failure::Permanent { message } | Failure::TokenExpired { message }) => {
                JobOutcome::Failed { error: message }
            }
        };
        // Keep the counters; a lost lease shows up in syn_finish.
        let _ = ctx.save(None).await;
        Ok(outcome)
    }

    fn retry_soon(&self, error: &str) -> JobOutcome {
        JobOutcome::Retry {
            error: error.into(),
            next: self.clock.now() + delta(self.settings.backoff_base),
        }
    }
}

fn delta(d: Duration) -> chrono::TimeDelta {
    chrono::TimeDelta::from_std(d).unwrap_or(chrono::TimeDelta::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_caps_and_honours_limits() {
        let s = OutboxSettings::default();
        assert_eq!(s.backoff(1, None, false), Duration::from_secs(30));
        assert_eq!(s.backoff(2, None, false), Duration::from_secs(60));
        assert_eq!(s.backoff(3, None, false), Duration::from_secs(120));
        assert_eq!(s.backoff(30, None, false), Duration::from_secs(3600));
        assert_eq!(
            s.backoff(1, Some(Duration::from_secs(90)), false),
            Duration::from_secs(90)
        );
        assert_eq!(s.backoff(1, None, true), Duration::from_secs(120));
    }

    #[test]
    fn quota_resets_at_beijing_midnight() {
        let now: DateTime<Utc> = "2026-11-30T15:30:00Z".parse().unwrap(); // 23:30 Beijing
        assert_eq!(
            next_quota_reset(now),
            "2026-11-30T16:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
        let now: DateTime<Utc> = "2026-11-30T16:30:00Z".parse().unwrap(); // 00:30 Beijing, Dec 1
        assert_eq!(
            next_quota_reset(now),
            "2026-12-01T16:00:00Z".parse::<DateTime<Utc>>().unwrap()
        );
    }
}
