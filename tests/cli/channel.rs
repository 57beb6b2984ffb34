//! `yuqing secret-key generate`, `yuqing channel add|list` and `yuqing media sweep`.

use crate::helpers::*;

#[test]
fn generate_a_key_then_add_and_list_channels_with_it() {
    let out = yuqing(&["secret-key", "generate"]).output().unwrap();
    assert!(out.status.success());
    let key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    yuqing::syndicate::SecretKey::from_base64(&key).expect("a usable 32-byte key");
    let help = String::from_utf8_lossy(&out.stderr);
    assert!(help.contains("YUQING_SECRET_KEY"), "{help}");
    assert!(help.contains("secret_key_file"), "{help}");

    let dir = tempfile::tempdir().unwrap();
    let cmd = |args: &[&str], with_key: bool| {
        let mut c = yuqing(args);
        c.env("YUQING_DATA_DIR", dir.path().join("data"));
        if with_key {
            c.env("YUQING_SECRET_KEY", &key);
        }
        c
    };
    let whsec = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
    let add_hook = [
        "channel",
        "add",
        "XX职业技术学院Webhook",
        "--kind",
        "webhook",
        "--url",
        "http://127.0.0.1:9/hook",
        "--secret-stdin",
    ];
    // Without a key the secret cannot be sealed: refused, with the way out.
    let out = run_with_stdin(cmd(&add_hook, false), &format!("{whsec}\n"));
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("secret-key generate"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = run_with_stdin(cmd(&add_hook, true), &format!("{whsec}\n"));
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("已添加账号 XX职业技术学院Webhook"));

    // The unified naming rule and the settings a kind needs are enforced.
    let out = cmd(
        &[
            "channel",
            "add",
            "学校官网",
            "--kind",
            "website",
            "--site-url",
            "https://www.xx.edu.cn",
        ],
        true,
    )
    .output()
    .unwrap();
    assert!(!out.status.success());
    assert!(
        String::from_utf8_lossy(&out.stderr).contains("账号名称应以学校名称开头"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = cmd(
        &[
            "channel",
            "add",
            "XX职业技术学院官网",
            "--kind",
            "website",
            "--site-url",
            "https://www.xx.edu.cn",
        ],
        true,
    )
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("/feeds/2/rss.xml"));

    // A video account's grant: access token, refresh token and app secret,
    // one line each from stdin.
    let out = run_with_stdin(
        cmd(
            &[
                "channel",
                "add",
                "XX职业技术学院快手号",
                "--kind",
                "kuaishou",
                "--app-id",
                "ks-app",
                "--secret-stdin",
                "--refresh-token-stdin",
                "--app-secret-stdin",
            ],
            true,
        ),
        "ks-token\nks-refresh\nks-secret\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );

    let out = cmd(&["channel", "list"], false).output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("XX职业技术学院Webhook\tWebhook\t使用中\t已设置\t-\t-"),
        "{text}"
    );
    assert!(
        text.contains("XX职业技术学院官网\t官网\t使用中\t未设置"),
        "{text}"
    );
    assert!(
        text.contains("XX职业技术学院快手号\t快手号\t使用中\t已设置\t已设置\t已设置"),
        "{text}"
    );
    assert!(
        !text.contains(whsec) && !text.contains("ks-refresh"),
        "{text}"
    );
}

#[test]
fn media_sweep_lists_then_removes_files_nothing_refers_to() {
    let dir = tempfile::tempdir().unwrap();
    let media = dir.path().join("data/media");
    std::fs::create_dir_all(&media).unwrap();
    let orphan = media.join("0123456789abcdef01234567.jpg");
    std::fs::write(&orphan, [0xFF, 0xD8, 0xFF, 0xE0, 1]).unwrap();
    let sweep = |extra: &[&str]| {
        let mut args = vec!["media", "sweep", "--older-than-hours", "0"];
        args.extend_from_slice(extra);
        let mut c = yuqing(&args);
        c.env("YUQING_DATA_DIR", dir.path().join("data"));
        c.output().unwrap()
    };
    std::thread::sleep(std::time::Duration::from_millis(20));
    let out = sweep(&["--dry-run"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&out.stdout).trim(),
        "0123456789abcdef01234567.jpg"
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("可清理 1 个未使用的媒体文件"));
    assert!(orphan.exists());
    let out = sweep(&[]);
    assert!(out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("已清理 1 个"));
    assert!(!orphan.exists());
}
