//! Re-export Wasmtime's C API so the static library carries its symbols,
//! plus what the C API lacks or cannot do: the component shim and typed
//! core calls, polling with a waker (wake.rs), asynchronous WASI preview 1
//! and a cap on WASI handles (wasi.rs), a limiter that counts what a store
//! holds (limits.rs), engine settings the C API lacks (config.rs).
pub use wasmtime_c_api::*;

mod async_import;
mod component;
mod config;
mod core_call;
mod limits;
mod wake;
mod wasi;
