/* trust_helpers.h - requests to tests/fixtures/trust_guest.wat: one command
 * byte and an i32 argument; the reply is two i32s. */
#ifndef WASP_TRUST_HELPERS_H
#define WASP_TRUST_HELPERS_H

#include "comp_helpers.h"

static const char *const trust_may_send[] = {"probe"};
static const char *const trust_may_subscribe[] = {"q.>"};

/* A trust_guest component spec (WASI granted, may send to "probe"). */
static inline wasp_component_spec trust_spec(const char *name) {
    wasp_component_spec s = comp_spec(name, "trust_guest.wasm");
    s.permissions.wasi = true;
    s.permissions.send = trust_may_send;
    s.permissions.nsend = 1;
    s.permissions.subscribe = trust_may_subscribe;
    s.permissions.nsubscribe = 1;
    return s;
}

/* Sends command op with argument arg to `to`; the reply's two i32s. */
static inline int trust_ask(wasp_system *sys, const char *to, char op, int32_t arg, int32_t out[2]) {
    uint8_t req[5] = {(uint8_t)op};
    memcpy(req + 1, &arg, 4);
    void *reply = NULL;
    size_t len = 0;
    int rc = wasp_ask_name(sys, to, req, sizeof(req), 10000000000ull, &reply, &len);
    if (rc == WASP_OK) {
        assert_int_equal(len, 8);
        memcpy(out, reply, 8);
    }
    free(reply);
    return rc;
}

#endif
