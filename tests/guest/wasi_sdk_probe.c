/* wasi_sdk_probe - sdk_probe built with wasi-libc (malloc, memcpy from libc). */
#include "sdk_probe.c"
