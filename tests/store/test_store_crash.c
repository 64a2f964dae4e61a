/* test_store_crash.c - kill -9 of a writing process at an arbitrary instant:
 * every acknowledged write is there after reopening, and every value there
 * is whole (nothing half-written is visible). */
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include "testutil.h"

#define VMAX 3000

/* Value of key idx written in generation gen: [idx][gen][length], then
 * bytes that depend on all three, so a torn or mixed value is detected. */
static size_t value_of(uint32_t idx, uint32_t gen, uint8_t *out) {
    uint32_t n = 12 + (idx * 7919u + gen * 104729u) % (VMAX - 12);
    memcpy(out, &idx, 4);
    memcpy(out + 4, &gen, 4);
    memcpy(out + 8, &n, 4);
    for (uint32_t x = 12; x < n; x++) out[x] = (uint8_t)(idx * 31u + gen * 17u + x);
    return n;
}

static void key_of(uint32_t i, char *k) { snprintf(k, 16, "k%08u", i); }

static int put(wasp_kv *kv, uint32_t idx, uint32_t gen) {
    char k[16];
    uint8_t v[VMAX];
    key_of(idx, k);
    size_t n = value_of(idx, gen, v);
    return wasp_kv_put(kv, k, strlen(k), v, n, NULL);
}

/* The child: writes key i (and rewrites key i-1) from `first` on,
 * reporting each acknowledged pair on fd. */
static void writer(const char *path, uint32_t first, int durability, int fd) {
    wasp_store *st;
    wasp_kv *kv;
    char err[256];
    if (wasp_store_open(path, NULL, &st, err, sizeof(err)) != WASP_OK) _exit(2);
    wasp_kv_options o = {.durability = durability};
    if (wasp_kv_open(st, "crash", &o, &kv) != WASP_OK) _exit(3);
    for (uint32_t i = first;; i++) {
        if (put(kv, i, 0) != WASP_OK) _exit(4);
        if (i > 1 && put(kv, i - 1, 1) != WASP_OK) _exit(5);
        if (write(fd, &i, 4) != 4) _exit(6);
    }
}

struct check {
    uint32_t count;
    uint32_t bad;
};

static int check_entry(void *arg, const void *key, size_t klen, const void *val, size_t vlen, uint64_t version) {
    (void)version;
    struct check *c = arg;
    uint8_t want[VMAX];
    char k[16];
    uint32_t idx, gen;
    c->count++;
    if (vlen < 12) return c->bad++, 0;
    memcpy(&idx, val, 4);
    memcpy(&gen, (const uint8_t *)val + 4, 4);
    key_of(idx, k);
    if (klen != strlen(k) || memcmp(key, k, klen) || gen > 1) return c->bad++, 0;
    size_t n = value_of(idx, gen, want);
    if (n != vlen || memcmp(val, want, n)) c->bad++;
    return 0;
}

static void run_round(const char *path, uint32_t first, int durability, unsigned kill_after, uint32_t *next) {
    int p[2];
    assert_int_equal(pipe(p), 0);
    pid_t pid = fork();
    assert_true(pid >= 0);
    if (pid == 0) {
        close(p[0]);
        writer(path, first, durability, p[1]);
    }
    close(p[1]);
    uint32_t acked = first - 1, i;
    unsigned got = 0;
    while (got < kill_after && read(p[0], &i, 4) == 4) acked = i, got++;
    assert_int_equal(got, kill_after);
    tu_sleep_ms(got % 3); /* land the kill somewhere inside a later write */
    kill(pid, SIGKILL);
    while (read(p[0], &i, 4) == 4) acked = i; /* acknowledgements sent before it died */
    close(p[0]);
    int status;
    waitpid(pid, &status, 0);
    assert_true(WIFSIGNALED(status));

    wasp_store *st;
    wasp_kv *kv;
    char err[256];
    assert_int_equal(wasp_store_open(path, NULL, &st, err, sizeof(err)), WASP_OK);
    assert_int_equal(wasp_kv_open(st, "crash", NULL, &kv), WASP_OK);
    char k[16];
    for (uint32_t j = 1; j <= acked; j++) {
        key_of(j, k);
        assert_int_equal(wasp_kv_get(kv, k, strlen(k), NULL, 0, NULL, NULL), WASP_OK);
    }
    struct check c = {0};
    assert_int_equal(wasp_store_foreach(st, "crash", check_entry, &c), WASP_OK);
    assert_int_equal(c.bad, 0);
    assert_true(c.count >= acked);
    assert_true(c.count <= acked + 1); /* at most the write in flight */
    wasp_kv_close(kv);
    wasp_store_close(st);
    *next = c.count + 1;
}

static void test_kill9_while_writing(void **state) {
    (void)state;
    char *dir = tu_tempdir();
    char path[512];
    snprintf(path, sizeof(path), "%s/crash.kv", dir);
    uint32_t next = 1;
    static const unsigned kills[] = {1, 37, 150, 61};
    for (int r = 0; r < 4; r++)
        run_round(path, next, r == 3 ? WASP_DURABILITY_NONE : WASP_DURABILITY_COMMIT, kills[r], &next);
    tu_rmtree(dir);
    free(dir);
}

int main(void) {
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_kill9_while_writing),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
