//! Word segmentation: jieba with HMM plus our user dictionaries, with Weibo
//! emoticons (`[怒]`) and emoji kept whole because they carry sentiment.
//! The segmentation itself is [`Segmenter`]'s, which gives jieba-rs's tokens
//! together with facts about the dictionary word each was cut as.

use super::AnalyzeError;
use super::segment::{Segmenter, WordNotes};
use jieba_rs::Jieba;
use std::path::{Path, PathBuf};
use std::sync::{Arc, OnceLock};

/// A user dictionary entry as read: word (normalised), frequency, tag.
type UserWord = (String, Option<usize>, Option<String>);

/// A shared, immutable segmenter. Cloning is cheap (`Arc`s).
#[derive(Clone)]
pub struct Tokenizer {
    segmenter: Arc<Segmenter>,
    /// The user dictionaries' entries, in load order, for [`Tokenizer::jieba`].
    user_words: Arc<Vec<UserWord>>,
    /// jieba-rs with the same dictionaries, for search mode (which the
    /// index has always used); built on first use, since analysis alone
    /// never needs it and its dictionary takes a while to load.
    jieba: Arc<OnceLock<Arc<Jieba>>>,
}

impl Tokenizer {
    /// jieba's default dictionary only; for tests and tools that have no
    /// dictionaries folder.
    pub fn default_dictionary() -> Self {
        Self::with_user_words(Vec::new())
    }

    /// jieba's default dictionary plus every `*.txt` under `dir/user/`, in
    /// name order, so a college's own file can override the shipped ones.
    pub fn load(dictionaries: &Path) -> Result<Self, AnalyzeError> {
        let mut words = Vec::new();
        for path in txt_files(&dictionaries.join("user"))? {
            read_user_dict(&path, &mut words)?;
        }
        Ok(Self::with_user_words(words))
    }

    fn with_user_words(words: Vec<UserWord>) -> Self {
        let mut segmenter = Segmenter::new();
        for (word, freq, _) in &words {
            segmenter.add_word(word, freq.map(|f| f as u64));
        }
        Tokenizer {
            segmenter: Arc::new(segmenter),
            user_words: Arc::new(words),
            jieba: Arc::new(OnceLock::new()),
        }
    }

    /// jieba-rs loaded with the same dictionaries (search mode, POS tags).
    pub fn jieba(&self) -> &Arc<Jieba> {
        self.jieba.get_or_init(|| {
            let mut jieba = Jieba::new();
            for (word, freq, tag) in self.user_words.iter() {
                jieba.add_word(word, *freq, tag.as_deref());
            }
            Arc::new(jieba)
        })
    }

    /// Let `note` set the [`WordNotes`] of dictionary words. Only while the
    /// tokenizer is not shared yet (the analyser does it while loading);
    /// notes only save lookups, so a shared tokenizer just goes without.
    pub(crate) fn note_words(&mut self, note: impl FnOnce(&mut Segmenter)) {
        if let Some(segmenter) = Arc::get_mut(&mut self.segmenter) {
            note(segmenter);
        }
    }

    /// Segment `text` into `out` (cleared first). Whitespace is dropped;
    /// punctuation is kept, since it separates clauses.
    pub fn tokens_into<'a>(&self, text: &'a str, out: &mut Vec<&'a str>) {
        out.clear();
        self.append_tokens(text, out);
    }

    /// Like [`Tokenizer::tokens_into`] without clearing `out`.
    pub fn append_tokens<'a>(&self, text: &'a str, out: &mut Vec<&'a str>) {
        self.each_token(text, &mut |token, _| out.push(token));
    }

    /// Like [`Tokenizer::append_tokens`], with each token's notes pushed to
    /// `notes` ([`WordNotes::UNKNOWN`] for a token that is no dictionary word).
    pub fn append_noted_tokens<'a>(
        &self,
        text: &'a str,
        out: &mut Vec<&'a str>,
        notes: &mut Vec<WordNotes>,
    ) {
        self.each_token(text, &mut |token, n| {
            out.push(token);
            notes.push(n);
        });
    }

    fn each_token<'a>(&self, text: &'a str, emit: &mut impl FnMut(&'a str, WordNotes)) {
        // Emoticons start with '[' and every emoji of [`is_emoji`] with the
        // byte E2 (U+2300..U+2BFF) or F0 (U+1F000..): only there is a
        // character decoded. Most posts have neither.
        let bytes = text.as_bytes();
        let mut plain_start = 0;
        let mut from = 0;
        while let Some(off) = memchr::memchr3(b'[', 0xE2, 0xF0, &bytes[from..]) {
            let i = from + off;
            let c = text[i..].chars().next().expect("a character starts here");
            let special_end = if c == '[' {
                emoticon_end(text, i)
            } else if is_emoji(c) {
                Some(emoji_end(text, i))
            } else {
                None
            };
            from = match special_end {
                Some(end) => {
                    self.cut_plain(&text[plain_start..i], emit);
                    emit(&text[i..end], WordNotes::UNKNOWN);
                    plain_start = end;
                    end
                }
                None => i + c.len_utf8(),
            };
        }
        self.cut_plain(&text[plain_start..], emit);
    }

    pub fn tokens<'a>(&self, text: &'a str) -> Vec<&'a str> {
        let mut out = Vec::new();
        self.tokens_into(text, &mut out);
        out
    }

    fn cut_plain<'a>(&self, text: &'a str, emit: &mut impl FnMut(&'a str, WordNotes)) {
        if text.is_empty() {
            return;
        }
        self.segmenter.cut(text, &mut |token, notes| {
            if !is_blank(token) {
                emit(token, notes);
            }
        });
    }
}

/// Only whitespace (or empty)? Decided by the first byte for almost every
/// token: no whitespace character starts with an ASCII letter, digit or
/// punctuation byte, nor with E4..=E9 (CJK ideographs).
fn is_blank(token: &str) -> bool {
    match token.as_bytes().first() {
        None => true,
        // U+0009..=U+000D and the space: `char::is_whitespace` in ASCII.
        Some(&b) if b < 0x80 && !matches!(b, 0x09..=0x0D | b' ') => false,
        Some(0xE4..=0xE9) => false,
        Some(_) => token.trim().is_empty(),
    }
}

/// `[怒]`, `[二哈]`, `[doge]`: a short bracketed name without spaces or
/// nested brackets, as Weibo and WeChat render their stickers.
fn emoticon_end(text: &str, start: usize) -> Option<usize> {
    let rest = &text[start + 1..];
    let mut len_chars = 0;
    for (j, c) in rest.char_indices() {
        if c == ']' {
            return (len_chars > 0).then_some(start + 1 + j + 1);
        }
        len_chars += 1;
        if len_chars > 6 || c.is_whitespace() || c == '[' || c.is_ascii_punctuation() {
            return None;
        }
    }
    None
}

/// Pictographic emoji; enough of Unicode's Extended_Pictographic for the
/// emoji people use in posts, without a table crate.
pub fn is_emoji(c: char) -> bool {
    matches!(c as u32,
        0x1F000..=0x1FAFF | 0x2600..=0x27BF | 0x2B00..=0x2BFF | 0x2300..=0x23FF)
}

/// End of an emoji sequence: skin tones, variation selectors and ZWJ joins
/// (👨‍👩‍👧) stay with the emoji they modify.
fn emoji_end(text: &str, start: usize) -> usize {
    let mut chars = text[start..].char_indices().skip(1).peekable();
    let mut end = start + text[start..].chars().next().map_or(1, char::len_utf8);
    while let Some(&(j, c)) = chars.peek() {
        let joined = match c as u32 {
            0xFE0F | 0xFE0E | 0x1F3FB..=0x1F3FF | 0x20E3 => true,
            0x200D => {
                chars.next();
                match chars.peek() {
                    Some(&(_, next)) if is_emoji(next) => true,
                    _ => break,
                }
            }
            _ => false,
        };
        if !joined {
            break;
        }
        let (k, c2) = chars.next().expect("peeked");
        let _ = j;
        end = start + k + c2.len_utf8();
    }
    end
}

pub(crate) fn txt_files(dir: &Path) -> Result<Vec<PathBuf>, AnalyzeError> {
    let entries = match std::fs::read_dir(dir) {
        Ok(entries) => entries,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(Vec::new()),
        Err(e) => return Err(AnalyzeError::io(dir, e)),
    };
    let mut files = Vec::new();
    for entry in entries {
        let path = entry.map_err(|e| AnalyzeError::io(dir, e))?.path();
        if path.extension().is_some_and(|ext| ext == "txt") {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

/// Lines are `词 [频率] [词性]`, as jieba's own format; `#` starts a comment.
fn read_user_dict(path: &Path, out: &mut Vec<UserWord>) -> Result<(), AnalyzeError> {
    let content = std::fs::read_to_string(path).map_err(|e| AnalyzeError::io(path, e))?;
    for (n, line) in content.lines().enumerate() {
        let line = line.split('#').next().unwrap_or("").trim();
        if line.is_empty() {
            continue;
        }
        let mut parts = line.split_whitespace();
        let word = parts.next().expect("non-empty line");
        let freq = match parts.next() {
            Some(f) => Some(f.parse::<usize>().map_err(|_| AnalyzeError::Dictionary {
                path: path.to_path_buf(),
                line: n + 1,
                message: format!("频率 '{f}' 不是正整数 (frequency must be a whole number)"),
            })?),
            None => None,
        };
        let tag = parts.next().map(str::to_string);
        // Normalise like the text, so full-width or capitalised entries still match.
        out.push((super::normalize::normalize(word), freq, tag));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::OnceLock;

    fn tok() -> &'static Tokenizer {
        static T: OnceLock<Tokenizer> = OnceLock::new();
        T.get_or_init(|| Tokenizer::load(&crate::analyze::default_dictionaries_dir()).unwrap())
    }

    /// The character-by-character scan that [`Tokenizer::append_tokens`]
    /// replaced, and the `trim` test that [`is_blank`] replaced.
    fn reference_tokens<'a>(t: &Tokenizer, text: &'a str) -> Vec<&'a str> {
        let mut out = Vec::new();
        let plain = |s: &'a str, out: &mut Vec<&'a str>| {
            if !s.is_empty() {
                for token in t.jieba().cut(s, true) {
                    if !token.word.trim().is_empty() {
                        out.push(token.word);
                    }
                }
            }
        };
        let mut plain_start = 0;
        let mut iter = text.char_indices().peekable();
        while let Some((i, c)) = iter.next() {
            let special_end = if c == '[' {
                emoticon_end(text, i)
            } else if is_emoji(c) {
                Some(emoji_end(text, i))
            } else {
                None
            };
            if let Some(end) = special_end {
                plain(&text[plain_start..i], &mut out);
                out.push(&text[i..end]);
                plain_start = end;
                while iter.peek().is_some_and(|&(j, _)| j < end) {
                    iter.next();
                }
            }
        }
        plain(&text[plain_start..], &mut out);
        out
    }

    proptest::proptest! {
        #[test]
        fn byte_scan_gives_the_character_scan_tokens(
            text in "[食堂太差了好 \t\u{3000}\u{a0}\u{0b}\\[\\]怒a-c1!😡👍🏻\u{200d}\u{fe0f}☀⌚⬛\u{2028}\u{2003}é]{0,40}"
        ) {
            proptest::prop_assert_eq!(tok().tokens(&text), reference_tokens(tok(), &text));
        }
    }

    /// Our segmenter against jieba-rs (with the same user dictionaries) on
    /// every title and text of the benchmark corpora, normalised as the
    /// analyser normalises them.
    #[test]
    fn cuts_the_corpora_as_jieba_rs_does() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("benches/corpus");
        let mut texts = 0;
        for file in ["posts.jsonl", "articles.jsonl"] {
            let content = std::fs::read_to_string(dir.join(file)).unwrap();
            for line in content.lines().filter(|l| !l.trim().is_empty()) {
                let v: serde_json::Value = serde_json::from_str(line).unwrap();
                for field in ["title", "text"] {
                    let text =
                        crate::analyze::normalize::normalize(v[field].as_str().unwrap_or(""));
                    assert_eq!(
                        tok().tokens(&text),
                        reference_tokens(tok(), &text),
                        "{text}"
                    );
                    texts += 1;
                }
            }
        }
        assert!(texts > 500, "{texts}");
    }

    #[test]
    fn blank_by_first_byte_agrees_with_trim() {
        for cp in (0..0x3100).chain(0x4E00..0x4E10).chain(0xFE00..0xFF10) {
            let Some(c) = char::from_u32(cp) else {
                continue;
            };
            for token in [
                c.to_string(),
                format!("{c} "),
                format!("{c}食"),
                format!("{c}{c}"),
            ] {
                assert_eq!(is_blank(&token), token.trim().is_empty(), "{token:?}");
            }
        }
    }

    #[test]
    fn keeps_emoticons_and_emoji_whole() {
        let t = tok().tokens("食堂太差了[怒][怒]😡👍🏻真的");
        assert!(t.contains(&"[怒]"), "{t:?}");
        assert!(t.contains(&"😡"), "{t:?}");
        assert!(t.contains(&"👍🏻"), "{t:?}");
        assert_eq!(t.iter().filter(|w| **w == "[怒]").count(), 2);
    }

    #[test]
    fn zwj_sequence_is_one_token() {
        let t = tok().tokens("一家人👨‍👩‍👧出游");
        assert!(t.contains(&"👨‍👩‍👧"), "{t:?}");
    }

    #[test]
    fn brackets_that_are_not_emoticons_are_plain_text() {
        let t = tok().tokens("见附件[1 2]和[很长很长很长的说明]");
        assert!(
            !t.iter().any(|w| w.starts_with('[') && w.len() > 1),
            "{t:?}"
        );
    }

    #[test]
    fn campus_vocabulary_is_one_word() {
        for word in ["辅导员", "宿管", "顶岗实习", "专升本"] {
            let text = format!("我们的{word}怎么回事");
            let t = tok().tokens(&text);
            assert!(t.contains(&word), "{word} split in {t:?}");
        }
    }

    #[test]
    fn bad_frequency_names_file_and_line() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::create_dir(dir.path().join("user")).unwrap();
        std::fs::write(dir.path().join("user/x.txt"), "食堂 10 n\n宿管 很多 n\n").unwrap();
        let err = Tokenizer::load(dir.path()).err().unwrap().to_string();
        assert!(err.contains("x.txt:2"), "{err}");
    }
}
