//! One shared HTTP client with the crawler's manners: per-host concurrency
//! and rate limits, robots.txt, retries with backoff that honour
//! `Retry-After`, conditional GET, redirect and size limits, timeouts and a
//! minimum-throughput guard.

use super::charset::{self, Decoded};
use crate::config::CrawlSettings;
use governor::{DefaultDirectRateLimiter, Quota, RateLimiter};
use reqwest::StatusCode;
use reqwest::header::{self, HeaderMap, HeaderName, HeaderValue};
use serde::{Deserialize, Serialize};
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::Semaphore;
use url::Url;

/// Why a fetch failed; the `Display` is what a source's error state shows.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum FetchError {
    #[error("无效的 URL：{0}")]
    InvalidUrl(String),
    #[error("robots.txt 禁止抓取 {0}")]
    RobotsDisallowed(String),
    #[error("连接超时{}", retried(*.retries))]
    ConnectTimeout { retries: u32 },
    #[error("请求超时{}", retried(*.retries))]
    Timeout { retries: u32 },
    #[error("无法连接：{message}{}", retried(*.retries))]
    Connect { message: String, retries: u32 },
    #[error("HTTP {status}{}", retried(*.retries))]
    Status { status: u16, retries: u32 },
    #[error("重定向次数过多（超过 {0} 次，可能是重定向循环）")]
    TooManyRedirects(usize),
    #[error("响应体超过上限 {}", human_size(*.limit))]
    TooLarge { limit: u64 },
    #[error("传输过慢（约 {rate} 字节/秒，低于下限 {min} 字节/秒），已中断")]
    TooSlow { rate: u64, min: u64 },
    #[error("网络错误：{0}")]
    Network(String),
}

fn retried(n: u32) -> String {
    if n == 0 {
        String::new()
    } else {
        format!("（已重试 {n} 次）")
    }
}

pub fn human_size(n: u64) -> String {
    if n >= 1024 * 1024 && n.is_multiple_of(1024 * 1024) {
        format!("{} MiB", n / (1024 * 1024))
    } else if n >= 1024 && n.is_multiple_of(1024) {
        format!("{} KiB", n / 1024)
    } else {
        format!("{n} 字节")
    }
}

impl FetchError {
    fn with_retries(self, n: u32) -> Self {
        match self {
            FetchError::ConnectTimeout { .. } => FetchError::ConnectTimeout { retries: n },
            FetchError::Timeout { .. } => FetchError::Timeout { retries: n },
            FetchError::Connect { message, .. } => FetchError::Connect {
                message,
                retries: n,
            },
            FetchError::Status { status, .. } => FetchError::Status { status, retries: n },
            other => other,
        }
    }
}

/// Cache validators remembered per URL for conditional GET.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Validators {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub etag: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub last_modified: Option<String>,
}

impl Validators {
    pub fn is_empty(&self) -> bool {
        self.etag.is_none() && self.last_modified.is_none()
    }
}

/// How one source asks: its headers (secret), politeness and robots settings.
#[derive(Clone)]
pub struct FetchPolicy {
    headers: HeaderMap,
    pub polite: bool,
    pub respect_robots: bool,
    pub rate_limit: Option<Duration>,
    pub encoding: Option<String>,
}

impl std::fmt::Debug for FetchPolicy {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FetchPolicy")
            .field(
                "headers",
                &format_args!("{} header(s) (hidden)", self.headers.len()),
            )
            .field("polite", &self.polite)
            .field("respect_robots", &self.respect_robots)
            .field("rate_limit", &self.rate_limit)
            .field("encoding", &self.encoding)
            .finish()
    }
}

impl Default for FetchPolicy {
    fn default() -> Self {
        FetchPolicy {
            headers: HeaderMap::new(),
            polite: true,
            respect_robots: true,
            rate_limit: None,
            encoding: None,
        }
    }
}

impl FetchPolicy {
    /// Add a header; its value is marked sensitive so it is never logged.
    pub fn header(&mut self, name: &str, value: &str) -> Result<(), String> {
        let name = HeaderName::from_bytes(name.as_bytes())
            .map_err(|_| format!("invalid header name '{name}'"))?;
        let mut value = HeaderValue::from_str(value)
            .map_err(|_| format!("invalid value for header '{name}'"))?;
        value.set_sensitive(true);
        self.headers.insert(name, value);
        Ok(())
    }
}

/// A fetched document.
#[derive(Debug, Clone)]
pub struct Page {
    /// The final URL, after redirects.
    pub url: String,
    pub content_type: Option<String>,
    pub body: Vec<u8>,
    pub validators: Validators,
}

impl Page {
    pub fn decode(&self, override_enc: Option<&str>) -> Decoded {
        charset::decode(&self.body, self.content_type.as_deref(), override_enc)
    }
}

#[derive(Debug, Clone)]
pub enum Fetched {
    /// 304: unchanged since the validators were recorded.
    NotModified,
    Page(Page),
}

struct HostGate {
    slots: Semaphore,
    limiter: Option<DefaultDirectRateLimiter>,
}

struct RobotsEntry {
    fetched: Instant,
    ttl: Duration,
    robot: Option<texting_robots::Robot>,
}

/// The crawler's HTTP client; cheap to share behind an `Arc`.
pub struct Fetcher {
    client: reqwest::Client,
    settings: CrawlSettings,
    agent: String,
    hosts: Mutex<HashMap<String, Arc<HostGate>>>,
    /// Per origin, so one slow robots.txt never holds up other hosts.
    robots: Mutex<HashMap<String, RobotsSlot>>,
}

type RobotsSlot = Arc<tokio::sync::Mutex<Option<Arc<RobotsEntry>>>>;

/// One failed attempt, and whether another is worth it.
struct Failure {
    error: FetchError,
    retryable: bool,
    retry_after: Option<Duration>,
}

impl Fetcher {
    pub fn new(settings: &CrawlSettings) -> Result<Fetcher, FetchError> {
        // One crypto provider (ring) for rustls; a second install is a no-op.
        let _ = rustls::crypto::ring::default_provider().install_default();
        let max = settings.max_redirects;
        let client = reqwest::Client::builder()
            .user_agent(settings.user_agent.clone())
            .connect_timeout(settings.connect_timeout)
            .timeout(settings.timeout)
            .redirect(reqwest::redirect::Policy::custom(move |attempt| {
                if attempt.previous().len() > max {
                    attempt.error("too many redirects")
                } else {
                    attempt.follow()
                }
            }))
            .build()
            .map_err(|e| FetchError::Network(e.to_string()))?;
        let agent = settings
            .user_agent
            .split(['/', ' '])
            .next()
            .unwrap_or("yuqing")
            .to_string();
        Ok(Fetcher {
            client,
            settings: settings.clone(),
            agent,
            hosts: Mutex::new(HashMap::new()),
            robots: Mutex::new(HashMap::new()),
        })
    }

    pub fn settings(&self) -> &CrawlSettings {
        &self.settings
    }

    /// GET `url` with the source's policy; `validators` make it conditional.
    pub async fn get(
        &self,
        url: &str,
        policy: &FetchPolicy,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let parsed = Url::parse(url).map_err(|_| FetchError::InvalidUrl(url.to_string()))?;
        if !matches!(parsed.scheme(), "http" | "https") || parsed.host_str().is_none() {
            return Err(FetchError::InvalidUrl(url.to_string()));
        }
        if policy.respect_robots {
            let (allowed, delay) = self.robots_allow(&parsed, policy).await;
            if !allowed {
                return Err(FetchError::RobotsDisallowed(parsed.path().to_string()));
            }
            // Honour a Crawl-delay longer than our own rate limit.
            let own = policy.rate_limit.unwrap_or(self.settings.rate_limit);
            if let Some(d) = delay.filter(|d| *d > own && policy.polite) {
                let slower = FetchPolicy {
                    rate_limit: Some(d.min(Duration::from_secs(60))),
                    ..policy.clone()
                };
                return self.get_with_retries(&parsed, &slower, validators).await;
            }
        }
        self.get_with_retries(&parsed, policy, validators).await
    }

    async fn get_with_retries(
        &self,
        url: &Url,
        policy: &FetchPolicy,
        validators: Option<&Validators>,
    ) -> Result<Fetched, FetchError> {
        let mut attempt = 0;
        loop {
            match self.attempt(url, policy, validators).await {
                Ok(f) => return Ok(f),
                Err(f) if f.retryable && attempt < self.settings.retries => {
                    let wait = match f.retry_after {
                        Some(d) => d.min(self.settings.retry_after_max),
                        None => self.backoff(attempt),
                    };
                    tracing::info!(url = %url, error = %f.error, wait_ms = wait.as_millis() as u64, "retrying");
                    tokio::time::sleep(wait).await;
                    attempt += 1;
                }
                Err(f) => return Err(f.error.with_retries(attempt)),
            }
        }
    }

    /// Exponential backoff with full jitter on top: base·2ⁿ + rand(0..base·2ⁿ).
    fn backoff(&self, attempt: u32) -> Duration {
        let base = self.settings.retry_backoff * 2u32.saturating_pow(attempt.min(16));
        let base = base.min(Duration::from_secs(300));
        base + base.mul_f64(rand::random::<f64>())
    }

    fn gate(&self, url: &Url, policy: &FetchPolicy) -> Arc<HostGate> {
        let period = policy.rate_limit.unwrap_or(self.settings.rate_limit);
        let key = format!(
            "{}:{}|{}",
            url.host_str().unwrap_or(""),
            url.port_or_known_default().unwrap_or(0),
            period.as_millis()
        );
        let mut hosts = self.hosts.lock().expect("host table lock");
        hosts
            .entry(key)
            .or_insert_with(|| {
                Arc::new(HostGate {
                    slots: Semaphore::new(self.settings.per_host_concurrency),
                    limiter: Quota::with_period(period).map(RateLimiter::direct),
                })
            })
            .clone()
    }

    async fn attempt(
        &self,
        url: &Url,
        policy: &FetchPolicy,
        validators: Option<&Validators>,
    ) -> Result<Fetched, Failure> {
        let gate = policy.polite.then(|| self.gate(url, policy));
        let _permit = match &gate {
            Some(g) => {
                let p = g.slots.acquire().await.expect("semaphore never closed");
                if let Some(l) = &g.limiter {
                    l.until_ready().await;
                }
                Some(p)
            }
            None => None,
        };
        let mut req = self.client.get(url.clone()).headers(policy.headers.clone());
        if let Some(v) = validators {
            if let Some(e) = &v.etag {
                req = req.header(header::IF_NONE_MATCH, e);
            }
            if let Some(lm) = &v.last_modified {
                req = req.header(header::IF_MODIFIED_SINCE, lm);
            }
        }
        let resp = req.send().await.map_err(|e| self.classify(e))?;
        let status = resp.status();
        if status == StatusCode::NOT_MODIFIED {
            return Ok(Fetched::NotModified);
        }
        if !status.is_success() {
            let retry_after = if matches!(status.as_u16(), 429 | 503) {
                resp.headers()
                    .get(header::RETRY_AFTER)
                    .and_then(|v| v.to_str().ok())
                    .and_then(|v| parse_retry_after(v, chrono::Utc::now()))
            } else {
                None
            };
            return Err(Failure {
                error: FetchError::Status {
                    status: status.as_u16(),
                    retries: 0,
                },
                retryable: status.is_server_error() || status == StatusCode::TOO_MANY_REQUESTS,
                retry_after,
            });
        }
        let header_str = |h: header::HeaderName| {
            resp.headers()
                .get(h)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let content_type = header_str(header::CONTENT_TYPE);
        let validators = Validators {
            etag: header_str(header::ETAG),
            last_modified: header_str(header::LAST_MODIFIED),
        };
        let final_url = resp.url().to_string();
        let body = self.read_body(resp).await?;
        Ok(Fetched::Page(Page {
            url: final_url,
            content_type,
            body,
            validators,
        }))
    }

    /// Stream the body, cutting it off past the size limit or when it
    /// arrives slower than the minimum throughput.
    async fn read_body(&self, mut resp: reqwest::Response) -> Result<Vec<u8>, Failure> {
        let s = &self.settings;
        let fatal = |error| Failure {
            error,
            retryable: false,
            retry_after: None,
        };
        if resp.content_length().is_some_and(|n| n > s.max_body) {
            return Err(fatal(FetchError::TooLarge { limit: s.max_body }));
        }
        let start = Instant::now();
        let mut body = Vec::new();
        let too_slow = |n: usize, start: Instant| {
            let secs = start.elapsed().as_secs_f64().max(0.001);
            FetchError::TooSlow {
                rate: (n as f64 / secs) as u64,
                min: s.min_throughput,
            }
        };
        loop {
            let next = if s.min_throughput > 0 {
                match tokio::time::timeout(s.throughput_grace, resp.chunk()).await {
                    Ok(r) => r,
                    Err(_) => return Err(fatal(too_slow(body.len(), start))),
                }
            } else {
                resp.chunk().await
            };
            match next {
                Ok(Some(chunk)) => {
                    body.extend_from_slice(&chunk);
                    if body.len() as u64 > s.max_body {
                        return Err(fatal(FetchError::TooLarge { limit: s.max_body }));
                    }
                    let elapsed = start.elapsed();
                    if s.min_throughput > 0
                        && elapsed > s.throughput_grace
                        && (body.len() as f64 / elapsed.as_secs_f64()) < s.min_throughput as f64
                    {
                        return Err(fatal(too_slow(body.len(), start)));
                    }
                }
                Ok(None) => return Ok(body),
                Err(e) => return Err(self.classify(e)),
            }
        }
    }

    fn classify(&self, e: reqwest::Error) -> Failure {
        let (error, retryable) = if e.is_redirect() {
            (
                FetchError::TooManyRedirects(self.settings.max_redirects),
                false,
            )
        } else if e.is_timeout() && e.is_connect() {
            (FetchError::ConnectTimeout { retries: 0 }, true)
        } else if e.is_timeout() {
            (FetchError::Timeout { retries: 0 }, true)
        } else if e.is_connect() {
            let message = std::error::Error::source(&e)
                .map(|s| s.to_string())
                .unwrap_or_else(|| e.to_string());
            (
                FetchError::Connect {
                    message,
                    retries: 0,
                },
                true,
            )
        } else {
            (FetchError::Network(e.without_url().to_string()), false)
        };
        Failure {
            error,
            retryable,
            retry_after: None,
        }
    }

    /// Whether robots.txt of the URL's host lets our agent fetch it, and its
    /// Crawl-delay. A missing robots.txt allows everything; an unreachable one
    /// too (logged), and is asked again sooner.
    async fn robots_allow(&self, url: &Url, policy: &FetchPolicy) -> (bool, Option<Duration>) {
        let origin = url.origin().ascii_serialization();
        let slot = self
            .robots
            .lock()
            .expect("robots table lock")
            .entry(origin.clone())
            .or_default()
            .clone();
        let mut cache = slot.lock().await;
        let fresh = cache
            .as_ref()
            .filter(|e| e.fetched.elapsed() < e.ttl)
            .cloned();
        let entry = match fresh {
            Some(e) => e,
            None => {
                let robots_url = match Url::parse(&format!("{origin}/robots.txt")) {
                    Ok(u) => u,
                    Err(_) => return (true, None),
                };
                let no_secrets = FetchPolicy {
                    headers: HeaderMap::new(),
                    ..policy.clone()
                };
                let (robot, ttl) = match self.get_with_retries(&robots_url, &no_secrets, None).await
                {
                    Ok(Fetched::Page(p)) => (
                        texting_robots::Robot::new(&self.agent, &p.body).ok(),
                        self.settings.robots_ttl,
                    ),
                    Ok(Fetched::NotModified) => (None, self.settings.robots_ttl),
                    Err(FetchError::Status { status, .. }) if (400..500).contains(&status) => {
                        (None, self.settings.robots_ttl)
                    }
                    Err(e) => {
                        tracing::warn!(origin = %origin, error = %e, "robots.txt unavailable, allowing");
                        (None, self.settings.robots_ttl.min(Duration::from_secs(300)))
                    }
                };
                let e = Arc::new(RobotsEntry {
                    fetched: Instant::now(),
                    ttl,
                    robot,
                });
                *cache = Some(e.clone());
                e
            }
        };
        drop(cache);
        match &entry.robot {
            None => (true, None),
            Some(r) => (
                r.allowed(url.as_str()),
                r.delay
                    .filter(|d| d.is_finite() && *d > 0.0)
                    .map(Duration::from_secs_f32),
            ),
        }
    }
}

/// `Retry-After`: delta seconds or an HTTP date.
pub fn parse_retry_after(v: &str, now: chrono::DateTime<chrono::Utc>) -> Option<Duration> {
    let v = v.trim();
    if let Ok(secs) = v.parse::<u64>() {
        return Some(Duration::from_secs(secs));
    }
    let at = chrono::DateTime::parse_from_rfc2822(v).ok()?;
    Some((at.to_utc() - now).to_std().unwrap_or(Duration::ZERO))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn retry_after_forms() {
        let now = chrono::DateTime::parse_from_rfc3339("2026-03-18T10:00:00Z")
            .unwrap()
            .to_utc();
        assert_eq!(parse_retry_after("3", now), Some(Duration::from_secs(3)));
        assert_eq!(
            parse_retry_after("Wed, 18 Mar 2026 10:00:30 GMT", now),
            Some(Duration::from_secs(30))
        );
        assert_eq!(
            parse_retry_after("Wed, 18 Mar 2026 09:00:00 GMT", now),
            Some(Duration::ZERO)
        );
        assert_eq!(parse_retry_after("soon", now), None);
    }

    #[test]
    fn messages_are_chinese_and_clear() {
        assert_eq!(
            FetchError::Status {
                status: 503,
                retries: 3
            }
            .to_string(),
            "HTTP 503（已重试 3 次）"
        );
        assert_eq!(
            FetchError::Status {
                status: 404,
                retries: 0
            }
            .to_string(),
            "HTTP 404"
        );
        assert_eq!(
            FetchError::TooLarge {
                limit: 10 * 1024 * 1024
            }
            .to_string(),
            "响应体超过上限 10 MiB"
        );
        assert_eq!(
            FetchError::ConnectTimeout { retries: 0 }.to_string(),
            "连接超时"
        );
    }
}
