use crate::helpers::*;
use serde_json::Value;

#[test]
fn extract_prints_the_contract_fields_for_a_gbk_page() {
    let page = fixture("extract/aspnet_form_gbk.html");
    let truth: Value =
        serde_json::from_str(&read(&fixture("extract/aspnet_form_gbk.truth.json"))).unwrap();
    let out = yuqing(&["extract", page.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let v: Value = serde_json::from_slice(&out.stdout).unwrap();
    let mut keys: Vec<_> = v.as_object().unwrap().keys().map(String::as_str).collect();
    keys.sort();
    assert_eq!(
        keys,
        ["author", "encoding", "published_at", "text", "title"]
    );
    assert_eq!(v["title"], truth["title"]);
    assert_eq!(v["encoding"], "gbk");
    assert_eq!(v["published_at"], truth["published_at"]);
}

#[test]
fn extract_reports_a_missing_file_and_a_bad_encoding() {
    let out = yuqing(&["extract", "/nonexistent/page.html"])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent/page.html"));
    let page = fixture("extract/aspnet_form_gbk.html");
    let out = yuqing(&["extract", "--encoding", "klingon", page.to_str().unwrap()])
        .output()
        .unwrap();
    assert!(!out.status.success());
    assert!(String::from_utf8_lossy(&out.stderr).contains("klingon"));
}
