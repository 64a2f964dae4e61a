//! Typed asynchronous imports of core modules: `call` and `call_tagged`.
//!
//! `wasmtime_linker_define_async_func` hands its callback the arguments and
//! takes the results as `wasmtime_val_t` arrays, converted from and to
//! Wasmtime's `Val` vectors on every call. `call` is the one asynchronous
//! import on a hot path (every request a component makes), so it is defined
//! here with its real signature and no conversion. The C callback keeps the
//! C API's protocol otherwise: it gets the caller, the arguments (each
//! widened to i64), a result slot, a trap slot and a continuation, polled
//! until it reports done; the result slot lives in the call's future and
//! stays put until then.
#![allow(non_camel_case_types)]

use std::ffi::c_void;
use std::ptr;

use wasmtime::{Caller, Error, Linker, Result};
use wasmtime_c_api::{
    WasmtimeStoreData, wasm_trap_t, wasmtime_async_continuation_t, wasmtime_caller_t, wasmtime_error_t,
    wasmtime_linker_t,
};

pub type wasp_async_import_fn = extern "C" fn(
    env: *mut c_void,
    caller: &mut wasmtime_caller_t,
    args: *const i64,
    nargs: usize,
    result: *mut i32,
    trap: &mut *mut wasm_trap_t,
    cont: &mut wasmtime_async_continuation_t,
);

/// The callback's environment, shared by every call (the C side's own,
/// which it keeps alive as long as the linker).
#[derive(Clone, Copy)]
struct Env(*mut c_void);
unsafe impl Send for Env {}
unsafe impl Sync for Env {}

/// Where the C side puts a trap: a raw pointer, kept across the await.
struct TrapSlot(*mut wasm_trap_t);
unsafe impl Send for TrapSlot {}

extern "C" fn done(_env: *mut c_void) -> bool {
    true
}

async fn run(cb: wasp_async_import_fn, env: Env, caller: Caller<'_, WasmtimeStoreData>, args: &[i64]) -> Result<i32> {
    // SAFETY: wasmtime_caller_t is #[repr(C)] and its only field is this Caller.
    let mut caller: wasmtime_caller_t = unsafe { std::mem::transmute(caller) };
    let mut result: i32 = 0;
    let mut trap = TrapSlot(ptr::null_mut());
    let mut cont = wasmtime_async_continuation_t { callback: done, env: ptr::null_mut(), finalizer: None };
    cb(env.0, &mut caller, args.as_ptr(), args.len(), &mut result, &mut trap.0, &mut cont);
    (&mut cont).await; // its finalizer runs when it drops, after the result is read
    if !trap.0.is_null() {
        // SAFETY: wasm_trap_t is #[repr(C)] and its only field is an Error,
        // so the box the C side made holds exactly one.
        return Err(unsafe { *Box::from_raw(trap.0 as *mut Error) });
    }
    Ok(result)
}

/// Defines `module`.`name` as `call` (seven i32 arguments) or, if tagged,
/// `call_tagged` (the same, then an i64 codec and an i32 pointer), each
/// returning an i32, served by cb with env.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasp_linker_define_call(
    linker: &mut wasmtime_linker_t,
    module: *const u8,
    module_len: usize,
    name: *const u8,
    name_len: usize,
    tagged: bool,
    cb: wasp_async_import_fn,
    env: *mut c_void,
) -> Option<Box<wasmtime_error_t>> {
    // SAFETY: wasmtime_linker_t is #[repr(C)] and its only field is the Linker.
    let linker = unsafe { &mut *(linker as *mut wasmtime_linker_t as *mut Linker<WasmtimeStoreData>) };
    let text = |p: *const u8, n: usize| std::str::from_utf8(unsafe { std::slice::from_raw_parts(p, n) });
    let (Ok(module), Ok(name)) = (text(module, module_len), text(name, name_len)) else {
        return Some(Box::new(wasmtime_error_t::from(wasmtime::format_err!("import name is not UTF-8"))));
    };
    let env = Env(env);
    let defined = if tagged {
        linker.func_wrap_async(
            module,
            name,
            move |caller: Caller<'_, WasmtimeStoreData>,
                  (a, b, c, d, e, f, g, codec, codec_out): (i32, i32, i32, i32, i32, i32, i32, i64, i32)| {
                let args = [a as i64, b as i64, c as i64, d as i64, e as i64, f as i64, g as i64, codec, codec_out as i64];
                Box::new(async move { run(cb, env, caller, &args).await })
            },
        )
    } else {
        linker.func_wrap_async(
            module,
            name,
            move |caller: Caller<'_, WasmtimeStoreData>, (a, b, c, d, e, f, g): (i32, i32, i32, i32, i32, i32, i32)| {
                let args = [a as i64, b as i64, c as i64, d as i64, e as i64, f as i64, g as i64];
                Box::new(async move { run(cb, env, caller, &args).await })
            },
        )
    };
    defined.err().map(|e| Box::new(wasmtime_error_t::from(e)))
}
