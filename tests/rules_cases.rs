//! Runs the starter rule set in `rules/` against the realistic posts and traps
//! in `tests/fixtures/rules/cases.toml`: each `fire` text must make its rule
//! fire, each `quiet` text must not. Every enabled rule needs a firing case.

use serde::Deserialize;
use std::collections::BTreeSet;
use std::path::Path;
use yuqing::analyze::default_rules_dir;
use yuqing::analyze::normalize::normalize;
use yuqing::analyze::rules::{Document, RuleSet, check_dir};

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Cases {
    case: Vec<Case>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Case {
    rule: String,
    #[serde(default)]
    fire: Vec<String>,
    #[serde(default)]
    quiet: Vec<String>,
}

fn cases() -> Cases {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/rules/cases.toml");
    let src = std::fs::read_to_string(&path).expect("cases file");
    toml::from_str(&src).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}

fn fired(rules: &RuleSet, text: &str, rule: &str) -> bool {
    let text = normalize(text);
    let doc = Document {
        text: &text,
        ..Document::default()
    };
    rules.matches(&doc).iter().any(|h| h.rule == rule)
}

#[test]
fn starter_rules_compile() {
    let summary = check_dir(&default_rules_dir()).unwrap_or_else(|e| panic!("\n{e}"));
    assert!(summary.rules >= 45, "{summary}");
    assert!(summary.exclude_phrases > 10, "{summary}");
}

#[test]
fn starter_rules_fire_on_posts_and_stay_quiet_on_traps() {
    let rules = RuleSet::load_dir(&default_rules_dir()).unwrap_or_else(|e| panic!("\n{e}"));
    let ids: BTreeSet<&str> = rules.rule_ids().collect();
    let cases = cases();
    let mut failures = Vec::new();
    let mut covered = BTreeSet::new();
    let (mut n_fire, mut n_quiet) = (0, 0);
    for case in &cases.case {
        if !ids.contains(case.rule.as_str()) {
            failures.push(format!("unknown or disabled rule '{}'", case.rule));
            continue;
        }
        for text in &case.fire {
            n_fire += 1;
            if fired(&rules, text, &case.rule) {
                covered.insert(case.rule.as_str());
            } else {
                let doc_text = normalize(text);
                let why: Vec<String> = rules
                    .explain(&Document {
                        text: &doc_text,
                        ..Document::default()
                    })
                    .iter()
                    .map(ToString::to_string)
                    .collect();
                failures.push(format!(
                    "{} should fire on: {text}\n    {}",
                    case.rule,
                    why.join("\n    ")
                ));
            }
        }
        for text in &case.quiet {
            n_quiet += 1;
            if fired(&rules, text, &case.rule) {
                failures.push(format!("{} should stay quiet on: {text}", case.rule));
            }
        }
    }
    for id in &ids {
        if !covered.contains(id) {
            failures.push(format!("rule {id} has no firing case"));
        }
    }
    eprintln!(
        "{} rules, {} firing cases, {} quiet cases",
        ids.len(),
        n_fire,
        n_quiet
    );
    assert!(failures.is_empty(), "\n{}", failures.join("\n"));
}
