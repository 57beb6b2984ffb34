use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};

pub fn repo_root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// The `yuqing` binary, run from the repository root with no config file
/// and no `YUQING_*` variables from the caller's environment.
pub fn yuqing(args: &[&str]) -> Command {
    let mut cmd = Command::new(env!("CARGO_BIN_EXE_yuqing"));
    cmd.args(args).current_dir(repo_root());
    for (k, _) in std::env::vars() {
        if k.starts_with("YUQING_") {
            cmd.env_remove(k);
        }
    }
    cmd
}

pub fn run_with_stdin(mut cmd: Command, stdin: &str) -> Output {
    let mut child = cmd
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("yuqing binary runs");
    // Feed stdin from another thread: a child that fills its stdout pipe
    // before reading all its input would otherwise deadlock with us.
    let mut pipe = child.stdin.take().unwrap();
    let input = stdin.to_owned();
    let writer = std::thread::spawn(move || {
        let _ = pipe.write_all(input.as_bytes());
    });
    let out = child.wait_with_output().unwrap();
    writer.join().unwrap();
    out
}

pub fn stdout_lines(out: &Output) -> Vec<serde_json::Value> {
    String::from_utf8(out.stdout.clone())
        .unwrap()
        .lines()
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad output line {l}: {e}")))
        .collect()
}

pub fn fixture(path: &str) -> PathBuf {
    repo_root().join("tests/fixtures").join(path)
}

pub fn read(path: &Path) -> String {
    std::fs::read_to_string(path).unwrap_or_else(|e| panic!("{}: {e}", path.display()))
}
