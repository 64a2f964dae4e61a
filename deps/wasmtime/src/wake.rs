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
//!
//! Per poll nothing is counted or allocated: the `Waker` is made once per
//! waker, and Tokio's context is entered only for instances that can wait
//! in Tokio (WASI, components); the others' awaits are wasp's own.
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

/// What C holds: the shared state and a `Waker` of it, made once.
pub struct wasp_waker {
    inner: Arc<WakerInner>,
    waker: Waker,
    /// Poll inside WASI's ambient Tokio runtime.
    tokio: bool,
}

pub struct WakerInner {
    woken: AtomicBool,
    /// None once C let go: a late wake-up (a blocking task that outlived its
    /// instance) reaches nothing.
    target: Mutex<Option<Target>>,
    cond: Condvar,
}

// SAFETY: `sys` is only handed back to C's wake function, which is thread-safe.
unsafe impl Send for WakerInner {}
unsafe impl Sync for WakerInner {}

impl Wake for WakerInner {
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

/// A waker that wakes actor `aid` of system `sys` with `wake`; `tokio`:
/// its calls may wait in Tokio (WASI, components), so poll them inside
/// WASI's ambient runtime.
#[unsafe(no_mangle)]
pub extern "C" fn wasp_waker_new(wake: wasp_wake_fn, sys: *mut c_void, aid: u64, tokio: bool) -> *const wasp_waker {
    let inner = Arc::new(WakerInner {
        woken: AtomicBool::new(false),
        target: Mutex::new(Some(Target { wake, sys, aid })),
        cond: Condvar::new(),
    });
    let waker = Waker::from(inner.clone());
    Box::into_raw(Box::new(wasp_waker { inner, waker, tokio }))
}

/// Detaches the waker from its actor and drops C's reference (a clone held
/// by a pending wait outlives it harmlessly).
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasp_waker_delete(w: *const wasp_waker) {
    if w.is_null() {
        return;
    }
    let w = unsafe { Box::from_raw(w as *mut wasp_waker) };
    *w.inner.target.lock().unwrap_or_else(|e| e.into_inner()) = None;
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
    // SAFETY: C holds the waker for as long as it polls.
    let w = unsafe { &*w };
    w.inner.woken.store(false, Ordering::Release);
    let mut cx = Context::from_waker(&w.waker);
    let ready = if w.tokio {
        wasmtime_wasi::runtime::with_ambient_tokio_runtime(|| fut.as_mut().poll(&mut cx).is_ready())
    } else {
        fut.as_mut().poll(&mut cx).is_ready()
    };
    if ready {
        WASP_POLL_READY
    } else if w.inner.woken.load(Ordering::Acquire) {
        WASP_POLL_YIELDED
    } else {
        WASP_POLL_WAITING
    }
}

/// Blocks the calling thread until the waker is woken or `timeout_ns`
/// passes; true if it was woken. For calls that cannot park their actor.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasp_waker_wait(w: *const wasp_waker, timeout_ns: u64) -> bool {
    let w = unsafe { &*(*w).inner };
    let guard = w.target.lock().unwrap_or_else(|e| e.into_inner());
    let (_g, _) = w
        .cond
        .wait_timeout_while(guard, Duration::from_nanos(timeout_ns), |_| !w.woken.load(Ordering::Acquire))
        .unwrap_or_else(|e| e.into_inner());
    w.woken.load(Ordering::Acquire)
}

