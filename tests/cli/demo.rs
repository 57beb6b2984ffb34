//! `yuqing demo` as a newcomer runs it: from a directory that is not the
//! repository, on a free port, with a fresh data directory.

use crate::helpers::yuqing;
use std::io::{BufRead, BufReader};
use std::process::{Child, Stdio};
use std::sync::mpsc;
use std::time::{Duration, Instant};

/// Ends the demo if the test fails half-way.
struct Running(Child);

impl Drop for Running {
    fn drop(&mut self) {
        if let Ok(None) = self.0.try_wait() {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }
}

#[tokio::test]
async fn demo_prints_the_dashboard_and_users_then_serves_until_stopped() {
    let dir = tempfile::tempdir().unwrap();
    let started = Instant::now();
    let _ = rustls::crypto::ring::default_provider().install_default();
    let child = yuqing(&["demo", "--addr", "127.0.0.1:0", "--data", "demo-data"])
        .current_dir(dir.path())
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .expect("yuqing binary runs");
    let mut child = Running(child);
    let (tx, rx) = mpsc::channel();
    let stdout = child.0.stdout.take().unwrap();
    std::thread::spawn(move || {
        for line in BufReader::new(stdout).lines().map_while(Result::ok) {
            if tx.send(line).is_err() {
                break;
            }
        }
    });
    let mut lines = Vec::new();
    let url = loop {
        let line = match rx.recv_timeout(Duration::from_secs(90)) {
            Ok(l) => l,
            Err(e) => {
                panic!(
                    "no dashboard line ({e}); output so far:\n{}",
                    lines.join("\n")
                );
            }
        };
        if let Some(rest) = line.strip_prefix("看板：") {
            break rest.split_whitespace().next().unwrap().to_string();
        }
        lines.push(line);
    };
    eprintln!("demo ready after {:?}", started.elapsed());
    let out = lines.join("\n");
    assert!(out.contains("yuqing 演示已就绪"), "{out}");
    assert!(out.contains("帖子 ") && out.contains("预警 "), "{out}");
    for user in [
        "admin",
        "wang.min",
        "li.hang",
        "zhao.xue",
        "chen.gang",
        "liu.yang",
    ] {
        assert!(out.contains(&format!("  {user} ")), "{user} in {out}");
    }
    assert!(dir.path().join("demo-data/yuqing.db").exists());

    // The printed admin password signs in.
    let password = lines
        .iter()
        .find(|l| l.trim_start().starts_with("admin "))
        .and_then(|l| l.split_whitespace().last())
        .unwrap()
        .to_string();
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let r = http
        .post(format!("{url}/login"))
        .form(&[
            ("username", "admin"),
            ("password", &password),
            ("next", "/"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), reqwest::StatusCode::SEE_OTHER);

    // SIGTERM stops it cleanly.
    let status = std::process::Command::new("kill")
        .args(["-TERM", &child.0.id().to_string()])
        .status()
        .unwrap();
    assert!(status.success());
    let deadline = Instant::now() + Duration::from_secs(20);
    let code = loop {
        if let Some(code) = child.0.try_wait().unwrap() {
            break code;
        }
        assert!(Instant::now() < deadline, "demo did not stop");
        std::thread::sleep(Duration::from_millis(100));
    };
    assert!(code.success(), "{code:?}");
}
