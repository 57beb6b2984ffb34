//! The daily work in a real browser: headless Chromium driven over W3C
//! WebDriver (chromedriver) against the app on a random port. A monitor
//! signs in, filters the queue and assigns an alert; the commentator signs
//! in, starts, responds and resolves. Screenshots (1366×768) go to
//! `target/screenshots/`. Skipped, saying so, where chromedriver is missing
//! (`.ci/run` installs Debian's chromium and chromium-driver).

use crate::helpers::spawn_server;
use base64::Engine;
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};
use yuqing::review::{AlertState, Role};

const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
const CHROMIUM: &str = "/usr/bin/chromium";
const ELEMENT: &str = "element-6066-11e4-a52e-4f735466cecf";

struct Driver {
    child: Child,
    http: reqwest::Client,
    url: String,
    _profile: tempfile::TempDir,
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

async fn start_driver() -> Option<Driver> {
    if !Path::new(CHROMEDRIVER).exists() || !Path::new(CHROMIUM).exists() {
        eprintln!(
            "SKIPPED browser test: {CHROMEDRIVER} or {CHROMIUM} not installed (apt-get install chromium chromium-driver)"
        );
        return None;
    }
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let child = Command::new(CHROMEDRIVER)
        .arg(format!("--port={port}"))
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("chromedriver starts");
    let url = format!("http://127.0.0.1:{port}");
    let http = reqwest::Client::new();
    let start = Instant::now();
    while http.get(format!("{url}/status")).send().await.is_err() {
        assert!(
            start.elapsed() < Duration::from_secs(20),
            "chromedriver answers"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    Some(Driver {
        child,
        http,
        url,
        _profile: tempfile::tempdir().unwrap(),
    })
}

struct Browser<'a> {
    driver: &'a Driver,
    session: String,
    base: String,
    shots: PathBuf,
}

impl<'a> Browser<'a> {
    async fn open(driver: &'a Driver, base: &str) -> Browser<'a> {
        let args = [
            "--headless=new",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--disable-dev-shm-usage",
            "--window-size=1366,768",
            "--lang=zh-CN",
            &format!("--user-data-dir={}", driver._profile.path().display()),
        ];
        let caps = json!({"capabilities": {"alwaysMatch": {
            "browserName": "chrome",
            "goog:chromeOptions": {"binary": CHROMIUM, "args": args}
        }}});
        let r: Value = driver
            .http
            .post(format!("{}/session", driver.url))
            .json(&caps)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let session = r["value"]["sessionId"]
            .as_str()
            .unwrap_or_else(|| panic!("a WebDriver session: {r}"))
            .to_string();
        let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("target/screenshots");
        std::fs::create_dir_all(&shots).unwrap();
        let b = Browser {
            driver,
            session,
            base: base.to_string(),
            shots,
        };
        b.cmd("POST", "window/rect", json!({"width": 1366, "height": 768}))
            .await;
        b
    }

    async fn cmd(&self, method: &str, path: &str, body: Value) -> Value {
        self.try_cmd(method, path, body)
            .await
            .unwrap_or_else(|e| panic!("WebDriver {path}: {e}"))
    }

    /// A WebDriver command whose error is the caller's to handle.
    async fn try_cmd(&self, method: &str, path: &str, body: Value) -> Result<Value, Value> {
        let url = format!("{}/session/{}/{path}", self.driver.url, self.session);
        let req = match method {
            "GET" => self.driver.http.get(url),
            _ => self.driver.http.post(url).json(&body),
        };
        let r: Value = req.send().await.unwrap().json().await.unwrap();
        if r["value"].get("error").is_some() {
            return Err(r["value"].clone());
        }
        Ok(r["value"].clone())
    }

    /// Waits for an element whose text contains `needle`. After a click that
    /// submits a form the previous page's element may still be found, then
    /// go stale as the next page loads: both are waited out.
    async fn wait_text(&self, css: &str, needle: &str) {
        let start = Instant::now();
        let mut last = Value::Null;
        while start.elapsed() < Duration::from_secs(10) {
            let id = self.find(css).await;
            match self
                .try_cmd("GET", &format!("element/{id}/text"), Value::Null)
                .await
            {
                Ok(Value::String(t)) if t.contains(needle) => return,
                Ok(v) | Err(v) => last = v,
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        panic!("no {css} with '{needle}' within 10 s; last: {last}");
    }

    async fn go(&self, path: &str) {
        self.cmd(
            "POST",
            "url",
            json!({"url": format!("{}{path}", self.base)}),
        )
        .await;
    }

    async fn find(&self, css: &str) -> String {
        let start = Instant::now();
        loop {
            let url = format!("{}/session/{}/element", self.driver.url, self.session);
            let r: Value = self
                .driver
                .http
                .post(url)
                .json(&json!({"using": "css selector", "value": css}))
                .send()
                .await
                .unwrap()
                .json()
                .await
                .unwrap();
            if let Some(id) = r["value"][ELEMENT].as_str() {
                return id.to_string();
            }
            assert!(
                start.elapsed() < Duration::from_secs(10),
                "element {css}: {r}"
            );
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn click(&self, css: &str) {
        let id = self.find(css).await;
        self.cmd("POST", &format!("element/{id}/click"), json!({}))
            .await;
    }

    async fn type_in(&self, css: &str, text: &str) {
        let id = self.find(css).await;
        self.cmd("POST", &format!("element/{id}/clear"), json!({}))
            .await;
        self.cmd(
            "POST",
            &format!("element/{id}/value"),
            json!({"text": text}),
        )
        .await;
    }

    async fn text(&self, css: &str) -> String {
        let id = self.find(css).await;
        self.cmd("GET", &format!("element/{id}/text"), Value::Null)
            .await
            .as_str()
            .unwrap_or_default()
            .to_string()
    }

    async fn path(&self) -> String {
        let url = self.cmd("GET", "url", Value::Null).await;
        url.as_str()
            .unwrap()
            .trim_start_matches(&self.base)
            .to_string()
    }

    async fn screenshot(&self, name: &str) {
        // Let charts finish their animation.
        tokio::time::sleep(Duration::from_millis(1200)).await;
        let png = self.cmd("GET", "screenshot", Value::Null).await;
        let bytes = base64::engine::general_purpose::STANDARD
            .decode(png.as_str().unwrap())
            .unwrap();
        assert!(bytes.len() > 10_000, "{name}: a real page, not a blank");
        std::fs::write(self.shots.join(format!("{name}.png")), bytes).unwrap();
    }

    async fn sign_in(&self, user: &str) {
        self.go("/login").await;
        self.type_in("#username", user).await;
        self.type_in("#password", "a-long-password").await;
        self.click("form[action='/login'] button").await;
        let start = Instant::now();
        while self.path().await.starts_with("/login") {
            assert!(start.elapsed() < Duration::from_secs(10), "{user} signs in");
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
    }

    async fn sign_out(&self) {
        self.click("header form.who button").await;
    }

    async fn close(self) {
        let url = format!("{}/session/{}", self.driver.url, self.session);
        let _ = self.driver.http.delete(url).send().await;
    }
}

#[tokio::test]
async fn a_monitor_assigns_and_a_commentator_resolves_in_chromium() {
    // The server installs the TLS provider reqwest needs; start it first.
    let app = spawn_server(
        r#"
[[sources]]
name = "weibo-push"
kind = "push"
token = "test-token-0123456789"
channel = "weibo"
"#,
    )
    .await;
    let Some(driver) = start_driver().await else {
        app.stop().await;
        return;
    };
    let now = chrono::Utc::now();
    app.user("mon", "王监测", &[Role::Monitor]).await;
    let c = app.user("hq.a", "赵网评", &[Role::Commentator]).await;
    let g = app
        .store
        .create_group("后勤组", Some(c), None, now)
        .await
        .unwrap();
    let r = app
        .push("weibo-push")
        .json(&json!([
            {"id": "a1", "text": "二食堂饭菜里有虫子，好几个同学吃完腹泻住院了，学校到现在都不回应！[怒]", "metrics": {"likes": 3200, "reposts": 510, "comments": 230}},
            {"id": "a2", "text": "二食堂饭菜里有虫子，好几个同学吃完腹泻住院了，学校到现在都不回应！[怒]"},
            {"id": "a3", "text": "有人在宿舍推销校园贷，说无抵押秒到账，已经有同学被骗了好几万", "metrics": {"likes": 80}},
            {"id": "a4", "text": "三号宿舍楼晚上停电停水，宿管说明天才能修好，热水也没有", "metrics": {"comments": 45}},
            {"id": "a5", "text": "辅导员在班会上辱骂学生，还威胁不给评优，太过分了", "metrics": {"reposts": 120}}
        ]))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::OK);
    let alerts = app.store.alerts().await.unwrap();
    assert!(alerts.len() >= 3, "{alerts:?}");

    let b = Browser::open(&driver, &app.base).await;
    b.sign_in("mon").await;
    b.screenshot("01-overview-monitor").await;

    // Filter the queue by category.
    b.go("/alerts").await;
    b.click("select[name=category] option[value='食品安全']")
        .await;
    b.click("form.filters button[type=submit]").await;
    let start = Instant::now();
    while !b.path().await.contains("category=") {
        assert!(start.elapsed() < Duration::from_secs(10));
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let h1 = b.text("h1").await;
    assert!(h1.contains("共 1 条"), "{h1} at {}", b.path().await);
    b.screenshot("02-queue-filtered").await;

    // Open the alert and assign it to the commentator.
    b.click("#queue td.title a").await;
    b.find("form[action$='/assign']").await;
    b.screenshot("03-alert-page").await;
    b.click(&format!(
        "form[action$='/assign'] select[name=group] option[value='{g}']"
    ))
    .await;
    b.click(&format!(
        "form[action$='/assign'] select[name=user] option[value='{c}']"
    ))
    .await;
    b.click("form[action$='/assign'] button[type=submit]").await;
    b.wait_text(".flash.ok", "已分派").await;
    let food = alerts
        .iter()
        .max_by_key(|a| a.post_count)
        .map(|a| a.id)
        .unwrap();
    let access = app.store.alert_access(food).await.unwrap().unwrap();
    assert_eq!(
        (access.state, access.assignee),
        (AlertState::Assigned, Some(c))
    );
    b.sign_out().await;

    // The commentator finds it in their list, works it and closes it.
    b.sign_in("hq.a").await;
    b.screenshot("04-overview-commentator").await;
    b.go("/alerts?assignee=me").await;
    b.click("#queue td.title a").await;
    b.click("form[action$='/state'] button[value=in_progress]")
        .await;
    b.wait_text(".flash.ok", "已开始处置").await;
    b.type_in(
        "form[action$='/respond'] textarea[name=text]",
        "已联系后勤处核查，二食堂当日停业整改，涉事窗口下架",
    )
    .await;
    b.type_in(
        "form[action$='/respond'] input[name=link]",
        "https://weibo.com/1234567890/Abcdef",
    )
    .await;
    b.click("form[action$='/respond'] select[name=channel] option[value='微博']")
        .await;
    b.click("form[action$='/respond'] button[type=submit]")
        .await;
    b.wait_text(".flash.ok", "回应已记录").await;
    b.click("form[action$='/state'] button[value=resolved]")
        .await;
    b.wait_text(".flash.ok", "已办结").await;
    b.screenshot("05-alert-resolved").await;
    assert_eq!(
        app.store.alert_access(food).await.unwrap().unwrap().state,
        AlertState::Resolved
    );
    b.sign_out().await;

    // Reports as the monitor sees them.
    b.sign_in("mon").await;
    b.go("/reports/daily").await;
    b.screenshot("06-report-daily").await;
    b.go("/events").await;
    b.screenshot("07-hot-events").await;
    b.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_publisher_writes_checks_and_another_approves_and_publishes_in_chromium() {
    use yuqing::syndicate::{
        ChannelKind, ChannelSettings, NewChannel, SecretKey, register_channel,
    };
    let app = crate::helpers::spawn_publishing_server().await;
    let Some(driver) = start_driver().await else {
        app.stop().await;
        return;
    };
    app.user("alice", "张宣传", &[Role::Publisher]).await;
    app.user("bob", "李审核", &[Role::Publisher]).await;
    let key = SecretKey::load(Some(crate::helpers::secret_key_file())).unwrap();
    let site = ChannelSettings {
        site_url: Some("https://www.xx.edu.cn".into()),
        ..ChannelSettings::default()
    };
    let new = NewChannel {
        college: "XX职业技术学院",
        name: "XX职业技术学院官网",
        kind: ChannelKind::Website,
        settings: &site,
        secret: None,
        refresh_token: None,
        app_secret: None,
    };
    let site = register_channel(&app.store, &key, &new, None, chrono::Utc::now())
        .await
        .unwrap();

    let b = Browser::open(&driver, &app.base).await;
    b.sign_in("alice").await;
    b.go("/contents/new").await;
    b.type_in("#title", "我院举行2026届毕业典礼").await;
    b.type_in(
        "#body",
        "6月20日上午，我院隆重举行2026届毕业典礼。\n\n校领导为毕业生拨穗，并勉励大家继续做好疫情防控常态化工作。",
    )
    .await;
    b.type_in("#tags", "毕业季").await;
    b.click(&format!("input[name=channel][value='{site}']"))
        .await;
    b.click("#do-check").await;
    b.wait_text("#check h2", "通过").await;
    let marked = b.text("#check mark.hit.warn").await;
    assert!(marked.contains("疫情防控常态化"), "{marked}");
    b.screenshot("11-content-check").await;

    b.click("#do-save").await;
    b.wait_text(".flash.ok", "已保存").await;
    b.click("#do-submit").await;
    b.wait_text(".flash.ok", "已提交审核").await;
    let own = b.text("#no-self-review").await;
    assert!(own.contains("不能审核自己撰写的内容"), "{own}");
    let page = b.path().await;
    let page = page.split('?').next().unwrap().to_string();
    b.sign_out().await;

    b.sign_in("bob").await;
    b.go("/contents/review").await;
    b.wait_text("#contents", "我院举行2026届毕业典礼").await;
    b.go(&page).await;
    b.click("#do-approve").await;
    b.wait_text(".flash.ok", "已审核通过").await;
    b.click("#do-schedule").await;
    b.wait_text(".flash.ok", "已安排立即发布").await;
    let id: i64 = page.trim_start_matches("/contents/").parse().unwrap();
    let store = app.store.clone();
    app.wait_for("the outbox to publish", || {
        let store = store.clone();
        async move {
            store.syn_content(id).await.unwrap().unwrap().state
                == yuqing::syndicate::ContentState::Published
        }
    })
    .await;
    b.go(&page).await;
    b.wait_text("#jobs", "已发布").await;
    b.screenshot("12-content-published").await;

    // The media matrix as the admin sees it: secrets only as 已设置.
    app.user("root", "王管理", &[Role::Admin]).await;
    b.sign_out().await;
    b.sign_in("root").await;
    b.go("/channels").await;
    b.wait_text("#channels", "XX职业技术学院官网").await;
    b.screenshot("13-channels-admin").await;
    b.close().await;
    app.stop().await;
}
