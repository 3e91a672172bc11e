//! Counts the heap allocations of a turn (`Engine::respond_at`): issue 11
//! asks for no allocation on the hot path that a reused per-thread buffer
//! could avoid, and a count repeats exactly where a time does not.
//!
//! Run: cargo run --release --example alloc_probe -- [CORPUS] [MESSAGE|@FILE[,@FILE…]] [RULES]
//!
//! Every message is sent once to warm up (or, with `PROBE_WARM=@FILE…`,
//! those messages instead, so the counted turns are first-sight turns), then
//! once more, counted. Prints allocations (a `realloc` counts as one) and
//! bytes requested per turn (a `realloc` counts its whole new size), and the
//! messages that allocate most. Every thread's allocations are counted; a
//! turn runs on this one.
use std::alloc::{GlobalAlloc, Layout, System};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering::Relaxed};

use madoguchi::decide::Session;

#[path = "common/probe_input.rs"]
mod probe_input;
use probe_input::{at, engine, messages, warm_up};

/// The system allocator, counting while `COUNTING` is on.
struct Counting;

static COUNTING: AtomicBool = AtomicBool::new(false);
static ALLOCATIONS: AtomicU64 = AtomicU64::new(0);
static BYTES: AtomicU64 = AtomicU64::new(0);

// SAFETY: every call goes straight to `System`; the counters are plain atomics.
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc(layout) }
    }
    unsafe fn alloc_zeroed(&self, layout: Layout) -> *mut u8 {
        count(layout.size());
        unsafe { System.alloc_zeroed(layout) }
    }
    unsafe fn realloc(&self, ptr: *mut u8, layout: Layout, new_size: usize) -> *mut u8 {
        count(new_size);
        unsafe { System.realloc(ptr, layout, new_size) }
    }
    unsafe fn dealloc(&self, ptr: *mut u8, layout: Layout) {
        unsafe { System.dealloc(ptr, layout) }
    }
}

fn count(size: usize) {
    if COUNTING.load(Relaxed) {
        ALLOCATIONS.fetch_add(1, Relaxed);
        BYTES.fetch_add(size as u64, Relaxed);
    }
}

#[global_allocator]
static GLOBAL: Counting = Counting;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let corpus = args.next().unwrap_or_else(|| "faq-corpus".into());
    let message = args.next().unwrap_or_else(|| "クレジットカードの暗証番号を変更したい".into());
    let messages = messages(&message)?;
    if messages.is_empty() {
        return Err(format!("no one-turn messages in {message}").into());
    }
    let engine = engine(&corpus, args.next())?;
    let at = at();
    for m in &warm_up(&messages)? {
        std::hint::black_box(engine.respond_at(&mut Session::new("p"), m, at));
    }
    let mut per_message = Vec::with_capacity(messages.len());
    for m in &messages {
        let mut session = Session::new("p");
        let before = ALLOCATIONS.load(Relaxed);
        COUNTING.store(true, Relaxed);
        let reply = engine.respond_at(&mut session, m, at);
        COUNTING.store(false, Relaxed);
        per_message.push((ALLOCATIONS.load(Relaxed) - before, m));
        drop(std::hint::black_box(reply));
    }
    let turns = messages.len() as f64;
    println!(
        "{:.1} allocations, {:.0} bytes per turn ({} turns)",
        ALLOCATIONS.load(Relaxed) as f64 / turns,
        BYTES.load(Relaxed) as f64 / turns,
        messages.len()
    );
    per_message.sort_by(|a, b| b.0.cmp(&a.0));
    for (n, m) in per_message.iter().take(5) {
        println!("{n:6}  {m}");
    }
    Ok(())
}
