//! `yuqing rules check` and `yuqing rules test`.

use super::{AnalysisPaths, load_analyzer, load_config};
use crate::analyze::normalize::normalize;
use crate::analyze::rules::{Document, check_dir};
use crate::config::Config;
use crate::model::PostText;
use anyhow::Context;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(Debug, clap::Args)]
pub struct RulesTestArgs {
    #[command(flatten)]
    pub paths: AnalysisPaths,
    /// Title of the post.
    #[arg(long, default_value = "")]
    pub title: String,
    /// Read the text from a file instead of the argument.
    #[arg(long)]
    pub file: Option<PathBuf>,
    /// The text to test.
    pub text: Option<String>,
}

pub(super) fn check(dir: Option<PathBuf>, config: Option<PathBuf>) -> anyhow::Result<ExitCode> {
    let dir = match dir {
        Some(d) => d,
        None => {
            Config::load(config.as_deref())
                .context("配置文件无效")?
                .rules_dir
        }
    };
    match check_dir(&dir) {
        Ok(summary) => {
            println!("{}: {summary}", dir.display());
            Ok(ExitCode::SUCCESS)
        }
        Err(errors) => {
            eprintln!("{errors}");
            Ok(ExitCode::FAILURE)
        }
    }
}

pub(super) fn test(args: RulesTestArgs) -> anyhow::Result<ExitCode> {
    let text = match (&args.file, &args.text) {
        (Some(f), _) => {
            std::fs::read_to_string(f).with_context(|| format!("无法读取 {}", f.display()))?
        }
        (None, Some(t)) => t.clone(),
        (None, None) => anyhow::bail!("请给出要测试的文本，或用 --file 指定文件"),
    };
    let config = load_config(&args.paths)?;
    let analyzer = load_analyzer(
        &config.dictionaries_dir,
        &config.rules_dir,
        config.analysis.clone(),
    )?;

    let title = normalize(&args.title);
    let body = normalize(&text);
    let explanations = analyzer.rules().explain(&Document {
        title: &title,
        text: &body,
        author: "",
        source: "",
    });
    if explanations.is_empty() {
        println!("没有规则命中。");
    }
    for e in &explanations {
        println!("{e}");
    }

    let analysis = analyzer.analyze(&PostText {
        title: &args.title,
        ..PostText::new(&text)
    });
    let s = &analysis.sentiment;
    println!("\n情感: {} ({:+.2})", s.label.zh(), s.score);
    for c in &s.explanation {
        let mods = if c.modifiers.is_empty() {
            String::new()
        } else {
            format!(" [{}]", c.modifiers.join(", "))
        };
        println!("  {:<8} {:+.2}{mods}", c.cue, c.delta);
    }
    let r = &analysis.risk;
    println!("风险: {} 分（等级: {}）", r.score, r.level.zh());
    for f in &r.explanation {
        println!("  {:+5.1}  {}", f.points, f.factor);
    }
    if !analysis.keywords.is_empty() {
        println!("关键词: {}", analysis.keywords.join("、"));
    }
    Ok(ExitCode::SUCCESS)
}
