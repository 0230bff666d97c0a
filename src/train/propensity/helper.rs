//! A second thread for one boosting fit, handed small jobs through a spinning handshake.
//!
//! A boosted tree's nodes take tens to hundreds of microseconds each. Rayon's idle workers sleep,
//! and waking one costs about as much, so spreading a node's histograms over rayon's pool made
//! Online Shoppers' fit slower at every size tried. LightGBM's OpenMP threads spin between
//! parallel regions instead, and so does this helper, for the length of one fit: it parks only
//! after a few hundred microseconds without work, and [`Helper::join`] runs both halves on the
//! calling thread whenever the helper has not picked its half up by the time the first is done.

use std::cell::UnsafeCell;
use std::hint::spin_loop;
use std::panic::{catch_unwind, resume_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicBool, AtomicPtr, Ordering::*};
use std::sync::OnceLock;
use std::thread::{self, Thread};

/// Spins of an idle helper before it parks (a few hundred microseconds).
const SPINS: u32 = 1 << 14;

/// A job handed to the helper: a type-erased closure living on the publishing thread's stack.
struct Job {
    /// Runs the job `data` points to, once.
    call: unsafe fn(*const ()),
    data: *const (),
    /// Set by the helper as its last access to this job.
    done: AtomicBool,
}

/// The second half of a [`Helper::join`] and the place for its result.
struct Half<B, R> {
    f: UnsafeCell<Option<B>>,
    /// Its result or its panic, once it has run.
    out: UnsafeCell<Option<thread::Result<R>>>,
}

impl<B: FnOnce() -> R, R> Half<B, R> {
    /// Runs the closure and stores its result or its panic.
    ///
    /// # Safety
    /// `data` points to a live `Half<B, R>` that no other thread touches during the call.
    unsafe fn run(data: *const ()) {
        // SAFETY: the caller's contract: `data` is this type, alive, and ours alone.
        let half = unsafe { &*(data as *const Self) };
        // SAFETY: as above, no other thread reads or writes these cells now.
        let f = unsafe { (*half.f.get()).take() };
        if let Some(f) = f {
            let r = catch_unwind(AssertUnwindSafe(f));
            // SAFETY: as above.
            unsafe { *half.out.get() = Some(r) };
        }
    }
}

/// The helper thread's side of the handshake. Made by [`with_helper`], for one fit.
#[derive(Default)]
pub(crate) struct Helper {
    /// The job published and not yet claimed, or null.
    slot: AtomicPtr<Job>,
    /// Whether the helper is (about to be) parked, so a publisher must unpark it.
    parked: AtomicBool,
    stop: AtomicBool,
    /// The helper thread, to unpark it.
    thread: OnceLock<Thread>,
}

impl Helper {
    /// Runs `a` here and `b` on the helper if it is free to take it, and returns both results
    /// (a panic in either is resumed here once both are finished).
    pub(crate) fn join<A, B, RA, RB>(&self, a: A, b: B) -> (RA, RB)
    where
        A: FnOnce() -> RA,
        B: FnOnce() -> RB + Send,
        RB: Send,
    {
        let half = Half { f: UnsafeCell::new(Some(b)), out: UnsafeCell::new(None) };
        let job = Job { call: Half::<B, RB>::run, data: &half as *const Half<B, RB> as *const (), done: false.into() };
        let ptr = &job as *const Job as *mut Job;
        let published = self.slot.compare_exchange(std::ptr::null_mut(), ptr, SeqCst, SeqCst).is_ok();
        if published && self.parked.load(SeqCst) {
            self.thread.get().map(Thread::unpark);
        }
        let ra = catch_unwind(AssertUnwindSafe(a));
        // Take the job back if the helper has not claimed it; else wait for it to finish. Either
        // way nothing touches `half` or `job` from here on but this thread: they may be dropped.
        if !published || self.slot.compare_exchange(ptr, std::ptr::null_mut(), SeqCst, SeqCst).is_ok() {
            // SAFETY: unpublished or taken back, so the helper never saw the job.
            unsafe { Half::<B, RB>::run(job.data) };
        } else {
            while !job.done.load(Acquire) {
                spin_loop();
            }
        }
        // It has run by now (taken back or done); `None` would be a bug here, reported as a panic
        // of the second half rather than an allocation on every join.
        let rb = half.out.into_inner().unwrap_or_else(|| Err(Box::new("the second half did not run")));
        match (ra, rb) {
            (Ok(ra), Ok(rb)) => (ra, rb),
            (Err(p), _) | (_, Err(p)) => resume_unwind(p),
        }
    }

    /// The helper thread: runs published jobs until [`Helper::stop`]ped.
    fn serve(&self) {
        let mut idle = 0u32;
        while !self.stop.load(Acquire) {
            // Read before claiming: a swap on every spin would write the slot's cache line and
            // take it away from the publishing core each time.
            let job = match self.slot.load(Acquire).is_null() {
                true => std::ptr::null_mut(),
                false => self.slot.swap(std::ptr::null_mut(), AcqRel),
            };
            if !job.is_null() {
                // SAFETY: a published job stays alive until its `done` is set: `join` does not
                // return before, since it could not take the job back (we claimed it). `run`'s
                // data is the `Half` of that job, which only this thread touches until `done`.
                unsafe {
                    ((*job).call)((*job).data);
                    (*job).done.store(true, Release);
                }
                idle = 0;
                continue;
            }
            idle += 1;
            if idle < SPINS {
                spin_loop();
                continue;
            }
            // Park unless a job or the stop arrived after `parked` was set (a publisher that
            // saw `parked` unparks, and an unpark before the park makes it return at once).
            self.parked.store(true, SeqCst);
            if self.slot.load(SeqCst).is_null() && !self.stop.load(SeqCst) {
                thread::park();
            }
            self.parked.store(false, SeqCst);
            idle = 0;
        }
    }

    fn stop(&self) {
        self.stop.store(true, SeqCst);
        self.thread.get().map(Thread::unpark);
    }
}

/// Runs `body` with a [`Helper`] thread when a second core is there for it: not when rayon runs
/// on one thread (one core, or `RAYON_NUM_THREADS=1`), and not inside rayon's pool (folds fitted
/// in parallel already keep every core busy).
pub(crate) fn with_helper<R>(body: impl FnOnce(Option<&Helper>) -> R) -> R {
    with_helper_if(rayon::current_num_threads() > 1 && rayon::current_thread_index().is_none(), body)
}

/// [`with_helper`] when `wanted` (and the thread starts), else `body(None)`.
fn with_helper_if<R>(wanted: bool, body: impl FnOnce(Option<&Helper>) -> R) -> R {
    if !wanted {
        return body(None);
    }
    let helper = Helper::default();
    thread::scope(|s| {
        let Ok(serving) = thread::Builder::new().name("shelfwise-gbt".into()).spawn_scoped(s, || helper.serve()) else {
            return body(None);
        };
        // Set here, before any job or stop needs it: set by the helper itself, this thread
        // could miss it and never unpark a helper that parked meanwhile.
        let _ = helper.thread.set(serving.thread().clone());
        // The helper must be stopped even when `body` panics, or the scope would wait for it.
        let r = catch_unwind(AssertUnwindSafe(|| body(Some(&helper))));
        helper.stop();
        r.unwrap_or_else(|p| resume_unwind(p))
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_halves_run_once_with_their_results() {
        let total = with_helper_if(true, |h| {
            let h = h.unwrap();
            (0..2_000u64)
                .map(|k| {
                    let (a, b) = h.join(|| k * 2, || k * 3);
                    a + b
                })
                .sum::<u64>()
        });
        assert_eq!(total, 5 * (0..2_000u64).sum::<u64>());
    }

    #[test]
    fn a_panic_in_either_half_reaches_the_caller_after_both_finish() {
        let other_ran = AtomicBool::new(false);
        let r = catch_unwind(AssertUnwindSafe(|| {
            with_helper_if(true, |h| {
                h.unwrap().join(|| other_ran.store(true, SeqCst), || -> u8 { panic!("second half") })
            })
        }));
        assert!(r.is_err() && other_ran.load(SeqCst));
        let r = catch_unwind(|| with_helper_if(true, |h| h.unwrap().join(|| -> u8 { panic!("first half") }, || 1u8)));
        assert!(r.is_err());
    }

    #[test]
    fn no_helper_inside_rayon() {
        assert!(rayon::ThreadPoolBuilder::new()
            .num_threads(2)
            .build()
            .unwrap()
            .install(|| with_helper(|h| h.is_none())));
    }
}
