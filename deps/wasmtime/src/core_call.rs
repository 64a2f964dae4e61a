//! Typed calls of core-module exports, for the hot path of every message.
//!
//! The C API's `wasmtime_func_call_async` loads the function's type from the
//! engine's registry twice per call (a lock and a reference count shared by
//! every worker thread) and checks each argument. A `TypedFunc` is checked
//! once, when it is made, and then calls straight through. Only the shapes
//! the ABI uses are offered: up to two i32 parameters, none or one i32 result.
#![allow(non_camel_case_types)]

use wasmtime::{Func, Result, TypedFunc};
use wasmtime_c_api::{WasmtimeStoreContextMut, wasm_trap_t, wasmtime_call_future_t, wasmtime_error_t};

use crate::component::{into_call_future, set_failure};

pub enum wasp_core_typed {
    P0R0(TypedFunc<(), ()>),
    P0R1(TypedFunc<(), i32>),
    P1R1(TypedFunc<i32, i32>),
    P2R1(TypedFunc<(i32, i32), i32>),
}

/// A typed handle of `func` (of this store) taking `nparams` i32 and giving
/// `nresults` i32, or NULL if that is not its type or not a shape offered.
#[unsafe(no_mangle)]
pub extern "C" fn wasp_core_typed_new(
    store: WasmtimeStoreContextMut<'_>,
    func: &Func,
    nparams: u32,
    nresults: u32,
) -> Option<Box<wasp_core_typed>> {
    use wasp_core_typed::*;
    let t = match (nparams, nresults) {
        (0, 0) => P0R0(func.typed(&store).ok()?),
        (0, 1) => P0R1(func.typed(&store).ok()?),
        (1, 1) => P1R1(func.typed(&store).ok()?),
        (2, 1) => P2R1(func.typed(&store).ok()?),
        _ => return None,
    };
    Some(Box::new(t))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasp_core_typed_delete(_t: Option<Box<wasp_core_typed>>) {}

async fn call(t: &wasp_core_typed, store: &mut WasmtimeStoreContextMut<'_>, a0: i32, a1: i32) -> Result<i32> {
    use wasp_core_typed::*;
    match t {
        P0R0(f) => f.call_async(store, ()).await.map(|()| 0),
        P0R1(f) => f.call_async(store, ()).await,
        P1R1(f) => f.call_async(store, a0).await,
        P2R1(f) => f.call_async(store, (a0, a1)).await,
    }
}

/// Calls asynchronously with the first nparams of (a0, a1); poll the future
/// like any call. *result receives the i32 result (0 for none).
#[unsafe(no_mangle)]
pub extern "C" fn wasp_core_typed_call<'a>(
    t: &'a wasp_core_typed,
    mut store: WasmtimeStoreContextMut<'a>,
    a0: i32,
    a1: i32,
    result: &'a mut i32,
    trap_ret: &'a mut *mut wasm_trap_t,
    err_ret: &'a mut *mut wasmtime_error_t,
) -> Box<wasmtime_call_future_t<'a>> {
    into_call_future(Box::pin(async move {
        match call(t, &mut store, a0, a1).await {
            Ok(r) => *result = r,
            Err(e) => set_failure(e, trap_ret, err_ret),
        }
    }))
}
