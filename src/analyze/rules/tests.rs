use super::*;
use crate::analyze::normalize::normalize;
use crate::model::Field;

fn set(files: &[(&str, &str)]) -> Result<RuleSet, RuleSetError> {
    let files: Vec<(PathBuf, String)> = files
        .iter()
        .map(|(p, s)| (PathBuf::from(p), s.to_string()))
        .collect();
    RuleSet::from_sources(&files)
}

/// A one-rule set with the given query lines.
fn one(query: &str) -> RuleSet {
    let src = format!(
        "prefix = \"t\"\ncategory = \"测试\"\n[[rule]]\nid = \"r\"\nseverity = \"high\"\n{query}\n"
    );
    set(&[("rules/t.toml", &src)]).unwrap_or_else(|e| panic!("{e}"))
}

fn text(t: &str) -> Document<'_> {
    Document {
        text: t,
        ..Document::default()
    }
}

fn fires(rules: &RuleSet, t: &str) -> bool {
    let t = normalize(t);
    !rules.matches(&text(&t)).is_empty()
}

/// The first error line for a file `rules/t.toml` with this content.
fn error(src: &str) -> String {
    match set(&[("rules/t.toml", src)]) {
        Ok(_) => panic!("expected an error for:\n{src}"),
        Err(e) => e.errors()[0].to_string(),
    }
}

const HEAD: &str =
    "prefix = \"t\"\ncategory = \"测试\"\n[[rule]]\nid = \"r\"\nseverity = \"high\"\n";

fn query_error(query_line: &str) -> String {
    error(&format!("{HEAD}{query_line}\n"))
}

#[test]
fn and_or_not_semantics() {
    let r = one("query = '食堂 (腹泻 | 呕吐) -演练'");
    assert!(fires(&r, "昨天食堂吃完饭很多人腹泻"));
    assert!(fires(&r, "食堂的菜让人呕吐"));
    assert!(!fires(&r, "食堂很好"));
    assert!(!fires(&r, "食堂腹泻应急演练"));
}

#[test]
fn near_counts_characters_between() {
    let r = one("query = '食堂 NEAR/4 腹泻'");
    assert!(fires(&r, "食堂吃了后腹泻")); // 3 chars between
    assert!(fires(&r, "腹泻是因为食堂")); // either order
    assert!(fires(&r, "食堂一二三四腹泻")); // exactly 4
    assert!(!fires(&r, "食堂一二三四五腹泻")); // 5
    assert!(!fires(&r, "食堂")); // one side only
    let r = one("query = '(食堂|饭堂) NEAR/0 (腹泻|拉肚子)'");
    assert!(fires(&r, "饭堂拉肚子"));
    assert!(!fires(&r, "饭堂 拉肚子"));
}

#[test]
fn near_with_far_and_near_occurrences() {
    let r = one("query = '食堂 NEAR/2 腹泻'");
    // The first 食堂 is far away, the second one is close.
    assert!(fires(&r, "食堂很大。。。。。。。。。。。后来在食堂里腹泻"));
    let hits = r.matches(&text("食堂很大。。。。。。。。后来食堂里腹泻"));
    // Only the close occurrence is highlighted.
    assert_eq!(hits[0].spans.len(), 2);
}

#[test]
fn field_prefix_and_rule_fields() {
    let r = one("query = 'title:食堂 腹泻'");
    let doc = Document {
        title: "食堂",
        text: "腹泻",
        ..Document::default()
    };
    assert_eq!(r.matches(&doc).len(), 1);
    assert!(!fires(&r, "食堂腹泻"));
    let r = one("query = '食堂'\nfields = [\"title\"]");
    assert!(!fires(&r, "食堂"));
    let doc = Document {
        title: "食堂",
        ..Document::default()
    };
    assert_eq!(r.matches(&doc).len(), 1);
    // An explicit prefix wins over the rule's fields.
    let r = one("query = 'text:食堂'\nfields = [\"title\"]");
    assert!(fires(&r, "食堂"));
    let r = one("query = 'source:weibo 食堂'");
    let doc = Document {
        text: "食堂",
        source: "weibo",
        ..Document::default()
    };
    assert_eq!(r.matches(&doc).len(), 1);
}

#[test]
fn regex_rules() {
    let r = one(r"query = '/贷款\d+万/'");
    assert!(fires(&r, "同学说贷款5万还不上"));
    assert!(!fires(&r, "贷款很多"));
    let r = one(r"query = '校园贷 /\d+%/'");
    assert!(fires(&r, "校园贷利息30%"));
    assert!(!fires(&r, "利息30%"));
}

#[test]
fn hits_report_terms_in_first_occurrence_order_with_spans() {
    let r = one("query = '腹泻 食堂'");
    let doc = text("食堂饭菜导致腹泻,食堂");
    let hits = r.matches(&doc);
    assert_eq!(hits.len(), 1);
    let h = &hits[0];
    assert_eq!(h.rule, "t.r");
    assert_eq!(h.category, "测试");
    assert_eq!(h.severity, Severity::High);
    assert_eq!(h.weight, 1.0);
    assert_eq!(h.matched, vec!["食堂", "腹泻"]);
    let spans: Vec<(Field, usize, usize)> =
        h.spans.iter().map(|s| (s.field, s.start, s.end)).collect();
    assert_eq!(
        spans,
        vec![
            (Field::Text, 0, 6),
            (Field::Text, 18, 24),
            (Field::Text, 25, 31)
        ]
    );
    assert_eq!(&doc.text[18..24], "腹泻");
}

#[test]
fn negated_terms_are_not_reported() {
    let r = one("query = '食堂 | (腹泻 -食堂)'");
    let hits = r.matches(&text("食堂"));
    assert_eq!(hits[0].matched, vec!["食堂"]);
}

#[test]
fn terms_are_normalised_like_text() {
    let r = one("query = 'ＷＩＦＩ 断网'");
    assert!(fires(&r, "宿舍WiFi又断网了"));
}

#[test]
fn rule_exclude_suppresses() {
    let r = one("query = '食堂 卫生'\nexclude = '检查合格 | 通过检查'");
    assert!(fires(&r, "食堂卫生太差"));
    assert!(!fires(&r, "食堂卫生检查合格"));
    let ex = r.explain(&text("食堂卫生检查合格"));
    assert_eq!(ex.len(), 1);
    assert_eq!(
        ex[0].to_string(),
        "被排除: t.r [测试/高] 词: 食堂@text:0..6, 卫生@text:6..12; 排除条件命中: 检查合格@text:12..24"
    );
}

const FRAUD: &str = r#"
prefix = "fraud"
category = "校园贷/诈骗"
[global]
exclude_phrases = ["防诈骗宣传", "反诈宣传", "消防演练", "火灾演练"]
[[rule]]
id = "scam"
severity = "high"
query = "诈骗 | 火"
"#;

#[test]
fn global_exclusions_mask_only_the_terms_inside_them() {
    let r = set(&[("rules/fraud.toml", FRAUD)]).unwrap();
    assert!(!fires(&r, "学院开展防诈骗宣传活动"));
    assert!(!fires(&r, "今天举行火灾演练"));
    assert!(fires(&r, "学院开展防诈骗宣传活动, 但我室友还是被诈骗了"));
    assert!(fires(&r, "宿舍着火了"));
    let hits = r.matches(&text("防诈骗宣传后仍有人被诈骗"));
    assert_eq!(hits[0].spans.len(), 1);
    assert_eq!(hits[0].spans[0].start, "防诈骗宣传后仍有人被".len());
}

#[test]
fn explain_reports_fired_and_masked() {
    let r = set(&[("rules/fraud.toml", FRAUD)]).unwrap();
    let ex = r.explain(&text("被诈骗"));
    assert_eq!(
        ex[0].to_string(),
        "命中 fraud.scam [校园贷/诈骗/高] 词: 诈骗@text:3..9"
    );
    assert!(ex[0].fired());
    let ex = r.explain(&text("防诈骗宣传"));
    assert_eq!(
        ex[0].to_string(),
        "被排除: fraud.scam [校园贷/诈骗/高] 词: 诈骗@text:3..9; 位于全局排除短语内: 防诈骗宣传@text:0..15"
    );
    assert!(r.explain(&text("没事")).is_empty());
}

#[test]
fn global_exclusions_apply_across_files() {
    let ex = "[global]\nexclude_phrases = [\"消防演练\"]\n";
    let rule =
        "category = \"校园安全\"\n[[rule]]\nid = \"fire\"\nseverity = \"high\"\nquery = \"消防\"\n";
    let r = set(&[
        ("rules/_exclusions.toml", ex),
        ("rules/campus-safety.toml", rule),
    ])
    .unwrap();
    assert_eq!(r.len(), 1);
    assert_eq!(r.rule_ids().next(), Some("campus-safety.fire"));
    assert!(!fires(&r, "消防演练"));
    assert!(fires(&r, "消防车来了"));
}

#[test]
fn disabled_rules_are_checked_but_not_run() {
    let r = one("query = '食堂'\nenabled = false");
    assert_eq!(r.len(), 0);
    assert_eq!(r.summary().rules, 1);
    assert!(!fires(&r, "食堂"));
    assert!(query_error("query = '('\nenabled = false").contains("expected ')'"));
}

#[test]
fn many_rules_sharing_terms() {
    let mut src = String::from("category = \"c\"\n");
    for i in 0..50 {
        src.push_str(&format!(
            "[[rule]]\nid = \"r{i}\"\nseverity = \"low\"\nquery = '学生 词{i}号'\n"
        ));
    }
    let r = set(&[("rules/many.toml", &src)]).unwrap();
    let hits = r.matches(&text("学生 词7号 词42号"));
    let ids: Vec<&str> = hits.iter().map(|h| h.rule.as_str()).collect();
    assert_eq!(ids, vec!["many.r7", "many.r42"]);
}

#[test]
fn version_is_stable_and_content_sensitive() {
    let a = one("query = '食堂'");
    let b = one("query = '食堂'");
    let c = one("query = '饭堂'");
    assert_eq!(a.version(), b.version());
    assert_ne!(a.version(), c.version());
    assert_eq!(a.version().len(), 12);
}

// ---- errors: every documented message, with its exact position ----

#[test]
fn query_errors_point_into_the_file() {
    // Line 6 is the query line; `query = '` is 9 characters, so the query
    // starts at column 10.
    assert_eq!(
        query_error("query = '(食堂 腹泻'"),
        "rules/t.toml:6:16: expected ')' to close '(' opened at 6:10"
    );
    assert_eq!(
        query_error("query = '食堂 AND'"),
        "rules/t.toml:6:13: dangling operator 'AND': expected a term after it"
    );
    assert_eq!(
        query_error("query = '| 食堂'"),
        "rules/t.toml:6:10: dangling operator '|': expected a term before it"
    );
    assert_eq!(query_error("query = ''"), "rules/t.toml:6:10: empty query");
    assert_eq!(
        query_error("query = '食堂 \"腹泻'"),
        "rules/t.toml:6:13: unterminated quoted phrase: missing closing '\"'"
    );
    assert_eq!(
        query_error("query = '食堂 NEAR/5'"),
        "rules/t.toml:6:13: NEAR/5 needs a term on both sides"
    );
    assert_eq!(
        query_error("query = 'a NEAR b'"),
        "rules/t.toml:6:12: 'NEAR': NEAR needs a distance in characters from 0 to 10000, e.g. NEAR/5"
    );
    assert_eq!(
        query_error("query = 'body:食堂'"),
        "rules/t.toml:6:10: unknown field prefix 'body:' (expected title:, text:, author: or source:; quote the term if the colon belongs to it)"
    );
    assert_eq!(
        query_error("query = '食堂 /(/'"),
        "rules/t.toml:6:13: invalid regex: unclosed group"
    );
    assert_eq!(
        query_error("query = '食堂)'"),
        "rules/t.toml:6:12: unmatched ')'"
    );
    assert_eq!(
        query_error("query = '-食堂'"),
        "rules/t.toml:6:10: query can match a post that contains none of its terms (a NOT/-/! on its own, or in an OR branch); add a positive term"
    );
    assert_eq!(
        query_error("query = '食堂 | NOT 腹泻'"),
        "rules/t.toml:6:10: query can match a post that contains none of its terms (a NOT/-/! on its own, or in an OR branch); add a positive term"
    );
    assert_eq!(
        query_error("query = '食堂'\nexclude = 'NOT 合格'"),
        "rules/t.toml:7:12: exclude query can match a post that contains none of its terms (a NOT/-/! on its own, or in an OR branch); add a positive term"
    );
}

#[test]
fn query_positions_survive_escapes_and_multiline_strings() {
    // Basic string with an escaped quote before the error.
    assert_eq!(
        query_error(r#"query = "\"食堂\" (腹泻""#),
        "rules/t.toml:6:20: expected ')' to close '(' opened at 6:17"
    );
    // Unicode escape: \u98df is 食 (6 source chars for one query char).
    assert_eq!(
        query_error(r#"query = "\u98df堂 AND""#),
        "rules/t.toml:6:18: dangling operator 'AND': expected a term after it"
    );
    // Multi-line literal string: the error is on the next line.
    assert_eq!(
        query_error("query = '''\n食堂\n  (腹泻'''"),
        "rules/t.toml:8:6: expected ')' to close '(' opened at 8:3"
    );
}

#[test]
fn toml_and_schema_errors() {
    assert!(error("prefix = \"t\"\n[[rule]\n").starts_with("rules/t.toml:2:"));
    assert!(error("prefix = \"t\"\n[[rule]\n").contains("TOML syntax error: "));
    assert_eq!(
        error(&format!("{HEAD}query = '食堂'\nseverty = \"low\"\n")),
        "rules/t.toml:7:1: unknown key 'severty' in [[rule]]; did you mean 'severity'?"
    );
    assert_eq!(
        error("prefx = \"t\"\n"),
        "rules/t.toml:1:1: unknown key 'prefx' at the top level; did you mean 'prefix'?"
    );
    assert_eq!(
        error("[global]\nphrases = []\n"),
        "rules/t.toml:2:1: unknown key 'phrases' in [global] (expected one of: exclude_phrases)"
    );
    assert_eq!(
        error("category = \"c\"\n[[rule]]\nid = \"r\"\nseverity = \"hgih\"\nquery = \"a\"\n"),
        "rules/t.toml:4:12: unknown severity 'hgih' (expected low, medium, high or critical)"
    );
    assert_eq!(
        error("category = \"c\"\n[[rule]]\nid = \"r\"\nseverity = \"low\"\n"),
        "rules/t.toml:2:1: rule is missing required key 'query'"
    );
    assert_eq!(
        error("[[rule]]\nid = \"r\"\nseverity = \"low\"\nquery = \"a\"\n"),
        "rules/t.toml:1:1: rule is missing required key 'category'"
    );
    assert_eq!(
        error(&format!("{HEAD}query = 'a'\nweight = 11\n")),
        "rules/t.toml:7:10: weight 11 is out of range (expected 0 to 10)"
    );
    assert_eq!(
        error(&format!("{HEAD}query = 'a'\nweight = \"high\"\n")),
        "rules/t.toml:7:10: 'weight' must be a number"
    );
    assert_eq!(
        error(&format!("{HEAD}query = 'a'\nfields = [\"body\"]\n")),
        "rules/t.toml:7:11: unknown field 'body' (expected title, text, author or source)"
    );
    assert_eq!(
        error(&format!("{HEAD}query = 'a'\nenabled = \"yes\"\n")),
        "rules/t.toml:7:11: 'enabled' must be true or false"
    );
    assert_eq!(
        error(&format!("{HEAD}query = 42\n")),
        "rules/t.toml:6:9: 'query' must be a string"
    );
    assert_eq!(
        error(
            "category = \"c\"\n[[rule]]\nid = \"Canteen Illness\"\nseverity = \"low\"\nquery = \"a\"\n"
        ),
        "rules/t.toml:3:6: invalid rule id 'Canteen Illness': use lowercase letters, digits and '-'"
    );
    assert_eq!(
        error("[global]\nexclude_phrases = [\" \"]\n"),
        "rules/t.toml:2:20: empty exclusion phrase"
    );
}

#[test]
fn all_errors_are_collected_across_files() {
    let bad1 = format!("{HEAD}query = '('\n[[rule]]\nid = \"s\"\nseverity = \"x\"\nquery = 'a'\n");
    let bad2 = "prefx = 1\n";
    let e = set(&[("rules/a.toml", &bad1), ("rules/b.toml", bad2)]).unwrap_err();
    let lines: Vec<String> = e.errors().iter().map(ToString::to_string).collect();
    assert_eq!(lines.len(), 3, "{lines:?}");
    assert!(lines[0].starts_with("rules/a.toml:6:"));
    assert!(lines[1].starts_with("rules/a.toml:9:"));
    assert!(lines[2].starts_with("rules/b.toml:1:1:"));
    assert_eq!(e.to_string(), lines.join("\n"));
}

#[test]
fn duplicate_ids_point_at_both() {
    let a = "prefix = \"food\"\ncategory = \"c\"\n[[rule]]\nid = \"x\"\nseverity = \"low\"\nquery = 'a'\n";
    let b = "prefix = \"food\"\ncategory = \"c\"\n\n[[rule]]\nid = \"x\"\nseverity = \"low\"\nquery = 'b'\n";
    let e = set(&[("rules/a.toml", a), ("rules/b.toml", b)]).unwrap_err();
    assert_eq!(
        e.to_string(),
        "rules/b.toml:5:6: duplicate rule id 'food.x' (first defined at rules/a.toml:4:6)"
    );
}

#[test]
fn load_dir_and_atomic_replace() {
    let dir = tempfile::tempdir().unwrap();
    let good = format!("{HEAD}query = '食堂'\n");
    std::fs::write(dir.path().join("t.toml"), &good).unwrap();
    // Not a rule file, and a subfolder that is not read.
    std::fs::write(dir.path().join("README.md"), "x").unwrap();
    std::fs::create_dir(dir.path().join("publish")).unwrap();
    std::fs::write(dir.path().join("publish/x.toml"), "garbage = [").unwrap();
    let shared = SharedRuleSet::load_dir(dir.path()).unwrap();
    let before = shared.load();
    assert_eq!(before.len(), 1);

    std::fs::write(
        dir.path().join("t.toml"),
        format!("{HEAD}query = '(食堂'\n"),
    )
    .unwrap();
    let err = shared.replace_from_dir(dir.path()).unwrap_err();
    assert!(err.to_string().contains("t.toml:6:"));
    assert!(Arc::ptr_eq(&before, &shared.load()), "old set kept");
    assert!(fires(&shared.load(), "食堂"));

    std::fs::write(dir.path().join("t.toml"), format!("{HEAD}query = '饭堂'\n")).unwrap();
    shared.replace_from_dir(dir.path()).unwrap();
    assert!(!fires(&shared.load(), "食堂"));
    assert!(fires(&shared.load(), "饭堂"));
    // The old Arc is still usable by whoever held it.
    assert!(fires(&before, "食堂"));

    let summary = check_dir(dir.path()).unwrap();
    assert_eq!((summary.files, summary.rules, summary.terms), (1, 1, 1));
}

#[test]
fn missing_dir_is_an_error() {
    let e = RuleSet::load_dir(Path::new("/nonexistent/rules")).unwrap_err();
    assert!(
        e.to_string()
            .starts_with("/nonexistent/rules: cannot read: ")
    );
}

#[test]
fn rule_set_is_send_and_sync() {
    fn assert_send_sync<T: Send + Sync>() {}
    assert_send_sync::<RuleSet>();
    assert_send_sync::<SharedRuleSet>();
}

mod props {
    use super::*;
    use proptest::prelude::*;

    fn ops() -> impl Strategy<Value = String> {
        let atom = prop_oneof![
            Just("食堂".to_string()),
            Just("腹泻".to_string()),
            Just("AND".to_string()),
            Just("OR".to_string()),
            Just("NOT".to_string()),
            Just("NEAR/3".to_string()),
            Just("(".to_string()),
            Just(")".to_string()),
            Just("|".to_string()),
            Just("-".to_string()),
            Just("+".to_string()),
            Just("\"".to_string()),
            Just("/".to_string()),
            Just("title:".to_string()),
            Just("“".to_string()),
            "[a-z\\\\]{1,3}",
        ];
        prop::collection::vec(atom, 0..12).prop_map(|v| v.join(" "))
    }

    #[test]
    fn a_stray_closing_quote_is_an_error_not_a_loop() {
        // Once lexed as an endless run of empty words (found by the proptest below).
        for q in ["”", "食堂 ”", "a”b"] {
            let e = query::parse(q).unwrap_err();
            assert!(e.message.contains("unexpected '”'"), "{q}: {}", e.message);
        }
    }

    proptest! {
        #[test]
        fn parser_never_panics_on_arbitrary_input(s in "\\PC{0,40}") {
            let _ = query::parse(&s);
        }

        #[test]
        fn parser_never_panics_on_operator_soup(s in ops()) {
            let _ = query::parse(&s);
        }

        #[test]
        fn loader_never_panics(q in ops(), raw in "\\PC{0,60}") {
            let src = format!("{HEAD}query = {:?}\n", q);
            let _ = set(&[("rules/t.toml", &src)]);
            let _ = set(&[("rules/t.toml", &raw)]);
        }

        #[test]
        fn matching_never_panics(s in "\\PC{0,200}") {
            let r = set(&[("rules/fraud.toml", FRAUD)]).unwrap();
            let r2 = one("query = '(食堂|饭堂) NEAR/3 (腹泻|a) title:诈骗 | /\\d+万/'");
            let t = normalize(&s);
            let doc = Document { title: &t, text: &t, author: &t, source: &t };
            let _ = r.matches(&doc);
            let _ = r.explain(&doc);
            let _ = r2.matches(&doc);
            let _ = r2.explain(&doc);
        }
    }
}

#[test]
fn exclude_queries_see_words_inside_global_phrases() {
    let src = "category = \"校园安全\"\n[global]\nexclude_phrases = [\"消防演练\"]\n[[rule]]\nid = \"brigade\"\nseverity = \"medium\"\nquery = '消防员 学校'\nexclude = '演练'\n";
    let r = set(&[("rules/campus-safety.toml", src)]).unwrap();
    assert!(fires(&r, "消防员来学校了"));
    // 演练 is inside the masked phrase 消防演练, but the exclude still sees it.
    assert!(!fires(&r, "学校举行消防演练，消防员现场指导"));
}

#[test]
fn rules_are_indexed_under_their_rarest_terms() {
    // 学生 is shared by every rule; each is still evaluated only when its own
    // word occurs, and fires correctly.
    let mut src = String::from("category = \"c\"\n");
    for i in 0..200 {
        src.push_str(&format!(
            "[[rule]]\nid = \"r{i}\"\nseverity = \"low\"\nquery = '学生 (词{i}号 | 语{i}号)'\n"
        ));
    }
    let r = set(&[("rules/many.toml", &src)]).unwrap();
    let hits = r.matches(&text("学生 语150号"));
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].rule, "many.r150");
    assert_eq!(hits[0].matched, vec!["学生", "语150号"]);
    assert!(r.matches(&text("学生 学生")).is_empty());
}
