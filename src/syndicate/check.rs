//! The pre-publication check: content runs through the publishing rule set
//! (`rules/publish/`, the same rule language as the risk rules) before it is
//! submitted and again before it is sent. A `critical` hit blocks; other
//! hits are warnings. Each hit carries its rule, the matched words and their
//! spans in the normalised field, with an excerpt around the first one.

use super::content::ContentBody;
use crate::analyze::normalize::normalize;
use crate::analyze::rules::{Document, RuleSet, RuleSetError, SharedRuleSet};
use crate::model::{MatchSpan, Severity};
use serde::Serialize;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// The shipped publishing rules, for tests.
pub fn default_publish_rules_dir() -> PathBuf {
    crate::analyze::default_rules_dir().join("publish")
}

/// One rule that fired on the content.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckHit {
    pub rule: String,
    pub category: String,
    pub severity: Severity,
    /// True for critical hits: the content cannot go out.
    pub blocking: bool,
    /// What the publisher reads, e.g. "领导人姓名错别字：「习近萍」".
    pub message: String,
    pub matched: Vec<String>,
    /// Byte spans in the normalised field ([`CheckReport::title`] /
    /// [`CheckReport::text`]).
    pub spans: Vec<MatchSpan>,
    /// The normalised text around the first match.
    pub excerpt: String,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckReport {
    /// The rule set's version, recorded with the decision.
    pub rules_version: String,
    pub hits: Vec<CheckHit>,
    /// The normalised fields the spans refer to.
    pub title: String,
    pub text: String,
}

impl CheckReport {
    pub fn blocked(&self) -> bool {
        self.hits.iter().any(|h| h.blocking)
    }

    pub fn blocking(&self) -> impl Iterator<Item = &CheckHit> {
        self.hits.iter().filter(|h| h.blocking)
    }

    pub fn warnings(&self) -> impl Iterator<Item = &CheckHit> {
        self.hits.iter().filter(|h| !h.blocking)
    }

    /// One line per blocking hit, for an error shown to the publisher.
    pub fn blocking_summary(&self) -> String {
        self.blocking()
            .map(|h| h.message.clone())
            .collect::<Vec<_>>()
            .join("；")
    }
}

/// A piece of a checked field; `hit` is the index in [`CheckReport::hits`]
/// of the rule that matched it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Marked {
    pub text: String,
    pub hit: Option<usize>,
}

impl CheckReport {
    /// The normalised title (`Field::Title`) or text cut into pieces, the
    /// matched ones carrying their hit, so a page can mark each match with
    /// the rule that fired. Where spans overlap, a blocking hit wins.
    pub fn marked(&self, field: crate::model::Field) -> Vec<Marked> {
        let text = if field == crate::model::Field::Title {
            &self.title
        } else {
            &self.text
        };
        let mut marks: Vec<(usize, usize, usize)> = self
            .hits
            .iter()
            .enumerate()
            .flat_map(|(i, h)| h.spans.iter().map(move |s| (i, s)))
            .filter(|(_, s)| s.field == field && s.start < s.end && s.end <= text.len())
            .filter(|(_, s)| text.is_char_boundary(s.start) && text.is_char_boundary(s.end))
            .map(|(i, s)| (s.start, s.end, i))
            .collect();
        // Blocking hits first at equal starts, so they keep the overlap.
        marks.sort_by_key(|&(s, e, i)| (s, !self.hits[i].blocking, std::cmp::Reverse(e)));
        let mut out = Vec::new();
        let mut at = 0;
        for (s, e, i) in marks {
            if s < at {
                continue;
            }
            if s > at {
                out.push(Marked {
                    text: text[at..s].to_string(),
                    hit: None,
                });
            }
            out.push(Marked {
                text: text[s..e].to_string(),
                hit: Some(i),
            });
            at = e;
        }
        if at < text.len() {
            out.push(Marked {
                text: text[at..].to_string(),
                hit: None,
            });
        }
        out
    }
}

/// The checker: the publishing rules, swappable at runtime.
pub struct PublishChecker {
    rules: SharedRuleSet,
    dir: PathBuf,
}

impl PublishChecker {
    pub fn load(dir: &Path) -> Result<Self, RuleSetError> {
        Ok(PublishChecker {
            rules: SharedRuleSet::load_dir(dir)?,
            dir: dir.to_path_buf(),
        })
    }

    pub fn from_rules(rules: RuleSet) -> Self {
        PublishChecker {
            rules: SharedRuleSet::new(rules),
            dir: PathBuf::new(),
        }
    }

    /// Re-read the rule directory; the running rules stay if it fails.
    pub fn reload(&self) -> Result<(), RuleSetError> {
        self.rules.replace_from_dir(&self.dir)
    }

    pub fn rules(&self) -> Arc<RuleSet> {
        self.rules.load()
    }

    /// Check one version: its title, and its body, digest and tags as text.
    pub fn check(&self, body: &ContentBody) -> CheckReport {
        let rules = self.rules.load();
        let title = normalize(&body.title);
        let mut text = body.plain_text();
        for extra in body.digest.iter().chain(body.author.iter()) {
            text.push('\n');
            text.push_str(extra);
        }
        // A channel's own wording goes out too: it is checked the same way.
        for o in body.overrides.values() {
            for part in [&o.title, &o.digest, &o.text].into_iter().flatten() {
                text.push('\n');
                text.push_str(part);
            }
        }
        for tag in &body.tags {
            text.push_str("\n#");
            text.push_str(tag);
        }
        let text = normalize(&text);
        let descriptions: HashMap<&str, &str> = rules
            .infos()
            .iter()
            .map(|i| (i.id.as_str(), i.description.as_str()))
            .collect();
        let hits = rules
            .matches(&Document {
                title: &title,
                text: &text,
                author: "",
                source: "",
            })
            .into_iter()
            .map(|h| {
                let what = descriptions
                    .get(h.rule.as_str())
                    .filter(|d| !d.is_empty())
                    .map(|d| d.to_string())
                    .unwrap_or_else(|| h.category.clone());
                let words = h
                    .matched
                    .iter()
                    .map(|m| format!("「{m}」"))
                    .collect::<Vec<_>>()
                    .join("");
                let excerpt = h
                    .spans
                    .first()
                    .map(|s| {
                        excerpt(
                            if s.field == crate::model::Field::Title {
                                &title
                            } else {
                                &text
                            },
                            s,
                        )
                    })
                    .unwrap_or_default();
                CheckHit {
                    blocking: h.severity == Severity::Critical,
                    message: format!("{what}：{words}"),
                    rule: h.rule,
                    category: h.category,
                    severity: h.severity,
                    matched: h.matched,
                    spans: h.spans,
                    excerpt,
                }
            })
            .collect();
        CheckReport {
            rules_version: rules.version().to_string(),
            hits,
            title,
            text,
        }
    }
}

/// Up to 12 characters either side of the span.
fn excerpt(field: &str, span: &MatchSpan) -> String {
    let (start, end) = (span.start.min(field.len()), span.end.min(field.len()));
    let before: String = {
        let v: Vec<char> = field[..start].chars().rev().take(12).collect();
        v.into_iter().rev().collect()
    };
    let after: String = field[end..].chars().take(12).collect();
    format!("{before}【{}】{after}", &field[start..end])
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    pub(crate) fn checker() -> &'static PublishChecker {
        static C: OnceLock<PublishChecker> = OnceLock::new();
        C.get_or_init(|| PublishChecker::load(&default_publish_rules_dir()).unwrap())
    }

    fn body(title: &str, text: &str) -> ContentBody {
        ContentBody {
            title: title.into(),
            body: text.into(),
            ..ContentBody::default()
        }
    }

    #[test]
    fn misspelt_leader_name_blocks_with_rule_and_span() {
        let r = checker().check(&body(
            "我院召开学习会",
            "全院师生认真学习**习近萍**总书记重要讲话精神。",
        ));
        assert!(r.blocked(), "{r:?}");
        let hit = r.blocking().next().unwrap();
        assert_eq!(hit.rule, "publish-names.leader-name-typo");
        assert_eq!(hit.matched, vec!["习近萍".to_string()]);
        let span = hit.spans[0];
        assert_eq!(&r.text[span.start..span.end], "习近萍");
        assert!(hit.excerpt.contains("【习近萍】"), "{}", hit.excerpt);
        assert!(hit.message.contains("领导人姓名错别字"), "{}", hit.message);
    }

    #[test]
    fn party_name_typo_in_title_blocks() {
        let r = checker().check(&body("庆祝中国共产当成立", "正文"));
        assert!(r.blocked());
        assert_eq!(r.hits[0].spans[0].field, crate::model::Field::Title);
    }

    #[test]
    fn outdated_slogan_warns_but_does_not_block() {
        let r = checker().check(&body("通知", "继续做好疫情防控常态化工作。"));
        assert!(!r.blocked(), "{r:?}");
        assert_eq!(r.warnings().count(), 1);
        assert_eq!(r.hits[0].rule, "publish-slogans.epidemic-era");
    }

    #[test]
    fn clean_content_passes_and_exclusions_hold() {
        let r = checker().check(&body(
            "我院举办反邪教警示教育讲座",
            "讲座揭批法轮功邪教本质，习近平总书记强调……",
        ));
        assert!(r.hits.is_empty(), "{r:?}");
    }

    #[test]
    fn marked_pieces_carry_the_hit_that_matched_them() {
        let r = checker().check(&body(
            "通知",
            "认真学习习近萍讲话，继续做好疫情防控常态化工作。",
        ));
        let pieces = r.marked(crate::model::Field::Text);
        let joined: String = pieces.iter().map(|p| p.text.as_str()).collect();
        assert_eq!(joined, r.text);
        let hits: Vec<(&str, bool)> = pieces
            .iter()
            .filter_map(|p| p.hit.map(|i| (p.text.as_str(), r.hits[i].blocking)))
            .collect();
        assert!(hits.contains(&("习近萍", true)), "{hits:?}");
        assert!(hits.iter().any(|(_, blocking)| !blocking), "{hits:?}");
        assert!(
            r.marked(crate::model::Field::Title)
                .iter()
                .all(|p| p.hit.is_none())
        );
    }

    #[test]
    fn a_channel_override_is_checked_too() {
        let mut b = body("标题", "正文");
        b.overrides.insert(
            3,
            crate::syndicate::VariantOverride {
                text: Some("学习习近萍讲话".into()),
                ..Default::default()
            },
        );
        assert!(checker().check(&b).blocked());
    }

    #[test]
    fn tags_and_digest_are_checked_too() {
        let mut b = body("标题", "正文");
        b.tags = vec!["武汉肺炎".into()];
        assert!(checker().check(&b).blocked());
    }
}
