//! wasp's Component Model shim: typed calls for the `wasp:actor` world.
//!
//! The C API moves every component value as a 32-byte tagged C value, so a
//! list<u8> of n bytes costs n conversions each way. Here the world
//! (wit/actor.wit) is linked and called with typed Rust functions instead,
//! and bytes cross to C as (pointer, length). Compiling, serializing, stores,
//! fuel, epochs and WASI contexts stay in the C API and in C (src/wasm/cm*.c).
//! Calls return the C API's own `wasmtime_call_future_t`, polled by the same
//! C code as core-module calls.
#![allow(non_camel_case_types)]

use std::ffi::c_void;
use std::future::Future;
use std::pin::Pin;
use std::task::{Context, Poll};

use wasmtime::component::types::{ComponentFunc, ComponentItem, Type};
use wasmtime::component::{
    Component, ComponentExportIndex, ComponentType, Func, InstancePre, Lift, Linker, LinkerInstance, Lower,
    TypedFunc, WasmList, WasmStr,
};
use wasmtime::{AsContext, Engine, Error, Result, StoreContextMut, Trap, format_err};
use wasmtime_c_api::{
    WasmtimeStoreContextMut, WasmtimeStoreData, wasm_engine_t, wasm_trap_t, wasmtime_call_future_t,
    wasmtime_component_t, wasmtime_error_t,
};

const TYPES: &str = "wasp:actor/types@1.0.0";
const HOST: &str = "wasp:actor/host@1.0.0";
const LIFECYCLE: &str = "wasp:actor/lifecycle@1.0.0";
const STORAGE: &str = "wasp:actor/storage@1.0.0";

/// `enum error`: ABI codes -1..-9 in order.
#[derive(ComponentType, Lower, Clone, Copy)]
#[component(enum)]
#[repr(u8)]
enum AbiError {
    #[component(name = "noent")]
    Noent,
    #[component(name = "full")]
    Full,
    #[component(name = "perm")]
    Perm,
    #[component(name = "too-big")]
    TooBig,
    #[component(name = "timed-out")]
    TimedOut,
    #[component(name = "inval")]
    Inval,
    #[component(name = "no-reply")]
    NoReply,
    #[component(name = "stopped")]
    Stopped,
    #[component(name = "limit")]
    Limit,
}

const ERRORS: [AbiError; 9] = [
    AbiError::Noent,
    AbiError::Full,
    AbiError::Perm,
    AbiError::TooBig,
    AbiError::TimedOut,
    AbiError::Inval,
    AbiError::NoReply,
    AbiError::Stopped,
    AbiError::Limit,
];

#[derive(ComponentType, Lift, Clone, Copy)]
#[component(enum)]
#[repr(u8)]
#[allow(dead_code)] // made by lifting guest values
enum Level {
    #[component(name = "trace")]
    Trace,
    #[component(name = "debug")]
    Debug,
    #[component(name = "info")]
    Info,
    #[component(name = "warn")]
    Warn,
    #[component(name = "error")]
    Error,
}

#[derive(ComponentType, Lift, Clone, Copy)]
#[component(enum)]
#[repr(u8)]
#[allow(dead_code)] // made by lifting guest values
enum Health {
    #[component(name = "healthy")]
    Healthy,
    #[component(name = "degraded")]
    Degraded,
    #[component(name = "unhealthy")]
    Unhealthy,
}

/// A payload and its codec tag (`record tagged`: call-tagged's reply).
#[derive(ComponentType, Lower)]
#[component(record)]
struct Tagged {
    codec: u64,
    msg: Vec<u8>,
}

/// Host operations (src/wasm/cm_shim.h): `interface host` in its order,
/// then `interface storage`. A *-tagged import is its untagged operation
/// with args.codec set.
const OP_SEND: u32 = 0;
const OP_SEND_AFTER: u32 = 1;
const OP_PUBLISH: u32 = 2;
const OP_SUBSCRIBE: u32 = 3;
const OP_UNSUBSCRIBE: u32 = 4;
const OP_CALL: u32 = 5;
const OP_REPLY: u32 = 6;
const OP_SENDER: u32 = 7;
const OP_TOPIC: u32 = 8;
const OP_SELF: u32 = 9;
const OP_LOG: u32 = 10;
const OP_NOW: u32 = 11;
const OP_CODEC: u32 = 12;
const OP_KV_GET: u32 = 13;
const OP_KV_GET_VERSIONED: u32 = 14;
const OP_KV_NEXT: u32 = 15;
const OP_KV_PUT: u32 = 16;
const OP_KV_CAS: u32 = 17;
const OP_KV_DELETE: u32 = 18;

#[repr(C)]
pub struct wasp_cm_args {
    text: *const u8,
    text_len: usize,
    data: *const u8,
    data_len: usize,
    num: u64,
    codec: u64,
}

/// What C answers. `value` < 0 is an ABI error code; `data` null means
/// "none"; `aux` a second value (a reply's codec tag, a stored version).
/// A pending answer (`call`, storage writes) sets `ready`, polled until it
/// returns true (it then fills value/data/len/aux). `finalize`, if set,
/// runs exactly once, after the bytes were copied.
#[repr(C)]
pub struct wasp_cm_result {
    value: i64,
    data: *const u8,
    len: usize,
    aux: u64,
    ready: Option<unsafe extern "C" fn(*mut c_void, *mut wasp_cm_result) -> bool>,
    env: *mut c_void,
    finalize: Option<unsafe extern "C" fn(*mut c_void)>,
}

// SAFETY: the pointers are the C side's, used only by the thread polling
// the call; Wasmtime needs host futures to be Send.
unsafe impl Send for wasp_cm_result {}

impl wasp_cm_result {
    fn new() -> Self {
        wasp_cm_result {
            value: 0,
            data: std::ptr::null(),
            len: 0,
            aux: 0,
            ready: None,
            env: std::ptr::null_mut(),
            finalize: None,
        }
    }
    fn bytes(&self) -> Option<Vec<u8>> {
        if self.data.is_null() {
            return None;
        }
        Some(unsafe { std::slice::from_raw_parts(self.data, self.len) }.to_vec())
    }
    fn text(&self) -> Option<String> {
        self.bytes().map(|b| String::from_utf8_lossy(&b).into_owned())
    }
    fn status(&self) -> std::result::Result<(), AbiError> {
        if self.value < 0 { Err(abi_error(self.value)) } else { Ok(()) }
    }
}

/// An answer taken out of C: value, bytes, aux.
type Answer = (i64, Option<Vec<u8>>, u64);

fn answer_result<T>(a: &Answer, ok: impl FnOnce(&Answer) -> T) -> std::result::Result<T, AbiError> {
    if a.0 < 0 { Err(abi_error(a.0)) } else { Ok(ok(a)) }
}

fn abi_error(code: i64) -> AbiError {
    ERRORS[(-code - 1).clamp(0, 8) as usize]
}

/// The C dispatcher: false means "trap the guest" (res.data/len: why).
pub type wasp_cm_host_fn =
    unsafe extern "C" fn(store_data: *mut c_void, op: u32, args: *const wasp_cm_args, res: *mut wasp_cm_result) -> bool;

#[derive(Clone, Copy)]
struct Host(wasp_cm_host_fn);

impl Host {
    fn run(&self, store: &StoreContextMut<'_, WasmtimeStoreData>, op: u32, text: &[u8], data: &[u8], num: u64) -> Result<wasp_cm_result> {
        self.run_tagged(store, op, text, data, num, 0)
    }

    fn run_tagged(
        &self,
        store: &StoreContextMut<'_, WasmtimeStoreData>,
        op: u32,
        text: &[u8],
        data: &[u8],
        num: u64,
        codec: u64,
    ) -> Result<wasp_cm_result> {
        let user = wasmtime_c_api::wasmtime_context_get_data(store.as_context());
        let args =
            wasp_cm_args { text: text.as_ptr(), text_len: text.len(), data: data.as_ptr(), data_len: data.len(), num, codec };
        let mut res = wasp_cm_result::new();
        if unsafe { (self.0)(user, op, &args, &mut res) } {
            Ok(res)
        } else {
            Err(format_err!("{}", res.text().unwrap_or_default()))
        }
    }
}

/// Reads a guest string and byte list in place (no copy before C copies them
/// into an envelope).
fn view<'a>(store: &'a StoreContextMut<'_, WasmtimeStoreData>, s: &WasmStr, l: Option<&WasmList<u8>>) -> Result<(std::borrow::Cow<'a, str>, &'a [u8])> {
    let text = s.to_str(store.as_context())?;
    let bytes = match l {
        Some(l) => l.as_le_slice(store.as_context()),
        None => &[],
    };
    Ok((text, bytes))
}

/// An answer C may still owe (`call`, storage writes): polled through C's
/// `ready`. The bytes are copied out before `finalize` (on drop) lets C
/// free them.
struct Pending(wasp_cm_result);

impl Pending {
    fn take(&self) -> Answer {
        (self.0.value, self.0.bytes(), self.0.aux)
    }
}

impl Future for Pending {
    type Output = Answer;
    fn poll(mut self: Pin<&mut Self>, _cx: &mut Context<'_>) -> Poll<Self::Output> {
        let r = &mut self.0;
        let Some(ready) = r.ready else { return Poll::Ready(self.take()) };
        if unsafe { ready(r.env, r) } { Poll::Ready(self.take()) } else { Poll::Pending }
    }
}

/// The answer now (the C side's bytes released right after the copy).
fn settle_now(r: wasp_cm_result) -> Answer {
    Pending(r).take()
}

impl Drop for Pending {
    fn drop(&mut self) {
        if let Some(f) = self.0.finalize.take() {
            unsafe { f(self.0.env) }
        }
    }
}

fn define_host(linker: &mut Linker<WasmtimeStoreData>, h: Host) -> Result<()> {
    linker.instance(TYPES)?;
    let mut i = linker.instance(HOST)?;
    i.func_wrap("send", move |st, (to, msg): (WasmStr, WasmList<u8>)| {
        let (to, msg) = view(&st, &to, Some(&msg))?;
        Ok((h.run(&st, OP_SEND, to.as_bytes(), msg, 0)?.status(),))
    })?;
    i.func_wrap("send-after", move |st, (to, msg, delay): (WasmStr, WasmList<u8>, u32)| {
        let (to, msg) = view(&st, &to, Some(&msg))?;
        Ok((h.run(&st, OP_SEND_AFTER, to.as_bytes(), msg, delay.into())?.status(),))
    })?;
    i.func_wrap("publish", move |st, (topic, msg): (WasmStr, WasmList<u8>)| {
        let (topic, msg) = view(&st, &topic, Some(&msg))?;
        let r = h.run(&st, OP_PUBLISH, topic.as_bytes(), msg, 0)?;
        Ok((r.status().map(|()| r.value as u32),))
    })?;
    i.func_wrap("subscribe", move |st, (pattern,): (WasmStr,)| {
        let (pattern, _) = view(&st, &pattern, None)?;
        Ok((h.run(&st, OP_SUBSCRIBE, pattern.as_bytes(), &[], 0)?.status(),))
    })?;
    i.func_wrap("unsubscribe", move |st, (pattern,): (WasmStr,)| {
        let (pattern, _) = view(&st, &pattern, None)?;
        Ok((h.run(&st, OP_UNSUBSCRIBE, pattern.as_bytes(), &[], 0)?.status(),))
    })?;
    i.func_wrap_async("call", move |st, (to, msg, timeout): (WasmStr, WasmList<u8>, u32)| {
        Box::new(async move {
            let r = {
                let (to, msg) = view(&st, &to, Some(&msg))?;
                h.run(&st, OP_CALL, to.as_bytes(), msg, timeout.into())?
            };
            let a = Pending(r).await;
            Ok((answer_result(&a, |a| a.1.clone().unwrap_or_default()),))
        })
    })?;
    i.func_wrap_async("call-tagged", move |st, (to, msg, timeout, codec): (WasmStr, WasmList<u8>, u32, u64)| {
        Box::new(async move {
            let r = {
                let (to, msg) = view(&st, &to, Some(&msg))?;
                h.run_tagged(&st, OP_CALL, to.as_bytes(), msg, timeout.into(), codec)?
            };
            let a = Pending(r).await;
            Ok((answer_result(&a, |a| Tagged { codec: a.2, msg: a.1.clone().unwrap_or_default() }),))
        })
    })?;
    i.func_wrap("reply", move |st, (msg,): (WasmList<u8>,)| {
        let msg = msg.as_le_slice(st.as_context());
        Ok((h.run(&st, OP_REPLY, &[], msg, 0)?.status(),))
    })?;
    i.func_wrap("sender", move |st, (): ()| Ok((h.run(&st, OP_SENDER, &[], &[], 0)?.text(),)))?;
    i.func_wrap("topic", move |st, (): ()| Ok((h.run(&st, OP_TOPIC, &[], &[], 0)?.text(),)))?;
    i.func_wrap("self-name", move |st, (): ()| {
        Ok((h.run(&st, OP_SELF, &[], &[], 0)?.text().unwrap_or_default(),))
    })?;
    i.func_wrap("log", move |st, (level, text): (Level, WasmStr)| {
        let (text, _) = view(&st, &text, None)?;
        h.run(&st, OP_LOG, text.as_bytes(), &[], level as u64)?;
        Ok(())
    })?;
    i.func_wrap("now-ms", move |st, (): ()| Ok((h.run(&st, OP_NOW, &[], &[], 0)?.value as u64,)))?;
    define_tagged(&mut i, h)
}

/// Codec tags: `codec` and the *-tagged twins of send, send-after,
/// publish and reply (call-tagged is beside call).
fn define_tagged(i: &mut LinkerInstance<'_, WasmtimeStoreData>, h: Host) -> Result<()> {
    i.func_wrap("codec", move |st, (): ()| Ok((h.run(&st, OP_CODEC, &[], &[], 0)?.value as u64,)))?;
    i.func_wrap("send-tagged", move |st, (to, msg, codec): (WasmStr, WasmList<u8>, u64)| {
        let (to, msg) = view(&st, &to, Some(&msg))?;
        Ok((h.run_tagged(&st, OP_SEND, to.as_bytes(), msg, 0, codec)?.status(),))
    })?;
    i.func_wrap("send-after-tagged", move |st, (to, msg, delay, codec): (WasmStr, WasmList<u8>, u32, u64)| {
        let (to, msg) = view(&st, &to, Some(&msg))?;
        Ok((h.run_tagged(&st, OP_SEND_AFTER, to.as_bytes(), msg, delay.into(), codec)?.status(),))
    })?;
    i.func_wrap("publish-tagged", move |st, (topic, msg, codec): (WasmStr, WasmList<u8>, u64)| {
        let (topic, msg) = view(&st, &topic, Some(&msg))?;
        let r = h.run_tagged(&st, OP_PUBLISH, topic.as_bytes(), msg, 0, codec)?;
        Ok((r.status().map(|()| r.value as u32),))
    })?;
    i.func_wrap("reply-tagged", move |st, (msg, codec): (WasmList<u8>, u64)| {
        let msg = msg.as_le_slice(st.as_context());
        Ok((h.run_tagged(&st, OP_REPLY, &[], msg, 0, codec)?.status(),))
    })?;
    Ok(())
}

/// `interface storage`: reads answer at once; writes wait (like `call`)
/// until the store has applied them.
fn define_storage(linker: &mut Linker<WasmtimeStoreData>, h: Host) -> Result<()> {
    let mut i = linker.instance(STORAGE)?;
    i.func_wrap("kv-get", move |st, (key,): (WasmList<u8>,)| {
        let a = settle_now(h.run(&st, OP_KV_GET, key.as_le_slice(st.as_context()), &[], 0)?);
        Ok((answer_result(&a, |a| a.1.clone().unwrap_or_default()),))
    })?;
    i.func_wrap("kv-get-versioned", move |st, (key,): (WasmList<u8>,)| {
        let a = settle_now(h.run(&st, OP_KV_GET_VERSIONED, key.as_le_slice(st.as_context()), &[], 0)?);
        Ok((answer_result(&a, |a| (a.1.clone().unwrap_or_default(), a.2)),))
    })?;
    i.func_wrap("kv-next", move |st, (prefix, after): (WasmList<u8>, WasmList<u8>)| {
        let (p, f) = (prefix.as_le_slice(st.as_context()), after.as_le_slice(st.as_context()));
        let a = settle_now(h.run(&st, OP_KV_NEXT, p, f, 0)?);
        Ok((answer_result(&a, |a| a.1.clone().unwrap_or_default()),))
    })?;
    i.func_wrap_async("kv-put", move |st, (key, value): (WasmList<u8>, WasmList<u8>)| {
        Box::new(async move {
            let r = h.run(&st, OP_KV_PUT, key.as_le_slice(st.as_context()), value.as_le_slice(st.as_context()), 0)?;
            let a = Pending(r).await;
            Ok((answer_result(&a, |_| ()),))
        })
    })?;
    i.func_wrap_async("kv-cas", move |st, (key, value, expect): (WasmList<u8>, WasmList<u8>, u64)| {
        Box::new(async move {
            let (k, v) = (key.as_le_slice(st.as_context()), value.as_le_slice(st.as_context()));
            let r = h.run(&st, OP_KV_CAS, k, v, expect)?;
            let a = Pending(r).await;
            Ok((answer_result(&a, |a| a.0 as u64),))
        })
    })?;
    i.func_wrap_async("kv-delete", move |st, (key,): (WasmList<u8>,)| {
        Box::new(async move {
            let r = h.run(&st, OP_KV_DELETE, key.as_le_slice(st.as_context()), &[], 0)?;
            let a = Pending(r).await;
            Ok((answer_result(&a, |_| ()),))
        })
    })?;
    Ok(())
}

fn engine_of(e: &wasm_engine_t) -> &Engine {
    // SAFETY: wasm_engine_t is #[repr(C)] with the Engine as its only field.
    unsafe { &*(e as *const wasm_engine_t as *const Engine) }
}

fn component_of(c: &wasmtime_component_t) -> &Component {
    // SAFETY: wasmtime_component_t is #[repr(transparent)] over Component.
    unsafe { &*(c as *const wasmtime_component_t as *const Component) }
}

fn set_error(err_ret: &mut *mut wasmtime_error_t, e: Error) {
    *err_ret = Box::into_raw(Box::new(wasmtime_error_t::from(e)));
}

/// Traps go out as wasm_trap_t (so C reads their trap code), the rest as errors.
pub(crate) fn set_failure(e: Error, trap_ret: &mut *mut wasm_trap_t, err_ret: &mut *mut wasmtime_error_t) {
    if e.is::<Trap>() {
        // SAFETY: wasm_trap_t and wasmtime_error_t are both #[repr(C)]
        // structs whose only field is an Error.
        *trap_ret = Box::into_raw(Box::new(wasmtime_error_t::from(e))) as *mut wasm_trap_t;
    } else {
        set_error(err_ret, e);
    }
}

pub(crate) fn into_call_future<'a>(f: Pin<Box<dyn Future<Output = ()> + 'a>>) -> Box<wasmtime_call_future_t<'a>> {
    // SAFETY: wasmtime_call_future_t is #[repr(transparent)] over this type.
    Box::new(unsafe { std::mem::transmute::<Pin<Box<dyn Future<Output = ()> + 'a>>, wasmtime_call_future_t<'a>>(f) })
}

pub struct wasp_cm_linker {
    linker: Linker<WasmtimeStoreData>,
}

/// A linker with the `wasp:actor` host imports and, if asked, WASI 0.2.
/// Every store instantiated from a WASI linker must have a WASI context
/// (wasmtime_context_set_wasi): Wasmtime unwraps it on the first WASI call.
#[unsafe(no_mangle)]
pub extern "C" fn wasp_cm_linker_new(
    engine: &wasm_engine_t,
    with_wasi: bool,
    host: wasp_cm_host_fn,
    err_ret: &mut *mut wasmtime_error_t,
) -> *mut wasp_cm_linker {
    let mut linker = Linker::new(engine_of(engine));
    let mut r = define_host(&mut linker, Host(host)).and_then(|()| define_storage(&mut linker, Host(host)));
    if r.is_ok() && with_wasi {
        r = wasmtime_wasi::p2::add_to_linker_async(&mut linker);
    }
    match r {
        Ok(()) => Box::into_raw(Box::new(wasp_cm_linker { linker })),
        Err(e) => {
            set_error(err_ret, e);
            std::ptr::null_mut()
        }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasp_cm_linker_delete(_l: Option<Box<wasp_cm_linker>>) {}

/// Which exports a component has (checked against the world's types).
#[repr(C)]
pub struct wasp_cm_info {
    has_start: bool,
    has_cleanup: bool,
    has_health: bool,
    imports_wasi: bool,
}

/// The shapes the world gives its exports.
#[derive(Clone, Copy)]
enum Shape {
    HandleMessage, // func(msg: list<u8>) -> s32
    Hook,          // func()
    CheckHealth,   // func() -> health
}

fn check_func(f: &ComponentFunc, name: &str, shape: Shape) -> Result<()> {
    let p: Vec<Type> = f.params().map(|(_, t)| t).collect();
    let r: Vec<Type> = f.results().collect();
    let (ok, want) = match shape {
        Shape::HandleMessage => (
            matches!(p.as_slice(), [Type::List(l)] if matches!(l.ty(), Type::U8)) && matches!(r.as_slice(), [Type::S32]),
            "func(msg: list<u8>) -> s32",
        ),
        Shape::Hook => (p.is_empty() && r.is_empty(), "func()"),
        Shape::CheckHealth => (
            p.is_empty()
                && matches!(r.as_slice(), [Type::Enum(e)] if e.names().eq(["healthy", "degraded", "unhealthy"])),
            "func() -> health",
        ),
    };
    if ok { Ok(()) } else { Err(format_err!("export `{name}` must be {want}")) }
}

fn lifecycle_func(engine: &Engine, c: &Component, inst: &ComponentItem, name: &str, shape: Shape) -> Result<Option<ComponentExportIndex>> {
    let ComponentItem::ComponentInstance(i) = inst else {
        return Err(format_err!("export `{LIFECYCLE}` is not an instance"));
    };
    match i.get_export(engine, name).map(|e| e.ty) {
        None => Ok(None),
        Some(ComponentItem::ComponentFunc(f)) => {
            check_func(&f, &format!("{LIFECYCLE}#{name}"), shape)?;
            let outer = c.get_export_index(None, LIFECYCLE);
            Ok(c.get_export_index(outer.as_ref(), name))
        }
        Some(_) => Err(format_err!("export `{LIFECYCLE}#{name}` is not a function")),
    }
}

pub struct wasp_cm_pre {
    pre: InstancePre<WasmtimeStoreData>,
    handle: ComponentExportIndex,
    start: Option<ComponentExportIndex>,
    cleanup: Option<ComponentExportIndex>,
    health: Option<ComponentExportIndex>,
}

fn pre_new(linker: &wasp_cm_linker, engine: &Engine, c: &Component, info: &mut wasp_cm_info) -> Result<wasp_cm_pre> {
    let ty = c.component_type();
    info.imports_wasi = ty.imports(engine).any(|(name, _)| name.starts_with("wasi:"));
    let handle = match ty.get_export(engine, "handle-message").map(|e| e.ty) {
        Some(ComponentItem::ComponentFunc(f)) => {
            check_func(&f, "handle-message", Shape::HandleMessage)?;
            c.get_export_index(None, "handle-message").ok_or_else(|| format_err!("export `handle-message` is missing"))?
        }
        Some(_) => return Err(format_err!("export `handle-message` is not a function")),
        None => return Err(format_err!("export `handle-message` is missing: not a wasp:actor component")),
    };
    let (mut start, mut cleanup, mut health) = (None, None, None);
    if let Some(lc) = ty.get_export(engine, LIFECYCLE).map(|e| e.ty) {
        start = lifecycle_func(engine, c, &lc, "start", Shape::Hook)?;
        cleanup = lifecycle_func(engine, c, &lc, "cleanup", Shape::Hook)?;
        health = lifecycle_func(engine, c, &lc, "check-health", Shape::CheckHealth)?;
    }
    info.has_start = start.is_some();
    info.has_cleanup = cleanup.is_some();
    info.has_health = health.is_some();
    let pre = linker.linker.instantiate_pre(c)?;
    Ok(wasp_cm_pre { pre, handle, start, cleanup, health })
}

/// Checks a compiled component against the world and links it once:
/// the result instantiates any number of actors. NULL with *err_ret set if
/// an export has the wrong type or an import is not offered by `linker`.
#[unsafe(no_mangle)]
pub extern "C" fn wasp_cm_pre_new(
    linker: &wasp_cm_linker,
    engine: &wasm_engine_t,
    component: &wasmtime_component_t,
    info: &mut wasp_cm_info,
    err_ret: &mut *mut wasmtime_error_t,
) -> *mut wasp_cm_pre {
    match pre_new(linker, engine_of(engine), component_of(component), info) {
        Ok(p) => Box::into_raw(Box::new(p)),
        Err(e) => {
            set_error(err_ret, e);
            std::ptr::null_mut()
        }
    }
}

#[unsafe(no_mangle)]
pub extern "C" fn wasp_cm_pre_delete(_p: Option<Box<wasp_cm_pre>>) {}

/// Reports what the component imports and exports (is_export, name), for
/// `wasp inspect` and for the check of WASI imports without a linker.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasp_cm_component_items(
    engine: &wasm_engine_t,
    component: &wasmtime_component_t,
    each: unsafe extern "C" fn(arg: *mut c_void, is_export: bool, name: *const u8, len: usize),
    arg: *mut c_void,
) {
    let engine = engine_of(engine);
    let ty = component_of(component).component_type();
    for (name, _) in ty.imports(engine) {
        unsafe { each(arg, false, name.as_ptr(), name.len()) };
    }
    for (name, _) in ty.exports(engine) {
        unsafe { each(arg, true, name.as_ptr(), name.len()) };
    }
}

pub struct wasp_cm_instance {
    handle: Func,
    start: Option<Func>,
    cleanup: Option<Func>,
    health: Option<Func>,
}

/// Instantiates asynchronously (poll the future like any call). On success
/// *out holds the instance, freed with wasp_cm_instance_delete.
#[unsafe(no_mangle)]
pub extern "C" fn wasp_cm_instantiate<'a>(
    pre: &'a wasp_cm_pre,
    mut store: WasmtimeStoreContextMut<'a>,
    out: &'a mut *mut wasp_cm_instance,
    trap_ret: &'a mut *mut wasm_trap_t,
    err_ret: &'a mut *mut wasmtime_error_t,
) -> Box<wasmtime_call_future_t<'a>> {
    into_call_future(Box::pin(async move {
        match pre.pre.instantiate_async(&mut store).await {
            Ok(i) => {
                let mut get = |idx: &Option<ComponentExportIndex>| idx.as_ref().and_then(|x| i.get_func(&mut store, x));
                let (start, cleanup, health) = (get(&pre.start), get(&pre.cleanup), get(&pre.health));
                match i.get_func(&mut store, &pre.handle) {
                    Some(handle) => *out = Box::into_raw(Box::new(wasp_cm_instance { handle, start, cleanup, health })),
                    None => set_error(err_ret, format_err!("export `handle-message` is missing")),
                }
            }
            Err(e) => set_failure(e, trap_ret, err_ret),
        }
    }))
}

#[unsafe(no_mangle)]
pub extern "C" fn wasp_cm_instance_delete(_i: Option<Box<wasp_cm_instance>>) {}

pub const WASP_CM_HANDLE: u32 = 0;
pub const WASP_CM_START: u32 = 1;
pub const WASP_CM_CLEANUP: u32 = 2;
pub const WASP_CM_HEALTH: u32 = 3;

/// Whether the instance has export `which` (WASP_CM_*).
#[unsafe(no_mangle)]
pub extern "C" fn wasp_cm_instance_has(inst: &wasp_cm_instance, which: u32) -> bool {
    match which {
        WASP_CM_HANDLE => true,
        WASP_CM_START => inst.start.is_some(),
        WASP_CM_CLEANUP => inst.cleanup.is_some(),
        WASP_CM_HEALTH => inst.health.is_some(),
        _ => false,
    }
}

async fn call_export(inst: &wasp_cm_instance, store: &mut WasmtimeStoreContextMut<'_>, which: u32, msg: &[u8]) -> Result<i32> {
    // SAFETY (new_unchecked): wasp_cm_pre_new checked each export's type.
    let missing = || format_err!("export {which} is missing");
    match which {
        WASP_CM_HANDLE => {
            let f = unsafe { TypedFunc::<(&[u8],), (i32,)>::new_unchecked(inst.handle) };
            Ok(f.call_async(store, (msg,)).await?.0)
        }
        WASP_CM_START | WASP_CM_CLEANUP => {
            let f = if which == WASP_CM_START { inst.start } else { inst.cleanup }.ok_or_else(missing)?;
            unsafe { TypedFunc::<(), ()>::new_unchecked(f) }.call_async(store, ()).await?;
            Ok(0)
        }
        WASP_CM_HEALTH => {
            let f = unsafe { TypedFunc::<(), (Health,)>::new_unchecked(inst.health.ok_or_else(missing)?) };
            Ok(f.call_async(store, ()).await?.0 as i32)
        }
        _ => Err(missing()),
    }
}

/// Calls export `which` asynchronously: handle-message with msg[0..len]
/// (which must stay valid until the future is deleted), or a lifecycle hook.
/// *result receives handle-message's status or check-health's index.
#[unsafe(no_mangle)]
pub unsafe extern "C" fn wasp_cm_call<'a>(
    inst: &'a wasp_cm_instance,
    mut store: WasmtimeStoreContextMut<'a>,
    which: u32,
    msg: *const u8,
    len: usize,
    result: &'a mut i32,
    trap_ret: &'a mut *mut wasm_trap_t,
    err_ret: &'a mut *mut wasmtime_error_t,
) -> Box<wasmtime_call_future_t<'a>> {
    let msg: &'a [u8] = if len == 0 { &[] } else { unsafe { std::slice::from_raw_parts(msg, len) } };
    into_call_future(Box::pin(async move {
        match call_export(inst, &mut store, which, msg).await {
            Ok(r) => *result = r,
            Err(e) => set_failure(e, trap_ret, err_ret),
        }
    }))
}
