//! Lexicon sentiment scorer with rule-based modifiers.
//!
//! Every token is looked up once in one hash map from word to a compact
//! [`Entry`]: a polarity weight (curated, or learned offline by
//! `examples/fit_sentiment.rs`) and/or a role (negator, degree adverb,
//! contrast, rhetorical marker, question particle). Clauses are split on
//! punctuation; within a clause negation, degree and question/exclamation
//! modify the polarity words, and a contrast word weighs what follows it over
//! what came before. The raw sum is squashed with `tanh`. Small learned
//! weights and learned topic nouns are weak evidence: they set the direction
//! of a text that has nothing stronger, but only stronger cues can take it
//! out of the neutral band.
//!
//! Lexicons live in `dictionaries/sentiment/` (see its README.md):
//! `polarity*.txt` (`word<TAB>strength`, in name order, later files
//! override), `learned.tsv` (`word<TAB>weight…[<TAB>weak]`, overridden by curated
//! entries), `negators.txt` (`word<TAB>residual`), `degree.txt`
//! (`word<TAB>multiplier`), `contrast.txt` (`word`), `rhetorical.txt`
//! (`word<TAB>strength[<TAB>?]`) and `particles.txt` (`word`).

use super::AnalyzeError;
use super::segment::{CUE_NOT_NOTED, NO_CUE, NO_CUE_PLAIN, Segmenter, WordNotes};
use super::wordtable::WordTable;
use crate::model::{Sentiment, SentimentContribution, SentimentLabel};
use compact_str::CompactString;
use rustc_hash::FxHashMap;
use std::path::Path;

/// Tokens after a negator that it may still reach ("不 是 很 好").
const NEGATION_SCOPE: u8 = 3;
/// Tokens after a degree adverb that it may still reach.
const DEGREE_SCOPE: u8 = 2;
/// "不差" is milder than "好": a negated negative word turns only partly positive.
const NEGATED_NEGATIVE: f32 = -0.5;
/// "不太好" is milder than "不好": a degree adverb under negation softens.
const DEGREE_UNDER_NEGATION: f32 = 0.6;
/// Weight of what precedes / follows a contrast word (但是, 却 …).
const BEFORE_CONTRAST: f32 = 0.5;
const AFTER_CONTRAST: f32 = 1.5;
/// A plain question asserts less than a statement.
const QUESTION: f32 = 0.6;
/// One `!` amplifies, two or more amplify more.
const EXCLAIM_ONE: f32 = 1.3;
const EXCLAIM_MORE: f32 = 1.5;
/// raw sum -> score: tanh(raw * SQUASH); a single strength-2 word gives ~0.76.
const SQUASH: f32 = 0.5;
/// Learned weights below this are weak evidence: fitted on product reviews,
/// they may tip a text's direction but never, on their own, take it out of
/// the neutral band ("寒假留校需要提前申请" stays neutral though 需要 and
/// 申请 lean negative in reviews).
const WEAK_LEARNED: f32 = 0.6;
/// Words that start with a negator character but negate nothing; jieba keeps
/// them whole, so they reach [`SentimentModel::split_glued`] as unknown tokens.
const NOT_NEGATIONS: &[&str] = &[
    "不少",
    "不同",
    "不断",
    "不仅",
    "不久",
    "不管",
    "不论",
    "不然",
    "不如",
    "不停",
    "不禁",
    "不光",
    "不只",
    "不单",
    "不时",
    "不免",
    "不便",
    "不得不",
    "不一定",
    "不一样",
    "没什么",
    "未来",
    "未必",
    "未免",
    "未成年",
    "不久前",
];
/// Explanation length cap.
const MAX_EXPLANATION: usize = 8;
/// A weak cue is explained only when it moved the raw score this much.
const WEAK_EXPLAINED: f32 = 0.3;
/// Words that head an official notice ("停水通知", "【公告】", "温馨提醒"),
/// found at the end of a token since jieba glues them to their topic.
const NOTICE_MARKERS: &[&str] = &["通知", "公告", "通告", "提醒", "提示"];
/// Time words of a schedule; a token with a digit ("8", "20") counts too.
const SCHEDULE_WORDS: &[&str] = &[
    "今天", "明天", "后天", "今晚", "明晚", "本周", "下周", "周末", "上午", "下午", "晚上", "凌晨",
    "中午", "届时", "期间", "月", "日", "号", "点", "时", "起", "至",
];
/// What a notice asks of its readers.
const REQUEST_WORDS: &[&str] = &[
    "请", "敬请", "务必", "提前", "届时", "注意", "做好", "安排", "请勿", "不要",
];
/// Complaint cues: a text with any of them is a complaint about a notice,
/// not the notice ("无语，又通知周末补课").
const COMPLAINT_WORDS: &[&str] = &[
    "又",
    "无语",
    "凭什么",
    "垃圾",
    "恶心",
    "离谱",
    "坑",
    "吐槽",
    "投诉",
    "受不了",
    "崩溃",
    "气死",
    "烦",
    "烦死",
    "服了",
    "醉了",
    "无奈",
    "呵呵",
    "还要",
    "天天",
    "总是",
    "老是",
];

const NEGATOR: u8 = 1;
const DEGREE: u8 = 2;
const CONTRAST: u8 = 4;
const RHETORICAL: u8 = 8;
const PARTICLE: u8 = 16;

/// Role bit of a string that starts a longer multi-token entry ("凭" of
/// "凭什么", which the tokenizer splits).
const PREFIX: u8 = 32;

#[derive(Debug, Clone, Copy, Default)]
struct Entry {
    /// Polarity weight; 0 when the word carries none.
    weight: f32,
    /// Negator: weight when its scope finds no polarity word ("没有热水").
    /// Degree: multiplier. Rhetorical: strength of the indignation cue.
    aux: f32,
    role: u8,
    /// Rhetorical marker that only counts in a question ("难道 … 吗").
    needs_question: bool,
    /// Affirming rhetorical marker ("这不就是 … 吗" asserts what follows):
    /// the clause's words keep their sign; only the indignation is added.
    affirms: bool,
    /// Where the weight came from.
    learned: Learned,
}

/// Source of a polarity weight.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
enum Learned {
    /// A curated list (or no weight).
    #[default]
    No,
    /// learned.tsv, |weight| >= [`WEAK_LEARNED`] and not marked `weak`.
    Confident,
    /// learned.tsv, |weight| < [`WEAK_LEARNED`] or marked `weak`.
    Weak,
}

/// The sentiment model: immutable after [`SentimentModel::load`], `Send + Sync`.
pub struct SentimentModel {
    entries: WordTable<Entry>,
    /// The entries noted in a segmenter's words ([`Self::note_words`]),
    /// by the index the notes hold.
    noted: Vec<Entry>,
    /// Bit `c & 0xFFFF` is set for every character `c` that is a negator or
    /// degree adverb on its own: most unknown tokens start with none, and
    /// [`SentimentModel::split_glued`] then needs no lookup.
    glue_heads: Box<[u64]>,
}

impl std::fmt::Debug for SentimentModel {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SentimentModel")
            .field("entries", &self.entries)
            .finish_non_exhaustive()
    }
}

/// Skin tones and variation selectors: "👍🏻" scores as "👍".
fn is_emoji_modifier(c: char) -> bool {
    matches!(c as u32, 0x1F3FB..=0x1F3FF | 0xFE0F | 0xFE0E)
}

/// The bit of `c` in [`SentimentModel::glue_heads`].
#[inline]
fn head_bit(c: char) -> (usize, u64) {
    let b = c as usize & 0xFFFF;
    (b >> 6, 1 << (b & 63))
}

// Cue flags (bit set), turned into Chinese modifier names for the explanation.
const F_NEGATED: u16 = 1;
const F_DOUBLE_NEG: u16 = 2;
const F_DEGREE: u16 = 4;
const F_BEFORE: u16 = 8;
const F_AFTER: u16 = 16;
const F_RHETORICAL: u16 = 32;
const F_QUESTION: u16 = 64;
const F_EXCLAIM: u16 = 128;
const F_UNRESOLVED: u16 = 256;
/// The cue's word has a weak learned weight ([`Learned::Weak`]).
const F_WEAK: u16 = 512;

/// Tokens `start..start + len`; cues point into the token slice, so scoring
/// allocates only the cue vector and the final explanation.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
struct Span {
    start: u32,
    len: u8,
    /// A byte range inside a single glued token ("太" of "太精彩").
    sub: (u16, u16),
}

impl Span {
    fn text(self, tokens: &[&str]) -> CompactString {
        // Most cues are one whole token: copied in one step.
        if self.sub.1 == 0 && self.len == 1 {
            return CompactString::new(tokens[self.start as usize]);
        }
        let mut out = CompactString::const_new("");
        self.push_text(tokens, &mut out);
        out
    }

    /// Appends [`Span::text`] to `out`.
    fn push_text(self, tokens: &[&str], out: &mut CompactString) {
        if self.sub.1 > 0 {
            out.push_str(&tokens[self.start as usize][self.sub.0 as usize..self.sub.1 as usize]);
            return;
        }
        let end = self.start as usize + self.len as usize;
        for t in &tokens[self.start as usize..end] {
            out.push_str(t);
        }
    }

    fn same_text(self, other: Span, tokens: &[&str]) -> bool {
        if self.sub.1 > 0 || other.sub.1 > 0 {
            return self.text(tokens) == other.text(tokens);
        }
        self.len == other.len
            && (0..self.len as usize)
                .all(|k| tokens[self.start as usize + k] == tokens[other.start as usize + k])
    }
}

/// One cue found while scoring.
#[derive(Debug, Clone, Copy)]
struct Cue {
    token: Span,
    /// Delta before contrast weighting.
    pre: f32,
    flags: u16,
    negator: Span,
    degree: Span,
}

impl Cue {
    fn delta(&self) -> f32 {
        if self.flags & F_BEFORE != 0 {
            self.pre * BEFORE_CONTRAST
        } else if self.flags & F_AFTER != 0 {
            self.pre * AFTER_CONTRAST
        } else {
            self.pre
        }
    }
}

/// Per-clause state while walking the tokens.
#[derive(Default)]
struct Clause {
    start: usize,
    negations: u8,
    negator: Span,
    negator_residual: f32,
    neg_left: u8,
    degree: f32,
    degree_word: Span,
    degree_under_neg: bool,
    degree_left: u8,
    /// (marker, strength, needs_question, affirms)
    rhetorical: Option<(Span, f32, bool, bool)>,
    particle: bool,
}

impl SentimentModel {
    /// Read every lexicon under `dictionaries/sentiment/`.
    pub fn load(dictionaries: &Path) -> Result<Self, AnalyzeError> {
        let dir = dictionaries.join("sentiment");
        let listing = std::fs::read_dir(&dir).map_err(|e| AnalyzeError::io(&dir, e))?;
        let mut polarity_files = Vec::new();
        for item in listing {
            let path = item.map_err(|e| AnalyzeError::io(&dir, e))?.path();
            let name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
            if name.starts_with("polarity") && name.ends_with(".txt") {
                polarity_files.push(path);
            }
        }
        polarity_files.sort();

        let mut entries: FxHashMap<Box<str>, Entry> = FxHashMap::default();
        // Learned weights first, so curated entries override them. Learned
        // words are single tokens by construction (fitted on our tokenizer).
        let mut learned = rustc_hash::FxHashSet::<Box<str>>::default();
        let mut marked_weak = rustc_hash::FxHashSet::<Box<str>>::default();
        read_lexicon(&dir.join("learned.tsv"), 2, |word, cols, err| {
            let weight = parse_num(cols[1], -5.0..=5.0, err)?;
            entries.entry(word.into()).or_default().weight = weight;
            learned.insert(word.into());
            // Optional fifth column: "weak" whatever the weight (topic nouns).
            match cols.get(4) {
                None => {}
                Some(&"weak") => {
                    marked_weak.insert(word.into());
                }
                Some(other) => {
                    return Err(err(format!(
                        "第五列只能是 'weak' (fifth column must be 'weak'), got '{other}'"
                    )));
                }
            }
            Ok(())
        })?;
        for path in &polarity_files {
            read_lexicon(path, 2, |word, cols, err| {
                let weight = parse_num(cols[1], -5.0..=5.0, err)?;
                entries.entry(word.into()).or_default().weight = weight;
                learned.remove(word);
                Ok(())
            })?;
        }
        // Function words: their role wins over any polarity weight.
        let mut set_role = |word: &str, role: u8, aux: f32, flags: (bool, bool)| {
            let (needs_question, affirms) = flags;
            learned.remove(word);
            let e = entries.entry(word.into()).or_default();
            e.role |= role;
            e.weight = 0.0;
            if role != PARTICLE && role != CONTRAST {
                e.aux = aux;
            }
            e.needs_question |= needs_question;
            e.affirms |= affirms;
        };
        read_lexicon(&dir.join("negators.txt"), 2, |w, cols, err| {
            let residual = parse_num(cols[1], -5.0..=5.0, err)?;
            set_role(w, NEGATOR, residual, (false, false));
            Ok(())
        })?;
        read_lexicon(&dir.join("degree.txt"), 2, |w, cols, err| {
            let mult = parse_num(cols[1], 0.05..=5.0, err)?;
            set_role(w, DEGREE, mult, (false, false));
            Ok(())
        })?;
        read_lexicon(&dir.join("contrast.txt"), 1, |w, _, _| {
            set_role(w, CONTRAST, 0.0, (false, false));
            Ok(())
        })?;
        read_lexicon(&dir.join("rhetorical.txt"), 2, |w, cols, err| {
            let strength = parse_num(cols[1], -5.0..=5.0, err)?;
            // Third column: "?" only in a question, "=" affirming (the
            // clause's words keep their sign), "?=" both.
            let flags = match cols.get(2) {
                None => (false, false),
                Some(&"?") => (true, false),
                Some(&"=") => (false, true),
                Some(&"?=") => (true, true),
                Some(other) => {
                    return Err(err(format!(
                        "第三列只能是 '?', '=' 或 '?=' (third column must be '?', '=' or '?='), got '{other}'"
                    )));
                }
            };
            set_role(w, RHETORICAL, strength, flags);
            Ok(())
        })?;
        read_lexicon(&dir.join("particles.txt"), 1, |w, _, _| {
            set_role(w, PARTICLE, 0.0, (false, false));
            Ok(())
        })?;
        entries.retain(|_, e| e.weight != 0.0 || e.role != 0);
        for word in &learned {
            if let Some(e) = entries.get_mut(word) {
                e.learned = if e.weight.abs() < WEAK_LEARNED || marked_weak.contains(word) {
                    Learned::Weak
                } else {
                    Learned::Confident
                };
            }
        }
        // Curated entries the tokenizer splits ("凭什么" -> 凭 什么) are
        // matched by joining tokens; mark every proper prefix.
        let prefixes: Vec<Box<str>> = entries
            .keys()
            .filter(|k| !learned.contains(&**k))
            .flat_map(|k| k.char_indices().skip(1).map(|(j, _)| k[..j].into()))
            .collect();
        for p in prefixes {
            entries.entry(p).or_default().role |= PREFIX;
        }
        let mut glue_heads = vec![0u64; 1024].into_boxed_slice();
        for (word, e) in &entries {
            let mut chars = word.chars();
            if let (Some(c), None) = (chars.next(), chars.next())
                && e.role & (NEGATOR | DEGREE) != 0
            {
                let (w, bit) = head_bit(c);
                glue_heads[w] |= bit;
            }
        }
        let entries = WordTable::new(entries.iter().map(|(w, e)| (&**w, *e)));
        Ok(SentimentModel {
            entries,
            noted: Vec::new(),
            glue_heads,
        })
    }

    /// Number of words the model knows, for logs.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    pub fn is_empty(&self) -> bool {
        self.entries.len() == 0
    }

    /// Note every dictionary word's lexicon entry (or that it has none) in
    /// `segmenter`, so that a token brings it along ([`Self::score_noted`]).
    /// The notes are then only for this segmenter's tokens.
    pub(crate) fn note_words(&mut self, segmenter: &mut Segmenter) {
        let mut noted = Vec::new();
        let mut fits = true;
        segmenter.for_each_notes(|n| n.cue = NO_CUE_PLAIN);
        // Words that [`Self::lookup`] or [`Self::split_glued`] read inside.
        let read_inside = |word: &str| {
            word.chars().next().is_some_and(|c| {
                let (w, bit) = head_bit(c);
                self.glue_heads[w] & bit != 0
            }) || word.ends_with(is_emoji_modifier)
        };
        segmenter.for_each_word(read_inside, |_, n| n.cue = NO_CUE);
        self.entries.for_each(|word, entry| {
            if let Some(notes) = segmenter.notes_mut(word) {
                // Indices stop below the sentinels (NO_CUE_PLAIN and up).
                fits &= noted.len() < NO_CUE_PLAIN as usize;
                notes.cue = noted.len() as u16;
                noted.push(entry);
            }
        });
        if !fits {
            // More entries than the notes can index: every token is looked up.
            segmenter.for_each_notes(|n| n.cue = CUE_NOT_NOTED);
            noted.clear();
        }
        self.noted = noted;
    }

    /// The entry of `token` alone, from its notes when they have it.
    #[inline]
    fn entry(&self, token: &str, cue: u16) -> Option<Entry> {
        match cue {
            CUE_NOT_NOTED => self.entries.get(token).copied(),
            NO_CUE | NO_CUE_PLAIN => None,
            i => Some(self.noted[i as usize]),
        }
    }

    /// The entry at `tokens[i]`: the longest multi-token entry starting
    /// there, else the token's own; with the number of tokens it spans.
    fn lookup(
        &self,
        tokens: &[&str],
        notes: &[WordNotes],
        i: usize,
        phrase: &mut String,
    ) -> Option<(Entry, usize)> {
        let token = tokens[i];
        let cue = notes.get(i).map_or(CUE_NOT_NOTED, |n| n.cue);
        let mut found = match self.entry(token, cue) {
            Some(e) => e,
            None if cue == NO_CUE_PLAIN => return None,
            None => {
                // "👍🏻" scores as "👍": drop skin tones and variation selectors.
                // Their UTF-8 forms end in 8E, 8F or BB..=BF; other tokens
                // need no decoding.
                if !matches!(token.as_bytes().last(), Some(0x8E | 0x8F | 0xBB..=0xBF)) {
                    return None;
                }
                let base = token.trim_end_matches(is_emoji_modifier);
                if base.len() == token.len() || base.is_empty() {
                    return None;
                }
                return self
                    .entries
                    .get(base)
                    .map(|e| (*e, 1))
                    .filter(|(e, _)| e.role & PREFIX == 0 || e.weight != 0.0);
            }
        };
        let mut len = 1;
        if found.role & PREFIX != 0 {
            phrase.clear();
            phrase.push_str(token);
            for (k, next) in tokens.iter().enumerate().skip(i + 1).take(3) {
                phrase.push_str(next);
                match self.entries.get(phrase.as_str()) {
                    Some(e) => {
                        if e.weight != 0.0 || e.role & !PREFIX != 0 {
                            found = *e;
                            len = k + 1 - i;
                        }
                        if e.role & PREFIX == 0 {
                            break;
                        }
                    }
                    None => break,
                }
            }
        }
        (found.weight != 0.0 || found.role & !PREFIX != 0).then_some((found, len))
    }

    /// An unknown token that starts with a negator or degree adverb: that
    /// adverb, its byte length, and the rest's polarity entry (if any) with
    /// its end, trailing particles (了, 啦, 的, 啊) dropped.
    fn split_glued(&self, token: &str) -> Option<(Entry, usize, Option<Entry>, usize)> {
        // Most tokens are Chinese words: their first character (three bytes)
        // is read off the bytes; other tokens are decoded.
        let (first, head_len) = match *token.as_bytes() {
            [lead @ 0xE0..=0xEF, b1, b2, ..] => {
                let cp = (lead as u32 & 0x0F) << 12 | (b1 as u32 & 0x3F) << 6 | (b2 as u32 & 0x3F);
                (char::from_u32(cp)?, 3)
            }
            _ => {
                let c = token.chars().next()?;
                (c, c.len_utf8())
            }
        };
        if head_len == token.len() || first.is_ascii() {
            return None;
        }
        let (w, bit) = head_bit(first);
        if self.glue_heads[w] & bit == 0 {
            return None;
        }
        let head = *self.entries.get(&token[..head_len])?;
        if head.role & (NEGATOR | DEGREE) == 0 {
            return None;
        }
        let rest = token[head_len..].trim_end_matches(['了', '啦', '的', '啊', '呀']);
        let tail = self
            .entries
            .get(rest)
            .filter(|e| e.weight != 0.0 && e.role & !PREFIX == 0)
            .copied();
        match tail {
            Some(_) => Some((head, head_len, tail, head_len + rest.len())),
            // A bare degree prefix on an unknown word says nothing. A
            // negator glued to an unknown verb ("没变", "不让") still negates,
            // but only the verbal negators do, and not in words that merely
            // start with one (别人, 不少, 无论, 非常…).
            None if head.role & NEGATOR != 0
                && matches!(first, '不' | '没' | '未')
                && !NOT_NEGATIONS.contains(&token) =>
            {
                Some((head, head_len, None, token.len()))
            }
            None => None,
        }
    }

    /// Whether the scorer reads `token` as a glued adverb and word ("太低",
    /// "没变") rather than as a word of its own: such tokens take their
    /// sentiment from the parts, so the offline fit must not learn a weight
    /// for the whole, which would replace the parts'.
    pub fn reads_as_glued(&self, token: &str) -> bool {
        self.entries.get(token).is_none() && self.split_glued(token).is_some()
    }

    /// Score the tokens of one normalised text.
    pub fn score(&self, tokens: &[&str], neutral_band: f32) -> Sentiment {
        self.score_noted(tokens, &[], neutral_band)
    }

    /// [`Self::score`] with the tokens' notes from the segmenter this model
    /// noted (or fewer: a token without notes is looked up).
    pub fn score_noted(
        &self,
        tokens: &[&str],
        notes: &[WordNotes],
        neutral_band: f32,
    ) -> Sentiment {
        // The cue list and the phrase buffer are reused across posts on the
        // same thread: scoring allocates only what it returns.
        thread_local! {
            static SCRATCH: std::cell::Cell<(Vec<Cue>, String)> = Default::default();
        }
        let (mut cues, mut phrase) = SCRATCH.take();
        cues.clear();
        let sentiment = self.score_with(tokens, notes, neutral_band, &mut cues, &mut phrase);
        SCRATCH.set((cues, phrase));
        sentiment
    }

    fn score_with(
        &self,
        tokens: &[&str],
        notes: &[WordNotes],
        neutral_band: f32,
        cues: &mut Vec<Cue>,
        phrase: &mut String,
    ) -> Sentiment {
        let mut clause = Clause::default();
        let mut after_contrast = false;
        let mut i = 0;
        while i < tokens.len() {
            let token = tokens[i];
            if let Some(first) = clause_break(token) {
                // Gather a run of punctuation ("!!!", "?!", "。。。").
                let (mut exclaim, mut question) = first;
                while let Some((e, q)) = tokens.get(i + 1).and_then(|t| clause_break(t)) {
                    exclaim += e;
                    question |= q;
                    i += 1;
                }
                finish_clause(cues, &mut clause, exclaim, question, after_contrast);
                i += 1;
                continue;
            }
            let (entry, token) = match self.lookup(tokens, notes, i, phrase) {
                Some((entry, len)) => {
                    let span = Span {
                        start: i as u32,
                        len: len as u8,
                        ..Span::default()
                    };
                    i += len;
                    (entry, span)
                }
                None => {
                    // jieba glues adverbs to words it does not know ("太精彩",
                    // "好开心", "没变"): read them as adverb + word.
                    let plain = notes.get(i).is_some_and(|n| n.cue == NO_CUE_PLAIN);
                    let glued = if plain {
                        None
                    } else {
                        self.split_glued(tokens[i])
                    };
                    let Some((head, head_len, tail, tail_end)) = glued else {
                        i += 1;
                        tick_scopes(cues, &mut clause);
                        continue;
                    };
                    let head_span = Span {
                        start: i as u32,
                        len: 1,
                        sub: (0, head_len as u16),
                    };
                    if head.role & NEGATOR != 0 {
                        clause.negations = if clause.negations > 0 && clause.neg_left > 0 {
                            clause.negations + 1
                        } else {
                            clause.negator = head_span;
                            clause.negator_residual = head.aux;
                            1
                        };
                        clause.neg_left = NEGATION_SCOPE;
                    } else {
                        clause.degree = head.aux;
                        clause.degree_word = head_span;
                        clause.degree_under_neg = clause.negations > 0 && clause.neg_left > 0;
                        clause.degree_left = DEGREE_SCOPE;
                    }
                    let span = Span {
                        start: i as u32,
                        len: 1,
                        sub: (head_len as u16, tail_end as u16),
                    };
                    i += 1;
                    match tail {
                        Some(tail) => (tail, span),
                        None => {
                            tick_scopes(cues, &mut clause);
                            continue;
                        }
                    }
                }
            };
            if entry.role & NEGATOR != 0 {
                if clause.negations > 0 && clause.neg_left > 0 {
                    clause.negations += 1;
                } else {
                    clause.negations = 1;
                    clause.negator = token;
                    clause.negator_residual = entry.aux;
                }
                clause.neg_left = NEGATION_SCOPE;
            } else if entry.role & DEGREE != 0 {
                clause.degree = entry.aux;
                clause.degree_word = token;
                clause.degree_under_neg = clause.negations > 0 && clause.neg_left > 0;
                clause.degree_left = DEGREE_SCOPE;
            } else if entry.role & CONTRAST != 0 {
                expire_negation(cues, &mut clause);
                for cue in cues.iter_mut() {
                    cue.flags = (cue.flags & !F_AFTER) | F_BEFORE;
                }
                after_contrast = true;
            } else if entry.role & RHETORICAL != 0 {
                clause.rhetorical = Some((token, entry.aux, entry.needs_question, entry.affirms));
            } else if entry.role & PARTICLE != 0 {
                clause.particle = true;
            } else {
                let mut pre = entry.weight;
                let mut flags = if after_contrast { F_AFTER } else { 0 };
                let mut negator = Span::default();
                let mut degree = Span::default();
                // A learned negative word is often a complaint's topic, not an
                // evaluation ("没人来修": 修 leans negative): negating it does
                // not make praise, so it keeps its sign and the negation waits.
                let negation_passes =
                    entry.learned != Learned::No && pre < 0.0 && clause.negations % 2 == 1;
                if entry.learned == Learned::Weak {
                    flags |= F_WEAK;
                }
                if clause.negations > 0 && clause.neg_left > 0 && !negation_passes {
                    negator = clause.negator;
                    if clause.negations % 2 == 1 {
                        pre *= if pre > 0.0 { -1.0 } else { NEGATED_NEGATIVE };
                        flags |= F_NEGATED;
                    } else {
                        flags |= F_DOUBLE_NEG;
                    }
                }
                if clause.degree_left > 0 {
                    degree = clause.degree_word;
                    pre *= if clause.degree_under_neg && flags & F_NEGATED != 0 {
                        DEGREE_UNDER_NEGATION
                    } else {
                        clause.degree
                    };
                    flags |= F_DEGREE;
                }
                // A weak word takes the negation without using it up: in
                // "没变好" the negation is meant for 好.
                if entry.learned == Learned::Weak && flags & F_NEGATED != 0 {
                    // Said once: no "没有热水" residual when the scope ends.
                    clause.negator_residual = 0.0;
                } else if !negation_passes {
                    clause.negations = 0;
                    clause.neg_left = 0;
                }
                clause.degree_left = 0;
                cues.push(Cue {
                    token,
                    pre,
                    flags,
                    negator,
                    degree,
                });
            }
        }
        finish_clause(cues, &mut clause, 0, false, after_contrast);

        if !cues.is_empty() && is_notice(tokens, cues) {
            // An official notice announces (停水, 停电, 施工) without judging:
            // its words are not the writer's sentiment.
            cues.clear();
            return Sentiment {
                score: 0.0,
                label: SentimentLabel::Neutral,
                explanation: Vec::new(),
            };
        }
        let raw: f32 = cues.iter().map(Cue::delta).sum();
        let mut score = (raw * SQUASH).tanh().clamp(-1.0, 1.0);
        let mut capped = false;
        if score.abs() >= neutral_band && cues.iter().any(|c| c.flags & F_WEAK != 0) {
            // Weak cues tip the direction; only the others decide whether
            // the text leaves the neutral band.
            let strong: f32 = cues
                .iter()
                .filter(|c| c.flags & F_WEAK == 0)
                .map(Cue::delta)
                .sum();
            if (strong * SQUASH).tanh().abs() < neutral_band {
                let cap = f32::from_bits(neutral_band.to_bits().saturating_sub(1)).max(0.0);
                score = score.clamp(-cap, cap);
                capped = true;
            }
        }
        let label = if score.abs() < neutral_band || score == 0.0 {
            SentimentLabel::Neutral
        } else if score > 0.0 {
            SentimentLabel::Positive
        } else {
            SentimentLabel::Negative
        };
        Sentiment {
            score,
            label,
            explanation: explain(cues, tokens, capped),
        }
    }
}

/// A notice-style text: a notice heading, a time, a request to the readers,
/// and no complaint cue (complaint words, emoticons, emoji, `!`, questions).
fn is_notice(tokens: &[&str], cues: &[Cue]) -> bool {
    let complaint_flags = F_RHETORICAL | F_QUESTION | F_EXCLAIM;
    if cues.iter().any(|c| c.flags & complaint_flags != 0) {
        return false;
    }
    // Cheap test first: most texts have no marker. A notice opens with its
    // heading: "【停水通知】", "温馨提醒：", or a title of its own; a review
    // that merely mentions one ("提醒大家…", "被告知…") is no notice.
    let heading = |i: usize| {
        let t = tokens[i];
        t.len() >= 6
            && NOTICE_MARKERS.iter().any(|m| t.ends_with(m))
            && tokens
                .get(i + 1)
                .is_some_and(|n| matches!(*n, ":" | "】" | "]" | "」" | "。"))
    };
    if !(0..tokens.len().min(4)).any(heading) {
        return false;
    }
    let (mut schedule, mut request) = (false, false);
    for &t in tokens {
        if COMPLAINT_WORDS.contains(&t)
            || t.starts_with('[')
            || t.chars().next().is_some_and(super::tokenize::is_emoji)
        {
            return false;
        }
        schedule |= SCHEDULE_WORDS.contains(&t) || t.bytes().any(|b| b.is_ascii_digit());
        request |= REQUEST_WORDS.contains(&t);
    }
    schedule && request
}

/// `Some((exclamations, question))` when the token ends a clause.
fn clause_break(token: &str) -> Option<(u8, bool)> {
    // Every break character starts with one of these bytes; most tokens
    // (Chinese words) start with none and need no decoding.
    if !matches!(
        token.as_bytes().first(),
        Some(b'!' | b'?' | b'.' | b',' | b';' | b'~' | b'\n' | 0xE2 | 0xE3 | 0xEF)
    ) {
        return None;
    }
    let mut exclaim = 0u8;
    let mut question = false;
    for c in token.chars() {
        match c {
            '!' => exclaim = exclaim.saturating_add(1),
            '?' => question = true,
            '。' | ',' | '.' | ';' | '、' | '…' | '~' | '～' | '\n' | '；' | '，' | '！' | '？' =>
                {}
            _ => return None,
        }
    }
    if token.is_empty() {
        None
    } else {
        Some((exclaim, question))
    }
}

/// A token that is not a cue narrows the reach of pending negation and degree.
fn tick_scopes(cues: &mut Vec<Cue>, clause: &mut Clause) {
    if clause.neg_left > 0 {
        clause.neg_left -= 1;
        if clause.neg_left == 0 {
            expire_negation(cues, clause);
        }
    }
    clause.degree_left = clause.degree_left.saturating_sub(1);
}

/// A negator that found no polarity word still says something ("没有热水").
fn expire_negation(cues: &mut Vec<Cue>, clause: &mut Clause) {
    if clause.negations % 2 == 1 && clause.negator_residual != 0.0 {
        cues.push(Cue {
            token: clause.negator,
            pre: clause.negator_residual,
            flags: F_UNRESOLVED,
            negator: Span::default(),
            degree: Span::default(),
        });
    }
    clause.negations = 0;
    clause.neg_left = 0;
}

fn finish_clause(
    cues: &mut Vec<Cue>,
    clause: &mut Clause,
    exclaim: u8,
    question: bool,
    after_contrast: bool,
) {
    expire_negation(cues, clause);
    let after = if after_contrast { F_AFTER } else { 0 };
    let asked = question || clause.particle;
    let in_clause = clause.start..cues.len();
    match clause.rhetorical {
        Some((marker, strength, needs_question, affirms)) if asked || !needs_question => {
            // A rhetorical question asserts the opposite of its words and
            // voices indignation of its own; an affirming one ("这不就是
            // 花钱买名额吗") asserts its words as they are.
            for cue in &mut cues[in_clause] {
                if cue.flags & F_UNRESOLVED != 0 {
                    cue.pre = 0.0;
                } else if !affirms {
                    cue.pre = -cue.pre;
                    cue.flags |= F_RHETORICAL;
                }
            }
            cues.push(Cue {
                token: marker,
                pre: strength,
                flags: F_RHETORICAL | after,
                negator: Span::default(),
                degree: Span::default(),
            });
        }
        _ if question => {
            for cue in &mut cues[in_clause] {
                cue.pre *= QUESTION;
                cue.flags |= F_QUESTION;
            }
        }
        _ => {}
    }
    if exclaim > 0 {
        let m = if exclaim > 1 {
            EXCLAIM_MORE
        } else {
            EXCLAIM_ONE
        };
        for cue in &mut cues[clause.start..] {
            cue.pre *= m;
            cue.flags |= F_EXCLAIM;
        }
    }
    *clause = Clause {
        start: cues.len(),
        ..Clause::default()
    };
}

/// The cues that moved the score most, equal cues merged ("[怒][怒]").
/// `capped`: the weak cues were held inside the neutral band, which their
/// modifiers then say ("弱证据"); otherwise weakness changed nothing.
fn explain(cues: &[Cue], tokens: &[&str], capped: bool) -> Vec<SentimentContribution> {
    if cues.is_empty() {
        return Vec::new();
    }
    // Reused across posts on the same thread, like the cue list: (cheap
    // fingerprint, index of the first equal cue, summed delta).
    thread_local! {
        static MERGED: std::cell::Cell<Vec<(u32, u32, f32)>> = const { std::cell::Cell::new(Vec::new()) };
    }
    let mut merged = MERGED.take();
    merged.clear();
    for (i, cue) in cues.iter().enumerate() {
        let delta = cue.delta();
        // Small weak cues ("就", "来") would only bury the words that matter.
        if delta == 0.0 || (cue.flags & F_WEAK != 0 && delta.abs() < WEAK_EXPLAINED) {
            continue;
        }
        // Most cues differ in their fingerprint: no text comparison.
        let fp = fingerprint(cue, tokens);
        match merged.iter_mut().find(|(f, j, _)| {
            let m = &cues[*j as usize];
            *f == fp
                && m.token.same_text(cue.token, tokens)
                && m.negator.same_text(cue.negator, tokens)
                && m.degree.same_text(cue.degree, tokens)
        }) {
            Some((_, _, d)) => *d += delta,
            None => merged.push((fp, i as u32, delta)),
        }
    }
    // Largest |delta| first, ties in text order: one integer key each.
    merged.sort_unstable_by_key(|&(_, i, d)| (u64::from(!d.abs().to_bits()) << 32) | u64::from(i));
    merged.truncate(MAX_EXPLANATION);
    let out = merged
        .iter()
        .map(|&(_, i, delta)| {
            let cue = &cues[i as usize];
            SentimentContribution {
                cue: cue.token.text(tokens),
                delta: (delta * 1000.0).round() / 1000.0,
                modifiers: modifiers(cue, tokens, capped),
            }
        })
        .collect();
    MERGED.set(merged);
    out
}

/// Flags, byte length and last byte of a cue's word: equal cues have equal
/// fingerprints.
#[inline]
fn fingerprint(cue: &Cue, tokens: &[&str]) -> u32 {
    let t = tokens[cue.token.start as usize];
    let (a, b) = cue.token.sub;
    let word = if b > 0 { &t[a as usize..b as usize] } else { t };
    let bytes = word.as_bytes();
    (u32::from(cue.flags) << 16)
        | ((bytes.len() as u32 & 0xFF) << 8)
        | u32::from(bytes.last().copied().unwrap_or(0))
}

fn modifiers(cue: &Cue, tokens: &[&str], capped: bool) -> Vec<CompactString> {
    let f = if capped {
        cue.flags
    } else {
        cue.flags & !F_WEAK
    };
    if f == 0 {
        return Vec::new();
    }
    let mut out = Vec::new();
    // Built by hand rather than with `format!`: this runs for every cue.
    let labelled = |label: &str, span: Span| {
        // Up to 24 bytes ("程度:非常" is 13) stay inline: no allocation.
        let mut s = CompactString::const_new("");
        s.push_str(label);
        span.push_text(tokens, &mut s);
        s
    };
    if f & F_NEGATED != 0 {
        out.push(labelled("否定:", cue.negator));
    }
    if f & F_DOUBLE_NEG != 0 {
        out.push(CompactString::const_new("双重否定"));
    }
    if f & F_UNRESOLVED != 0 {
        out.push(CompactString::const_new("否定"));
    }
    if f & F_DEGREE != 0 {
        out.push(labelled("程度:", cue.degree));
    }
    for (bit, name) in [
        (F_BEFORE, "转折前"),
        (F_AFTER, "转折后"),
        (F_RHETORICAL, "反问"),
        (F_QUESTION, "疑问"),
        (F_EXCLAIM, "感叹"),
        (F_WEAK, "弱证据"),
    ] {
        if f & bit != 0 {
            out.push(CompactString::const_new(name));
        }
    }
    out
}

type LineError<'e> = &'e dyn Fn(String) -> AnalyzeError;

/// Read `word col…` lines (tab or space separated, `#` comments); a missing
/// file is an empty lexicon, so a college can drop any list it does not want.
fn read_lexicon(
    path: &Path,
    min_cols: usize,
    mut add: impl FnMut(&str, &[&str], LineError<'_>) -> Result<(), AnalyzeError>,
) -> Result<(), AnalyzeError> {
    let content = match std::fs::read_to_string(path) {
        Ok(c) => c,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(()),
        Err(e) => return Err(AnalyzeError::io(path, e)),
    };
    let mut cols: Vec<&str> = Vec::with_capacity(4);
    for (n, line) in content.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let err = |message: String| AnalyzeError::Dictionary {
            path: path.to_path_buf(),
            line: n + 1,
            message,
        };
        cols.clear();
        cols.extend(line.split(['\t', ' ']).filter(|c| !c.is_empty()));
        if cols.len() < min_cols {
            return Err(err(format!(
                "需要 {min_cols} 列 (expected {min_cols} columns: word, value), got {}",
                cols.len()
            )));
        }
        // Normalise like the text, so full-width entries still match.
        let word = super::normalize::normalize(cols[0]);
        add(&word, &cols, &err)?;
    }
    Ok(())
}

fn parse_num(
    text: &str,
    range: std::ops::RangeInclusive<f32>,
    err: LineError<'_>,
) -> Result<f32, AnalyzeError> {
    match text.parse::<f32>() {
        Ok(v) if range.contains(&v) => Ok(v),
        _ => Err(err(format!(
            "'{text}' 不是 {}..={} 之间的数 (expected a number in {}..={})",
            range.start(),
            range.end(),
            range.start(),
            range.end()
        ))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::analyze::normalize::normalize;
    use crate::analyze::tokenize::Tokenizer;
    use std::sync::OnceLock;

    fn parts() -> &'static (Tokenizer, SentimentModel) {
        static P: OnceLock<(Tokenizer, SentimentModel)> = OnceLock::new();
        P.get_or_init(|| {
            let dir = crate::analyze::default_dictionaries_dir();
            (
                Tokenizer::load(&dir).unwrap(),
                SentimentModel::load(&dir).unwrap(),
            )
        })
    }

    fn score(text: &str) -> Sentiment {
        let (tok, model) = parts();
        let text = normalize(text);
        let tokens = tok.tokens(&text);
        model.score(&tokens, 0.1)
    }

    /// Each of `texts` scores with `label`.
    fn assert_labels(label: SentimentLabel, texts: &[&str]) {
        for text in texts {
            let s = score(text);
            assert_eq!(s.label, label, "{text}: {s:?}");
        }
    }

    fn cue<'s>(s: &'s Sentiment, word: &str) -> &'s SentimentContribution {
        s.explanation
            .iter()
            .find(|c| c.cue == word)
            .unwrap_or_else(|| panic!("no cue {word} in {:?}", s.explanation))
    }

    #[test]
    fn polarity_words_set_the_sign() {
        assert_eq!(score("食堂的饭菜很好吃").label, SentimentLabel::Positive);
        assert_eq!(score("食堂的饭菜难吃").label, SentimentLabel::Negative);
    }

    #[test]
    fn negation_flips() {
        let s = score("宿管态度不好");
        assert!(s.score < 0.0, "{s:?}");
        let s = score("老师不满意");
        assert!(s.score < 0.0, "{s:?}");
        assert!(
            cue(&s, "满意").modifiers.iter().any(|m| m == "否定:不"),
            "{s:?}"
        );
        // A negated negative turns mildly positive.
        let s = score("食堂并不差");
        assert!(s.score > 0.0, "{s:?}");
    }

    #[test]
    fn double_negation_cancels() {
        let s = score("不是不满意");
        assert!(s.score > 0.0, "{s:?}");
        assert!(
            cue(&s, "满意").modifiers.iter().any(|m| m == "双重否定"),
            "{s:?}"
        );
    }

    #[test]
    fn degree_scales() {
        let plain = score("满意").score;
        let very = score("非常满意").score;
        let slight = score("有点满意").score;
        assert!(
            very > plain && plain > slight && slight > 0.0,
            "{very} {plain} {slight}"
        );
        assert!(
            cue(&score("非常满意"), "满意")
                .modifiers
                .contains(&"程度:非常".into())
        );
    }

    #[test]
    fn contrast_weighs_the_later_clause() {
        let s = score("环境很好,但是饭菜难吃");
        assert!(s.score < 0.0, "{s:?}");
        assert!(
            cue(&s, "难吃").modifiers.contains(&"转折后".into()),
            "{s:?}"
        );
        assert!(
            s.explanation
                .iter()
                .any(|c| c.delta > 0.0 && c.modifiers.contains(&"转折前".into())),
            "{s:?}"
        );
        let s = score("有点累,但是很开心");
        assert!(s.score > 0.0, "{s:?}");
    }

    #[test]
    fn rhetorical_questions_read_negative() {
        let s = score("难道这饭菜好吃吗?");
        assert!(s.score < 0.0, "{s:?}");
        let s = score("凭什么收我们的钱?");
        assert!(s.score < 0.0, "{s:?}");
        assert!(
            s.explanation
                .iter()
                .any(|c| c.modifiers.contains(&"反问".into())),
            "{s:?}"
        );
        // Same words without the marker are a plain question, not negative.
        assert!(score("食堂好吃吗?").score > 0.0);
    }

    #[test]
    fn exclamation_amplifies() {
        let plain = score("太恶心了").score;
        let loud = score("太恶心了!!!").score;
        assert!(loud < plain && plain < 0.0, "{loud} {plain}");
        assert!(
            cue(&score("今天太开心了!"), "开心")
                .modifiers
                .contains(&"感叹".into())
        );
    }

    #[test]
    fn emoticons_and_emoji_count() {
        assert_eq!(score("今天的食堂[怒]").label, SentimentLabel::Negative);
        assert_eq!(score("今天的食堂😡").label, SentimentLabel::Negative);
        assert_eq!(score("今天的食堂[赞]").label, SentimentLabel::Positive);
        // Skin tones score as the base emoji.
        assert_eq!(score("今天的食堂👍🏻").label, SentimentLabel::Positive);
        let s = score("[怒][怒]");
        assert_eq!(s.explanation.len(), 1, "equal cues merge: {s:?}");
    }

    #[test]
    fn tokenizer_split_phrases_still_match() {
        // jieba splits 凭什么 and 太离谱; the model joins tokens.
        assert!(score("凭什么").score < 0.0);
    }

    #[test]
    fn neutral_band_and_empty_input() {
        let (_, model) = parts();
        let empty = model.score(&[], 0.1);
        assert_eq!(empty.score, 0.0);
        assert_eq!(empty.label, SentimentLabel::Neutral);
        assert!(empty.explanation.is_empty());
        assert_eq!(score("明天下午三点开会。").label, SentimentLabel::Neutral);
        let weak = model.score(&["希望"], 0.1);
        assert!(weak.score > 0.0);
        assert_eq!(model.score(&["希望"], 0.9).label, SentimentLabel::Neutral);
    }

    #[test]
    fn explanation_is_sorted_and_capped() {
        let s = score("垃圾学校,恶心,坑人,离谱,无语,失望,心寒,烦,差,好吃,满意[怒]😡");
        assert!(s.explanation.len() <= MAX_EXPLANATION);
        assert!(
            s.explanation
                .windows(2)
                .all(|w| w[0].delta.abs() >= w[1].delta.abs()),
            "{s:?}"
        );
    }

    #[test]
    fn score_stays_in_range() {
        let long = "恶心!".repeat(500);
        let s = score(&long);
        assert!(
            (-1.0..=1.0).contains(&s.score) && s.score < -0.99,
            "{}",
            s.score
        );
        let long = "非常好!".repeat(500);
        assert!((-1.0..=1.0).contains(&score(&long).score));
    }

    /// A dictionaries directory whose `sentiment/` holds only `file`.
    fn dictionaries_with(file: &str, content: &str) -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("sentiment")).unwrap();
        std::fs::write(dir.path().join("sentiment").join(file), content).unwrap();
        dir
    }

    #[test]
    fn load_error_names_file_and_line() {
        let dir = dictionaries_with("polarity-x.txt", "# c\n好\t1\n差\tbad\n");
        let err = SentimentModel::load(dir.path()).err().unwrap().to_string();
        assert!(err.contains("polarity-x.txt:3"), "{err}");
        let missing = SentimentModel::load(&dir.path().join("nope"))
            .err()
            .unwrap();
        assert!(matches!(missing, AnalyzeError::Io { .. }), "{missing}");
    }

    /// The shipped curated lists with `learned` as learned.tsv.
    fn model_with_learned(learned: &str) -> SentimentModel {
        let dir = tempfile::tempdir().unwrap();
        let dst = dir.path().join("sentiment");
        std::fs::create_dir(&dst).unwrap();
        let src = crate::analyze::default_dictionaries_dir().join("sentiment");
        for entry in std::fs::read_dir(&src).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "txt") {
                std::fs::copy(&path, dst.join(path.file_name().unwrap())).unwrap();
            }
        }
        std::fs::write(dst.join("learned.tsv"), learned).unwrap();
        SentimentModel::load(dir.path()).unwrap()
    }

    const LEARNED: &str = "需要\t-0.4\t0\t0\n申请\t-0.5\t0\t0\n停车场\t-1.5\t0\t0\tweak\n\
                           拖延\t-0.8\t0\t0\n变\t0.3\t0\t0\n";

    fn score_with_model(model: &SentimentModel, text: &str) -> Sentiment {
        let text = normalize(text);
        let tokens = parts().0.tokens(&text);
        model.score(&tokens, 0.15)
    }

    #[test]
    fn weak_evidence_tips_the_direction_but_stays_neutral() {
        let model = model_with_learned(LEARNED);
        // 需要 and 申请 together would reach -0.42, past the band.
        let s = score_with_model(&model, "寒假留校需要提前申请");
        assert_eq!(s.label, SentimentLabel::Neutral, "{s:?}");
        assert!(s.score < 0.0 && s.score > -0.15, "{s:?}");
        // Held inside the band: the explanation says why.
        assert_eq!(cue(&s, "申请").modifiers, ["弱证据"], "{s:?}");
        // A topic noun marked weak stays weak whatever its weight.
        let s = score_with_model(&model, "停车场");
        assert_eq!(s.label, SentimentLabel::Neutral, "{s:?}");
        assert!(s.score < 0.0, "{s:?}");
    }

    #[test]
    fn weak_evidence_adds_to_strong_cues() {
        let model = model_with_learned(LEARNED);
        // 拖延 (-0.8) alone leaves the band; 需要 adds its -0.4.
        let s = score_with_model(&model, "需要拖延");
        assert_eq!(s.label, SentimentLabel::Negative, "{s:?}");
        assert!((s.score - (-0.6f32).tanh()).abs() < 1e-4, "{s:?}");
        assert!(cue(&s, "需要").modifiers.is_empty(), "{s:?}");
        // A weak cue under 0.3 is left out of the explanation, not the score.
        let small = model_with_learned("需要\t-0.2\t0\t0\n拖延\t-0.8\t0\t0\n");
        let s = score_with_model(&small, "需要拖延");
        assert!(s.explanation.iter().all(|c| c.cue != "需要"), "{s:?}");
        assert!((s.score - (-0.5f32).tanh()).abs() < 1e-4, "{s:?}");
    }

    #[test]
    fn weak_words_do_not_use_up_a_negation() {
        let model = model_with_learned(LEARNED);
        // "没变好": the negation is meant for 好, not for 变.
        let s = score_with_model(&model, "服务没变好");
        assert_eq!(s.label, SentimentLabel::Negative, "{s:?}");
        assert_eq!(cue(&s, "好").modifiers, ["否定:没"], "{s:?}");
        // Nothing stronger follows: the weak word took the negation, and
        // the negator adds no residual of its own on top.
        let s = score_with_model(&model, "一直没变");
        assert_eq!(s.explanation.len(), 1, "{s:?}");
        assert_eq!(cue(&s, "变").modifiers, ["否定:没"], "{s:?}");
    }

    #[test]
    fn learned_fifth_column_is_checked() {
        let dir = dictionaries_with("learned.tsv", "好\t1\t0\t0\tweak\n差\t-1\t0\t0\tstrong\n");
        let err = SentimentModel::load(dir.path()).err().unwrap().to_string();
        assert!(
            err.contains("learned.tsv:2") && err.contains("weak"),
            "{err}"
        );
    }

    #[test]
    fn glued_tokens_are_read_by_their_parts() {
        let model = &parts().1;
        assert!(model.reads_as_glued("太精彩"));
        assert!(model.reads_as_glued("没变"));
        assert!(!model.reads_as_glued("精彩"));
        assert!(!model.reads_as_glued("不少"));
    }

    #[test]
    fn incident_appeal_outweighs_closing_courtesy() {
        // A missing-person appeal ends with thanks; the thanks is a formula.
        let s =
            score("【寻人】我室友周五晚上出门后就失联了，电话打不通，有消息请告诉我，万分感谢！");
        assert_eq!(s.label, SentimentLabel::Negative, "{s:?}");
        let s = score("有同学下落不明两天了，谢谢大家帮忙转发");
        assert_eq!(s.label, SentimentLabel::Negative, "{s:?}");
    }

    #[test]
    fn words_starting_with_a_negator_do_not_negate() {
        // 别人 is "others", not 别 + 人; 不少 is "quite a few".
        let s = score("他的作业是抄别人的");
        assert!(s.explanation.iter().all(|c| c.cue != "别"), "{s:?}");
        let s = score("不少同学觉得很满意");
        assert!(s.score > 0.0, "{s:?}");
    }

    #[test]
    fn evaluative_this_questions_are_rhetorical() {
        // "这X吗" denies X; "这不就是X吗" asserts X.
        let s = score("评奖名额全给了班委，这合理吗");
        assert!(s.score < 0.0, "{s:?}");
        let s = score("这不就是走后门吗？");
        assert!(s.score < -0.5, "{s:?}");
        assert!(cue(&s, "走后门").delta < 0.0, "{s:?}");
    }

    #[test]
    fn campus_nouns_carry_no_polarity() {
        // 专业 (a major), 录取, 检查, 安排 are topics, not praise.
        assert_labels(
            SentimentLabel::Neutral,
            &["我们专业今年录取了两百人", "学院安排了宿舍卫生检查"],
        );
        assert!(score("终于被录取了").score > 0.0);
    }

    #[test]
    fn distress_reads_negative() {
        // Reviews praise a sad or tense story, so a fit on them alone scored
        // the first of these positive; in a post they are the writer's own.
        assert_labels(
            SentimentLabel::Negative,
            &[
                "听到这个消息很悲伤",
                "大家心里都很不安，怕出事",
                "看到失联同学家长哭泣的视频，真的揪心",
                "考场里大家都很紧张",
            ],
        );
        // Not afraid is not distress.
        let s = score("我们不怕困难");
        assert_ne!(s.label, SentimentLabel::Negative, "{s:?}");
    }

    #[test]
    fn prevention_verbs_do_not_report_the_risk() {
        let s = score("辅导员提醒我们谨防校园贷");
        assert!(s.score >= 0.0, "{s:?}");
    }

    #[test]
    fn notices_are_neutral_complaints_about_them_are_not() {
        for text in [
            "停水通知：明天8:00-12:00 二号楼停水，请同学们提前储水",
            "【停电通知】3月20日8:00—18:00学生公寓1—5号楼停电，请同学们提前做好准备。",
            "温馨提醒：本周六上午图书馆闭馆维修，请合理安排学习时间",
        ] {
            let s = score(text);
            assert_eq!(s.label, SentimentLabel::Neutral, "{text}: {s:?}");
            assert_eq!(s.score, 0.0, "{text}: {s:?}");
        }
        assert_labels(
            SentimentLabel::Negative,
            &[
                "无语，又通知明天停水，请提前储水",
                "停水通知：明天又停水，请提前储水[怒]",
                "停水通知：明天停水，凭什么不提前说？",
                "宿舍又停水了，一点通知都没有",
            ],
        );
    }

    #[test]
    fn model_is_send_and_sync() {
        fn check<T: Send + Sync>() {}
        check::<SentimentModel>();
    }
}
