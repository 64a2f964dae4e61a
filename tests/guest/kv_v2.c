/* kv_v2 - the kv example, version 2: what tests/examples/test_kv.c upgrades to. */
#define KV_VERSION 2
#include "../../examples/kv/kv.c"
