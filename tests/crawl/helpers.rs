use crate::fixture_site::{self, FixtureSite};
use std::sync::{Arc, OnceLock};
use yuqing::analyze::Analyzer;
use yuqing::config::Config;
use yuqing::crawl::{self, CrawlOptions, CrawlSummary, NoProgress};
use yuqing::model::{RiskLevel, StoredPost};
use yuqing::pipeline::Pipeline;
use yuqing::store::{SourceState, Store};

/// Crawler settings that keep the tests fast: short timeouts, quick retries.
pub const FAST: &str = r#"
[crawl]
user_agent = "yuqing-test/1.0"
rate_limit = "1ms"
per_host_concurrency = 4
connect_timeout = "2s"
timeout = "5s"
throughput_grace = "500ms"
min_throughput = 1000
max_body = "1MiB"
retries = 2
retry_backoff = "50ms"
retry_after_max = "3s"
max_redirects = 5
"#;

fn analyzer() -> Arc<Analyzer> {
    static A: OnceLock<Arc<Analyzer>> = OnceLock::new();
    A.get_or_init(|| Arc::new(Analyzer::load_default().expect("default analyzer loads")))
        .clone()
}

pub struct TestApp {
    pub site: FixtureSite,
    pub config: Config,
    pub pipeline: Pipeline,
    pub store: Arc<Store>,
    _dir: tempfile::TempDir,
}

/// The fixture site, and a config of `sources` (TOML, with `{base}` for the
/// site's address) over a fresh SQLite store.
pub async fn spawn_app(sources: &str) -> TestApp {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("yuqing=debug")
            .try_init();
    }
    let site = fixture_site::spawn().await;
    let dir = tempfile::tempdir().unwrap();
    let text = format!("{FAST}\n{}", sources.replace("{base}", &site.base));
    let path = dir.path().join("yuqing.toml");
    std::fs::write(&path, &text).unwrap();
    let mut config = Config::load_with_env(Some(&path), Vec::<(String, String)>::new())
        .unwrap_or_else(|e| panic!("test config is valid: {e}\n{text}"));
    config.data_dir = dir.path().join("data");
    let store = Arc::new(Store::open(None, &config.data_dir).await.unwrap());
    let pipeline = Pipeline::new(analyzer(), store.clone(), RiskLevel::Medium);
    TestApp {
        site,
        config,
        pipeline,
        store,
        _dir: dir,
    }
}

impl TestApp {
    /// One pass over every source, due or not.
    pub async fn crawl(&self) -> CrawlSummary {
        crawl::crawl_with(
            &self.config,
            &self.pipeline,
            CrawlOptions {
                only: None,
                force: true,
            },
            Arc::new(NoProgress),
        )
        .await
        .unwrap()
    }

    pub async fn posts(&self, source: &str) -> Vec<StoredPost> {
        let mut all = self.store.posts_since(None, None, 10_000).await.unwrap();
        all.retain(|p| p.source == source);
        all.sort_by(|a, b| a.external_id.cmp(&b.external_id));
        all
    }

    pub async fn post(&self, source: &str, title: &str) -> StoredPost {
        let posts = self.posts(source).await;
        posts
            .iter()
            .find(|p| p.title == title)
            .cloned()
            .unwrap_or_else(|| {
                panic!(
                    "no post '{title}' from {source}; have {:?}",
                    posts.iter().map(|p| &p.title).collect::<Vec<_>>()
                )
            })
    }

    pub async fn state(&self, source: &str) -> SourceState {
        self.store
            .source_state(source)
            .await
            .unwrap()
            .expect("source recorded")
    }
}

/// A time as an RFC 3339 string in +08:00.
pub fn cst(t: Option<chrono::DateTime<chrono::Utc>>) -> String {
    t.map(|t| {
        t.with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
            .to_rfc3339()
    })
    .unwrap_or_default()
}
