//! WASI for wasp: preview 1 linked asynchronously (a file operation runs on
//! Wasmtime-WASI's blocking pool while the actor parks, instead of holding
//! the worker thread), and a cap on the WASI handles a store may hold.
#![allow(non_camel_case_types)]

use std::sync::OnceLock;

use wasmtime::Linker;
use wasmtime_c_api::{WasmtimeStoreContextMut, WasmtimeStoreData, wasmtime_error_t, wasmtime_linker_t};
use wasmtime_wasi::p1::WasiP1Ctx;
use wasmtime_wasi::{ResourceTable, WasiCtxBuilder, WasiView};

/// Where WasiP1Ctx keeps its table: the C API stores the context in a
/// private field, reachable only through WasiView (its table), so the
/// context is found back from that field's offset, measured once on a
/// context of the same type.
fn p1_table_offset() -> usize {
    static OFFSET: OnceLock<usize> = OnceLock::new();
    *OFFSET.get_or_init(|| {
        let mut p1 = WasiCtxBuilder::new().build_p1();
        let base = &mut p1 as *mut WasiP1Ctx as usize;
        let table = WasiView::ctx(&mut p1).table as *mut ResourceTable as usize;
        table - base
    })
}

fn p1_of(data: &mut WasmtimeStoreData) -> &mut WasiP1Ctx {
    let table = WasiView::ctx(data).table as *mut ResourceTable as *mut u8;
    // SAFETY: the table is a field of the store's WasiP1Ctx, at this offset.
    unsafe { &mut *(table.sub(p1_table_offset()) as *mut WasiP1Ctx) }
}

/// Defines WASI preview 1 in a C API linker, asynchronously: a call that
/// would block (a file operation) is a pending future, not a blocked thread.
#[unsafe(no_mangle)]
pub extern "C" fn wasp_linker_define_wasi_async(linker: &mut wasmtime_linker_t) -> *mut wasmtime_error_t {
    p1_table_offset();
    // SAFETY: wasmtime_linker_t is #[repr(C)] with the Linker as its only field.
    let l = unsafe { &mut *(linker as *mut wasmtime_linker_t as *mut Linker<WasmtimeStoreData>) };
    match wasmtime_wasi::p1::add_to_linker_async(l, p1_of) {
        Ok(()) => std::ptr::null_mut(),
        Err(e) => Box::into_raw(Box::new(wasmtime_error_t::from(e))),
    }
}

/// Caps the WASI handles (open files, directories, streams, pollables) the
/// store may hold at `extra` more than it holds now. Call it after the WASI
/// context is set; past the cap, opening one more traps the guest.
#[unsafe(no_mangle)]
pub extern "C" fn wasp_wasi_limit_handles(mut store: WasmtimeStoreContextMut<'_>, extra: usize) {
    let table = WasiView::ctx(store.data_mut()).table;
    let held = table.iter_mut().count();
    table.set_max_capacity(held.saturating_add(extra));
}
