//! One typed configuration, loaded and validated once at start.
//!
//! Sources of settings, later ones winning: defaults, `yuqing.toml`, then
//! environment variables `YUQING_<KEY>` with `__` between nested keys
//! (`YUQING_ANALYSIS__NEUTRAL_BAND=0.2`). Every error names the key.

use crate::analyze::AnalysisSettings;
use crate::model::{Channel, RiskLevel};
use serde::{Deserialize, Deserializer};
use std::collections::BTreeMap;
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_CONFIG_FILE: &str = "yuqing.toml";
const ENV_PREFIX: &str = "YUQING_";
/// `YUQING_*` variables that are not configuration keys: the config file's
/// own path, the log filter, the key that seals channel secrets (never a
/// config value), and what the test suite reads.
const NOT_CONFIG_KEYS: &[&str] = &["YUQING_CONFIG", "YUQING_LOG", "YUQING_SECRET_KEY"];
const NOT_CONFIG_PREFIXES: &[&str] = &["YUQING_TEST_"];

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("{}: {source}", path.display())]
    Read {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}: {message}", path.display())]
    Parse { path: PathBuf, message: String },
    #[error("environment variable {var}: {message}")]
    Env { var: String, message: String },
    #[error("{origin}: {key}: {message}")]
    Invalid {
        origin: String,
        key: String,
        message: String,
    },
}

/// A value that must never appear in logs or error messages.
#[derive(Clone, PartialEq, Eq, Deserialize)]
#[serde(transparent)]
pub struct Secret(String);

impl Secret {
    pub fn new(value: impl Into<String>) -> Self {
        Secret(value.into())
    }

    pub fn expose(&self) -> &str {
        &self.0
    }

    /// Whether `presented` is this secret, compared in constant time.
    pub fn matches(&self, presented: &str) -> bool {
        constant_time_eq(self.0.as_bytes(), presented.as_bytes())
    }
}

/// Equality whose time does not depend on where the inputs differ (tokens,
/// CSRF values): an attacker learns nothing from how fast a guess fails.
pub fn constant_time_eq(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).fold(0u8, |acc, (x, y)| acc | (x ^ y)) == 0
}

impl fmt::Debug for Secret {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Secret(***)")
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Config {
    /// SQLite file, tantivy index, uploaded media.
    pub data_dir: PathBuf,
    /// Default: the SQLite file in `data_dir`.
    pub database_url: Option<Secret>,
    /// jieba user dictionaries, sentiment lexicons, IDF and stop words.
    pub dictionaries_dir: PathBuf,
    /// Risk rules, one TOML file per category.
    pub rules_dir: PathBuf,
    pub analysis: AnalysisSettings,
    pub sources: Vec<SourceConfig>,
    /// Crawler-wide settings: user agent, timeouts, limits, politeness.
    pub crawl: CrawlSettings,
    /// When an event raises an alert.
    pub alerts: AlertSettings,
    /// `yuqing serve`: where it listens.
    pub server: ServerSettings,
    /// Alert handling: SLA per level, routing rules, assignment.
    pub review: crate::review::ReviewSettings,
    /// Alert notifications: WeCom / DingTalk robots, signed webhooks.
    pub notify: crate::notify::NotifySettings,
    /// Syndication: the college's name for account naming, the publishing
    /// rules, the secrets key file, the outbox.
    pub syndicate: crate::syndicate::SyndicateSettings,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AlertSettings {
    /// Events whose best post reaches this risk level raise an alert.
    pub level: RiskLevel,
}

impl Default for AlertSettings {
    fn default() -> Self {
        AlertSettings {
            level: RiskLevel::Medium,
        }
    }
}

#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct ServerSettings {
    /// Address and port of the dashboard and API.
    pub addr: std::net::SocketAddr,
    /// Templates and static assets of the dashboard.
    pub dashboards_dir: PathBuf,
    /// `[server.auth]`: sessions and sign-in.
    pub auth: AuthSettings,
}

impl Default for ServerSettings {
    fn default() -> Self {
        ServerSettings {
            addr: std::net::SocketAddr::from(([127, 0, 0, 1], 8080)),
            dashboards_dir: PathBuf::from("dashboards"),
            auth: AuthSettings::default(),
        }
    }
}

/// Sessions and sign-in (`[server.auth]`).
#[derive(Debug, Clone, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AuthSettings {
    /// Mark the session cookie `Secure` (set when served behind HTTPS).
    pub secure_cookies: bool,
    /// A session unused this long ends.
    #[serde(deserialize_with = "deserialize_duration")]
    pub session_idle: Duration,
    /// A session ends this long after sign-in, used or not.
    #[serde(deserialize_with = "deserialize_duration")]
    pub session_max: Duration,
    /// Failed sign-ins in a row before the account is locked …
    pub max_failures: u32,
    /// … for this long.
    #[serde(deserialize_with = "deserialize_duration")]
    pub lockout: Duration,
    /// Sign-in attempts allowed per client address and minute.
    pub login_per_minute: u32,
}

impl Default for AuthSettings {
    fn default() -> Self {
        AuthSettings {
            secure_cookies: false,
            session_idle: Duration::from_secs(2 * 3600),
            session_max: Duration::from_secs(12 * 3600),
            max_failures: 5,
            lockout: Duration::from_secs(15 * 60),
            login_per_minute: 20,
        }
    }
}

impl Default for Config {
    fn default() -> Self {
        Config {
            data_dir: PathBuf::from("data"),
            database_url: None,
            dictionaries_dir: PathBuf::from("dictionaries"),
            rules_dir: PathBuf::from("rules"),
            analysis: AnalysisSettings::default(),
            sources: Vec::new(),
            crawl: CrawlSettings::default(),
            alerts: AlertSettings::default(),
            server: ServerSettings::default(),
            review: crate::review::ReviewSettings::default(),
            notify: crate::notify::NotifySettings::default(),
            syndicate: crate::syndicate::SyndicateSettings::default(),
        }
    }
}

impl Config {
    /// Events reaching this level raise an alert.
    pub fn alert_level(&self) -> RiskLevel {
        self.alerts.level
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SourceKind {
    Html,
    Feed,
    Json,
    Import,
    Push,
}

/// A configured source: the fixed keys (`name`, `kind`, `url`, `interval`,
/// `weight`), the settings every crawled kind shares, and the kind's own
/// keys (checked by `crate::crawl::source`). Unknown keys are errors.
#[derive(Debug, Clone, Deserialize)]
#[serde(try_from = "RawSourceConfig")]
pub struct SourceConfig {
    pub name: String,
    pub kind: SourceKind,
    pub url: Option<String>,
    pub interval: Duration,
    /// Authority of the source for the risk score; 1.0 is ordinary.
    pub weight: f32,
    /// Where the posts appear (default per kind: campus, or the preset's platform).
    pub channel: Option<Channel>,
    /// Free labels for the dashboard.
    pub tags: Vec<String>,
    /// Extra request headers (e.g. `Authorization`); secret, never logged.
    pub headers: BTreeMap<String, Secret>,
    /// A `Cookie` header value (login state); secret, never logged.
    pub cookies: Option<Secret>,
    /// Minimum time between two requests to the source's host (default `crawl.rate_limit`).
    pub rate_limit: Option<Duration>,
    /// `false` turns per-host concurrency and rate limits off (benchmarks, own sites).
    pub polite: bool,
    /// `false` ignores robots.txt (only for a site the college owns).
    pub respect_robots: bool,
    /// Force a character encoding (e.g. `gbk`) instead of detecting it.
    pub encoding: Option<String>,
    /// Random extra delay added to `interval` (default a tenth of it).
    pub jitter: Option<Duration>,
    /// Most items taken from the source in one run (default `crawl.max_items`).
    pub max_items: Option<usize>,
    /// The kind's own settings, parsed and checked.
    pub settings: KindSettings,
}

/// The settings of one source kind (see docs/sources.md).
#[derive(Debug, Clone)]
pub enum KindSettings {
    Html(crate::crawl::source::html::HtmlConfig),
    Feed(crate::crawl::source::feed::FeedConfig),
    Json(Box<crate::crawl::source::json::JsonConfig>),
    Import(crate::crawl::source::import::ImportConfig),
    Push(crate::crawl::source::push::PushConfig),
}

/// Unknown keys land in `rest` and are rejected by the kind's own struct
/// (serde's `deny_unknown_fields` does not combine with `flatten`).
#[derive(Deserialize)]
struct RawSourceConfig {
    name: String,
    kind: SourceKind,
    #[serde(default)]
    url: Option<String>,
    #[serde(
        default = "default_interval",
        deserialize_with = "deserialize_duration"
    )]
    interval: Duration,
    #[serde(default = "default_weight")]
    weight: f32,
    #[serde(default)]
    channel: Option<Channel>,
    #[serde(default)]
    tags: Vec<String>,
    #[serde(default)]
    headers: BTreeMap<String, Secret>,
    #[serde(default)]
    cookies: Option<Secret>,
    #[serde(default, deserialize_with = "deserialize_opt_duration")]
    rate_limit: Option<Duration>,
    #[serde(default = "default_true")]
    polite: bool,
    #[serde(default = "default_true")]
    respect_robots: bool,
    #[serde(default)]
    encoding: Option<String>,
    #[serde(default, deserialize_with = "deserialize_opt_duration")]
    jitter: Option<Duration>,
    #[serde(default)]
    max_items: Option<usize>,
    /// Everything else: the kind's own keys.
    #[serde(flatten)]
    rest: toml::Table,
}

impl TryFrom<RawSourceConfig> for SourceConfig {
    type Error = String;

    fn try_from(r: RawSourceConfig) -> Result<Self, String> {
        let rest = toml::Value::Table(r.rest);
        let in_source =
            |e: toml::de::Error| format!("source '{}': {}", r.name, one_line(e.message()));
        let settings = match r.kind {
            SourceKind::Html => KindSettings::Html(rest.try_into().map_err(in_source)?),
            SourceKind::Feed => KindSettings::Feed(rest.try_into().map_err(in_source)?),
            SourceKind::Json => KindSettings::Json(Box::new(rest.try_into().map_err(in_source)?)),
            SourceKind::Import => KindSettings::Import(rest.try_into().map_err(in_source)?),
            SourceKind::Push => KindSettings::Push(rest.try_into().map_err(in_source)?),
        };
        Ok(SourceConfig {
            name: r.name,
            kind: r.kind,
            url: r.url,
            interval: r.interval,
            weight: r.weight,
            channel: r.channel,
            tags: r.tags,
            headers: r.headers,
            cookies: r.cookies,
            rate_limit: r.rate_limit,
            polite: r.polite,
            respect_robots: r.respect_robots,
            encoding: r.encoding,
            jitter: r.jitter,
            max_items: r.max_items,
            settings,
        })
    }
}

impl SourceKind {
    pub fn as_str(self) -> &'static str {
        match self {
            SourceKind::Html => "html",
            SourceKind::Feed => "feed",
            SourceKind::Json => "json",
            SourceKind::Import => "import",
            SourceKind::Push => "push",
        }
    }

    /// Kinds the crawler fetches over HTTP.
    pub fn is_crawled(self) -> bool {
        matches!(self, SourceKind::Html | SourceKind::Feed | SourceKind::Json)
    }

    /// Kinds run on a schedule (crawled, or an import folder polled); `push`
    /// only receives.
    pub fn is_scheduled(self) -> bool {
        self != SourceKind::Push
    }
}

/// Crawler-wide settings (`[crawl]`); each source may tighten some of them.
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct CrawlSettings {
    /// Sent with every request; its first word is the robots.txt agent name.
    pub user_agent: String,
    /// Sources crawled at the same time.
    pub concurrency: usize,
    /// Requests in flight to one host at a time.
    pub per_host_concurrency: usize,
    /// Minimum time between two requests to one host.
    #[serde(deserialize_with = "deserialize_duration")]
    pub rate_limit: Duration,
    #[serde(deserialize_with = "deserialize_duration")]
    pub connect_timeout: Duration,
    /// Whole request, body included.
    #[serde(deserialize_with = "deserialize_duration")]
    pub timeout: Duration,
    /// Bodies larger than this are cut off: `"10MiB"`, `"512KiB"` or bytes.
    #[serde(deserialize_with = "deserialize_size")]
    pub max_body: u64,
    /// Cut off a body arriving slower than this many bytes a second …
    pub min_throughput: u64,
    /// … measured after this long (also the longest wait for the next chunk).
    #[serde(deserialize_with = "deserialize_duration")]
    pub throughput_grace: Duration,
    pub max_redirects: usize,
    /// Retries after a connect error, timeout, 5xx or 429.
    pub retries: u32,
    /// First backoff; doubled each retry, plus jitter.
    #[serde(deserialize_with = "deserialize_duration")]
    pub retry_backoff: Duration,
    /// Longest wait a `Retry-After` header may impose.
    #[serde(deserialize_with = "deserialize_duration")]
    pub retry_after_max: Duration,
    /// How long a host's robots.txt is trusted.
    #[serde(deserialize_with = "deserialize_duration")]
    pub robots_ttl: Duration,
    /// Items taken from one source in one run.
    pub max_items: usize,
}

impl Default for CrawlSettings {
    fn default() -> Self {
        CrawlSettings {
            user_agent: concat!(
                "yuqing/",
                env!("CARGO_PKG_VERSION"),
                " (+campus public-opinion monitor)"
            )
            .to_string(),
            concurrency: 4,
            per_host_concurrency: 2,
            rate_limit: Duration::from_secs(1),
            connect_timeout: Duration::from_secs(10),
            timeout: Duration::from_secs(30),
            max_body: 10 * 1024 * 1024,
            min_throughput: 1024,
            throughput_grace: Duration::from_secs(10),
            max_redirects: 5,
            retries: 3,
            retry_backoff: Duration::from_secs(1),
            retry_after_max: Duration::from_secs(120),
            robots_ttl: Duration::from_secs(3600),
            max_items: 500,
        }
    }
}

fn default_true() -> bool {
    true
}

/// `"10MiB"`, `"512KiB"`, `"1GiB"` or a number of bytes.
pub fn parse_size(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("invalid size '{s}': expected e.g. 512KiB, 10MiB"))?;
    let mult = match unit.trim() {
        "" | "B" => 1,
        "KiB" | "KB" | "K" => 1024,
        "MiB" | "MB" | "M" => 1024 * 1024,
        "GiB" | "GB" | "G" => 1024 * 1024 * 1024,
        _ => {
            return Err(format!(
                "invalid size '{s}': unit must be B, KiB, MiB or GiB"
            ));
        }
    };
    Ok(n * mult)
}

fn deserialize_size<'de, D: Deserializer<'de>>(d: D) -> Result<u64, D::Error> {
    #[derive(Deserialize)]
    #[serde(untagged)]
    enum Size {
        N(u64),
        S(String),
    }
    match Size::deserialize(d)? {
        Size::N(n) => Ok(n),
        Size::S(s) => parse_size(&s).map_err(serde::de::Error::custom),
    }
}

pub(crate) fn deserialize_opt_duration<'de, D: Deserializer<'de>>(
    d: D,
) -> Result<Option<Duration>, D::Error> {
    let s = Option::<String>::deserialize(d)?;
    s.map(|s| parse_duration(&s).map_err(serde::de::Error::custom))
        .transpose()
}

fn default_interval() -> Duration {
    Duration::from_secs(600)
}

fn default_weight() -> f32 {
    1.0
}

/// `"500ms"`, `"90s"`, `"10m"`, `"2h"`, `"1d"`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("invalid duration '{s}': expected e.g. 30s, 10m, 2h, 1d"))?;
    let secs = match unit {
        "ms" => return Ok(Duration::from_millis(n)),
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => {
            return Err(format!(
                "invalid duration '{s}': unit must be ms, s, m, h or d"
            ));
        }
    };
    Ok(Duration::from_secs(secs))
}

pub(crate) fn deserialize_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
    let s = String::deserialize(d)?;
    parse_duration(&s).map_err(serde::de::Error::custom)
}

impl Config {
    /// Load `path`, or `./yuqing.toml` if it exists, or the defaults; then
    /// apply the environment and validate. Relative paths in a config file
    /// are relative to that file.
    pub fn load(path: Option<&Path>) -> Result<Config, ConfigError> {
        Self::load_with_env(path, std::env::vars())
    }

    pub fn load_with_env(
        path: Option<&Path>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<Config, ConfigError> {
        let file = match path {
            Some(p) => Some(p.to_path_buf()),
            None => {
                let p = PathBuf::from(DEFAULT_CONFIG_FILE);
                p.exists().then_some(p)
            }
        };
        let (mut table, origin) = match &file {
            Some(p) => {
                let text = std::fs::read_to_string(p).map_err(|source| ConfigError::Read {
                    path: p.clone(),
                    source,
                })?;
                let table: toml::Table = toml::from_str(&text).map_err(|e| ConfigError::Parse {
                    path: p.clone(),
                    message: one_line(&e.to_string()),
                })?;
                (table, p.display().to_string())
            }
            None => (toml::Table::new(), "defaults".to_string()),
        };
        let mut env_vars: Vec<_> = env
            .into_iter()
            .filter(|(k, _)| {
                k.starts_with(ENV_PREFIX)
                    && !NOT_CONFIG_KEYS.contains(&k.as_str())
                    && !NOT_CONFIG_PREFIXES.iter().any(|p| k.starts_with(p))
            })
            .collect();
        env_vars.sort();
        for (var, value) in &env_vars {
            apply_env(&mut table, var, value)?;
        }

        // Re-serialise so that serde's errors can point at the offending key.
        let text = toml::to_string(&table).expect("a table always serialises");
        let mut config: Config = toml::from_str(&text).map_err(|e| ConfigError::Parse {
            path: file.clone().unwrap_or_else(|| PathBuf::from("environment")),
            message: describe_de_error(&e),
        })?;
        if let Some(dir) = file.as_ref().and_then(|p| p.parent()) {
            config.resolve_relative_to(dir);
        }
        config.fill_defaults();
        config.validate(&origin)?;
        Ok(config)
    }

    fn resolve_relative_to(&mut self, dir: &Path) {
        for p in [
            &mut self.data_dir,
            &mut self.dictionaries_dir,
            &mut self.rules_dir,
            &mut self.server.dashboards_dir,
        ] {
            if p.is_relative() && !dir.as_os_str().is_empty() {
                *p = dir.join(&*p);
            }
        }
        for s in &mut self.sources {
            if let KindSettings::Import(c) = &mut s.settings
                && let Some(p) = &mut c.dir
                && p.is_relative()
                && !dir.as_os_str().is_empty()
            {
                *p = dir.join(&*p);
            }
        }
    }

    /// Defaults that depend on other keys: an import folder under `data_dir`.
    fn fill_defaults(&mut self) {
        for s in &mut self.sources {
            if let KindSettings::Import(c) = &mut s.settings
                && c.dir.is_none()
            {
                c.dir = Some(self.data_dir.join("import").join(&s.name));
            }
        }
    }

    fn validate(&self, origin: &str) -> Result<(), ConfigError> {
        let invalid = |key: String, message: String| ConfigError::Invalid {
            origin: origin.to_string(),
            key,
            message,
        };
        self.analysis.validate().map_err(|m| {
            let (key, msg) = m.split_once(' ').unwrap_or((&m, ""));
            invalid(key.to_string(), msg.to_string())
        })?;
        let mut names = std::collections::HashSet::new();
        for (i, s) in self.sources.iter().enumerate() {
            let key = |field: &str| format!("sources[{i}].{field}");
            if s.name.trim().is_empty() {
                return Err(invalid(key("name"), "must not be empty".into()));
            }
            if !names.insert(s.name.as_str()) {
                return Err(invalid(
                    key("name"),
                    format!("duplicate source name '{}'", s.name),
                ));
            }
            let needs_url = matches!(
                s.kind,
                SourceKind::Html | SourceKind::Feed | SourceKind::Json
            );
            match &s.url {
                None if needs_url => {
                    return Err(invalid(key("url"), "required for this kind".into()));
                }
                Some(u) if !(u.starts_with("http://") || u.starts_with("https://")) => {
                    return Err(invalid(key("url"), format!("'{u}' is not an http(s) URL")));
                }
                _ => {}
            }
            if s.interval < Duration::from_secs(10) {
                return Err(invalid(key("interval"), "must be at least 10s".into()));
            }
            if !(0.0..=10.0).contains(&s.weight) {
                return Err(invalid(key("weight"), "must be between 0 and 10".into()));
            }
            // Selectors, mappings, URL patterns and encodings of run kinds;
            // the token of a push source.
            let built = if s.kind.is_scheduled() {
                s.build().map(drop)
            } else {
                s.build_push().map(drop)
            };
            built.map_err(|e| match e {
                ConfigError::Invalid {
                    key: k, message, ..
                } => invalid(
                    k.replacen(&format!("sources[{}]", s.name), &format!("sources[{i}]"), 1),
                    message,
                ),
                other => other,
            })?;
        }
        self.notify
            .validate()
            .map_err(|(key, message)| invalid(key, message))?;
        self.syndicate
            .validate()
            .map_err(|(key, message)| invalid(key, message))?;
        let c = &self.crawl;
        if c.concurrency == 0 || c.per_host_concurrency == 0 {
            return Err(invalid(
                "crawl.concurrency".into(),
                "concurrency limits must be at least 1".into(),
            ));
        }
        if c.max_body == 0 {
            return Err(invalid("crawl.max_body".into(), "must be positive".into()));
        }
        if c.timeout.is_zero() || c.connect_timeout.is_zero() {
            return Err(invalid("crawl.timeout".into(), "must be positive".into()));
        }
        Ok(())
    }
}

/// `YUQING_ANALYSIS__RISK__THRESHOLDS__HIGH=70` sets analysis.risk.thresholds.high.
fn apply_env(table: &mut toml::Table, var: &str, value: &str) -> Result<(), ConfigError> {
    let path: Vec<String> = var[ENV_PREFIX.len()..]
        .split("__")
        .map(str::to_ascii_lowercase)
        .collect();
    if path.iter().any(String::is_empty) {
        return Err(ConfigError::Env {
            var: var.to_string(),
            message: "empty key segment".into(),
        });
    }
    // Scalars as TOML would read them; anything else is a string.
    let parsed = toml::from_str::<toml::Table>(&format!("v = {value}"))
        .ok()
        .and_then(|mut t| t.remove("v"))
        .filter(|v| !v.is_table())
        .unwrap_or_else(|| toml::Value::String(value.to_string()));
    let (last, parents) = path.split_last().expect("at least one segment");
    let mut cur = table;
    for seg in parents {
        let entry = cur
            .entry(seg.clone())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        cur = entry.as_table_mut().ok_or_else(|| ConfigError::Env {
            var: var.to_string(),
            message: format!("'{seg}' is not a table"),
        })?;
    }
    cur.insert(last.clone(), parsed);
    Ok(())
}

fn one_line(s: &str) -> String {
    s.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty())
        .collect::<Vec<_>>()
        .join(" ")
}

fn describe_de_error(e: &toml::de::Error) -> String {
    one_line(e.message())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn load_str(toml_text: &str, env: &[(&str, &str)]) -> Result<Config, ConfigError> {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("yuqing.toml");
        std::fs::write(&path, toml_text).unwrap();
        Config::load_with_env(
            Some(&path),
            env.iter().map(|(k, v)| (k.to_string(), v.to_string())),
        )
    }

    #[test]
    fn empty_file_gives_defaults() {
        let c = load_str("", &[]).unwrap();
        assert!(c.data_dir.ends_with("data"));
        assert_eq!(c.analysis, AnalysisSettings::default());
        assert!(c.database_url.is_none());
    }

    #[test]
    fn unknown_key_is_named() {
        let err = load_str("[analysis]\nneutral_bnd = 0.2\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `neutral_bnd`"), "{err}");
    }

    #[test]
    fn out_of_range_value_names_key() {
        let err = load_str("[analysis]\nneutral_band = 1.5\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("analysis.neutral_band"), "{err}");
        let err = load_str("[analysis.risk.thresholds]\nhigh = 20\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("analysis.risk.thresholds.high"), "{err}");
    }

    #[test]
    fn env_overrides_file() {
        let c = load_str(
            "data_dir = \"/srv/a\"\n[analysis]\nkeywords = 3\n",
            &[
                ("YUQING_DATA_DIR", "/srv/b"),
                ("YUQING_ANALYSIS__KEYWORDS", "7"),
                ("YUQING_DATABASE_URL", "postgres://u:pw@localhost/yq"),
                ("OTHER", "x"),
                ("YUQING_LOG", "debug"),
                ("YUQING_CONFIG", "/elsewhere.toml"),
                ("YUQING_TEST_DATABASE_URL", "postgres://localhost/test"),
            ],
        )
        .unwrap();
        assert_eq!(c.data_dir, PathBuf::from("/srv/b"));
        assert_eq!(c.analysis.keywords, 7);
        assert_eq!(
            c.database_url.as_ref().unwrap().expose(),
            "postgres://u:pw@localhost/yq"
        );
        assert!(!format!("{c:?}").contains("pw@"), "secret leaked in Debug");
    }

    #[test]
    fn unknown_environment_key_is_named() {
        let err = load_str("", &[("YUQING_DATA_DIRR", "/x")])
            .unwrap_err()
            .to_string();
        assert!(err.contains("unknown field `data_dirr`"), "{err}");
    }

    #[test]
    fn sources_are_validated() {
        let ok = load_str(
            "[[sources]]\nname = \"campus-news\"\nkind = \"html\"\nurl = \"http://example.edu.cn/news/\"\ninterval = \"10m\"\n",
            &[],
        )
        .unwrap();
        assert_eq!(ok.sources[0].interval, Duration::from_secs(600));
        assert!(ok.sources[0].respect_robots && ok.sources[0].polite);
        let err = load_str("[[sources]]\nname = \"a\"\nkind = \"feed\"\n", &[])
            .unwrap_err()
            .to_string();
        assert!(err.contains("sources[0].url: required"), "{err}");
        let err = load_str(
            "[[sources]]\nname = \"a\"\nkind = \"rss\"\nurl = \"http://x/\"\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown variant `rss`"), "{err}");
        let err = load_str(
            "[[sources]]\nname = \"a\"\nkind = \"feed\"\nurl = \"http://x/\"\ninterval = \"5 minutes\"\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("invalid duration"), "{err}");
    }

    #[test]
    fn kind_settings_are_parsed_and_checked() {
        let ok = load_str(
            "[crawl]\ntimeout = \"5s\"\nmax_body = \"2MiB\"\nthroughput_grace = \"500ms\"\n\
             [[sources]]\nname = \"w\"\nkind = \"json\"\npreset = \"weibo\"\nurl = \"https://m.weibo.cn/api/x\"\n\
             cookies = \"SUB=topsecret\"\ncomments = true\nchannel = \"weibo\"\n\
             [sources.fields]\nauthor = \"user.name\"\n",
            &[],
        )
        .unwrap();
        assert_eq!(ok.crawl.timeout, Duration::from_secs(5));
        assert_eq!(ok.crawl.max_body, 2 * 1024 * 1024);
        assert_eq!(ok.crawl.throughput_grace, Duration::from_millis(500));
        assert!(matches!(ok.sources[0].settings, KindSettings::Json(_)));
        assert!(
            !format!("{ok:?}").contains("topsecret"),
            "cookie leaked in Debug"
        );

        let err = load_str(
            "[[sources]]\nname = \"a\"\nkind = \"html\"\nurl = \"http://x/\"\nitem = \"li a\"\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown field `item`"), "{err}");
        let err = load_str(
            "[[sources]]\nname = \"a\"\nkind = \"html\"\nurl = \"http://x/\"\nitems = \"ul..x\"\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("sources[0].items: invalid CSS selector"),
            "{err}"
        );
        let err = load_str(
            "[[sources]]\nname = \"a\"\nkind = \"html\"\nurl = \"http://x/\"\npage_url = \"http://x/p.html\"\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("sources[0].page_url") && err.contains("{page}"),
            "{err}"
        );
        let err = load_str(
            "[[sources]]\nname = \"a\"\nkind = \"json\"\nurl = \"http://x/\"\nitems = \"data\"\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("sources[0].fields.id: required"), "{err}");
        let err = load_str(
            "[[sources]]\nname = \"a\"\nkind = \"feed\"\nurl = \"http://x/\"\nencoding = \"klingon\"\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("sources[0].encoding: unknown encoding"),
            "{err}"
        );
        let err = load_str(
            "[[sources]]\nname = \"a\"\nkind = \"push\"\nitems = \"x\"\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("unknown field `items`"), "{err}");
    }

    #[test]
    fn notify_channels_are_parsed_and_checked() {
        let ok = load_str(
            "[notify]\nbase_url = \"https://yq.example.edu.cn\"\n\
             [[notify.channels]]\nname = \"值班群\"\nkind = \"dingtalk\"\n\
             url = \"https://oapi.dingtalk.com/robot/send?access_token=tok123\"\nsecret = \"SECabc\"\n\
             min_level = \"high\"\ncategories = [\"食品安全\"]\nquiet_hours = \"22:00-07:30\"\n\
             weekdays = [\"mon\", \"fri\"]\nmin_interval = \"5m\"\n",
            &[],
        )
        .unwrap();
        let c = &ok.notify.channels[0];
        assert_eq!(c.kind, crate::notify::ChannelKind::Dingtalk);
        assert_eq!(c.min_level, RiskLevel::High);
        assert_eq!(c.min_interval, Duration::from_secs(300));
        assert_eq!(c.bypass_levels, [RiskLevel::Critical]);
        assert_eq!(c.quiet_hours.unwrap().start, 22 * 60);
        let shown = format!("{ok:?}");
        assert!(
            !shown.contains("tok123") && !shown.contains("SECabc"),
            "secret leaked"
        );

        let channel = |extra: &str| {
            format!(
                "[[notify.channels]]\nname = \"a\"\nkind = \"webhook\"\nurl = \"https://h.example/x?key=topsecret\"\n\
                 secret = \"whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw\"\n{extra}"
            )
        };
        load_str(&channel(""), &[]).unwrap();
        for (extra, key) in [
            ("quiet_hours = \"22:00-7\"\n", "invalid quiet hours"),
            ("weekdays = [\"montag\"]\n", "unknown weekday"),
            ("weekdays = []\n", "notify.channels[0].weekdays"),
            ("max_per_minute = 0\n", "notify.channels[0].max_per_minute"),
            ("format = \"text\"\n", "notify.channels[0].format"),
            ("min_level = \"severe\"\n", "unknown variant `severe`"),
        ] {
            let err = load_str(&channel(extra), &[]).unwrap_err().to_string();
            assert!(err.contains(key), "{extra}: {err}");
        }
        let err = load_str(
            "[[notify.channels]]\nname = \"a\"\nkind = \"webhook\"\nurl = \"https://h.example/x\"\nsecret = \"plain\"\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("notify.channels[0].secret") && err.contains("whsec_"),
            "{err}"
        );
        let err = load_str(
            "[[notify.channels]]\nname = \"a\"\nkind = \"dingtalk\"\nurl = \"https://h.example/x\"\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("notify.channels[0].secret: required"), "{err}");
        let err = load_str(
            "[[notify.channels]]\nname = \"a\"\nkind = \"wecom\"\nurl = \"ftp://topsecret\"\nmax_per_minute = 30\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(
            err.contains("notify.channels[0].url") && !err.contains("topsecret"),
            "{err}"
        );
        let err = load_str(
            "[[notify.channels]]\nname = \"a\"\nkind = \"wecom\"\nurl = \"https://h.example/x\"\nmax_per_minute = 30\n",
            &[],
        )
        .unwrap_err()
        .to_string();
        assert!(err.contains("notify.channels[0].max_per_minute"), "{err}");
    }

    #[test]
    fn syntax_error_names_file_and_line() {
        let err = load_str("data_dir = \n", &[]).unwrap_err().to_string();
        assert!(
            err.contains("yuqing.toml") && err.contains("line 1"),
            "{err}"
        );
    }

    #[test]
    fn missing_explicit_file_is_an_error() {
        let err = Config::load_with_env(Some(Path::new("/nonexistent/y.toml")), Vec::new())
            .unwrap_err()
            .to_string();
        assert!(err.starts_with("/nonexistent/y.toml:"), "{err}");
    }
}
