/* relay_v2 - relay.c, version 2 (the upgrade target). */
#define RELAY_VERSION 2
#include "relay.c"
