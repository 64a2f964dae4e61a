/* testkit.h - the testing kit's private structures (include/wasp_test.h).
 *
 *   testkit.c   the isolated system: create, start what is under test, steps
 *   standin.c   stand-in actors: record, answer, fail on purpose
 *   records.c   append-only record lists shared by workers and the test
 *   match.c     exact / prefix / regex / JSON-subset matching
 *   scenario_*.c  the YAML scenarios of `wasp test`
 */
#ifndef WASP_TESTKIT_H
#define WASP_TESTKIT_H

#include <pthread.h>
#include <stdatomic.h>

#include "wasp_test.h"

/* An append-only list of pointers: workers append, the test reads. An item
 * never moves or changes once appended, so a pointer read under the lock
 * stays valid until the list is freed. */
struct tk_list {
    pthread_mutex_t mu;
    void **v;
    size_t n, cap;
};
void wasp__tk_list_init(struct tk_list *l);
bool wasp__tk_list_push(struct tk_list *l, void *item);
size_t wasp__tk_list_count(struct tk_list *l);
void *wasp__tk_list_at(struct tk_list *l, size_t i);
/* Frees every item with fn (may be NULL) and the list. */
void wasp__tk_list_free(struct tk_list *l, void (*fn)(void *));

/* A message record with its payload after it. */
wasp_test_message *wasp__tk_message_new(wasp_test *t, const wasp_msg *m, const char *to);

/* A step the test thread asks a stand-in to take, so that its sender is the
 * stand-in (testkit.c fills it, standin.c runs it). */
struct tk_call_slot {
    atomic_int done;
    int status;
    void *data;
    size_t len;
};
struct tk_command {
    bool call;
    const char *to;
    const void *data;
    size_t len;
    uint64_t timeout_ns;
    struct tk_call_slot *slot;
    int rc;   /* 1 until the stand-in ran it */
};
void wasp__tk_call_done(void *arg, int status, const void *data, size_t len);

struct tk_answer {
    int kind;
    size_t len;
    uint8_t data[];
};

struct wasp_test_standin {
    wasp_test *t;
    char name[256];
    wasp_aid id;
    wasp_test_standin_opts opts;
    struct tk_list answers; /* struct tk_answer */
    size_t next_answer;     /* stand-in's worker only */
    uint32_t received;      /* stand-in's worker only */
    struct tk_list messages;
    struct wasp_test_standin *next;
};

struct wasp_test {
    wasp_system *sys;
    wasp_wasm *wasm;
    wasp_test_config cfg;
    _Atomic uint64_t seq;
    struct tk_list published, log, held, slots, sups;
    struct wasp_test_standin *standins;
    wasp_manifest *manifest;
    wasp_aid recorder;
    uint64_t token[2];          /* marks the test's commands to its stand-ins */
    _Atomic(struct tk_command *) cmd;
    wasp_store *store;          /* a private store in store_dir, for components granted storage */
    char store_dir[256];
};

/* Stand-ins (standin.c). */
void wasp__tk_standins_free(wasp_test *t);

#endif
