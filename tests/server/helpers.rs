use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};
use yuqing::analyze::Analyzer;
use yuqing::clock::ManualClock;
use yuqing::config::Config;
use yuqing::model::StoredPost;
use yuqing::server::Server;
use yuqing::store::Store;

pub const TOKEN: &str = "test-token-0123456789";

pub fn analyzer() -> Arc<Analyzer> {
    static A: OnceLock<Arc<Analyzer>> = OnceLock::new();
    A.get_or_init(|| Arc::new(Analyzer::load_default().expect("default analyzer loads")))
        .clone()
}

/// The tokenizer the server indexes with, for reading its index.
pub fn search_tokenizer() -> yuqing::search::JiebaTokenizer {
    yuqing::search::JiebaTokenizer::from_analyzer(analyzer().tokenizer())
}

pub struct TestServer {
    pub base: String,
    pub store: Arc<Store>,
    pub http: reqwest::Client,
    pub dir: tempfile::TempDir,
    pub clock: Arc<ManualClock>,
    /// The first admin's password, created because the store had no users.
    pub admin_password: Option<String>,
    stop: tokio::sync::watch::Sender<bool>,
    task: tokio::task::JoinHandle<Result<(), yuqing::server::ServerError>>,
}

/// A server with `sources` (TOML; `{dir}` is its temporary folder) on
/// 127.0.0.1:0 over a fresh SQLite store.
pub async fn spawn_server(sources: &str) -> TestServer {
    if std::env::var_os("TEST_LOG").is_some() {
        let _ = tracing_subscriber::fmt()
            .with_env_filter("yuqing=debug")
            .try_init();
    }
    let dir = tempfile::tempdir().unwrap();
    let text = format!(
        "data_dir = \"{}\"\n[server]\ndashboards_dir = \"{}/dashboards\"\n[crawl]\nrate_limit = \"1ms\"\nretries = 0\n{}",
        dir.path().join("data").display(),
        env!("CARGO_MANIFEST_DIR"),
        sources.replace("{dir}", &dir.path().display().to_string())
    );
    let path = dir.path().join("yuqing.toml");
    std::fs::write(&path, &text).unwrap();
    let config = Config::load_with_env(Some(&path), Vec::<(String, String)>::new())
        .unwrap_or_else(|e| panic!("test config is valid: {e}\n{text}"));
    let clock = Arc::new(ManualClock::default());
    let server = Server::build_with_clock(&config, analyzer(), clock.clone())
        .await
        .unwrap();
    let admin_password = server.initial_admin_password().map(String::from);
    let store = server.pipeline().store().clone();
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let (stop, rx) = tokio::sync::watch::channel(false);
    let task = tokio::spawn(server.run(listener, rx));
    TestServer {
        base,
        store,
        http: reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .unwrap(),
        dir,
        clock,
        admin_password,
        stop,
        task,
    }
}

/// A secrets key file shared by the tests (one key per test run).
pub fn secret_key_file() -> &'static std::path::Path {
    static F: OnceLock<(tempfile::TempDir, std::path::PathBuf)> = OnceLock::new();
    &F.get_or_init(|| {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("secret.key");
        std::fs::write(&path, yuqing::syndicate::SecretKey::generate()).unwrap();
        (dir, path)
    })
    .1
}

/// A server whose outbox runs: the shared secrets key, the shipped
/// publishing rules, a 50 ms outbox poll.
pub async fn spawn_publishing_server() -> TestServer {
    spawn_server(&format!(
        "[syndicate]\nsecret_key_file = \"{}\"\nrules_dir = \"{}/rules/publish\"\n[syndicate.outbox]\npoll = \"50ms\"\n",
        secret_key_file().display(),
        env!("CARGO_MANIFEST_DIR"),
    ))
    .await
}

impl TestServer {
    /// The server's (movable) time.
    pub fn clock_now(&self) -> chrono::DateTime<chrono::Utc> {
        use yuqing::clock::Clock;
        self.clock.now()
    }

    pub fn push(&self, source: &str) -> reqwest::RequestBuilder {
        self.http
            .post(format!("{}/api/v1/sources/{source}/items", self.base))
            .bearer_auth(TOKEN)
    }

    pub async fn posts(&self) -> Vec<StoredPost> {
        self.store.posts_since(None, None, 10_000).await.unwrap()
    }

    /// Poll until `f` holds (the scheduler and the indexer run on their own).
    pub async fn wait_for<F, Fut>(&self, what: &str, mut f: F)
    where
        F: FnMut() -> Fut,
        Fut: std::future::Future<Output = bool>,
    {
        let start = Instant::now();
        while !f().await {
            assert!(
                start.elapsed() < Duration::from_secs(20),
                "timed out waiting for {what}"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Stop and wait; the server must end cleanly.
    pub async fn stop(self) {
        self.stop.send(true).unwrap();
        tokio::time::timeout(Duration::from_secs(15), self.task)
            .await
            .expect("server stops in time")
            .unwrap()
            .expect("server ends without error");
    }
}

/// A signed-in browser: the session cookie and the CSRF token of its pages.
pub struct Session {
    pub cookie: String,
    pub csrf: String,
    base: String,
    http: reqwest::Client,
}

/// The CSRF token of a page's forms.
pub fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    page[at..at + 64].to_string()
}

impl TestServer {
    /// Create a user with `roles` (display name `display`), sign them in.
    pub async fn user(&self, name: &str, display: &str, roles: &[yuqing::review::Role]) -> i64 {
        yuqing::review::users::add_user(
            &self.store,
            name,
            Some(display),
            roles,
            "a-long-password",
            None,
            chrono::Utc::now(),
        )
        .await
        .unwrap()
    }

    pub async fn sign_in(&self, name: &str) -> Session {
        let r = self
            .http
            .post(format!("{}/login", self.base))
            .form(&[
                ("username", name),
                ("password", "a-long-password"),
                ("next", "/"),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(
            r.status(),
            reqwest::StatusCode::SEE_OTHER,
            "{name} signs in"
        );
        let cookie = r
            .headers()
            .get("set-cookie")
            .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string())
            .expect("session cookie");
        let mut s = Session {
            cookie,
            csrf: String::new(),
            base: self.base.clone(),
            http: self.http.clone(),
        };
        let home = s.get("/").await;
        assert_eq!(home.status(), reqwest::StatusCode::OK);
        s.csrf = csrf_of(&home.text().await.unwrap());
        s
    }
}

impl Session {
    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.http
            .get(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .send()
            .await
            .unwrap()
    }

    /// GET a page that must answer 200; its HTML.
    pub async fn page(&self, path: &str) -> String {
        let r = self.get(path).await;
        assert_eq!(r.status(), reqwest::StatusCode::OK, "GET {path}");
        r.text().await.unwrap()
    }

    /// POST a form with this session's CSRF token.
    pub async fn post(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        let mut fields: Vec<(&str, &str)> = vec![("csrf", self.csrf.as_str())];
        fields.extend_from_slice(form);
        self.post_raw(path, &fields).await
    }

    pub async fn post_raw(&self, path: &str, form: &[(&str, &str)]) -> reqwest::Response {
        self.http
            .post(format!("{}{path}", self.base))
            .header("cookie", &self.cookie)
            .form(form)
            .send()
            .await
            .unwrap()
    }
}
