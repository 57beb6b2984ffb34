//! Heap used by a compiled rule set of N synthetic rules, counted exactly by
//! a global allocator wrapper. Timing (CPU per matching pass for 10 → 10,000
//! rules) is `yuqing bench rules`.
//!
//! cargo run --release --example rules_memory [N]          # memory for N rules (10,000)

use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;
use yuqing::analyze::rules::{RuleSet, synthetic};

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

fn main() {
    let n = std::env::args()
        .nth(1)
        .and_then(|a| a.parse().ok())
        .unwrap_or(10_000);
    memory(n)
}
