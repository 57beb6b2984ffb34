//! `yuqing serve [--config F] [--addr ADDR]`: the scheduler, the push API and
//! (later) the dashboard in one process, until Ctrl-C or SIGTERM.

use super::{AnalysisPaths, load_analyzer, load_config};
use crate::server::Server;
use anyhow::Context;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Debug, clap::Args)]
pub struct ServeArgs {
    /// Configuration file (default: ./yuqing.toml if present).
    #[arg(long, env = "YUQING_CONFIG")]
    pub config: Option<PathBuf>,
    /// Listen address (default: server.addr, 127.0.0.1:8080).
    #[arg(long)]
    pub addr: Option<SocketAddr>,
}

pub fn run(args: ServeArgs) -> anyhow::Result<ExitCode> {
    let config = load_config(&AnalysisPaths {
        config: args.config,
        rules: None,
        dictionaries: None,
    })?;
    let analyzer = Arc::new(load_analyzer(
        &config.dictionaries_dir,
        &config.rules_dir,
        config.analysis.clone(),
    )?);
    let addr = args.addr.unwrap_or(config.server.addr);
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("无法启动异步运行时")?;
    runtime.block_on(async {
        let server = Server::build(&config, analyzer)
            .await
            .context("服务无法启动")?;
        if let Some(password) = server.initial_admin_password() {
            eprintln!("首次启动：已创建管理员账户 admin，初始密码 {password}");
            eprintln!("请登录后尽快修改（yuqing user passwd admin），此密码不会再次显示。");
        }
        let listener = tokio::net::TcpListener::bind(addr)
            .await
            .with_context(|| format!("无法监听 {addr}"))?;
        let scheduled = config
            .sources
            .iter()
            .filter(|s| s.kind.is_scheduled())
            .count();
        eprintln!(
            "yuqing 已启动：http://{}  （{} 个定时来源，{} 个推送来源；Ctrl-C 停止）",
            listener.local_addr()?,
            scheduled,
            config.sources.len() - scheduled
        );
        let (tx, rx) = tokio::sync::watch::channel(false);
        tokio::spawn(async move {
            stop_signal().await;
            eprintln!("正在停止…");
            let _ = tx.send(true);
        });
        server.run(listener, rx).await.context("服务异常退出")?;
        anyhow::Ok(())
    })?;
    Ok(ExitCode::SUCCESS)
}

pub(super) async fn stop_signal() {
    #[cfg(unix)]
    {
        use tokio::signal::unix::{SignalKind, signal};
        if let Ok(mut term) = signal(SignalKind::terminate()) {
            tokio::select! {
                _ = tokio::signal::ctrl_c() => {}
                _ = term.recv() => {}
            }
            return;
        }
    }
    let _ = tokio::signal::ctrl_c().await;
}
