//! Re-export Wasmtime's C API so the static library carries its symbols.
pub use wasmtime_c_api::*;
