use crate::helpers::*;
use serde_json::Value;

#[test]
fn output_follows_the_contract_in_input_order() {
    let input = concat!(
        r#"{"id": "p1", "title": "食堂", "text": "二食堂的饭菜吃完好多同学腹泻呕吐，已经有人进医院了！", "source": "weibo", "published_at": "2026-03-18T10:00:00+08:00", "metrics": {"reposts": 12, "comments": 30, "likes": 100}}"#,
        "\n",
        r#"{"text": "今天图书馆的阳光真好"}"#,
        "\n",
        r#"{"id": 7, "text": "通知：明天下午三点召开班会"}"#,
        "\n"
    );
    let out = run_with_stdin(yuqing(&["analyze"]), input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines = stdout_lines(&out);
    assert_eq!(lines.len(), 3);
    assert_eq!(lines[0]["id"], "p1");
    assert_eq!(lines[1]["id"], 2, "missing id becomes the line number");
    assert_eq!(lines[2]["id"], 7);
    for l in &lines {
        let obj = l.as_object().unwrap();
        let mut keys: Vec<_> = obj.keys().map(String::as_str).collect();
        keys.sort();
        assert_eq!(keys, ["hits", "id", "keywords", "risk", "sentiment"]);
        let score = l["sentiment"]["score"].as_f64().unwrap();
        assert!((-1.0..=1.0).contains(&score));
        assert!(
            ["positive", "neutral", "negative"]
                .contains(&l["sentiment"]["label"].as_str().unwrap())
        );
        let risk = l["risk"]["score"].as_u64().unwrap();
        assert!(risk <= 100);
        assert!(
            ["none", "low", "medium", "high", "critical"]
                .contains(&l["risk"]["level"].as_str().unwrap())
        );
        for hit in l["hits"].as_array().unwrap() {
            let mut keys: Vec<_> = hit
                .as_object()
                .unwrap()
                .keys()
                .map(String::as_str)
                .collect();
            keys.sort();
            assert_eq!(keys, ["category", "matched", "rule", "severity"]);
        }
    }
    assert_eq!(lines[0]["sentiment"]["label"], "negative");
    assert!(
        lines[0]["hits"]
            .as_array()
            .unwrap()
            .iter()
            .any(|h| h["category"] == "食品安全"),
        "{}",
        lines[0]
    );
    assert_ne!(lines[0]["risk"]["level"], "none");
    assert_eq!(lines[1]["sentiment"]["label"], "positive");
    assert_eq!(lines[1]["risk"]["level"], "none");
}

#[test]
fn bad_lines_are_reported_skipped_and_exit_2() {
    let input = "{\"id\":\"a\",\"text\":\"好\"}\n{\"id\":\"b\"}\nnot json\n\n{\"id\":\"c\",\"text\":\"宿舍停水了\"}\n{\"id\":[1],\"text\":\"x\"}\n";
    let out = run_with_stdin(yuqing(&["analyze"]), input);
    assert_eq!(out.status.code(), Some(2));
    let ids: Vec<Value> = stdout_lines(&out).iter().map(|l| l["id"].clone()).collect();
    assert_eq!(ids, [Value::from("a"), Value::from("c")]);
    let err = String::from_utf8(out.stderr).unwrap();
    assert!(
        err.contains("stdin:2:") && err.contains("missing field `text`"),
        "{err}"
    );
    assert!(err.contains("stdin:3:"), "{err}");
    assert!(err.contains("stdin:6:") && err.contains("id"), "{err}");
    assert!(
        !err.contains("stdin:4:"),
        "blank lines are not errors: {err}"
    );
}

#[test]
fn files_in_and_out_and_explain() {
    let dir = tempfile::tempdir().unwrap();
    let input = dir.path().join("in.jsonl");
    let output = dir.path().join("out.jsonl");
    std::fs::write(
        &input,
        "{\"id\":\"x\",\"text\":\"辅导员当众辱骂学生，太过分了[怒]\"}\n",
    )
    .unwrap();
    let out = yuqing(&[
        "analyze",
        "--explain",
        "--input",
        input.to_str().unwrap(),
        "--output",
        output.to_str().unwrap(),
    ])
    .output()
    .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let line: Value = serde_json::from_str(read(&output).trim()).unwrap();
    assert!(
        !line["sentiment"]["explanation"]
            .as_array()
            .unwrap()
            .is_empty(),
        "{line}"
    );
    assert!(
        !line["risk"]["explanation"].as_array().unwrap().is_empty(),
        "{line}"
    );
    let err = yuqing(&["analyze", "--input", "/nonexistent.jsonl"])
        .output()
        .unwrap();
    assert!(!err.status.success());
    assert!(String::from_utf8_lossy(&err.stderr).contains("/nonexistent.jsonl"));
}

#[test]
fn parallel_output_matches_sequential() {
    let input = read(&fixture("posts/sample.jsonl"));
    let many: String = std::iter::repeat_n(input.as_str(), 100).collect();
    let one = run_with_stdin(yuqing(&["analyze", "--jobs", "1"]), &many);
    let two = run_with_stdin(yuqing(&["analyze", "--jobs", "2"]), &many);
    assert!(one.status.success());
    assert_eq!(one.stdout, two.stdout);
}

/// The bundled sample posts give the recorded output. After an intended
/// change of the analyser, refresh with `UPDATE_GOLDEN=1 cargo test golden`.
#[test]
fn golden_sample() {
    let input = read(&fixture("posts/sample.jsonl"));
    let out = run_with_stdin(yuqing(&["analyze"]), &input);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let actual = String::from_utf8(out.stdout).unwrap();
    let golden = fixture("posts/sample.expected.jsonl");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(&golden, &actual).unwrap();
    }
    let expected = read(&golden);
    for (n, (a, e)) in actual.lines().zip(expected.lines()).enumerate() {
        assert_eq!(a, e, "line {} differs from {}", n + 1, golden.display());
    }
    assert_eq!(actual.lines().count(), expected.lines().count());
}

#[test]
fn bad_config_names_the_key() {
    let dir = tempfile::tempdir().unwrap();
    let cfg = dir.path().join("yuqing.toml");
    std::fs::write(&cfg, "[analysis]\nneutral_band = 2.0\n").unwrap();
    let out = run_with_stdin(yuqing(&["analyze", "--config", cfg.to_str().unwrap()]), "");
    assert!(!out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("analysis.neutral_band"), "{err}");
}
