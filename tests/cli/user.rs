//! `yuqing user`: accounts from the command line.

use crate::helpers::*;

fn in_dir(dir: &std::path::Path, args: &[&str]) -> std::process::Command {
    let mut cmd = yuqing(args);
    cmd.env("YUQING_DATA_DIR", dir.join("data"));
    cmd
}

#[test]
fn add_list_passwd_disable() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_with_stdin(
        in_dir(
            dir.path(),
            &[
                "user",
                "add",
                "zhang.san",
                "--role",
                "monitor",
                "--role",
                "网评员",
                "--password-stdin",
            ],
        ),
        "a-long-password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("已创建用户 zhang.san（监测员、网评员）"),
        "{text}"
    );
    assert!(!text.contains("初始密码"), "{text}");

    // Generated password when none is given, printed once.
    let out = in_dir(dir.path(), &["user", "add", "li", "--role", "admin"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    let password = text
        .lines()
        .find_map(|l| l.strip_prefix("初始密码："))
        .expect("password printed");
    assert_eq!(password.len(), 16);

    // Duplicate name, weak password, unknown role: clear errors.
    let out = run_with_stdin(
        in_dir(
            dir.path(),
            &["user", "add", "li", "--role", "admin", "--password-stdin"],
        ),
        "another-long-one\n",
    );
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("用户名 'li' 已存在"));
    let out = run_with_stdin(
        in_dir(
            dir.path(),
            &["user", "add", "wang", "--role", "admin", "--password-stdin"],
        ),
        "short\n",
    );
    assert!(String::from_utf8_lossy(&out.stderr).contains("密码至少需要 10 个字符"));
    let out = in_dir(dir.path(), &["user", "add", "wang", "--role", "boss"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("未知角色 'boss'"));

    let out = in_dir(dir.path(), &["user", "disable", "li"])
        .output()
        .unwrap();
    assert!(out.status.success());
    let out = in_dir(dir.path(), &["user", "list"]).output().unwrap();
    let list = String::from_utf8_lossy(&out.stdout);
    assert!(
        list.lines()
            .any(|l| l.starts_with("li\t") && l.ends_with("已停用")),
        "{list}"
    );
    assert!(
        list.lines().any(|l| l.starts_with("zhang.san\t")
            && l.contains("监测员、网评员")
            && l.ends_with("正常")),
        "{list}"
    );

    let out = run_with_stdin(
        in_dir(
            dir.path(),
            &["user", "passwd", "zhang.san", "--password-stdin"],
        ),
        "new-long-password\n",
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let out = in_dir(dir.path(), &["user", "passwd", "nobody"])
        .output()
        .unwrap();
    assert!(String::from_utf8_lossy(&out.stderr).contains("没有名为 'nobody' 的用户"));
}
