//! `yuqing bench syndicate` on a small scale: every job published once,
//! the mocks saw no duplicate, the JSON report adds up.

use crate::helpers::yuqing;

#[test]
fn bench_syndicate_publishes_every_job_once_and_reports_it() {
    let out = yuqing(&[
        "bench",
        "syndicate",
        "--contents",
        "4",
        "--workers",
        "3",
        "--video-bytes",
        "2048",
    ])
    .output()
    .unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "{stderr}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let runs = report["runs"].as_array().unwrap();
    assert_eq!(
        runs.iter()
            .map(|r| r["workers"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        vec![1, 3],
        "the 1-worker baseline, then 3 workers"
    );
    for run in runs {
        assert_eq!(run["jobs"], 24, "4 contents × 6 channels");
        assert_eq!(run["published"], 24);
        assert_eq!(run["duplicates_total"], 0);
        // The website channel's CMS hook is the webhook receiver.
        for platform in [
            "webhook", "wechat", "weibo", "douyin", "bilibili", "kuaishou",
        ] {
            assert_eq!(run["posts"][platform], 4, "{platform}: {run}");
        }
        assert!(run["jobs_per_s"].as_f64().unwrap() > 0.0);
    }
    assert!(stderr.contains("任务/秒"), "{stderr}");
}
