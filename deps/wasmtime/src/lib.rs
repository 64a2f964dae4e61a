//! Re-export Wasmtime's C API so the static library carries its symbols,
//! plus wasp's component shim (typed calls that the C API lacks).
pub use wasmtime_c_api::*;

mod component;
