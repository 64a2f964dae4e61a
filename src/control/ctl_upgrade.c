/* ctl_upgrade.c - the control command "upgrade": replaces a component's
 * module in the running system (docs/CONTROL.md, docs/COMPONENTS.md).
 *
 *   request   {"cmd": "upgrade", "component": "kv", "path": "/abs/kv.wasm"}
 *   response  {"ok": true, "component": "kv"}
 *             {"ok": false, "error": "ECRASH", "message": "kv: the new module failed to start ..."}
 *
 * It blocks (compiling, then one swap per instance between two messages),
 * so the table runs it on a thread of its own. */
#include "control/control.h"

void wasp__ctl_cmd_upgrade(wasp__ctl_call *c, const json_t *req) {
    const wasp__ctl_host *h = wasp__ctl_call_host(c);
    const char *name = json_string_value(json_object_get(req, "component"));
    const char *path = json_string_value(json_object_get(req, "path"));
    if (!name || !*name || !path || !*path) {
        wasp__ctl_fail(c, WASP_EINVAL, "\"component\" (a name) and \"path\" (the new .wasm file) are required");
        return;
    }
    wasp_component *comp = wasp_component_find(h->wasm, name);
    if (!comp) {
        wasp__ctl_fail(c, WASP_ENOENT, "%s: no such component in this system", name);
        return;
    }
    char err[1024];
    int rc = wasp_component_upgrade(comp, path, NULL, 0, err, sizeof(err));
    if (rc != WASP_OK) {
        wasp__ctl_fail(c, rc, "%s", err[0] ? err : wasp_strerror(rc));
        return;
    }
    wasp_log(h->sys, WASP_LOG_INFO, "wasp", "%s upgraded from %s", name, path);
    wasp__ctl_reply(c, json_pack("{s:s}", "component", name));
}
