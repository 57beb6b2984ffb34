//! One typed configuration, loaded and validated once at start.
//!
//! Sources of settings, later ones winning: defaults, `yuqing.toml`, then
//! environment variables `YUQING_<KEY>` with `__` between nested keys
//! (`YUQING_ANALYSIS__NEUTRAL_BAND=0.2`). Every error names the key.

use crate::analyze::AnalysisSettings;
use serde::{Deserialize, Deserializer};
use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

pub const DEFAULT_CONFIG_FILE: &str = "yuqing.toml";
const ENV_PREFIX: &str = "YUQING_";
/// `YUQING_*` variables that are not configuration keys: the config file's
/// own path, the log filter, and what the test suite reads.
const NOT_CONFIG_KEYS: &[&str] = &["YUQING_CONFIG", "YUQING_LOG"];
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
        }
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

/// A configured source. The crawler's settings per kind build on this.
#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SourceConfig {
    pub name: String,
    pub kind: SourceKind,
    #[serde(default)]
    pub url: Option<String>,
    #[serde(
        default = "default_interval",
        deserialize_with = "deserialize_duration"
    )]
    pub interval: Duration,
    /// Authority of the source for the risk score; 1.0 is ordinary.
    #[serde(default = "default_weight")]
    pub weight: f32,
}

fn default_interval() -> Duration {
    Duration::from_secs(600)
}

fn default_weight() -> f32 {
    1.0
}

/// `"90s"`, `"10m"`, `"2h"`, `"1d"`.
pub fn parse_duration(s: &str) -> Result<Duration, String> {
    let s = s.trim();
    let split = s.find(|c: char| !c.is_ascii_digit()).unwrap_or(s.len());
    let (num, unit) = s.split_at(split);
    let n: u64 = num
        .parse()
        .map_err(|_| format!("invalid duration '{s}': expected e.g. 30s, 10m, 2h, 1d"))?;
    let secs = match unit {
        "s" => n,
        "m" => n * 60,
        "h" => n * 3600,
        "d" => n * 86_400,
        _ => return Err(format!("invalid duration '{s}': unit must be s, m, h or d")),
    };
    Ok(Duration::from_secs(secs))
}

fn deserialize_duration<'de, D: Deserializer<'de>>(d: D) -> Result<Duration, D::Error> {
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
        config.validate(&origin)?;
        Ok(config)
    }

    fn resolve_relative_to(&mut self, dir: &Path) {
        for p in [
            &mut self.data_dir,
            &mut self.dictionaries_dir,
            &mut self.rules_dir,
        ] {
            if p.is_relative() && !dir.as_os_str().is_empty() {
                *p = dir.join(&*p);
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
