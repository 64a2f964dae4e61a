//! A store's resource limiter that also counts what it let the store hold:
//! the bytes of every linear memory and table of every instance in the
//! store (a component's inner instances included), exported or not.
#![allow(non_camel_case_types)]

use std::sync::atomic::{AtomicU64, Ordering};

use wasmtime::{Result, ResourceLimiter, Store, StoreLimits, StoreLimitsBuilder};
use wasmtime_c_api::{WasmtimeStoreData, wasmtime_store_t};

/// Bytes per table element, as wasp counts them (a pointer).
const TABLE_ELEMENT_BYTES: u64 = 8;

pub struct wasp_store_held {
    bytes: AtomicU64,
}

struct Tracking {
    limits: StoreLimits,
    held: Box<wasp_store_held>,
    last_growth: u64, /* undone if the growth then fails */
}

impl Tracking {
    fn grew(&mut self, allowed: bool, current: usize, desired: usize, unit: u64) -> Result<bool> {
        self.last_growth = if allowed { (desired.saturating_sub(current) as u64).saturating_mul(unit) } else { 0 };
        self.held.bytes.fetch_add(self.last_growth, Ordering::Relaxed);
        Ok(allowed)
    }
    fn failed(&mut self) {
        self.held.bytes.fetch_sub(self.last_growth, Ordering::Relaxed);
        self.last_growth = 0;
    }
}

impl ResourceLimiter for Tracking {
    fn memory_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        let allowed = self.limits.memory_growing(current, desired, maximum)?;
        self.grew(allowed, current, desired, 1)
    }
    fn memory_grow_failed(&mut self, error: wasmtime::Error) -> Result<()> {
        self.failed();
        self.limits.memory_grow_failed(error)
    }
    fn table_growing(&mut self, current: usize, desired: usize, maximum: Option<usize>) -> Result<bool> {
        let allowed = self.limits.table_growing(current, desired, maximum)?;
        self.grew(allowed, current, desired, TABLE_ELEMENT_BYTES)
    }
    fn table_grow_failed(&mut self, error: wasmtime::Error) -> Result<()> {
        self.failed();
        self.limits.table_grow_failed(error)
    }
    fn instances(&self) -> usize {
        self.limits.instances()
    }
    fn tables(&self) -> usize {
        self.limits.tables()
    }
    fn memories(&self) -> usize {
        self.limits.memories()
    }
}

/// Owns the limiter for the store's closure; freed with the store.
struct Owned(*mut Tracking);
// SAFETY: only the store's owner (one thread at a time) uses the limiter.
unsafe impl Send for Owned {}
unsafe impl Sync for Owned {}
impl Drop for Owned {
    fn drop(&mut self) {
        drop(unsafe { Box::from_raw(self.0) });
    }
}

/// wasmtime_store_limiter's limits (negative: none), counting what the store
/// holds; the count is read with wasp_store_held_bytes while the store lives.
#[unsafe(no_mangle)]
pub extern "C" fn wasp_store_limiter(
    store: &mut wasmtime_store_t,
    memory_size: i64,
    table_elements: i64,
    instances: i64,
    tables: i64,
    memories: i64,
) -> *const wasp_store_held {
    let mut b = StoreLimitsBuilder::new();
    if memory_size >= 0 {
        b = b.memory_size(memory_size as usize);
    }
    if table_elements >= 0 {
        b = b.table_elements(table_elements as usize);
    }
    if instances >= 0 {
        b = b.instances(instances as usize);
    }
    if tables >= 0 {
        b = b.tables(tables as usize);
    }
    if memories >= 0 {
        b = b.memories(memories as usize);
    }
    let held = Box::new(wasp_store_held { bytes: AtomicU64::new(0) });
    let counter: *const wasp_store_held = &*held;
    let owned = Owned(Box::into_raw(Box::new(Tracking { limits: b.build(), held, last_growth: 0 })));
    // SAFETY: wasmtime_store_t is #[repr(C)] with the Store as its only field.
    let s = unsafe { &mut *(store as *mut wasmtime_store_t as *mut Store<WasmtimeStoreData>) };
    s.limiter(move |_| {
        let o = &owned;
        unsafe { &mut *o.0 }
    });
    counter
}

#[unsafe(no_mangle)]
pub extern "C" fn wasp_store_held_bytes(h: &wasp_store_held) -> u64 {
    h.bytes.load(Ordering::Relaxed)
}
