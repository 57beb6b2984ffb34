//! `yuqing demo [--addr 127.0.0.1:8080] [--data DIR] [--fresh]`: the bundled
//! demo sources on loopback, crawled and analysed, alerts raised and routed,
//! and the dashboard with one demo user per role, until Ctrl-C.

use super::crawl::{pad, width};
use super::load_analyzer;
use crate::demo::{DEFAULT_DATA_DIR, Demo, DemoOptions};
use anyhow::Context;
use std::fmt::Write;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;
use std::time::Instant;

#[derive(Debug, clap::Args)]
pub struct DemoArgs {
    /// Address of the dashboard.
    #[arg(long, default_value = "127.0.0.1:8080")]
    pub addr: SocketAddr,
    /// Data directory of the demo (SQLite file, search index).
    #[arg(long = "data", visible_alias = "data-dir", value_name = "DIR", default_value = DEFAULT_DATA_DIR)]
    pub data: PathBuf,
    /// Start from scratch: delete the demo's data directory first.
    #[arg(long)]
    pub fresh: bool,
}

pub fn run(args: DemoArgs) -> anyhow::Result<ExitCode> {
    let started = Instant::now();
    let mut opts = DemoOptions::new(&args.data);
    opts.fresh = args.fresh;
    eprintln!("正在加载分析器（词典与规则）……");
    let analyzer = Arc::new(load_analyzer(
        &opts.dictionaries_dir,
        &opts.rules_dir,
        Default::default(),
    )?);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    runtime.block_on(async {
        // Bind first: a busy port should fail before any crawling.
        let listener = tokio::net::TcpListener::bind(args.addr)
            .await
            .with_context(|| format!("无法监听 {}（可用 --addr 换一个端口）", args.addr))?;
        eprintln!("正在启动演示数据源并抓取、分析……");
        let demo = crate::demo::prepare(&opts, analyzer)
            .await
            .context("演示无法启动")?;
        let url = format!("http://{}", listener.local_addr()?);
        print!(
            "{}",
            render_ready(&demo, &url, started.elapsed().as_secs_f64())
        );
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            super::serve::stop_signal().await;
            eprintln!("正在停止…");
            let _ = tx.send(true);
        });
        demo.run(listener, rx).await.context("服务异常退出")?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

/// What the newcomer reads: where to go, who to sign in as, what is there.
pub fn render_ready(demo: &Demo, url: &str, secs: f64) -> String {
    let mut out = String::new();
    let _ = writeln!(out, "\nyuqing 演示已就绪（用时 {secs:.1} 秒）\n");
    if !demo.first_run {
        let _ = writeln!(
            out,
            "沿用 {} 中已有的数据：帖子、预警与处置记录都保留，演示数据源没有新内容。\n",
            demo.config.data_dir.display()
        );
    }
    out.push_str(&super::crawl::render_table(&demo.crawl));
    let levels: Vec<String> = demo
        .alerts_by_level()
        .iter()
        .map(|(l, n)| format!("{} {n}", l.zh()))
        .collect();
    let _ = writeln!(
        out,
        "\n帖子 {} 条，预警 {} 条（{}），其中 {} 条已按规则分派给{}与{}",
        demo.posts,
        demo.alerts.len(),
        levels.join("、"),
        demo.routed,
        crate::demo::STUDENT_AFFAIRS,
        crate::demo::LOGISTICS,
    );
    let _ = writeln!(out, "\n演示账户（密码每次启动重新生成，旧会话随之失效）：");
    let head = ["用户名", "角色", "分组", "密码"];
    let rows: Vec<[String; 4]> = demo
        .users
        .iter()
        .map(|u| {
            let group = match (u.group, u.leads) {
                (Some(g), true) => format!("{g}（组长）"),
                (Some(g), false) => g.to_string(),
                (None, _) => "—".to_string(),
            };
            [
                u.username.to_string(),
                if u.display_name == u.role.zh() {
                    u.display_name.to_string()
                } else {
                    format!("{}（{}）", u.role.zh(), u.display_name)
                },
                group,
                u.password.clone(),
            ]
        })
        .collect();
    let widths: Vec<usize> = (0..4)
        .map(|i| {
            rows.iter()
                .map(|r| width(&r[i]))
                .chain([width(head[i])])
                .max()
                .unwrap_or(0)
        })
        .collect();
    let line = |cells: [&str; 4]| {
        let mut l = String::from("  ");
        for (i, c) in cells.iter().enumerate() {
            if i == 3 {
                l.push_str(c);
            } else {
                l.push_str(&pad(c, widths[i]));
                l.push_str("  ");
            }
        }
        l
    };
    let _ = writeln!(out, "{}", line(head));
    for r in &rows {
        let _ = writeln!(out, "{}", line([&r[0], &r[1], &r[2], &r[3]]));
    }
    let _ = writeln!(out, "\n看板：{url}  （用上面的账户登录；Ctrl-C 停止）");
    let _ = writeln!(
        out,
        "演示数据源：{}  数据目录：{}（重新开始：yuqing demo --fresh）",
        demo.site.base,
        demo.config.data_dir.display()
    );
    out
}
