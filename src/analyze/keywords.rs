//! Top keywords per post by TF-IDF over the tokens the analyser already has.
//!
//! jieba-rs's own `TfIdf` re-segments and POS-tags the text, which would
//! double the cost of analysis; the formula and the IDF table are the same.

use super::AnalyzeError;
use super::tokenize::is_emoji;
use super::wordtable::WordTable;
use rustc_hash::{FxHashMap, FxHashSet};
use std::path::Path;

/// IDF for words not in the table; close to the table's median, as jieba does.
const DEFAULT_IDF: f32 = 11.95;

pub struct KeywordExtractor {
    idf: WordTable<f32>,
    stop_words: FxHashSet<Box<str>>,
}

impl KeywordExtractor {
    /// Loads `idf.txt` and `stopwords.txt` from the dictionaries folder.
    pub fn load(dictionaries: &Path) -> Result<Self, AnalyzeError> {
        let idf_path = dictionaries.join("idf.txt");
        let idf_text =
            std::fs::read_to_string(&idf_path).map_err(|e| AnalyzeError::io(&idf_path, e))?;
        let mut idf: FxHashMap<Box<str>, f32> =
            FxHashMap::with_capacity_and_hasher(110_000, Default::default());
        for (n, line) in idf_text.lines().enumerate() {
            if line.starts_with('#') || line.trim().is_empty() {
                continue;
            }
            let parsed = line
                .rsplit_once(' ')
                .and_then(|(w, v)| Some((w, v.trim().parse::<f32>().ok()?)));
            let Some((word, value)) = parsed else {
                return Err(AnalyzeError::Dictionary {
                    path: idf_path,
                    line: n + 1,
                    message: "expected '词 idf值' (word, space, number)".into(),
                });
            };
            idf.insert(word.into(), value);
        }

        let stop_path = dictionaries.join("stopwords.txt");
        let stop_text =
            std::fs::read_to_string(&stop_path).map_err(|e| AnalyzeError::io(&stop_path, e))?;
        let stop_words = stop_text
            .lines()
            .map(str::trim)
            .filter(|l| !l.is_empty() && !l.starts_with('#'))
            .map(|l| super::normalize::normalize(l).into_boxed_str())
            .collect();
        let idf = WordTable::new(idf.iter().map(|(w, v)| (&**w, *v)));
        Ok(KeywordExtractor { idf, stop_words })
    }

    /// The `top_k` tokens by TF-IDF, best first; ties keep first occurrence.
    pub fn extract(&self, tokens: &[&str], top_k: usize) -> Vec<String> {
        if top_k == 0 {
            return Vec::new();
        }
        // (term frequency, first position) per candidate word
        let mut tf: FxHashMap<&str, (u32, u32)> =
            FxHashMap::with_capacity_and_hasher(tokens.len().min(1024), Default::default());
        for (pos, &token) in tokens.iter().enumerate() {
            if self.is_candidate(token) {
                tf.entry(token).or_insert((0, pos as u32)).0 += 1;
            }
        }
        let mut scored: Vec<(f32, u32, &str)> = tf
            .into_iter()
            .map(|(word, (count, first))| {
                let idf = self.idf.get(word).copied().unwrap_or(DEFAULT_IDF);
                (count as f32 * idf, first, word)
            })
            .collect();
        // Positions are distinct, so the order is total: selecting the top
        // `k` and sorting only those gives what a full sort would.
        let order =
            |a: &(f32, u32, &str), b: &(f32, u32, &str)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
        if scored.len() > top_k {
            scored.select_nth_unstable_by(top_k, order);
            scored.truncate(top_k);
        }
        scored.sort_unstable_by(order);
        scored.into_iter().map(|(_, _, w)| w.to_owned()).collect()
    }

    fn is_candidate(&self, token: &str) -> bool {
        let mut chars = token.chars();
        let Some(first) = chars.next() else {
            return false;
        };
        // One character is too vague to cluster on ("我", "的", "a").
        if chars.next().is_none() {
            return false;
        }
        if token.starts_with('[') || is_emoji(first) {
            return false;
        }
        if token
            .chars()
            .all(|c| c.is_ascii_digit() || c.is_ascii_punctuation() || !c.is_alphanumeric())
        {
            return false;
        }
        !self.stop_words.contains(token)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::{default_dictionaries_dir, tokenize::Tokenizer};

    #[test]
    fn picks_topic_words_not_function_words() {
        let dir = default_dictionaries_dir();
        let kw = KeywordExtractor::load(&dir).unwrap();
        let tok = Tokenizer::load(&dir).unwrap();
        let text =
            "食堂的饭菜吃了以后好多同学腹泻，食堂到底有没有人管？腹泻的同学我们已经送去校医院了";
        let tokens = tok.tokens(text);
        let top = kw.extract(&tokens, 3);
        let mut top2 = top[..2].to_vec();
        top2.sort();
        assert_eq!(top2, ["腹泻", "食堂"], "{top:?}");
        assert!(!top.iter().any(|w| w == "我们" || w == "已经"), "{top:?}");
    }

    #[test]
    fn numbers_emoji_and_single_chars_are_skipped() {
        let kw = KeywordExtractor::load(&default_dictionaries_dir()).unwrap();
        let top = kw.extract(&["2024", "😡", "[怒]", "好", "宿舍", "!!"], 5);
        assert_eq!(top, vec!["宿舍".to_string()]);
    }

    #[test]
    fn malformed_idf_line_is_reported() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("idf.txt"), "食堂 3.5\n宿舍\n").unwrap();
        std::fs::write(dir.path().join("stopwords.txt"), "的\n").unwrap();
        let err = KeywordExtractor::load(dir.path())
            .err()
            .unwrap()
            .to_string();
        assert!(
            err.ends_with("idf.txt:2: expected '词 idf值' (word, space, number)"),
            "{err}"
        );
    }
}
