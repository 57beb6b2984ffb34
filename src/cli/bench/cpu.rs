//! CPU time from `/proc` (Linux): on a shared machine it is what a
//! benchmark can compare across runs, where wall time also counts the
//! waits for a core that other processes hold.

use std::time::Duration;

/// CPU time the process `pid` has used (user + system, exited threads
/// included), from `/proc/<pid>/stat`; 10 ms resolution.
pub(super) fn process(pid: u32) -> Option<Duration> {
    let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
    // Fields after the parenthesised command name, which may hold spaces.
    let rest = &stat[stat.rfind(')')? + 2..];
    let fields: Vec<&str> = rest.split(' ').collect();
    // utime and stime are fields 14 and 15 of the whole line (11 and 12 here).
    let ticks: u64 = fields.get(11)?.parse::<u64>().ok()? + fields.get(12)?.parse::<u64>().ok()?;
    // USER_HZ is 100 on every Linux architecture this runs on.
    Some(Duration::from_millis(ticks * 10))
}

/// CPU time of this process so far.
pub(super) fn this_process() -> Option<Duration> {
    process(std::process::id())
}

/// On-CPU time of the calling thread, from `/proc/thread-self/schedstat`
/// (nanoseconds).
pub(super) fn this_thread() -> Option<Duration> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    Some(Duration::from_nanos(
        s.split_whitespace().next()?.parse().ok()?,
    ))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cpu_clocks_advance_with_work_on_linux() {
        let (Some(t0), Some(p0)) = (this_thread(), this_process()) else {
            eprintln!("no /proc: skipped");
            return;
        };
        // Spin until this thread has run 50 ms (a loaded machine may take
        // much longer in wall time); the process clock must have seen it.
        let start = std::time::Instant::now();
        let mut x = 0u64;
        while this_thread().unwrap() - t0 < Duration::from_millis(50) {
            assert!(
                start.elapsed() < Duration::from_secs(30),
                "the thread clock stands still"
            );
            for _ in 0..10_000 {
                x = std::hint::black_box(x.wrapping_mul(6364136223846793005).wrapping_add(1));
            }
        }
        let p = this_process().unwrap() - p0;
        assert!(p >= Duration::from_millis(30), "{p:?}");
    }
}
