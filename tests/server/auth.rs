//! Sign-in, sessions, CSRF and lockout against the real server.

use crate::helpers::{TestServer, spawn_server};
use reqwest::StatusCode;
use yuqing::review::Role;
use yuqing::review::users::{add_user, change_password};

const PASSWORD: &str = "a-long-password";

async fn with_user(name: &str, roles: &[Role]) -> TestServer {
    let app = spawn_server("").await;
    add_user(
        &app.store,
        name,
        Some("张三"),
        roles,
        PASSWORD,
        None,
        chrono::Utc::now(),
    )
    .await
    .unwrap();
    app
}

/// Sign in; the session cookie (`name=value`) and the response.
async fn login(
    app: &TestServer,
    user: &str,
    password: &str,
) -> (Option<String>, reqwest::Response) {
    let r = app
        .http
        .post(format!("{}/login", app.base))
        .form(&[("username", user), ("password", password), ("next", "/")])
        .send()
        .await
        .unwrap();
    let cookie = r
        .headers()
        .get("set-cookie")
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_string());
    (cookie, r)
}

async fn get(app: &TestServer, path: &str, cookie: Option<&str>) -> reqwest::Response {
    let mut req = app.http.get(format!("{}{path}", app.base));
    if let Some(c) = cookie {
        req = req.header("cookie", c);
    }
    req.send().await.unwrap()
}

fn csrf_of(page: &str) -> String {
    let at = page.find("name=\"csrf\" value=\"").expect("csrf field") + 19;
    page[at..at + 64].to_string()
}

#[tokio::test]
async fn sign_in_page_session_and_logout_with_csrf() {
    let app = with_user("zhang.san", &[Role::Monitor]).await;
    // Not signed in: pages go to the sign-in form, keeping where they were.
    let r = get(&app, "/", None).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(r.headers()["location"], "/login?next=%2F");
    let form = get(&app, "/login", None).await.text().await.unwrap();
    assert!(form.contains("用户名") && form.contains("密码"), "{form}");

    let (cookie, r) = login(&app, "zhang.san", "wrong-password").await;
    assert_eq!(r.status(), StatusCode::UNAUTHORIZED);
    assert!(cookie.is_none());
    assert!(r.text().await.unwrap().contains("用户名或密码错误"));
    let (_, r) = login(&app, "nobody", PASSWORD).await;
    assert!(
        r.text().await.unwrap().contains("用户名或密码错误"),
        "same answer for unknown users"
    );

    let (cookie, r) = login(&app, "zhang.san", PASSWORD).await;
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    let set = r.headers()["set-cookie"].to_str().unwrap();
    assert!(
        set.contains("HttpOnly") && set.contains("SameSite=Strict"),
        "{set}"
    );
    let cookie = cookie.unwrap();
    // A new session id at every sign-in.
    let (again, _) = login(&app, "zhang.san", PASSWORD).await;
    assert_ne!(again.as_deref(), Some(cookie.as_str()));

    let page = get(&app, "/", Some(&cookie)).await;
    assert_eq!(page.status(), StatusCode::OK);
    let page = page.text().await.unwrap();
    assert!(
        page.contains("张三（监测员）") && page.contains("今日新增预警"),
        "{page}"
    );
    let csrf = csrf_of(&page);

    // Logout without (or with a wrong) CSRF token is refused.
    for token in ["", "0000"] {
        let r = app
            .http
            .post(format!("{}/logout", app.base))
            .header("cookie", &cookie)
            .form(&[("csrf", token)])
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::FORBIDDEN);
    }
    let r = app
        .http
        .post(format!("{}/logout", app.base))
        .header("cookie", &cookie)
        .form(&[("csrf", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert!(
        r.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Max-Age=0")
    );
    // The old cookie is dead; the other session lives on.
    assert_eq!(
        get(&app, "/", Some(&cookie)).await.status(),
        StatusCode::SEE_OTHER
    );
    assert_eq!(
        get(&app, "/", again.as_deref()).await.status(),
        StatusCode::OK
    );
    app.stop().await;
}

#[tokio::test]
async fn repeated_failures_lock_the_account_for_a_while() {
    let app = with_user("li.si", &[Role::Commentator]).await;
    for _ in 0..4 {
        let (_, r) = login(&app, "li.si", "wrong-password").await;
        assert!(r.text().await.unwrap().contains("用户名或密码错误"));
    }
    let (_, r) = login(&app, "li.si", "wrong-password").await;
    assert!(
        r.text()
            .await
            .unwrap()
            .contains("账户已临时锁定，请 15 分钟后再试")
    );
    // Even the right password waits for the lock to end.
    let (cookie, r) = login(&app, "li.si", PASSWORD).await;
    assert!(cookie.is_none());
    assert!(r.text().await.unwrap().contains("已临时锁定"));
    app.clock.advance(chrono::Duration::minutes(16));
    let (cookie, _) = login(&app, "li.si", PASSWORD).await;
    assert!(cookie.is_some());
    app.stop().await;
}

#[tokio::test]
async fn sessions_expire_when_idle_or_old_and_end_with_a_password_change() {
    let app = with_user("wang", &[Role::Publisher]).await;
    let (cookie, _) = login(&app, "wang", PASSWORD).await;
    let cookie = cookie.unwrap();
    // Used every 1.5 h: the idle limit (2 h) never bites …
    for _ in 0..7 {
        app.clock.advance(chrono::Duration::minutes(90));
        assert_eq!(get(&app, "/", Some(&cookie)).await.status(), StatusCode::OK);
    }
    // … but 12 h after sign-in the session is over.
    app.clock.advance(chrono::Duration::minutes(90));
    assert_eq!(
        get(&app, "/", Some(&cookie)).await.status(),
        StatusCode::SEE_OTHER
    );

    let (cookie, _) = login(&app, "wang", PASSWORD).await;
    let cookie = cookie.unwrap();
    app.clock.advance(chrono::Duration::minutes(121));
    assert_eq!(
        get(&app, "/", Some(&cookie)).await.status(),
        StatusCode::SEE_OTHER,
        "idle"
    );

    let (cookie, _) = login(&app, "wang", PASSWORD).await;
    let cookie = cookie.unwrap();
    // A password changed elsewhere ends the session.
    app.clock.advance(chrono::Duration::seconds(2));
    change_password(
        &app.store,
        "wang",
        "another-long-password",
        None,
        app.clock_now(),
    )
    .await
    .unwrap();
    assert_eq!(
        get(&app, "/", Some(&cookie)).await.status(),
        StatusCode::SEE_OTHER
    );
    app.stop().await;
}

#[tokio::test]
async fn first_start_creates_an_admin_once_and_redirects_stay_local() {
    let app = spawn_server("").await;
    let password = app.admin_password.clone().expect("first admin created");
    let (cookie, r) = app
        .http
        .post(format!("{}/login", app.base))
        .form(&[
            ("username", "admin"),
            ("password", password.as_str()),
            ("next", "//evil.example/x"),
        ])
        .send()
        .await
        .map(|r| (r.headers().get("set-cookie").cloned(), r))
        .unwrap();
    assert!(cookie.is_some());
    assert_eq!(r.headers()["location"], "/");
    app.stop().await;
}
