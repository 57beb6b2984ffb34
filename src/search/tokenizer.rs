//! The jieba tokenizer tantivy uses for titles and texts.
//!
//! It shares the analyser's `Arc<Jieba>` (same user dictionaries, no copy per
//! clone; tantivy clones a tokenizer for every query it parses) and folds
//! full-width forms and Latin case like the analyser, so `ＷｉＦｉ` finds
//! `wifi`. Offsets point into the original text, so snippets highlight it.

use crate::analyze::normalize::normalize_into;
use jieba_rs::Jieba;
use std::sync::Arc;
use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Name under which [`JiebaTokenizer`] is registered in the index.
pub const JIEBA: &str = "yuqing_jieba";
/// Whole-value, lowercased: for source, channel, level, category.
pub const RAW_LOWER: &str = "yuqing_raw_lower";

/// jieba in search mode: a long word is indexed with its shorter words too
/// (`二食堂` → `食堂`, `二食堂`), so a query for `食堂` finds it.
#[derive(Clone)]
pub struct JiebaTokenizer {
    jieba: Arc<Jieba>,
}

impl JiebaTokenizer {
    pub fn new(jieba: Arc<Jieba>) -> Self {
        JiebaTokenizer { jieba }
    }

    /// Shares the analyser's segmenter (and so its user dictionaries).
    pub fn from_analyzer(tokenizer: &crate::analyze::tokenize::Tokenizer) -> Self {
        JiebaTokenizer::new(tokenizer.jieba().clone())
    }

    /// The tokens of `text` as the index sees them (for tests and docs).
    pub fn words(&self, text: &str) -> Vec<String> {
        self.tokens(text).into_iter().map(|t| t.text).collect()
    }

    fn tokens(&self, text: &str) -> Vec<Token> {
        let mut norm = String::with_capacity(text.len());
        normalize_into(text, &mut norm);
        // `normalize_into` maps every char to exactly one char, so offsets in
        // the normalised text map back char by char.
        let map: Option<Vec<usize>> = (norm != text).then(|| {
            let mut map = vec![0; norm.len() + 1];
            for ((nb, nc), (ob, _)) in norm.char_indices().zip(text.char_indices()) {
                map[nb..nb + nc.len_utf8()].fill(ob);
            }
            map[norm.len()] = text.len();
            map
        });
        let orig = |b: usize| map.as_ref().map_or(b, |m| m[b]);
        self.jieba
            .cut_for_search(&norm, true)
            .into_iter()
            .filter(|t| t.word.chars().any(char::is_alphanumeric))
            .enumerate()
            .map(|(position, t)| Token {
                offset_from: orig(t.byte_start),
                offset_to: orig(t.byte_end),
                position,
                text: t.word.to_string(),
                position_length: 1,
            })
            .collect()
    }
}

impl Tokenizer for JiebaTokenizer {
    type TokenStream<'a> = VecTokenStream;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> VecTokenStream {
        VecTokenStream {
            tokens: self.tokens(text),
            next: 0,
        }
    }
}

pub struct VecTokenStream {
    tokens: Vec<Token>,
    next: usize,
}

impl TokenStream for VecTokenStream {
    fn advance(&mut self) -> bool {
        if self.next < self.tokens.len() {
            self.next += 1;
            true
        } else {
            false
        }
    }

    fn token(&self) -> &Token {
        &self.tokens[self.next - 1]
    }

    fn token_mut(&mut self) -> &mut Token {
        &mut self.tokens[self.next - 1]
    }
}
