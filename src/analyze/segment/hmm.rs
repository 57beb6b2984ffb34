//! jieba's hidden Markov model for the runs of characters the dictionary
//! route leaves single: each character is labelled Begin, End, Middle or
//! Single of a word by Viterbi, with jieba's model (`jieba-hmm.model`).
//! Ties are broken as jieba-rs breaks them, so the words are the same.

/// jieba's model (MIT, from the jieba project, as the jieba-rs crates ship it).
const MODEL: &str = include_str!("../../../dictionaries/jieba-hmm.model");

const B: usize = 0;
const E: usize = 1;
const M: usize = 2;
const S: usize = 3;

/// The states each state may follow, the lower index first: on a tie the
/// second wins.
const PREVIOUS: [[usize; 2]; 4] = [[E, S], [B, M], [B, M], [E, S]];

/// Log-probability of what the model never saw.
const MIN_LOG: f64 = -3.14e100;

/// The characters the model labels: a run of others is split by
/// [`split_other`] instead.
const FIRST: u32 = 0x4E00;
const LAST: u32 = 0x9FD5;

#[inline]
fn is_modelled(c: char) -> bool {
    (FIRST..=LAST).contains(&(c as u32))
}

pub(super) struct Hmm {
    start: [f64; 4],
    /// `trans[from][to]`.
    trans: [[f64; 4]; 4],
    /// Emission log-probabilities per state of each character `FIRST..=LAST`.
    emit: Box<[[f64; 4]]>,
}

/// Per-thread buffers of [`Hmm::cut`].
#[derive(Default)]
pub(super) struct HmmScratch {
    /// The chosen predecessor of each state at each character.
    from: Vec<[u8; 4]>,
    labels: Vec<u8>,
}

impl Hmm {
    /// The shipped model. It is compiled in, so a parse error is a bug.
    pub(super) fn new() -> Self {
        let mut lines = MODEL.lines().filter(|l| !l.starts_with('#'));
        let row = |line: Option<&str>| -> [f64; 4] {
            let values: Vec<f64> = line
                .expect("jieba-hmm.model: a line of four numbers")
                .split_whitespace()
                .map(|v| v.parse().expect("jieba-hmm.model: a number"))
                .collect();
            values.try_into().expect("jieba-hmm.model: four numbers")
        };
        let start = row(lines.next());
        let trans = [
            row(lines.next()),
            row(lines.next()),
            row(lines.next()),
            row(lines.next()),
        ];
        let mut emit = vec![[MIN_LOG; 4]; (LAST - FIRST + 1) as usize].into_boxed_slice();
        for (state, line) in lines.take(4).enumerate() {
            for pair in line.split(',') {
                let (c, p) = pair.split_once(':').expect("jieba-hmm.model: char:prob");
                let c = c.chars().next().expect("jieba-hmm.model: a character");
                if is_modelled(c) {
                    emit[(c as u32 - FIRST) as usize][state] =
                        p.parse().expect("jieba-hmm.model: a number");
                }
            }
        }
        Hmm { start, trans, emit }
    }

    /// Cut `chars` (byte offsets into `text` and values), a run that ends
    /// at byte `end` of `text`, into words.
    pub(super) fn cut<'a>(
        &self,
        text: &'a str,
        chars: &[(u32, char)],
        end: usize,
        scratch: &mut HmmScratch,
        emit: &mut impl FnMut(&'a str),
    ) {
        let byte = |i: usize| chars.get(i).map_or(end, |&(b, _)| b as usize);
        let mut i = 0;
        while i < chars.len() {
            let modelled = is_modelled(chars[i].1);
            let mut j = i + 1;
            while j < chars.len() && is_modelled(chars[j].1) == modelled {
                j += 1;
            }
            if !modelled {
                split_other(&text[byte(i)..byte(j)], emit);
            } else if j - i == 1 {
                emit(&text[byte(i)..byte(j)]);
            } else {
                self.label(&chars[i..j], scratch);
                let mut word_start = byte(i);
                let mut emitted_to = word_start;
                for (k, &label) in scratch.labels.iter().enumerate() {
                    let (from, to) = (byte(i + k), byte(i + k + 1));
                    match label as usize {
                        B => word_start = from,
                        E => {
                            emit(&text[word_start..to]);
                            emitted_to = to;
                        }
                        S => {
                            emit(&text[from..to]);
                            emitted_to = to;
                        }
                        _ => {}
                    }
                }
                // A run that ends inside a word still yields it.
                if emitted_to < byte(j) {
                    emit(&text[emitted_to..byte(j)]);
                }
            }
            i = j;
        }
    }

    /// Viterbi: the most probable labels of `chars` (at least two) into
    /// `scratch.labels`.
    fn label(&self, chars: &[(u32, char)], scratch: &mut HmmScratch) {
        let emit = |c: char| self.emit[(c as u32 - FIRST) as usize];
        let HmmScratch { from, labels } = scratch;
        from.clear();
        from.resize(chars.len(), [0; 4]);
        let first = emit(chars[0].1);
        let mut score: [f64; 4] = std::array::from_fn(|s| self.start[s] + first[s]);
        for (t, &(_, c)) in chars.iter().enumerate().skip(1) {
            let e = emit(c);
            let mut next = [0.0; 4];
            for s in 0..4 {
                let [p0, p1] = PREVIOUS[s];
                let via0 = score[p0] + self.trans[p0][s] + e[s];
                let via1 = score[p1] + self.trans[p1][s] + e[s];
                (next[s], from[t][s]) = if via0 > via1 {
                    (via0, p0 as u8)
                } else {
                    (via1, p1 as u8)
                };
            }
            score = next;
        }
        let mut state = if score[E] > score[S] { E } else { S };
        labels.clear();
        labels.resize(chars.len(), 0);
        for t in (0..chars.len()).rev() {
            labels[t] = state as u8;
            state = from[t][state] as usize;
        }
    }
}

/// A run of characters the model does not label: runs of ASCII letters
/// and digits (joined by `.`, `_` or `-` between two of them, with an
/// optional trailing `%`) are words, and so is each stretch between them.
fn split_other<'a>(text: &'a str, emit: &mut impl FnMut(&'a str)) {
    let b = text.as_bytes();
    let mut gap = 0;
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_alphanumeric() {
            i += 1;
            continue;
        }
        let mut j = i;
        loop {
            while j < b.len() && b[j].is_ascii_alphanumeric() {
                j += 1;
            }
            if j + 1 < b.len()
                && matches!(b[j], b'.' | b'_' | b'-')
                && b[j + 1].is_ascii_alphanumeric()
            {
                j += 1;
            } else {
                break;
            }
        }
        if j < b.len() && b[j] == b'%' {
            j += 1;
        }
        if gap < i {
            emit(&text[gap..i]);
        }
        emit(&text[i..j]);
        gap = j;
        i = j;
    }
    if gap < b.len() {
        emit(&text[gap..]);
    }
}
