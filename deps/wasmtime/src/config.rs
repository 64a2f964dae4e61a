//! Engine settings the C API does not expose.
#![allow(non_camel_case_types)]

use wasmtime::{Config, Enabled, PoolingAllocationConfig};
use wasmtime_c_api::{wasm_config_t, wasmtime_pooling_allocation_config_t};

/// Lets the pooling allocator find a freed slot's dirty pages with Linux's
/// PAGEMAP_SCAN (6.7 and later; otherwise it falls back by itself), so the
/// `*_keep_resident` sizes reset only the pages a guest wrote, with memset,
/// instead of the whole first `keep_resident` bytes of every slot.
#[unsafe(no_mangle)]
pub extern "C" fn wasp_pooling_config_pagemap_scan(c: &mut wasmtime_pooling_allocation_config_t) {
    // SAFETY: wasmtime_pooling_allocation_config_t is #[repr(C)] with the
    // PoolingAllocationConfig as its only field.
    let p = unsafe { &mut *(c as *mut wasmtime_pooling_allocation_config_t as *mut PoolingAllocationConfig) };
    p.pagemap_scan(Enabled::Auto);
}

/// Whether a trap captures the guest's stack (a frame walk and a lookup of
/// each frame's function and offset). wasp's messages name the export and
/// the trap, not the frames, so it turns this off: a crash costs less.
#[unsafe(no_mangle)]
pub extern "C" fn wasp_config_wasm_backtrace(c: &mut wasm_config_t, enable: bool) {
    // SAFETY: wasm_config_t is #[repr(C)] with the Config as its only field.
    let cfg = unsafe { &mut *(c as *mut wasm_config_t as *mut Config) };
    cfg.wasm_backtrace_max_frames(if enable { std::num::NonZeroUsize::new(20) } else { None });
}
