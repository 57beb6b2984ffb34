//! Matching: one pattern scan per field ([`super::matcher`]), then evaluation of only the
//! rules that one of the found terms can trigger.
//!
//! Per document we allocate only the hits we return, never in proportion to
//! the number of rules: occurrences go into a per-thread vector (reused across
//! documents) sorted by pattern, and rule lookups binary-search it.

use super::matcher::Matcher;
use super::query::{FieldMask, field_index};
use super::{Document, Outcome, RuleExplanation, TermMatch};
use crate::model::{Field, MatchSpan, RuleHit, Severity};
use regex::Regex;

/// Pattern flags.
pub(crate) const PAT_TERM: u8 = 1;
pub(crate) const PAT_MASK: u8 = 2;

#[derive(Debug)]
pub(crate) enum Expr {
    Term {
        pat: u32,
        fields: FieldMask,
    },
    Regex {
        re: Regex,
        /// Literals one of which starts every match ([`required_prefixes`]):
        /// a field without any of them is passed over without running the
        /// regex, which costs more to start than to search a short post.
        prefixes: Option<Box<[String]>>,
        fields: FieldMask,
    },
    And(Box<[Expr]>),
    Or(Box<[Expr]>),
    Not(Box<Expr>),
    Near {
        left: Box<[(u32, FieldMask)]>,
        right: Box<[(u32, FieldMask)]>,
        distance: u32,
    },
}

#[derive(Debug)]
pub(crate) struct CompiledRule {
    pub id: String,
    pub category: String,
    pub severity: Severity,
    pub weight: f32,
    pub query: Expr,
    pub exclude: Option<Expr>,
}

/// The matching engine of a rule set.
pub(crate) struct Engine {
    /// Finds every pattern (terms and exclusion phrases) in a field.
    pub matcher: Matcher,
    /// Normalised text of each pattern.
    pub patterns: Vec<String>,
    pub pat_flags: Vec<u8>,
    /// CSR index: rules triggered by pattern `p` are
    /// `trig_rules[trig_start[p]..trig_start[p + 1]]`.
    pub trig_start: Vec<u32>,
    pub trig_rules: Vec<u32>,
    /// Rules with no literal prerequisite (regex only): evaluated on every post.
    pub always: Vec<u32>,
    pub rules: Vec<CompiledRule>,
}

#[derive(Debug, Clone, Copy)]
struct Occ {
    pat: u32,
    field: u8,
    start: u32,
    end: u32,
}

#[derive(Debug, Clone, Copy)]
struct Mask {
    field: u8,
    start: u32,
    end: u32,
    pat: u32,
    /// Largest `end` among masks of the same field up to this one.
    max_end: u32,
}

/// What one document's scan found.
struct Scan<'d> {
    /// Title, text, author, source. Borrowed: a scan is moved several times
    /// per post, and 64 bytes of fields made each move a `memcpy` call.
    fields: &'d [&'d str; 4],
    /// Sorted by (pat, field, start).
    occs: Vec<Occ>,
    /// Sorted by (field, start).
    masks: Vec<Mask>,
    /// Bit `p` set when pattern `p` occurs in `occs`, so that a term costs a
    /// bit test rather than a binary search (rules with long `|` lists test
    /// dozens of terms). Empty when not built: then the search is used.
    present: Vec<u64>,
}

fn field_of(i: u8) -> Field {
    Field::ALL[i as usize]
}

impl<'d> Scan<'d> {
    /// False when pattern `pat` certainly does not occur.
    #[inline]
    fn may_occur(&self, pat: u32) -> bool {
        match self.present.get(pat as usize / 64) {
            Some(w) => w & (1 << (pat % 64)) != 0,
            None => true,
        }
    }

    fn occurrences(&self, pat: u32) -> &[Occ] {
        let lo = self.occs.partition_point(|o| o.pat < pat);
        let hi = lo + self.occs[lo..].partition_point(|o| o.pat == pat);
        &self.occs[lo..hi]
    }

    fn in_field(&self, pat: u32, field: u8) -> &[Occ] {
        let all = self.occurrences(pat);
        let lo = all.partition_point(|o| o.field < field);
        let hi = lo + all[lo..].partition_point(|o| o.field == field);
        &all[lo..hi]
    }

    /// The mask that covers `start..end` of `field`, if any.
    fn mask_covering(&self, field: u8, start: u32, end: u32) -> Option<&Mask> {
        let idx = self
            .masks
            .partition_point(|m| (m.field, m.start) <= (field, start));
        let last = self.masks.get(idx.checked_sub(1)?)?;
        if last.field != field || last.max_end < end {
            return None;
        }
        self.masks[..idx]
            .iter()
            .rev()
            .take_while(|m| m.field == field)
            .find(|m| m.end >= end)
    }
}

/// Per-thread buffers of the scan, reused across documents: matching a post
/// allocates only what it returns.
#[derive(Default)]
struct Buffers {
    occs: Vec<Occ>,
    masks: Vec<Mask>,
    kept: Vec<Occ>,
    candidates: Vec<u32>,
    spans: Vec<(u8, u32, u32)>,
    /// Bit sets of the patterns found (masked and unmasked view); all zero
    /// between documents.
    present: Vec<u64>,
    present_unmasked: Vec<u64>,
}

thread_local! {
    static BUFFERS: std::cell::RefCell<Buffers> = std::cell::RefCell::default();
}

/// Runs `f` with this thread's buffers (fresh ones if a caller up the stack
/// already holds them). Borrowed in place: taking the seven vectors out of
/// the thread-local and putting them back copied 170 bytes four times, a
/// tenth of a short post's rule matching.
fn with_buffers<R>(f: impl FnOnce(&mut Buffers) -> R) -> R {
    BUFFERS.with(|cell| match cell.try_borrow_mut() {
        Ok(mut bufs) => f(&mut bufs),
        Err(_) => f(&mut Buffers::default()),
    })
}

impl Engine {
    /// Scan all fields once. Returns the occurrences with global exclusion
    /// phrases applied, and, when some phrase occurred, the unmasked view too:
    /// `exclude` queries look for trap context and must see every word. The
    /// vectors come from `bufs`; [`Engine::recycle`] gives them back.
    fn scan<'d>(
        &self,
        fields: &'d [&'d str; 4],
        bufs: &mut Buffers,
    ) -> (Scan<'d>, Option<Scan<'d>>) {
        let mut occs = std::mem::take(&mut bufs.occs);
        let mut masks = std::mem::take(&mut bufs.masks);
        occs.clear();
        masks.clear();
        for (fi, text) in fields.iter().enumerate() {
            if text.is_empty() {
                continue;
            }
            self.matcher.for_each(text, |pat, start, end| {
                let flags = self.pat_flags[pat as usize];
                let (start, end) = (start as u32, end as u32);
                if flags & PAT_TERM != 0 {
                    occs.push(Occ {
                        pat,
                        field: fi as u8,
                        start,
                        end,
                    });
                }
                if flags & PAT_MASK != 0 {
                    masks.push(Mask {
                        field: fi as u8,
                        start,
                        end,
                        pat,
                        max_end: 0,
                    });
                }
            });
        }
        masks.sort_unstable_by_key(|m| (m.field, m.start, m.end));
        let mut run: Option<(u8, u32)> = None;
        for m in &mut masks {
            let max = match run {
                Some((f, e)) if f == m.field => e.max(m.end),
                _ => m.end,
            };
            m.max_end = max;
            run = Some((m.field, max));
        }
        let mut scan = Scan {
            fields,
            occs,
            masks,
            present: Vec::new(),
        };
        scan.occs
            .sort_unstable_by_key(|o| (o.pat, o.field, o.start, o.end));
        if scan.masks.is_empty() {
            return (scan, None);
        }
        let mut kept = std::mem::take(&mut bufs.kept);
        kept.clear();
        kept.extend(
            scan.occs
                .iter()
                .filter(|o| scan.mask_covering(o.field, o.start, o.end).is_none())
                .copied(),
        );
        let unmasked = Scan {
            fields,
            occs: std::mem::replace(&mut scan.occs, kept),
            masks: Vec::new(),
            present: Vec::new(),
        };
        (scan, Some(unmasked))
    }

    /// Marks the patterns of `scan.occs` in `present` (all zero), which the
    /// scan then holds until [`Engine::recycle`].
    fn mark_present(&self, scan: &mut Scan<'_>, mut present: Vec<u64>) {
        let words = self.patterns.len().div_ceil(64);
        if present.len() < words {
            present.resize(words, 0);
        }
        for o in &scan.occs {
            present[o.pat as usize / 64] |= 1 << (o.pat % 64);
        }
        scan.present = present;
    }

    /// Hands the vectors of a scan back to `bufs`, the bit sets cleared.
    fn recycle(bufs: &mut Buffers, mut scan: Scan<'_>, mut unmasked: Option<Scan<'_>>) {
        fn clear(scan: &mut Scan<'_>, into: &mut Vec<u64>) {
            if scan.present.is_empty() {
                return;
            }
            for o in &scan.occs {
                scan.present[o.pat as usize / 64] = 0;
            }
            *into = std::mem::take(&mut scan.present);
        }
        clear(&mut scan, &mut bufs.present);
        if let Some(u) = unmasked.as_mut() {
            clear(u, &mut bufs.present_unmasked);
        }
        bufs.masks = scan.masks;
        match unmasked {
            Some(u) => {
                bufs.occs = u.occs;
                bufs.kept = scan.occs;
            }
            None => bufs.occs = scan.occs,
        }
    }

    /// Rules worth evaluating, into `out`: those triggered by a found
    /// pattern, plus the regex-only ones. Sorted, deduplicated.
    fn candidates(&self, scan: &Scan<'_>, out: &mut Vec<u32>) {
        out.clear();
        out.extend_from_slice(&self.always);
        let mut last = u32::MAX;
        for o in &scan.occs {
            if o.pat == last {
                continue;
            }
            last = o.pat;
            let p = o.pat as usize;
            let (a, b) = (self.trig_start[p] as usize, self.trig_start[p + 1] as usize);
            out.extend_from_slice(&self.trig_rules[a..b]);
        }
        out.sort_unstable();
        out.dedup();
    }

    pub fn matches(&self, doc: &Document<'_>) -> Vec<RuleHit> {
        with_buffers(|bufs| {
            let fields = doc.fields();
            let (mut scan, mut unmasked) = self.scan(&fields, bufs);
            let mut hits = Vec::new();
            if !scan.occs.is_empty() || !self.always.is_empty() {
                self.mark_present(&mut scan, std::mem::take(&mut bufs.present));
                if let Some(u) = unmasked.as_mut() {
                    self.mark_present(u, std::mem::take(&mut bufs.present_unmasked));
                }
                let view = unmasked.as_ref().unwrap_or(&scan);
                let mut candidates = std::mem::take(&mut bufs.candidates);
                self.candidates(&scan, &mut candidates);
                for &r in &candidates {
                    let rule = &self.rules[r as usize];
                    if !eval(&rule.query, &scan) {
                        continue;
                    }
                    if rule.exclude.as_ref().is_some_and(|e| eval(e, view)) {
                        continue;
                    }
                    hits.push(self.hit(rule, &rule.query, &scan, &mut bufs.spans));
                }
                bufs.candidates = candidates;
            }
            Self::recycle(bufs, scan, unmasked);
            hits
        })
    }

    fn hit(
        &self,
        rule: &CompiledRule,
        expr: &Expr,
        scan: &Scan<'_>,
        found: &mut Vec<(u8, u32, u32)>,
    ) -> RuleHit {
        positive_spans_into(expr, scan, found);
        let mut matched: Vec<String> = Vec::with_capacity(found.len());
        for &(f, s, e) in found.iter() {
            let term = &scan.fields[f as usize][s as usize..e as usize];
            if !matched.iter().any(|m| m == term) {
                matched.push(term.to_string());
            }
        }
        RuleHit {
            rule: rule.id.clone(),
            category: rule.category.clone(),
            severity: rule.severity,
            weight: rule.weight,
            matched,
            spans: found
                .iter()
                .map(|&(f, s, e)| MatchSpan {
                    field: field_of(f),
                    start: s as usize,
                    end: e as usize,
                })
                .collect(),
        }
    }

    /// Matches of the positive (not negated) leaves of `expr`, in field then
    /// position order, deduplicated.
    fn collect_positive(&self, expr: &Expr, scan: &Scan<'_>) -> Vec<TermMatch> {
        positive_spans(expr, scan)
            .into_iter()
            .map(|(f, s, e)| TermMatch {
                term: scan.fields[f as usize][s as usize..e as usize].to_string(),
                span: MatchSpan {
                    field: field_of(f),
                    start: s as usize,
                    end: e as usize,
                },
            })
            .collect()
    }
}

/// (field, start, end) of the matches of the positive leaves of `expr`,
/// sorted and deduplicated. A match's term is the text it spans: literal
/// terms match their normalised text exactly, regexes their `as_str()`.
fn positive_spans(expr: &Expr, scan: &Scan<'_>) -> Vec<(u8, u32, u32)> {
    let mut raw = Vec::new();
    positive_spans_into(expr, scan, &mut raw);
    raw
}

/// [`positive_spans`] into `out` (cleared first).
fn positive_spans_into(expr: &Expr, scan: &Scan<'_>, out: &mut Vec<(u8, u32, u32)>) {
    out.clear();
    collect(expr, scan, out);
    out.sort_unstable();
    out.dedup();
}

fn collect(expr: &Expr, scan: &Scan<'_>, out: &mut Vec<(u8, u32, u32)>) {
    match expr {
        Expr::Term { pat, fields } => {
            for o in scan.occurrences(*pat) {
                if fields.contains(field_of(o.field)) {
                    out.push((o.field, o.start, o.end));
                }
            }
        }
        Expr::Regex { re, fields, .. } => {
            for f in fields.fields() {
                let fi = field_index(f) as u8;
                let text = scan.fields[fi as usize];
                for m in re.find_iter(text) {
                    if regex_match_counts(scan, fi, m.start(), m.end()) {
                        out.push((fi, m.start() as u32, m.end() as u32));
                    }
                }
            }
        }
        Expr::And(cs) | Expr::Or(cs) => cs.iter().for_each(|c| collect(c, scan, out)),
        Expr::Not(_) => {}
        Expr::Near {
            left,
            right,
            distance,
        } => {
            // Only the occurrences that have a partner within the distance.
            for (a, b) in [(left, right), (right, left)] {
                for &(pa, fa) in a.iter() {
                    for o in scan.occurrences(pa) {
                        if !fa.contains(field_of(o.field)) {
                            continue;
                        }
                        let partner = b.iter().any(|&(pb, fb)| {
                            fb.contains(field_of(o.field))
                                && has_partner(scan, *o, scan.in_field(pb, o.field), *distance)
                        });
                        if partner {
                            out.push((o.field, o.start, o.end));
                        }
                    }
                }
            }
        }
    }
}

impl Engine {
    pub fn explain(&self, doc: &Document<'_>) -> Vec<RuleExplanation> {
        let mut bufs = Buffers::default();
        let fields = doc.fields();
        let (masked, unmasked) = self.scan(&fields, &mut bufs);
        let unmasked = unmasked.as_ref().unwrap_or(&masked);
        let mut out = Vec::new();
        let mut candidates = Vec::new();
        self.candidates(unmasked, &mut candidates);
        for r in candidates {
            let rule = &self.rules[r as usize];
            let explanation = |outcome, terms| RuleExplanation {
                rule: rule.id.clone(),
                category: rule.category.clone(),
                severity: rule.severity,
                weight: rule.weight,
                outcome,
                terms,
            };
            if eval(&rule.query, &masked) {
                let terms = self.collect_positive(&rule.query, &masked);
                match &rule.exclude {
                    Some(ex) if eval(ex, unmasked) => {
                        let by = self.collect_positive(ex, unmasked);
                        out.push(explanation(Outcome::ExcludedByRule { matches: by }, terms));
                    }
                    _ => out.push(explanation(Outcome::Fired, terms)),
                }
            } else if eval(&rule.query, unmasked) {
                // It would fire but for the global exclusion phrases.
                let terms = self.collect_positive(&rule.query, unmasked);
                let mut phrases: Vec<TermMatch> = Vec::new();
                for t in &terms {
                    let fi = field_index(t.span.field) as u8;
                    if let Some(m) =
                        masked.mask_covering(fi, t.span.start as u32, t.span.end as u32)
                    {
                        let tm = TermMatch {
                            term: self.patterns[m.pat as usize].clone(),
                            span: MatchSpan {
                                field: t.span.field,
                                start: m.start as usize,
                                end: m.end as usize,
                            },
                        };
                        if !phrases.contains(&tm) {
                            phrases.push(tm);
                        }
                    }
                }
                out.push(explanation(Outcome::MaskedByGlobal { phrases }, terms));
            }
        }
        out
    }
}

/// The literals one of which every match of `pattern` (as built by
/// `query::build_regex`, default syntax) starts with, when regex-syntax finds
/// a finite set of them and none is empty; `None` when any text may match.
pub(crate) fn required_prefixes(pattern: &str) -> Option<Box<[String]>> {
    let hir = regex_syntax::parse(pattern).ok()?;
    let seq = regex_syntax::hir::literal::Extractor::new().extract(&hir);
    let literals = seq.literals()?;
    if literals.is_empty() || literals.iter().any(|l| l.as_bytes().is_empty()) {
        return None;
    }
    // A literal cut inside a character is not valid UTF-8: no filter then.
    literals
        .iter()
        .map(|l| String::from_utf8(l.as_bytes().to_vec()).ok())
        .collect()
}

/// A regex match counts unless it is empty or lies inside an exclusion phrase.
fn regex_match_counts(scan: &Scan<'_>, field: u8, start: usize, end: usize) -> bool {
    end > start
        && scan
            .mask_covering(field, start as u32, end as u32)
            .is_none()
}

fn eval(expr: &Expr, scan: &Scan<'_>) -> bool {
    match expr {
        Expr::Term { pat, fields } => {
            if !scan.may_occur(*pat) {
                return false;
            }
            if *fields == FieldMask::ALL && !scan.present.is_empty() {
                return true;
            }
            let occ = scan.occurrences(*pat);
            if *fields == FieldMask::ALL {
                !occ.is_empty()
            } else {
                occ.iter().any(|o| fields.contains(field_of(o.field)))
            }
        }
        Expr::Regex {
            re,
            prefixes,
            fields,
        } => fields.fields().any(|f| {
            let fi = field_index(f) as u8;
            let text = scan.fields[fi as usize];
            if let Some(prefixes) = prefixes
                && !prefixes.iter().any(|p| text.contains(p.as_str()))
            {
                return false;
            }
            re.find_iter(text)
                .any(|m| regex_match_counts(scan, fi, m.start(), m.end()))
        }),
        Expr::And(cs) => cs.iter().all(|c| eval(c, scan)),
        Expr::Or(cs) => cs.iter().any(|c| eval(c, scan)),
        Expr::Not(c) => !eval(c, scan),
        Expr::Near {
            left,
            right,
            distance,
        } => left.iter().any(|&(pa, fa)| {
            scan.may_occur(pa)
                && scan.occurrences(pa).iter().any(|o| {
                    fa.contains(field_of(o.field))
                        && right.iter().any(|&(pb, fb)| {
                            scan.may_occur(pb)
                                && fb.contains(field_of(o.field))
                                && has_partner(scan, *o, scan.in_field(pb, o.field), *distance)
                        })
                })
        }),
    }
}

/// Is there an occurrence in `others` (same field, sorted by start, all of
/// one pattern so also sorted by end) that does not overlap `o` and has at
/// most `distance` characters between the two?
fn has_partner(scan: &Scan<'_>, o: Occ, others: &[Occ], distance: u32) -> bool {
    let text = scan.fields[o.field as usize];
    // Nearest one after `o`.
    let after = others.partition_point(|x| x.start < o.end);
    if let Some(x) = others.get(after)
        && chars_within(&text[o.end as usize..x.start as usize], distance)
    {
        return true;
    }
    // Nearest one before `o`: the last whose end <= o.start.
    let before = others.partition_point(|x| x.end <= o.start);
    if before > 0 {
        let x = others[before - 1];
        if chars_within(&text[x.end as usize..o.start as usize], distance) {
            return true;
        }
    }
    false
}

fn chars_within(gap: &str, distance: u32) -> bool {
    // Each char is at least one byte: a short gap needs no counting.
    gap.len() <= distance as usize || gap.chars().nth(distance as usize).is_none()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn required_prefixes_of_common_patterns() {
        let p = |s: &str| required_prefixes(s).map(|v| v.into_vec());
        assert_eq!(
            p("《[^》]{1,15}》[,，]?(里|中)"),
            Some(vec!["《".to_string()])
        );
        assert_eq!(
            p("交[0-9一二三四五六七八九十几]+万"),
            Some(vec!["交".to_string()])
        );
        assert_eq!(p(".*x"), None);
        assert_eq!(p("a|"), None);
        assert_eq!(p("x?"), None);
    }

    /// A text with none of the prefixes never matches.
    #[test]
    fn prefixes_never_hide_a_match() {
        let patterns = [
            "《[^》]{1,15}》",
            "交[0-9一二三四五六七八九十几]+万",
            "(?i)wifi|网络",
            "[0-9]{3,}元",
            "食堂|宿舍楼?",
            "a+b",
        ];
        let texts = [
            "",
            "《三体》里",
            "交3万",
            "交三万块",
            "WiFi断了",
            "wIfI",
            "网络",
            "500元",
            "12元",
            "食堂",
            "宿舍",
            "宿",
            "aab",
            "b",
            "aaa",
        ];
        for pat in patterns {
            let re = Regex::new(pat).unwrap();
            let prefixes = required_prefixes(pat);
            for text in texts {
                let passes = prefixes
                    .as_ref()
                    .is_none_or(|ps| ps.iter().any(|p| text.contains(p.as_str())));
                assert!(
                    passes || !re.is_match(text),
                    "{pat} on {text}: {prefixes:?}"
                );
            }
        }
    }
}
