use crate::helpers::*;

#[test]
fn shipped_rules_check_clean() {
    let out = yuqing(&["rules", "check"]).output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn check_reports_file_line_col() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("food.toml"),
        "category = \"食品安全\"\n\n[[rule]]\nid = \"x\"\nseverity = \"high\"\nquery = '(食堂 AND 腹泻'\n",
    )
    .unwrap();
    let out = yuqing(&["rules", "check", dir.path().to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("food.toml:6:"), "{err}");
}

#[test]
fn test_explains_hits_sentiment_and_risk() {
    let out = yuqing(&["rules", "test", "宿舍楼着火了，好多烟，有同学被困[泪]"])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("命中"), "{text}");
    assert!(text.contains("情感: 负面"), "{text}");
    assert!(text.contains("风险:"), "{text}");
    let quiet = yuqing(&["rules", "test", "今天下午全校开展消防演练，请同学们配合"])
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&quiet.stdout);
    assert!(text.contains("没有规则命中"), "{text}");
}
