//! Risk score 0–100 and its level, with the explanation of every point.
//!
//! Rule hits dominate; negative sentiment, the source's authority and the
//! post's spread adjust. Many weak hits add up with diminishing returns
//! (a noisy-OR), so ten low hits never outrank one critical hit.

use crate::model::{Metrics, Risk, RiskFactor, RiskLevel, RuleHit, Sentiment, Severity};
use serde::{Deserialize, Serialize};

/// Tunables of the risk score; `[analysis.risk]` in `yuqing.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RiskSettings {
    /// Minimum score of each level: low, medium, high, critical.
    pub thresholds: Thresholds,
    /// Points for a hit of each severity at weight 1.0 (before the noisy-OR).
    pub severity_points: SeverityPoints,
    /// Points for a fully negative post (score -1) that also hit a rule.
    pub negative_sentiment_points: f32,
    /// The same without any rule hit: a complaint with no known risk topic.
    pub negative_sentiment_points_without_hits: f32,
    /// Points at most for reposts, comments and likes.
    pub engagement_max_points: f32,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Thresholds {
    pub low: u8,
    pub medium: u8,
    pub high: u8,
    pub critical: u8,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct SeverityPoints {
    pub low: f32,
    pub medium: f32,
    pub high: f32,
    pub critical: f32,
}

impl Default for RiskSettings {
    fn default() -> Self {
        RiskSettings {
            thresholds: Thresholds::default(),
            severity_points: SeverityPoints::default(),
            negative_sentiment_points: 15.0,
            negative_sentiment_points_without_hits: 10.0,
            engagement_max_points: 20.0,
        }
    }
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            low: 15,
            medium: 35,
            high: 55,
            critical: 80,
        }
    }
}

impl Default for SeverityPoints {
    fn default() -> Self {
        SeverityPoints {
            low: 12.0,
            medium: 25.0,
            high: 45.0,
            critical: 70.0,
        }
    }
}

impl Thresholds {
    pub fn level(&self, score: u8) -> RiskLevel {
        match score {
            s if s >= self.critical => RiskLevel::Critical,
            s if s >= self.high => RiskLevel::High,
            s if s >= self.medium => RiskLevel::Medium,
            s if s >= self.low => RiskLevel::Low,
            _ => RiskLevel::None,
        }
    }

    /// The key that breaks the order, if any.
    pub fn validate(&self) -> Result<(), String> {
        let t = [self.low, self.medium, self.high, self.critical];
        if t[0] == 0 {
            return Err("thresholds.low must be at least 1".into());
        }
        let names = ["low", "medium", "high", "critical"];
        for i in 1..4 {
            if t[i] <= t[i - 1] {
                return Err(format!(
                    "thresholds.{} ({}) must be greater than thresholds.{} ({})",
                    names[i],
                    t[i],
                    names[i - 1],
                    t[i - 1]
                ));
            }
        }
        if self.critical > 100 {
            return Err("thresholds.critical must be at most 100".into());
        }
        Ok(())
    }
}

impl SeverityPoints {
    fn of(&self, severity: Severity) -> f32 {
        match severity {
            Severity::Low => self.low,
            Severity::Medium => self.medium,
            Severity::High => self.high,
            Severity::Critical => self.critical,
        }
    }
}

fn severity_zh(s: Severity) -> &'static str {
    match s {
        Severity::Low => "低",
        Severity::Medium => "中",
        Severity::High => "高",
        Severity::Critical => "紧急",
    }
}

/// Appends what `format!("{x:.2}")` gives for a finite `x` of magnitude
/// below 1e6 (a sentiment score), without the general float formatter. An
/// `f32` times 100 is exact in an `f64` (24 + 7 bits), so rounding that
/// product half to even is the formatter's exact decimal rounding.
fn push_fixed2(out: &mut String, x: f32) {
    debug_assert!(x.is_finite() && x.abs() < 1e6);
    let hundredths = (x as f64 * 100.0).abs().round_ties_even() as u32;
    if x.is_sign_negative() {
        out.push('-');
    }
    let whole = hundredths / 100;
    let frac = hundredths % 100;
    if whole < 10 {
        out.push((b'0' + whole as u8) as char);
    } else {
        out.push_str(&whole.to_string());
    }
    out.push('.');
    out.push((b'0' + (frac / 10) as u8) as char);
    out.push((b'0' + (frac % 10) as u8) as char);
}

/// Combine the signals of one post into its risk.
pub fn score(
    settings: &RiskSettings,
    hits: &[RuleHit],
    sentiment: &Sentiment,
    source_weight: f32,
    metrics: Option<&Metrics>,
) -> Risk {
    let mut explanation = Vec::new();

    // Noisy-OR: each hit removes a share of the remaining headroom.
    let mut remaining = 1.0f32;
    for hit in hits {
        let p = (settings.severity_points.of(hit.severity) * hit.weight.max(0.0)).clamp(0.0, 95.0);
        let points = 100.0 * remaining * p / 100.0;
        remaining *= 1.0 - p / 100.0;
        // "规则命中 {rule}（{category}，{severity}级）", without `format!`.
        let severity = severity_zh(hit.severity);
        let mut factor = String::with_capacity(32 + hit.rule.len() + hit.category.len());
        for part in [
            "规则命中 ",
            &hit.rule,
            "（",
            &hit.category,
            "，",
            severity,
            "级）",
        ] {
            factor.push_str(part);
        }
        explanation.push(RiskFactor { factor, points });
    }
    let rules_points = 100.0 * (1.0 - remaining);

    let negativity = (-sentiment.score).max(0.0);
    let sentiment_points = negativity
        * if hits.is_empty() {
            settings.negative_sentiment_points_without_hits
        } else {
            settings.negative_sentiment_points
        };
    if sentiment_points >= 0.5 {
        // "负面情绪（{:.2}）", without the float formatter.
        let mut factor = String::with_capacity(24);
        factor.push_str("负面情绪（");
        push_fixed2(&mut factor, sentiment.score);
        factor.push('）');
        explanation.push(RiskFactor {
            factor,
            points: sentiment_points,
        });
    }

    let base = rules_points + sentiment_points;
    // Authority scales what the post says; an official outlet reporting an
    // incident matters more than an anonymous forum reply.
    let factor = (1.0 + 0.25 * (source_weight - 1.0)).clamp(0.5, 1.5);
    let scaled = base * factor;
    if (factor - 1.0).abs() > 1e-3 && base > 0.0 {
        explanation.push(RiskFactor {
            factor: format!("来源权重 ×{factor:.2}"),
            points: scaled - base,
        });
    }

    // Spread only matters for something worth worrying about.
    let mut engagement_points = 0.0;
    if let Some(m) = metrics.filter(|m| !m.is_empty() && base > 0.0) {
        let reach = 3.0 * m.reposts as f64 + 2.0 * m.comments as f64 + m.likes as f64;
        engagement_points =
            ((reach + 1.0).log10() as f32 * 4.0).min(settings.engagement_max_points);
        explanation.push(RiskFactor {
            factor: format!(
                "传播热度（转发{} 评论{} 点赞{}）",
                m.reposts, m.comments, m.likes
            ),
            points: engagement_points,
        });
    }

    let total = (scaled + engagement_points).clamp(0.0, 100.0);
    let score = total.round() as u8;
    explanation.sort_by(|a, b| b.points.abs().total_cmp(&a.points.abs()));
    Risk {
        score,
        level: settings.thresholds.level(score),
        explanation,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::SentimentLabel;

    fn hit(severity: Severity, weight: f32) -> RuleHit {
        RuleHit {
            rule: format!("t.{}", severity.as_str()),
            category: "测试".into(),
            severity,
            weight,
            matched: vec!["x".into()],
            spans: vec![],
        }
    }

    fn sentiment(score: f32) -> Sentiment {
        Sentiment {
            score,
            label: SentimentLabel::Neutral,
            explanation: vec![],
        }
    }

    #[test]
    fn fixed2_is_the_float_formatter() {
        let mut x = 1e-4f32;
        let mut samples = vec![0.0, -0.0, 0.005, -0.005, 0.015, 0.125, 9.995, 10.0, 123.456];
        while x < 2.0 {
            samples.extend([x, -x]);
            x = f32::from_bits(x.to_bits() + 997);
        }
        for v in samples {
            let mut ours = String::new();
            push_fixed2(&mut ours, v);
            assert_eq!(ours, format!("{v:.2}"), "{v:e}");
        }
    }

    #[test]
    fn nothing_is_none() {
        let r = score(&RiskSettings::default(), &[], &sentiment(0.3), 1.0, None);
        assert_eq!((r.score, r.level), (0, RiskLevel::None));
        assert!(r.explanation.is_empty());
    }

    #[test]
    fn one_critical_hit_is_at_least_high() {
        let r = score(
            &RiskSettings::default(),
            &[hit(Severity::Critical, 1.0)],
            &sentiment(0.0),
            1.0,
            None,
        );
        assert_eq!(r.score, 70);
        assert_eq!(r.level, RiskLevel::High);
        let r = score(
            &RiskSettings::default(),
            &[hit(Severity::Critical, 1.0)],
            &sentiment(-0.8),
            1.0,
            None,
        );
        assert_eq!(r.level, RiskLevel::Critical, "{r:?}");
    }

    #[test]
    fn many_weak_hits_have_diminishing_returns() {
        let s = RiskSettings::default();
        let weak: Vec<_> = (0..10).map(|_| hit(Severity::Low, 1.0)).collect();
        let many = score(&s, &weak, &sentiment(0.0), 1.0, None);
        let one_critical = score(
            &s,
            &[hit(Severity::Critical, 1.0)],
            &sentiment(0.0),
            1.0,
            None,
        );
        let two = score(&s, &weak[..2], &sentiment(0.0), 1.0, None);
        let one = score(&s, &weak[..1], &sentiment(0.0), 1.0, None);
        assert!(two.score > one.score);
        assert!(
            (two.score - one.score) < one.score,
            "second hit adds less than the first"
        );
        assert!(
            many.score < one_critical.score + 5,
            "{} vs {}",
            many.score,
            one_critical.score
        );
    }

    #[test]
    fn source_weight_and_engagement_raise_the_score() {
        let s = RiskSettings::default();
        let h = [hit(Severity::Medium, 1.0)];
        let plain = score(&s, &h, &sentiment(-0.5), 1.0, None);
        let official = score(&s, &h, &sentiment(-0.5), 2.0, None);
        let viral = score(
            &s,
            &h,
            &sentiment(-0.5),
            1.0,
            Some(&Metrics {
                reposts: 5000,
                comments: 3000,
                likes: 20000,
            }),
        );
        assert!(official.score > plain.score);
        assert!(viral.score > plain.score);
        assert!(
            viral
                .explanation
                .iter()
                .any(|f| f.factor.starts_with("传播热度"))
        );
        // engagement alone does not make a harmless post risky
        let harmless = score(
            &s,
            &[],
            &sentiment(0.5),
            1.0,
            Some(&Metrics {
                reposts: 9999,
                comments: 9999,
                likes: 9999,
            }),
        );
        assert_eq!(harmless.score, 0);
    }

    #[test]
    fn explanation_adds_up_to_the_score() {
        let s = RiskSettings::default();
        let r = score(
            &s,
            &[hit(Severity::High, 1.2), hit(Severity::Low, 1.0)],
            &sentiment(-0.7),
            1.4,
            Some(&Metrics {
                reposts: 10,
                comments: 20,
                likes: 50,
            }),
        );
        let sum: f32 = r.explanation.iter().map(|f| f.points).sum();
        assert!((sum - r.score as f32).abs() <= 1.0, "{sum} vs {}", r.score);
    }

    #[test]
    fn thresholds_must_ascend() {
        let t = Thresholds {
            low: 10,
            medium: 40,
            high: 30,
            critical: 90,
        };
        assert_eq!(
            t.validate().unwrap_err(),
            "thresholds.high (30) must be greater than thresholds.medium (40)"
        );
    }
}
