//! Heap used by a compiled rule set of synthetic rules, counted by a global
//! allocator wrapper, and CPU time per matching pass over the benchmark corpus
//! (`benches/rules.rs`: 300 short posts + 10 long articles, rule words planted
//! at a realistic density; `time-dense` plants them into a third of all
//! sentences).
//!
//! cargo run --release --example rules_memory [N]          # memory for N rules (10,000)
//! cargo run --release --example rules_memory time [PASSES [SIZES…]] # default 200; 10 1000 10000
//! cargo run --release --example rules_memory time-dense [PASSES [SIZES…]]
//!
//! CPU time is this thread's on-CPU time from `/proc/thread-self/schedstat`
//! (nanoseconds), so it does not count time spent waiting for a shared core.

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use yuqing::analyze::rules::{Document, RuleSet, synthetic};

struct Counting;

static LIVE: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);

unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        let p = unsafe { System.alloc(layout) };
        if !p.is_null() {
            let now = LIVE.fetch_add(layout.size(), Ordering::Relaxed) + layout.size();
            PEAK.fetch_max(now, Ordering::Relaxed);
        }
        p
    }

    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) };
        LIVE.fetch_sub(layout.size(), Ordering::Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn mib(bytes: usize) -> f64 {
    bytes as f64 / (1024.0 * 1024.0)
}

/// On-CPU time of the current thread in nanoseconds (Linux), if available.
fn cpu_ns() -> Option<u64> {
    let s = std::fs::read_to_string("/proc/thread-self/schedstat").ok()?;
    s.split_whitespace().next()?.parse().ok()
}

fn memory(n: usize) {
    let files = synthetic::rule_files(n);
    let source_bytes: usize = files.iter().map(|(_, s)| s.len()).sum();
    let before = LIVE.load(Ordering::Relaxed);
    PEAK.store(before, Ordering::Relaxed);
    let started = Instant::now();
    let rules = RuleSet::from_sources(&files).expect("synthetic rules compile");
    let elapsed = started.elapsed();
    let after = LIVE.load(Ordering::Relaxed);
    let peak = PEAK.load(Ordering::Relaxed);
    let s = rules.summary();
    println!(
        "{} rules, {} distinct terms, sources {:.2} MiB",
        rules.len(),
        s.terms,
        mib(source_bytes)
    );
    println!(
        "compiled rule set: {:.2} MiB retained on the heap ({} bytes/rule), peak during compile {:.2} MiB, compiled in {:.0?}",
        mib(after - before),
        (after - before) / rules.len().max(1),
        mib(peak - before),
        elapsed
    );
}

fn timing(passes: usize, sizes: &[usize], dense: bool) {
    let corpus = if dense {
        synthetic::bench_corpus_dense()
    } else {
        synthetic::bench_corpus()
    };
    let bytes: usize = corpus.iter().map(String::len).sum();
    let docs: Vec<Document<'_>> = corpus
        .iter()
        .map(|t| Document {
            text: t,
            ..Document::default()
        })
        .collect();
    println!("{} docs, {bytes} bytes, {passes} passes", docs.len());
    let mut base = None;
    for &n in sizes {
        let before = LIVE.load(Ordering::Relaxed);
        let rules = RuleSet::from_sources(&synthetic::rule_files(n)).expect("synthetic rules");
        let heap = LIVE.load(Ordering::Relaxed) - before;
        let hits: usize = docs.iter().map(|d| rules.matches(d).len()).sum();
        let firing: std::collections::HashSet<String> = docs
            .iter()
            .flat_map(|d| rules.matches(d).into_iter().map(|h| h.rule))
            .collect();
        // Warm up, then take the best of three rounds.
        let mut best = u64::MAX;
        for _ in 0..3 {
            let t0 = cpu_ns().unwrap_or(0);
            let mut total = 0;
            for _ in 0..passes {
                for d in &docs {
                    total += std::hint::black_box(rules.matches(std::hint::black_box(d))).len();
                }
            }
            let t1 = cpu_ns().unwrap_or(0);
            assert_eq!(total, hits * passes);
            best = best.min((t1 - t0) / passes.max(1) as u64);
        }
        let ms = best as f64 / 1e6;
        let ratio = ms / *base.get_or_insert(ms);
        println!(
            "{n:>6} rules: {:>6} terms, {hits:>4} hits ({} distinct rules fire), {ms:.3} ms CPU/pass, {ratio:.2}x, heap {:.2} MiB",
            rules.summary().terms,
            firing.len(),
            mib(heap)
        );
    }
}

fn main() {
    let mut args = std::env::args().skip(1);
    match args.next().as_deref() {
        Some(mode @ ("time" | "time-dense")) => {
            let passes = args.next().and_then(|a| a.parse().ok()).unwrap_or(200);
            let mut sizes: Vec<usize> = args.filter_map(|a| a.parse().ok()).collect();
            if sizes.is_empty() {
                sizes = vec![10, 1_000, 10_000];
            }
            timing(passes, &sizes, mode == "time-dense")
        }
        other => memory(other.and_then(|a| a.parse().ok()).unwrap_or(10_000)),
    }
}
