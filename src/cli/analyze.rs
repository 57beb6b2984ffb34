//! `yuqing analyze`: the JSONL contract of design.md § 4.
//!
//! Streams in batches so memory stays flat on any input size; a batch is
//! analysed on all cores and written in input order.

use super::{AnalyzeArgs, load_analyzer, load_config};
use crate::analyze::Analyzer;
use crate::model::{Analysis, Metrics, PostText, RuleHit, Severity};
use anyhow::Context;
use serde::{Deserialize, Serialize};
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::fs::File;
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::process::ExitCode;

const BATCH_LINES: usize = 1024;

/// Posts per [`Analyzer::analyze_batch`] call: stage by stage over 64
/// articles was 4–15 % faster than post by post; short posts gain nothing
/// and lose nothing (docs/performance.md).
const ANALYZE_BATCH: usize = 64;

#[derive(Debug, Clone)]
pub struct AnalyzeOptions {
    /// Include the explanations (not part of the fixed contract).
    pub explain: bool,
    pub jobs: usize,
    /// Name of the input in error messages: a path or "stdin".
    pub input_name: String,
}

#[derive(Debug, Default, Clone, Copy, PartialEq, Eq)]
pub struct AnalyzeSummary {
    pub analysed: usize,
    pub bad: usize,
}

#[derive(Deserialize)]
struct InputPost<'a> {
    #[serde(borrow, default)]
    id: Option<&'a RawValue>,
    #[serde(borrow, default)]
    title: Option<Cow<'a, str>>,
    #[serde(borrow)]
    text: Cow<'a, str>,
    #[serde(borrow, default)]
    source: Option<Cow<'a, str>>,
    #[serde(borrow, default)]
    author: Option<Cow<'a, str>>,
    #[serde(default)]
    source_weight: Option<f32>,
    #[serde(default)]
    metrics: Option<Metrics>,
}

#[derive(Serialize)]
struct OutputLine<'a> {
    id: &'a RawValue,
    sentiment: SentimentOut,
    risk: RiskOut,
    hits: Vec<HitOut<'a>>,
    keywords: &'a [compact_str::CompactString],
}

#[derive(Serialize)]
struct SentimentOut {
    score: f32,
    label: &'static str,
}

#[derive(Serialize)]
struct RiskOut {
    score: u8,
    level: &'static str,
}

#[derive(Serialize)]
struct HitOut<'a> {
    rule: &'a str,
    category: &'a str,
    severity: Severity,
    matched: &'a [String],
}

#[derive(Serialize)]
struct ExplainedLine<'a> {
    id: &'a RawValue,
    #[serde(flatten)]
    analysis: &'a Analysis,
}

fn round3(x: f32) -> f32 {
    (x * 1000.0).round() / 1000.0
}

/// A valid input line, ready to analyse.
struct Parsed<'a> {
    input: InputPost<'a>,
    /// The line number as the id, when the line has none.
    line_id: Option<Box<RawValue>>,
}

impl Parsed<'_> {
    fn id(&self) -> &RawValue {
        match (&self.line_id, self.input.id) {
            (Some(own), _) => own,
            (None, Some(raw)) => raw,
            (None, None) => unreachable!("a line without an id gets its number"),
        }
    }

    fn post(&self) -> PostText<'_> {
        let input = &self.input;
        PostText {
            title: input.title.as_deref().unwrap_or(""),
            text: &input.text,
            author: input.author.as_deref().unwrap_or(""),
            source: input.source.as_deref().unwrap_or(""),
            source_weight: input.source_weight.unwrap_or(1.0),
            metrics: input.metrics,
        }
    }
}

/// Parse and check one input line; the error says why it is skipped.
fn parse_line(line: &str, line_no: usize) -> Result<Parsed<'_>, String> {
    let input: InputPost<'_> = serde_json::from_str(line).map_err(|e| describe_json_error(&e))?;
    let line_id = match input.id {
        Some(raw)
            if raw.get().starts_with('"')
                || raw
                    .get()
                    .starts_with(|c: char| c == '-' || c.is_ascii_digit()) =>
        {
            None
        }
        Some(_) => {
            return Err(
                "字段 id 必须是字符串或数字 (field `id` must be a string or a number)".into(),
            );
        }
        None => Some(RawValue::from_string(line_no.to_string()).expect("a number is valid JSON")),
    };
    if let Some(w) = input.source_weight.filter(|w| !(0.0..=10.0).contains(w)) {
        return Err(format!("字段 source_weight 超出范围 0..=10: {w}"));
    }
    Ok(Parsed { input, line_id })
}

/// One output line (without the newline).
fn render(id: &RawValue, analysis: &Analysis, explain: bool) -> String {
    let json = if explain {
        serde_json::to_string(&ExplainedLine { id, analysis })
    } else {
        serde_json::to_string(&OutputLine {
            id,
            sentiment: SentimentOut {
                score: round3(analysis.sentiment.score),
                label: analysis.sentiment.label.as_str(),
            },
            risk: RiskOut {
                score: analysis.risk.score,
                level: analysis.risk.level.as_str(),
            },
            hits: analysis.hits.iter().map(hit_out).collect(),
            keywords: &analysis.keywords,
        })
    };
    json.expect("output types always serialise")
}

/// Analyse numbered input lines into output lines (without the newline) or
/// the reason a line is skipped, in input order. The valid posts are
/// analysed [`ANALYZE_BATCH`] at a time with [`Analyzer::analyze_batch`].
fn analyze_lines(
    analyzer: &Analyzer,
    lines: &[(usize, String)],
    explain: bool,
) -> Vec<Result<String, String>> {
    let parsed: Vec<Result<Parsed<'_>, String>> =
        lines.iter().map(|(n, l)| parse_line(l, *n)).collect();
    let posts: Vec<PostText<'_>> = parsed
        .iter()
        .filter_map(|p| p.as_ref().ok().map(Parsed::post))
        .collect();
    let mut analyses = Vec::with_capacity(posts.len());
    for chunk in posts.chunks(ANALYZE_BATCH) {
        analyses.extend(analyzer.analyze_batch(chunk));
    }
    let mut analyses = analyses.into_iter();
    parsed
        .iter()
        .map(|p| {
            let p = p.as_ref().map_err(Clone::clone)?;
            let analysis = analyses.next().expect("one analysis per valid line");
            Ok(render(p.id(), &analysis, explain))
        })
        .collect()
}

fn hit_out(h: &RuleHit) -> HitOut<'_> {
    HitOut {
        rule: &h.rule,
        category: &h.category,
        severity: h.severity,
        matched: &h.matched,
    }
}

fn describe_json_error(e: &serde_json::Error) -> String {
    let msg = e.to_string();
    // serde_json appends " at line 1 column N"; the column is what helps here.
    match msg.rsplit_once(" at line 1 column ") {
        Some((what, col)) => format!("{what}（第 {col} 列）"),
        None => msg,
    }
}

/// Analyse a JSONL stream. Bad lines are reported on `errors` and skipped.
pub fn analyze_stream(
    analyzer: &Analyzer,
    input: impl BufRead,
    mut output: impl Write,
    mut errors: impl Write,
    opts: &AnalyzeOptions,
) -> io::Result<AnalyzeSummary> {
    let mut summary = AnalyzeSummary::default();
    let mut lines = input.lines().enumerate();
    let mut batch: Vec<(usize, String)> = Vec::with_capacity(BATCH_LINES);
    let jobs = opts.jobs.max(1);
    loop {
        batch.clear();
        for (i, line) in lines.by_ref() {
            let line = line.map_err(|e| {
                io::Error::new(e.kind(), format!("{}:{}: {e}", opts.input_name, i + 1))
            })?;
            if line.trim().is_empty() {
                continue;
            }
            batch.push((i + 1, line));
            if batch.len() == BATCH_LINES {
                break;
            }
        }
        if batch.is_empty() {
            break;
        }
        let results: Vec<Result<String, String>> = if jobs == 1 || batch.len() < 2 * jobs {
            analyze_lines(analyzer, &batch, opts.explain)
        } else {
            let chunk = batch.len().div_ceil(jobs);
            std::thread::scope(|s| {
                let handles: Vec<_> = batch
                    .chunks(chunk)
                    .map(|part| s.spawn(move || analyze_lines(analyzer, part, opts.explain)))
                    .collect();
                handles
                    .into_iter()
                    .flat_map(|h| h.join().expect("analysis thread panicked"))
                    .collect()
            })
        };
        for ((line_no, _), result) in batch.iter().zip(results) {
            match result {
                Ok(json) => {
                    output.write_all(json.as_bytes())?;
                    output.write_all(b"\n")?;
                    summary.analysed += 1;
                }
                Err(message) => {
                    writeln!(
                        errors,
                        "{}:{line_no}: 无效的输入行，已跳过: {message}",
                        opts.input_name
                    )?;
                    summary.bad += 1;
                }
            }
        }
    }
    output.flush()?;
    Ok(summary)
}

pub(super) fn run(args: AnalyzeArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&args.paths)?;
    let analyzer = load_analyzer(
        &config.dictionaries_dir,
        &config.rules_dir,
        config.analysis.clone(),
    )?;
    let jobs = args
        .jobs
        .unwrap_or_else(|| std::thread::available_parallelism().map_or(1, usize::from));

    let (input, input_name): (Box<dyn BufRead>, String) = match &args.input {
        Some(p) if p.as_os_str() != "-" => {
            let f = File::open(p).with_context(|| format!("无法打开输入文件 {}", p.display()))?;
            (
                Box::new(BufReader::with_capacity(1 << 16, f)),
                p.display().to_string(),
            )
        }
        _ => (Box::new(io::stdin().lock()), "stdin".to_string()),
    };
    let output: Box<dyn Write> = match &args.output {
        Some(p) if p.as_os_str() != "-" => Box::new(BufWriter::with_capacity(
            1 << 16,
            File::create(p).with_context(|| format!("无法创建输出文件 {}", p.display()))?,
        )),
        _ => Box::new(BufWriter::with_capacity(1 << 16, io::stdout().lock())),
    };
    let opts = AnalyzeOptions {
        explain: args.explain,
        jobs,
        input_name,
    };
    let summary = match analyze_stream(&analyzer, input, output, io::stderr().lock(), &opts) {
        Ok(s) => s,
        // `yuqing analyze | head` is not an error.
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => return Ok(ExitCode::SUCCESS),
        Err(e) => return Err(e).context("分析中断"),
    };
    if summary.bad > 0 {
        eprintln!(
            "已分析 {} 条，跳过 {} 条无效输入行",
            summary.analysed, summary.bad
        );
        return Ok(ExitCode::from(2));
    }
    Ok(ExitCode::SUCCESS)
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::sync::OnceLock;

    fn analyzer() -> &'static Analyzer {
        static A: OnceLock<Analyzer> = OnceLock::new();
        A.get_or_init(|| Analyzer::load_default().expect("shipped data loads"))
    }

    fn run(input: &str, jobs: usize) -> (String, String, AnalyzeSummary) {
        let mut out = Vec::new();
        let mut err = Vec::new();
        let opts = AnalyzeOptions {
            explain: false,
            jobs,
            input_name: "t.jsonl".into(),
        };
        let summary =
            analyze_stream(analyzer(), input.as_bytes(), &mut out, &mut err, &opts).unwrap();
        (
            String::from_utf8(out).unwrap(),
            String::from_utf8(err).unwrap(),
            summary,
        )
    }

    #[test]
    fn every_line_is_either_output_or_reported() {
        let (out, err, s) = run("{\"text\":\"好\"}\n{}\n[1]\n\"x\"\n{\"text\":5}\n", 1);
        assert_eq!(
            s,
            AnalyzeSummary {
                analysed: 1,
                bad: 4
            }
        );
        assert_eq!(out.lines().count(), 1);
        assert_eq!(err.lines().count(), 4);
        assert!(err.lines().all(|l| l.starts_with("t.jsonl:")), "{err}");
    }

    #[test]
    fn escaped_strings_are_decoded() {
        let (out, _, _) = run(r#"{"id":"a\"b","text":"\u98df\u5802\u8179\u6cfb"}"#, 1);
        let v: serde_json::Value = serde_json::from_str(out.trim()).unwrap();
        assert_eq!(v["id"], "a\"b");
        assert!(
            v["keywords"]
                .as_array()
                .unwrap()
                .iter()
                .any(|k| k == "食堂"),
            "{v}"
        );
    }

    proptest! {
        #![proptest_config(ProptestConfig { cases: 200, ..ProptestConfig::default() })]
        #[test]
        fn arbitrary_input_never_panics_and_loses_no_line(lines in proptest::collection::vec(
            prop_oneof![
                "\\PC{0,40}",
                "\\PC{0,40}".prop_map(|t| serde_json::json!({"text": t}).to_string()),
                ("\\PC{0,10}", "\\PC{0,40}").prop_map(|(i, t)| serde_json::json!({"id": i, "text": t}).to_string()),
                "\\PC{0,40}".prop_map(|t| format!("{{\"text\":\"{t}\"")),
            ],
            0..30,
        )) {
            let input = lines.join("\n");
            let nonblank = input.lines().filter(|l| !l.trim().is_empty()).count();
            let (out, _, s) = run(&input, 2);
            prop_assert_eq!(s.analysed + s.bad, nonblank);
            prop_assert_eq!(out.lines().count(), s.analysed);
        }
    }
}
