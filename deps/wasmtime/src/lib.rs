//! Re-export Wasmtime's C API so the static library carries its symbols,
//! plus wasp's component shim and typed core calls (what the C API lacks).
pub use wasmtime_c_api::*;

mod component;
mod core_call;
