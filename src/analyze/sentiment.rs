//! Lexicon sentiment scorer (placeholder interface; being implemented).

use super::AnalyzeError;
use crate::model::{Sentiment, SentimentLabel};
use std::path::Path;

pub struct SentimentModel {}

impl SentimentModel {
    pub fn load(_dictionaries: &Path) -> Result<Self, AnalyzeError> {
        Ok(SentimentModel {})
    }

    /// Score the tokens of one normalised text.
    pub fn score(&self, _tokens: &[&str], _neutral_band: f32) -> Sentiment {
        Sentiment {
            score: 0.0,
            label: SentimentLabel::Neutral,
            explanation: Vec::new(),
        }
    }
}
