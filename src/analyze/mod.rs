//! Analysis: normalise, tokenize, score sentiment, match rules, score risk,
//! extract keywords. Pure and fast: no I/O after [`Analyzer`] is built.

pub mod keywords;
pub mod normalize;
pub mod pii;
pub mod risk;
pub mod rules;
pub mod segment;
pub mod sentiment;
pub mod tokenize;
mod wordtable;

use crate::model::{Analysis, PostText, RuleHit, Sentiment};
use compact_str::CompactString;
use keywords::KeywordExtractor;
use risk::RiskSettings;
use rules::{Document, RuleSet, RuleSetError, SharedRuleSet};
use segment::WordNotes;
use sentiment::SentimentModel;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Arc;
use tokenize::Tokenizer;

/// Errors while loading the analyser's dictionaries and rules.
#[derive(Debug, thiserror::Error)]
pub enum AnalyzeError {
    #[error("{}: {source}", path.display())]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("{}:{line}: {message}", path.display())]
    Dictionary {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(transparent)]
    Rules(#[from] rules::RuleSetError),
}

impl AnalyzeError {
    pub(crate) fn io(path: &Path, source: std::io::Error) -> Self {
        AnalyzeError::Io {
            path: path.to_path_buf(),
            source,
        }
    }
}

/// The dictionaries shipped in the repository, for tests and benches.
pub fn default_dictionaries_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("dictionaries")
}

/// The rules shipped in the repository, for tests and benches.
pub fn default_rules_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("rules")
}

/// Tunables of the analysis; `[analysis]` in `yuqing.toml`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct AnalysisSettings {
    /// Sentiment scores with |score| below this are labelled neutral.
    pub neutral_band: f32,
    /// How many keywords to keep per post.
    pub keywords: usize,
    pub risk: RiskSettings,
}

impl Default for AnalysisSettings {
    fn default() -> Self {
        AnalysisSettings {
            neutral_band: 0.15,
            keywords: 5,
            risk: RiskSettings::default(),
        }
    }
}

impl AnalysisSettings {
    /// The first setting that is out of range, named by its key.
    pub fn validate(&self) -> Result<(), String> {
        if !(0.0..1.0).contains(&self.neutral_band) {
            return Err(format!(
                "analysis.neutral_band must be in [0, 1), got {}",
                self.neutral_band
            ));
        }
        if self.keywords > 100 {
            return Err(format!(
                "analysis.keywords must be at most 100, got {}",
                self.keywords
            ));
        }
        self.risk
            .thresholds
            .validate()
            .map_err(|e| format!("analysis.risk.{e}"))
    }
}

/// The whole analysis of a post: shared by the crawler, the web server and
/// the CLI. Immutable after construction except for the rule set, which is
/// replaced atomically (a post is analysed against one rule set, never a mix).
pub struct Analyzer {
    tokenizer: Tokenizer,
    sentiment: SentimentModel,
    keywords: KeywordExtractor,
    rules: SharedRuleSet,
    settings: AnalysisSettings,
}

impl Analyzer {
    /// Loads dictionaries and rules. jieba's dictionary is the slow part, so
    /// it loads on its own thread while the rest loads on this one.
    pub fn load(
        dictionaries: &Path,
        rules_dir: &Path,
        settings: AnalysisSettings,
    ) -> Result<Self, AnalyzeError> {
        let (tokenizer, rest) = std::thread::scope(|scope| {
            let tokenizer = scope.spawn(|| Tokenizer::load(dictionaries));
            let rest = (|| {
                let sentiment = SentimentModel::load(dictionaries)?;
                let keywords = KeywordExtractor::load(dictionaries)?;
                let rules = RuleSet::load_dir(rules_dir)?;
                Ok::<_, AnalyzeError>((sentiment, keywords, rules))
            })();
            (tokenizer.join().expect("tokenizer thread panicked"), rest)
        });
        let mut tokenizer = tokenizer?;
        let (mut sentiment, mut keywords, rules) = rest?;
        tokenizer.note_words(|segmenter| {
            keywords.note_words(segmenter);
            sentiment.note_words(segmenter);
        });
        Ok(Analyzer {
            tokenizer,
            sentiment,
            keywords,
            rules: SharedRuleSet::new(rules),
            settings,
        })
    }

    /// The shipped dictionaries and rules with default settings.
    pub fn load_default() -> Result<Self, AnalyzeError> {
        Self::load(
            &default_dictionaries_dir(),
            &default_rules_dir(),
            AnalysisSettings::default(),
        )
    }

    pub fn analyze(&self, post: &PostText<'_>) -> Analysis {
        let rules = self.rules.load();
        self.analyze_with(&rules, post)
    }

    /// The analysis plus the SimHash of the same tokens, for dedup: the
    /// ingest path tokenizes once.
    pub fn analyze_with_simhash(&self, post: &PostText<'_>) -> (Analysis, u64) {
        let rules = self.rules.load();
        let mut simhash = 0;
        let analysis = self.analyze_inner(&rules, post, |tokens| {
            simhash = crate::dedup::simhash(tokens);
        });
        (analysis, simhash)
    }

    fn analyze_with(&self, rules: &RuleSet, post: &PostText<'_>) -> Analysis {
        self.analyze_inner(rules, post, |_| {})
    }

    fn analyze_inner(
        &self,
        rules: &RuleSet,
        post: &PostText<'_>,
        on_tokens: impl FnOnce(&[&str]),
    ) -> Analysis {
        // The normalised fields that change and the token vector are
        // per-thread buffers reused across posts: analysing a post allocates
        // only what it returns. Borrowed in place, not moved in and out.
        thread_local! {
            static SCRATCH: std::cell::RefCell<Scratch> = std::cell::RefCell::default();
        }
        SCRATCH.with(|cell| match cell.try_borrow_mut() {
            Ok(mut scratch) => self.analyze_in(rules, post, on_tokens, &mut scratch),
            Err(_) => self.analyze_in(rules, post, on_tokens, &mut Scratch::default()),
        })
    }

    fn analyze_in(
        &self,
        rules: &RuleSet,
        post: &PostText<'_>,
        on_tokens: impl FnOnce(&[&str]),
        scratch: &mut Scratch,
    ) -> Analysis {
        let Scratch {
            fields,
            tokens,
            notes,
        } = scratch;
        let [title_buf, text_buf, author_buf, source_buf] = fields;
        // Most fields are already normal (or empty): borrowed, not copied.
        let title = normalize::normalize_in(post.title, title_buf);
        let text = normalize::normalize_in(post.text, text_buf);
        let author = normalize::normalize_in(post.author, author_buf);
        let source = normalize::normalize_in(post.source, source_buf);

        let doc = Document {
            title,
            text,
            author,
            source,
        };
        let mut post_tokens = relifetime(std::mem::take(tokens));
        notes.clear();
        self.append_post_tokens(&doc, &mut post_tokens, notes);
        on_tokens(&post_tokens);

        let sentiment = self
            .sentiment
            .score_noted(&post_tokens, notes, self.settings.neutral_band);
        let hits = rules.matches(&doc);
        let risk = risk::score(
            &self.settings.risk,
            &hits,
            &sentiment,
            post.source_weight,
            post.metrics.as_ref(),
        );
        let keywords = self
            .keywords
            .extract_noted(&post_tokens, notes, self.settings.keywords);
        *tokens = relifetime(post_tokens);
        Analysis {
            sentiment,
            risk,
            hits,
            keywords,
        }
    }

    /// The tokens of a post's normalised title and text, appended to `out`,
    /// their notes to `notes`.
    fn append_post_tokens<'a>(
        &self,
        doc: &Document<'a>,
        out: &mut Vec<&'a str>,
        notes: &mut Vec<WordNotes>,
    ) {
        out.reserve((doc.title.len() + doc.text.len()) / 4 + 8);
        notes.reserve((doc.title.len() + doc.text.len()) / 4 + 8);
        if !doc.title.is_empty() {
            self.tokenizer.append_noted_tokens(doc.title, out, notes);
            // The title is a clause of its own for the sentiment scorer.
            out.push("。");
            notes.push(WordNotes::UNKNOWN);
        }
        self.tokenizer.append_noted_tokens(doc.text, out, notes);
    }

    /// The analyses of `posts`, in order, against one rule set: the same as
    /// [`Analyzer::analyze`] on each post, but stage by stage (every post
    /// normalised and tokenized, then every post scored, matched, …), so
    /// that each stage's tables stay in cache across the batch. Measured:
    /// 4–15 % faster on articles in batches of 64, no difference on short
    /// posts (docs/performance.md).
    pub fn analyze_batch(&self, posts: &[PostText<'_>]) -> Vec<Analysis> {
        let rules = self.rules.load();
        thread_local! {
            static BATCH: std::cell::Cell<BatchScratch> = std::cell::Cell::default();
        }
        let mut scratch = BATCH.take();
        if scratch.fields.len() < posts.len() {
            scratch.fields.resize_with(posts.len(), Default::default);
        }
        let docs: Vec<Document<'_>> = posts
            .iter()
            .zip(scratch.fields.iter_mut())
            .map(|(post, [title, text, author, source])| Document {
                title: normalize::normalize_in(post.title, title),
                text: normalize::normalize_in(post.text, text),
                author: normalize::normalize_in(post.author, author),
                source: normalize::normalize_in(post.source, source),
            })
            .collect();
        let mut tokens = relifetime(std::mem::take(&mut scratch.tokens));
        let mut ends = Vec::with_capacity(docs.len());
        let notes = &mut scratch.notes;
        notes.clear();
        for doc in &docs {
            self.append_post_tokens(doc, &mut tokens, notes);
            ends.push(tokens.len());
        }
        // The tokens of post `i` and their notes.
        let per_post = |i: usize| {
            let range = if i == 0 { 0 } else { ends[i - 1] }..ends[i];
            (&tokens[range.clone()], &notes[range])
        };
        let band = self.settings.neutral_band;
        let sentiments: Vec<Sentiment> = (0..docs.len())
            .map(|i| {
                let (tokens, notes) = per_post(i);
                self.sentiment.score_noted(tokens, notes, band)
            })
            .collect();
        let hits: Vec<Vec<RuleHit>> = docs.iter().map(|d| rules.matches(d)).collect();
        let keywords: Vec<Vec<CompactString>> = (0..docs.len())
            .map(|i| {
                let (tokens, notes) = per_post(i);
                self.keywords
                    .extract_noted(tokens, notes, self.settings.keywords)
            })
            .collect();
        drop(docs);
        scratch.tokens = relifetime(tokens);
        BATCH.set(scratch);
        sentiments
            .into_iter()
            .zip(hits)
            .zip(keywords)
            .zip(posts)
            .map(|(((sentiment, hits), keywords), post)| Analysis {
                risk: risk::score(
                    &self.settings.risk,
                    &hits,
                    &sentiment,
                    post.source_weight,
                    post.metrics.as_ref(),
                ),
                sentiment,
                hits,
                keywords,
            })
            .collect()
    }

    /// Swap in the rules of `dir`; the running set stays if they don't compile.
    pub fn reload_rules(&self, dir: &Path) -> Result<(), RuleSetError> {
        self.rules.replace_from_dir(dir)
    }

    pub fn rules(&self) -> Arc<RuleSet> {
        self.rules.load()
    }

    pub fn tokenizer(&self) -> &Tokenizer {
        &self.tokenizer
    }

    pub fn keyword_extractor(&self) -> &KeywordExtractor {
        &self.keywords
    }

    pub fn sentiment_model(&self) -> &SentimentModel {
        &self.sentiment
    }

    pub fn settings(&self) -> &AnalysisSettings {
        &self.settings
    }

    /// Stored with every analysis, so results can be traced to the code and
    /// rules that produced them.
    pub fn version(&self) -> String {
        format!(
            "{}+rules.{}",
            env!("CARGO_PKG_VERSION"),
            self.rules.load().version()
        )
    }
}

/// Per-thread buffers of [`Analyzer::analyze_batch`].
#[derive(Default)]
struct BatchScratch {
    /// Title, text, author and source of each post of the batch.
    fields: Vec<[String; 4]>,
    /// Always empty between batches; only its allocation is kept.
    tokens: Vec<&'static str>,
    notes: Vec<WordNotes>,
}

/// Per-thread buffers of [`Analyzer::analyze`].
#[derive(Default)]
struct Scratch {
    /// Title, text, author and source, when normalising changes them.
    fields: [String; 4],
    /// Always empty between posts; only its allocation is kept.
    tokens: Vec<&'static str>,
    notes: Vec<WordNotes>,
}

/// `tokens`, emptied, with another lifetime: the allocation is kept (an
/// in-place `collect` of a vector into one of the same layout reuses it).
fn relifetime<'b>(mut tokens: Vec<&str>) -> Vec<&'b str> {
    tokens.clear();
    tokens.into_iter().map(|_| unreachable!()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Metrics, RiskLevel, SentimentLabel};
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn analyzer() -> &'static Analyzer {
        static A: OnceLock<Analyzer> = OnceLock::new();
        A.get_or_init(|| Analyzer::load_default().expect("shipped data loads"))
    }

    #[test]
    fn analyzer_is_send_and_sync() {
        fn assert_send_sync<T: Send + Sync>() {}
        assert_send_sync::<Analyzer>();
    }

    #[test]
    fn incident_post_is_negative_and_risky() {
        let a = analyzer().analyze(&PostText {
            title: "二食堂",
            metrics: Some(Metrics {
                reposts: 120,
                comments: 300,
                likes: 1000,
            }),
            ..PostText::new("今天中午在二食堂吃完饭，宿舍好几个人都腹泻呕吐，已经去校医院了[怒]")
        });
        assert_eq!(a.sentiment.label, SentimentLabel::Negative, "{a:?}");
        assert!(a.risk.level >= RiskLevel::Medium, "{a:?}");
        assert!(a.hits.iter().any(|h| h.category == "食品安全"), "{a:?}");
        assert!(
            a.keywords.iter().any(|k| k == "食堂" || k == "二食堂"),
            "{a:?}"
        );
    }

    #[test]
    fn praise_is_positive_and_harmless() {
        let a = analyzer().analyze(&PostText::new(
            "感谢辅导员老师一直以来的关心和帮助，学校真的很温暖👍",
        ));
        assert_eq!(a.sentiment.label, SentimentLabel::Positive, "{a:?}");
        assert_eq!(a.risk.level, RiskLevel::None, "{a:?}");
    }

    #[test]
    fn full_width_and_case_do_not_hide_a_rule() {
        let plain = analyzer().analyze(&PostText::new("宿舍楼着火了，好多烟"));
        let wide = analyzer().analyze(&PostText::new("宿舍楼着火了，好多烟！！ＨＥＬＰ"));
        assert!(!plain.hits.is_empty());
        assert_eq!(
            plain.hits.iter().map(|h| &h.rule).collect::<Vec<_>>(),
            wide.hits.iter().map(|h| &h.rule).collect::<Vec<_>>()
        );
    }

    #[test]
    fn reload_keeps_the_running_rules_when_new_ones_are_broken() {
        let a = Analyzer::load_default().unwrap();
        let before = a.version();
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(
            dir.path().join("bad.toml"),
            "[[rule]]\nid = \"x\"\nseverity = \"high\"\nquery = '(a'\n",
        )
        .unwrap();
        assert!(a.reload_rules(dir.path()).is_err());
        assert_eq!(a.version(), before);
        assert!(!a.analyze(&PostText::new("宿舍楼着火了")).hits.is_empty());
    }

    /// The notes tokens bring from the segmenter replace lookups, never
    /// change a result: sentiment and keywords with notes are those without,
    /// on every text of the benchmark corpora and the campus set.
    #[test]
    fn notes_change_no_result() {
        let a = analyzer();
        let root = Path::new(env!("CARGO_MANIFEST_DIR"));
        let mut texts = Vec::new();
        for file in [
            "benches/corpus/posts.jsonl",
            "benches/corpus/articles.jsonl",
        ] {
            let content = std::fs::read_to_string(root.join(file)).unwrap();
            for line in content.lines().filter(|l| !l.trim().is_empty()) {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                texts.push(v["text"].as_str().unwrap().to_string());
            }
        }
        let campus =
            std::fs::read_to_string(root.join("tests/fixtures/sentiment/campus.tsv")).unwrap();
        texts.extend(
            campus
                .lines()
                .filter_map(|l| l.split('\t').nth(1))
                .map(str::to_string),
        );
        assert!(texts.len() > 500, "{}", texts.len());
        let (mut noted_cues, band) = (0, a.settings.neutral_band);
        for text in &texts {
            let text = normalize::normalize(text);
            let (mut tokens, mut notes) = (Vec::new(), Vec::new());
            a.tokenizer
                .append_noted_tokens(&text, &mut tokens, &mut notes);
            noted_cues += notes
                .iter()
                .filter(|n| n.cue < segment::NO_CUE_PLAIN)
                .count();
            let with = serde_json::to_string(&a.sentiment.score_noted(&tokens, &notes, band));
            let without = serde_json::to_string(&a.sentiment.score(&tokens, band));
            assert_eq!(with.unwrap(), without.unwrap(), "{text}");
            assert_eq!(
                a.keywords.extract_noted(&tokens, &notes, 8),
                a.keywords.extract(&tokens, 8),
                "{text}"
            );
        }
        assert!(noted_cues > 200, "{noted_cues}");
    }

    #[test]
    fn a_batch_gives_what_each_post_gives_alone() {
        let corpus = std::fs::read_to_string(
            Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/corpus/posts.jsonl"),
        )
        .unwrap();
        let mut texts: Vec<String> = corpus
            .lines()
            .filter_map(|l| serde_json::from_str::<serde_json::Value>(l).ok())
            .filter_map(|v| v["text"].as_str().map(str::to_string))
            .collect();
        texts.extend(
            [
                "",
                "宿舍楼着火了，好多烟！！ＨＥＬＰ",
                "消防演练&amp;防诈骗宣传",
                "😡😡[怒]",
            ]
            .map(str::to_string),
        );
        let posts: Vec<PostText<'_>> = texts
            .iter()
            .enumerate()
            .map(|(i, t)| PostText {
                title: ["", "二食堂", "ＡＢＣ通知"][i % 3],
                author: ["", "某同学"][i % 2],
                source_weight: [1.0, 1.5][i % 2],
                metrics: (i % 5 == 0).then_some(Metrics {
                    reposts: 3,
                    comments: 5,
                    likes: i as u64,
                }),
                ..PostText::new(t)
            })
            .collect();
        let alone: Vec<Analysis> = posts.iter().map(|p| analyzer().analyze(p)).collect();
        for size in [1, 7, 64, posts.len()] {
            let batched: Vec<Analysis> = posts
                .chunks(size)
                .flat_map(|c| analyzer().analyze_batch(c))
                .collect();
            assert_eq!(batched, alone, "batches of {size}");
        }
        assert!(analyzer().analyze_batch(&[]).is_empty());
    }

    #[test]
    fn settings_validation_names_keys() {
        let s = AnalysisSettings {
            neutral_band: -0.1,
            ..AnalysisSettings::default()
        };
        assert!(
            s.validate()
                .unwrap_err()
                .starts_with("analysis.neutral_band")
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 300, ..ProptestConfig::default() })]
        #[test]
        fn analyze_never_panics(title in "\\PC{0,20}", text in "\\PC{0,200}", weight in 0.0f32..5.0) {
            let a = analyzer().analyze(&PostText { title: &title, source_weight: weight, ..PostText::new(&text) });
            prop_assert!((-1.0..=1.0).contains(&a.sentiment.score));
            prop_assert!(a.risk.score <= 100);
        }

        #[test]
        fn analyze_never_panics_on_campus_like_text(
            parts in proptest::collection::vec(
                prop_oneof![
                    Just("食堂"), Just("不"), Just("没有"), Just("但是"), Just("非常"), Just("腹泻"),
                    Just("着火"), Just("[怒]"), Just("😡"), Just("！"), Just("?"), Just("难道"),
                    Just("消防演练"), Just("&amp;"), Just("Ａ"), Just("13912345678"), Just("["), Just("]"),
                ],
                0..40,
            )
        ) {
            let text: String = parts.concat();
            let a = analyzer().analyze(&PostText::new(&text));
            prop_assert!((-1.0..=1.0).contains(&a.sentiment.score));
        }
    }
}
