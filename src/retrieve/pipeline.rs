//! Work on every core, results in order: how the index build analyzes its
//! entries while the calling thread counts them ([`in_order`]).
//!
//! One worker per core takes the next chunk as soon as it is free, so no
//! core waits for another's share. A worker takes a permit before each
//! chunk and the caller gives it back once the chunk is consumed, so the
//! chunks analyzed but not yet consumed (the memory of a build) stay few
//! however uneven the chunks are. Consumed chunks go back to the worker that
//! made them and are freed there: memory freed on the thread that allocated
//! it is reused by that thread, where freed by the caller it stayed apart
//! (about 0.6 MB more resident for a served 10k corpus).

use std::collections::BTreeMap;
use std::panic::{AssertUnwindSafe, catch_unwind, resume_unwind};
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering::Relaxed};
use std::sync::{Condvar, Mutex, MutexGuard};

use crate::error::Result;

/// Chunks a worker may have made and not yet seen consumed.
const AHEAD_PER_WORKER: usize = 2;

/// Maps `f` over `items`, `size` items a chunk, on `workers` threads, and
/// hands each chunk with its results to `consume` (with the index of its
/// first item), in order, on the calling thread.
///
/// If `consume` fails, the workers stop and its error is returned. A panic
/// in `f` stops the workers and is passed on to the caller, as is a panic
/// in `consume`; neither leaves a worker waiting.
pub(crate) fn in_order<I: Sync, T: Send>(
    items: &[I],
    size: usize,
    workers: usize,
    f: impl Fn(&I) -> T + Sync,
    mut consume: impl FnMut(usize, &[I], &[T]) -> Result<()>,
) -> Result<()> {
    let size = size.max(1);
    let chunks: Vec<&[I]> = items.chunks(size).collect();
    if chunks.is_empty() {
        return Ok(());
    }
    let workers = workers.clamp(1, chunks.len());
    let next = AtomicUsize::new(0);
    let permits = Permits { free: Mutex::new(workers * AHEAD_PER_WORKER), freed: Condvar::new(), stop: AtomicBool::new(false) };
    let done: Vec<Mutex<Vec<Vec<T>>>> = (0..workers).map(|_| Mutex::default()).collect();
    let (tx, rx) = std::sync::mpsc::sync_channel::<(usize, usize, std::thread::Result<Vec<T>>)>(workers);
    let outcome = std::thread::scope(|scope| {
        for w in 0..workers {
            let (tx, chunks, next, permits, done, f) = (tx.clone(), &chunks, &next, &permits, &done[w], &f);
            scope.spawn(move || {
                loop {
                    // Freed outside the lock, which the caller needs to hand
                    // the next chunk back.
                    let consumed = std::mem::take(&mut *lock(done));
                    drop(consumed);
                    if !permits.take() {
                        break;
                    }
                    let c = next.fetch_add(1, Relaxed);
                    let Some(chunk) = chunks.get(c) else { break };
                    let out = catch_unwind(AssertUnwindSafe(|| chunk.iter().map(f).collect::<Vec<T>>()));
                    let panicked = out.is_err();
                    // The receiver is gone only when the caller stopped.
                    if tx.send((c, w, out)).is_err() || panicked {
                        break;
                    }
                }
            });
        }
        drop(tx);
        // On every way out of here (done, an error, a panic in `consume`):
        // no worker is left waiting for a permit, none starts a new chunk.
        let _stop = StopOnDrop { permits: &permits, next: &next, chunks: chunks.len() };
        // Chunks that came before their turn.
        let mut early = BTreeMap::new();
        let mut turn = 0;
        for (c, w, out) in rx {
            early.insert(c, (w, out));
            while let Some((w, out)) = early.remove(&turn) {
                let out = out.map_err(Stop::Panic)?;
                consume(turn * size, chunks[turn], &out).map_err(Stop::Failed)?;
                lock(&done[w]).push(out);
                permits.give();
                turn += 1;
            }
        }
        Ok(())
    });
    // Chunks consumed after their worker stopped are freed here.
    drop(done);
    match outcome {
        Ok(()) => Ok(()),
        Err(Stop::Failed(e)) => Err(e),
        Err(Stop::Panic(payload)) => resume_unwind(payload),
    }
}

/// Why the caller stopped early.
enum Stop {
    Failed(crate::Error),
    Panic(Box<dyn std::any::Any + Send>),
}

/// Permits to start a chunk.
struct Permits {
    free: Mutex<usize>,
    freed: Condvar,
    stop: AtomicBool,
}

impl Permits {
    /// Waits for a permit; false once the caller has stopped.
    fn take(&self) -> bool {
        let mut free = lock(&self.free);
        loop {
            if self.stop.load(Relaxed) {
                return false;
            }
            if *free > 0 {
                *free -= 1;
                return true;
            }
            free = self.freed.wait(free).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn give(&self) {
        *lock(&self.free) += 1;
        self.freed.notify_one();
    }
}

struct StopOnDrop<'a> {
    permits: &'a Permits,
    next: &'a AtomicUsize,
    chunks: usize,
}

impl Drop for StopOnDrop<'_> {
    fn drop(&mut self) {
        self.next.store(self.chunks, Relaxed);
        self.permits.stop.store(true, Relaxed);
        // Under the lock, so a worker between its check and its wait
        // cannot miss the wake-up.
        let _free = lock(&self.permits.free);
        self.permits.freed.notify_all();
    }
}

/// A poisoned lock only means a panic elsewhere, which is passed on anyway.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    /// Work whose cost varies by item, so chunks finish out of order.
    fn uneven(x: &u64) -> u64 {
        let mut h = *x;
        for _ in 0..(x % 7) * 2_000 {
            h = h.wrapping_mul(6364136223846793005).wrapping_add(1);
        }
        std::hint::black_box(h);
        *x
    }

    #[test]
    fn every_chunk_reaches_consume_once_in_order() {
        let items: Vec<u64> = (0..1_003).collect();
        let mut seen = Vec::new();
        in_order(&items, 16, 3, uneven, |first, chunk, out| {
            assert_eq!(chunk, out);
            assert_eq!(chunk[0], first as u64);
            seen.extend_from_slice(out);
            Ok(())
        })
        .unwrap();
        assert_eq!(seen, items);
        in_order(&[] as &[u64], 16, 3, uneven, |_, _, _| panic!("nothing to consume")).unwrap();
    }

    #[test]
    fn workers_stay_a_few_chunks_ahead_of_a_slow_chunk() {
        // The first chunk is slow: without permits the other worker would
        // make every other chunk while the caller waits for it.
        let items: Vec<u64> = (0..400).collect();
        let made = AtomicUsize::new(0);
        let (size, workers) = (4, 2);
        in_order(
            &items,
            size,
            workers,
            |x| {
                if *x == 0 {
                    std::thread::sleep(Duration::from_millis(50));
                }
                made.fetch_add(1, Relaxed);
                *x
            },
            |first, chunk, _| {
                let ahead = made.load(Relaxed) - (first + chunk.len());
                assert!(ahead <= workers * AHEAD_PER_WORKER * size, "{ahead} items made and not consumed");
                Ok(())
            },
        )
        .unwrap();
    }

    #[test]
    fn a_failing_consume_stops_the_workers_with_its_error() {
        let items: Vec<u64> = (0..640).collect();
        let made = AtomicUsize::new(0);
        let mut calls = 0;
        let err = in_order(
            &items,
            16,
            2,
            |x| {
                made.fetch_add(1, Relaxed);
                *x
            },
            |first, _, _| {
                calls += 1;
                if first >= 48 { Err(crate::Error::InvalidInput("stop".into())) } else { Ok(()) }
            },
        )
        .unwrap_err();
        assert!(err.to_string().contains("stop"), "{err}");
        assert_eq!(calls, 4, "nothing is consumed after the error");
        assert!(made.load(Relaxed) <= 64 + 2 * AHEAD_PER_WORKER * 16, "the workers went on: {}", made.load(Relaxed));
    }

    #[test]
    fn a_panic_in_the_work_reaches_the_caller_and_stops_the_rest() {
        let items: Vec<u64> = (0..2_000).collect();
        let mut consumed = 0;
        let caught = catch_unwind(AssertUnwindSafe(|| {
            in_order(
                &items,
                8,
                2,
                |x| {
                    if *x == 37 {
                        panic!("bad item {x}");
                    }
                    *x
                },
                |_, chunk, _| {
                    consumed += chunk.len();
                    Ok(())
                },
            )
        }));
        let payload = caught.expect_err("the panic is passed on");
        assert_eq!(payload.downcast_ref::<String>().map(String::as_str), Some("bad item 37"));
        assert_eq!(consumed, 32, "the chunks before the bad one, and no other");
    }

    #[test]
    fn a_panic_in_consume_leaves_no_worker_waiting() {
        let items: Vec<u64> = (0..2_000).collect();
        let caught = catch_unwind(AssertUnwindSafe(|| {
            in_order(&items, 8, 2, uneven, |first, _, _| {
                if first == 80 {
                    panic!("consume gave up");
                }
                Ok(())
            })
        }));
        assert!(caught.is_err());
    }
}
