//! Polling Wasmtime call futures with a waker that reaches the actor.
//!
//! The C API polls with a no-op waker, so a call waiting in WASI (a clock,
//! a file operation on Tokio's blocking pool) could only be polled again
//! blindly, and WASI's Tokio-based waits had no runtime to register with.
//! Here a call future (`wasmtime_call_future_t`, core module or component)
//! is polled inside Wasmtime-WASI's ambient Tokio runtime with a waker of
//! its own: a poll that ends pending without waking it is waiting for
//! something outside the guest, and the wake-up (a Tokio timer or blocking
//! task) calls C back to wake the actor. Epoch and fuel yields wake the
//! waker during the poll: those are time slices, not waits.
#![allow(non_camel_case_types)]

use std::ffi::c_void;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::task::{Context, Wake, Waker};
use std::time::Duration;

use wasmtime_c_api::wasmtime_call_future_t;

/// C's wake-up: `wake(sys, aid)`, called from any thread.
pub type wasp_wake_fn = unsafe extern "C" fn(sys: *mut c_void, aid: u64);

struct Target {
    wake: wasp_wake_fn,
    sys: *mut c_void,
    aid: u64,
}

pub struct wasp_waker {
    woken: AtomicBool,
    /// None once C let go: a late wake-up (a blocking task that outlived its
    /// instance) reaches nothing.
    target: Mutex<Option<Target>>,
    cond: Condvar,
}

// SAFETY: `sys` is only handed back to C's wake function, which is thread-safe.
unsafe impl Send for wasp_waker {}
unsafe impl Sync for wasp_waker {}

impl Wake for wasp_waker {
    fn wake(self: Arc<Self>) {
        self.wake_by_ref()
    }
    fn wake_by_ref(self: &Arc<Self>) {
        let target = self.target.lock().unwrap_or_else(|e| e.into_inner());
        self.woken.store(true, Ordering::Release);
        self.cond.notify_all();
        if let Some(t) = target.as_ref() {
            unsafe { (t.wake)(t.sys, t.aid) }
        }
    }
}

/// A waker that wakes actor `aid` of system `sys` with `wake`.
#[unsafe(no_mangle)]
pub extern "C" fn wasp_waker_new(wake: wasp_wake_fn, sys: *mut c_void, aid: u64) -> *const wasp_waker {
    Arc::into_raw(Arc::new(wasp_waker {
        woken: AtomicBool::new(false),
        target: Mutex::new(Some(Target { wake, sys, aid })),
        cond: Condvar::new(),
    }))
}

/// Detaches the waker from its actor and drops C's reference.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasp_waker_delete(w: *const wasp_waker) {
    if w.is_null() {
        return;
    }
    let w = unsafe { Arc::from_raw(w) };
    *w.target.lock().unwrap_or_else(|e| e.into_inner()) = None;
}

pub const WASP_POLL_WAITING: i32 = 0;
pub const WASP_POLL_YIELDED: i32 = 1;
pub const WASP_POLL_READY: i32 = 2;

/// Polls a call future once: READY, YIELDED (a time slice ended, or the wait
/// is already over: poll again soon) or WAITING (the waker will be woken).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasp_future_poll(future: &mut wasmtime_call_future_t, w: *const wasp_waker) -> i32 {
    // SAFETY: wasmtime_call_future_t is #[repr(transparent)] over this type.
    let fut = unsafe { &mut *(future as *mut wasmtime_call_future_t as *mut std::pin::Pin<Box<dyn Future<Output = ()> + '_>>) };
    // SAFETY: C holds a reference to the waker for as long as it polls.
    let w = unsafe { Arc::increment_strong_count(w); Arc::from_raw(w) };
    w.woken.store(false, Ordering::Release);
    let waker = Waker::from(w.clone());
    let ready = wasmtime_wasi::runtime::with_ambient_tokio_runtime(|| {
        fut.as_mut().poll(&mut Context::from_waker(&waker)).is_ready()
    });
    if ready {
        WASP_POLL_READY
    } else if w.woken.load(Ordering::Acquire) {
        WASP_POLL_YIELDED
    } else {
        WASP_POLL_WAITING
    }
}

/// Blocks the calling thread until the waker is woken or `timeout_ns`
/// passes; true if it was woken. For calls that cannot park their actor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasp_waker_wait(w: *const wasp_waker, timeout_ns: u64) -> bool {
    let w = unsafe { &*w };
    let guard = w.target.lock().unwrap_or_else(|e| e.into_inner());
    let (_g, _) = w
        .cond
        .wait_timeout_while(guard, Duration::from_nanos(timeout_ns), |_| !w.woken.load(Ordering::Acquire))
        .unwrap_or_else(|e| e.into_inner());
    w.woken.load(Ordering::Acquire)
}

