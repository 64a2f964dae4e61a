# Guest components written in C, compiled to wasm32 with clang and the SDK
# header include/wasp_guest.h.
#
#   wasp_add_guest(NAME SOURCES a.c [b.c ...] [WASI] [OUTPUT_DIR dir]
#                  [TARGET target] [FLAGS clang-flags ...])
#
# builds OUTPUT_DIR/NAME.wasm (default ${CMAKE_CURRENT_BINARY_DIR}) as part of
# ALL, through the custom target TARGET (default guest_NAME). Freestanding by default (no libc,
# imports only from `wasp`); WASI links wasi-libc as a reactor (exports
# `_initialize`, no `_start` of its own, so WASP_START stays the component's).
# SIMD stays off: the host rejects v128.

find_program(WASP_GUEST_CLANG NAMES clang-14 clang DOC "clang with the wasm32 target")
set(WASP_GUEST_SDK_HEADER ${PROJECT_SOURCE_DIR}/include/wasp_guest.h)
set(WASP_GUEST_CFLAGS -O2 -g0 -std=c11 -Wall -Wextra -Werror -mno-simd128
    -I${PROJECT_SOURCE_DIR}/include CACHE INTERNAL "")

if(NOT WASP_GUEST_CLANG)
    message(WARNING "clang not found: guest components are not built (scripts/setup.sh installs it)")
endif()

function(wasp_add_guest name)
    cmake_parse_arguments(G "WASI" "OUTPUT_DIR;TARGET" "SOURCES;FLAGS" ${ARGN})
    if(NOT G_SOURCES)
        message(FATAL_ERROR "wasp_add_guest(${name}): SOURCES is required")
    endif()
    if(NOT G_OUTPUT_DIR)
        set(G_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
    endif()
    if(NOT G_TARGET)
        set(G_TARGET guest_${name})
    endif()
    if(NOT WASP_GUEST_CLANG)
        return()
    endif()
    set(srcs)
    foreach(s ${G_SOURCES})
        get_filename_component(abs ${s} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
        list(APPEND srcs ${abs})
    endforeach()
    if(G_WASI)
        set(mode --target=wasm32-wasi -mexec-model=reactor)
    else()
        set(mode --target=wasm32 -ffreestanding -nostdlib -Wl,--no-entry)
    endif()
    set(out ${G_OUTPUT_DIR}/${name}.wasm)
    add_custom_command(OUTPUT ${out}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${G_OUTPUT_DIR}
        COMMAND ${WASP_GUEST_CLANG} ${mode} -fuse-ld=lld ${WASP_GUEST_CFLAGS} ${G_FLAGS}
                -Wl,--strip-debug -o ${out} ${srcs}
        DEPENDS ${srcs} ${WASP_GUEST_SDK_HEADER}
        COMMENT "wasm32 guest ${name}.wasm"
        VERBATIM)
    add_custom_target(${G_TARGET} ALL DEPENDS ${out})
endfunction()

# Test components (tests/guest/*.c) for the integration tests, built into
# ${CMAKE_BINARY_DIR}/tests/guest/NAME.wasm; files named wasi_*.c link
# wasi-libc. Depend on the target wasp_test_guests to have them all.
set(WASP_TEST_GUEST_DIR ${CMAKE_BINARY_DIR}/tests/guest)
file(GLOB WASP_TEST_GUEST_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/guest/*.c)
add_custom_target(wasp_test_guests)
foreach(src ${WASP_TEST_GUEST_SOURCES})
    get_filename_component(gname ${src} NAME_WE)
    if(gname MATCHES "^wasi_")
        set(wasi WASI)
    else()
        set(wasi)
    endif()
    wasp_add_guest(${gname} SOURCES ${src} ${wasi} OUTPUT_DIR ${WASP_TEST_GUEST_DIR} TARGET test_guest_${gname})
    if(TARGET test_guest_${gname})
        add_dependencies(wasp_test_guests test_guest_${gname})
    endif()
endforeach()
