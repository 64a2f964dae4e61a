/* error.c - error codes and their descriptions. */
#include "wasp.h"

struct error_info {
    int code;
    const char *name;
    const char *text;
};

static const struct error_info errors[] = {
    {WASP_OK, "WASP_OK", "success"},
    {WASP_ENOENT, "WASP_ENOENT", "no such actor, name or subscription"},
    {WASP_EFULL, "WASP_EFULL", "mailbox full"},
    {WASP_EPERM, "WASP_EPERM", "not permitted"},
    {WASP_E2BIG, "WASP_E2BIG", "message too large"},
    {WASP_ETIMEDOUT, "WASP_ETIMEDOUT", "timed out"},
    {WASP_EINVAL, "WASP_EINVAL", "invalid argument"},
    {WASP_ENOREPLY, "WASP_ENOREPLY", "no request to reply to"},
    {WASP_ESTOPPED, "WASP_ESTOPPED", "target stopping or stopped"},
    {WASP_ELIMIT, "WASP_ELIMIT", "quota exhausted"},
    {WASP_EEXIST, "WASP_EEXIST", "name already taken"},
    {WASP_ESTATE, "WASP_ESTATE", "invalid in the current state"},
    {WASP_EIO, "WASP_EIO", "input/output error"},
    {WASP_ECOMPILE, "WASP_ECOMPILE", "invalid WebAssembly module"},
    {WASP_EABI, "WASP_EABI", "module does not satisfy the wasp ABI"},
    {WASP_ELINK, "WASP_ELINK", "import could not be linked"},
    {WASP_ETRAP, "WASP_ETRAP", "guest trapped"},
    {WASP_EINTERRUPT, "WASP_EINTERRUPT", "guest ran past its time or fuel budget"},
    {WASP_ECRASH, "WASP_ECRASH", "actor crashed"},
    {WASP_EHANDLER, "WASP_EHANDLER", "handler reported an error"},
    {WASP_ENOMEM, "WASP_ENOMEM", "out of memory"},
};

static const struct error_info *error_find(int err) {
    for (size_t i = 0; i < sizeof(errors) / sizeof(errors[0]); i++)
        if (errors[i].code == err) return &errors[i];
    return NULL;
}

const char *wasp_strerror(int err) {
    const struct error_info *e = error_find(err);
    return e ? e->text : "unknown error";
}

const char *wasp_errname(int err) {
    const struct error_info *e = error_find(err);
    return e ? e->name : "WASP_E?";
}

const char *wasp_version(void) { return WASP_VERSION_STRING; }
