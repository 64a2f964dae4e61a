# Guest components written in C, compiled to wasm32 with clang and the SDK
# header include/wasp_guest.h.
#
#   wasp_add_guest(NAME SOURCES a.c [b.c ...] [WASI] [COMPONENT] [BINDGEN] [OUTPUT_DIR dir]
#                  [TARGET target] [FLAGS clang-flags ...])
#
# builds OUTPUT_DIR/NAME.wasm (default ${CMAKE_CURRENT_BINARY_DIR}) as part of
# ALL, through the custom target TARGET (default guest_NAME). Freestanding by default (no libc,
# imports only from `wasp`); WASI links wasi-libc as a reactor (exports
# `_initialize`, no `_start` of its own, so WASP_START stays the component's).
# SIMD stays off: the host rejects v128.
# COMPONENT builds a Component Model component of world
# wasp:actor/supervised-actor instead (wit/actor.wit): the source is compiled
# with -DWASP_COMPONENT, then `wasm-tools component embed` + `component new`
# wrap it (with the WASI preview1 adapter when WASI). BINDGEN builds a
# component from sources written against wit-bindgen's C bindings instead of
# the SDK: `wit-bindgen c` generates supervised_actor.{c,h} and the world's
# type object from wit/ (include "supervised_actor.h"), they are compiled
# with the sources against wasi-libc (the bindings use malloc; no WASI import
# follows unless the sources use I/O, then add WASI), and `component new`
# wraps the result. wasm-tools, wit-bindgen and the adapter come from
# scripts/setup-guest-tools.sh.

find_program(WASP_GUEST_CLANG NAMES clang-14 clang DOC "clang with the wasm32 target")
set(WASP_GUEST_SDK_HEADER ${PROJECT_SOURCE_DIR}/include/wasp_guest.h)
set(WASP_GUEST_CFLAGS -O2 -g0 -std=c11 -Wall -Wextra -Werror -mno-simd128
    -I${PROJECT_SOURCE_DIR}/include CACHE INTERNAL "")

if(NOT WASP_GUEST_CLANG)
    message(WARNING "clang not found: guest components are not built (scripts/setup.sh installs it)")
endif()

set(WASP_GUEST_TOOLS_DIR "$ENV{HOME}/.cache/wasp/guest-tools" CACHE PATH
    "guest tools (wasm-tools, componentize-py, componentize-js) from scripts/setup-guest-tools.sh")
find_program(WASP_WASM_TOOLS NAMES wasm-tools HINTS ${WASP_GUEST_TOOLS_DIR}/bin NO_DEFAULT_PATH)
set(WASP_WIT_DIR ${PROJECT_SOURCE_DIR}/wit)
set(WASP_WASI_ADAPTER ${WASP_GUEST_TOOLS_DIR}/adapters/wasi_snapshot_preview1.reactor.wasm)
if(NOT WASP_WASM_TOOLS)
    message(WARNING "wasm-tools not found: C components are not built (run scripts/setup-guest-tools.sh)")
endif()
find_program(WASP_WIT_BINDGEN NAMES wit-bindgen HINTS ${WASP_GUEST_TOOLS_DIR}/bin NO_DEFAULT_PATH)
if(NOT WASP_WIT_BINDGEN)
    message(WARNING "wit-bindgen not found: C components with generated bindings are not built (run scripts/setup-guest-tools.sh)")
endif()
find_program(WASP_COMPONENTIZE_PY NAMES componentize-py HINTS ${WASP_GUEST_TOOLS_DIR}/bin NO_DEFAULT_PATH)
find_program(WASP_COMPONENTIZE_JS NAMES componentize-js HINTS ${WASP_GUEST_TOOLS_DIR}/bin NO_DEFAULT_PATH)

# Python and JavaScript components of world wasp:actor (wit/actor.wit):
#   wasp_add_py_component(NAME DIR dir [APP module] [WORLD w] [OUTPUT_DIR d] [TARGET t])
#     componentize-py over the module APP (default app) found in DIR
#   wasp_add_js_component(NAME SOURCE file.js [WORLD w] [OUTPUT_DIR d] [TARGET t])
#     componentize-js over one ES module; wasi:http is left out (wasp grants no HTTP)
# Both run offline once scripts/setup-guest-tools.sh installed the tools; WORLD
# is actor (default for Python) or supervised-actor (default for JavaScript).
function(wasp_add_py_component name)
    cmake_parse_arguments(P "" "DIR;APP;WORLD;OUTPUT_DIR;TARGET" "" ${ARGN})
    if(NOT P_APP)
        set(P_APP app)
    endif()
    if(NOT P_WORLD)
        set(P_WORLD actor)
    endif()
    if(NOT P_OUTPUT_DIR)
        set(P_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
    endif()
    if(NOT P_TARGET)
        set(P_TARGET pycomponent_${name})
    endif()
    if(NOT WASP_COMPONENTIZE_PY)
        message(WARNING "componentize-py not found: ${name}.wasm is not built (run scripts/setup-guest-tools.sh)")
        return()
    endif()
    get_filename_component(dir ${P_DIR} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    file(GLOB py CONFIGURE_DEPENDS ${dir}/*.py)
    set(out ${P_OUTPUT_DIR}/${name}.wasm)
    add_custom_command(OUTPUT ${out}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${P_OUTPUT_DIR}
        COMMAND ${WASP_COMPONENTIZE_PY} -d ${WASP_WIT_DIR} -w ${P_WORLD} componentize -p ${dir} ${P_APP} -o ${out}
        DEPENDS ${py} ${WASP_WIT_DIR}/actor.wit
        COMMENT "componentize-py ${name}.wasm"
        VERBATIM)
    add_custom_target(${P_TARGET} ALL DEPENDS ${out})
endfunction()

function(wasp_add_js_component name)
    cmake_parse_arguments(J "" "SOURCE;WORLD;OUTPUT_DIR;TARGET" "" ${ARGN})
    if(NOT J_WORLD)
        set(J_WORLD supervised-actor)
    endif()
    if(NOT J_OUTPUT_DIR)
        set(J_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
    endif()
    if(NOT J_TARGET)
        set(J_TARGET jscomponent_${name})
    endif()
    if(NOT WASP_COMPONENTIZE_JS)
        message(WARNING "componentize-js not found: ${name}.wasm is not built (run scripts/setup-guest-tools.sh)")
        return()
    endif()
    get_filename_component(src ${J_SOURCE} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
    set(out ${J_OUTPUT_DIR}/${name}.wasm)
    add_custom_command(OUTPUT ${out}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${J_OUTPUT_DIR}
        COMMAND ${WASP_COMPONENTIZE_JS} ${src} --wit ${WASP_WIT_DIR} -n ${J_WORLD} -d http fetch-event -o ${out}
        DEPENDS ${src} ${WASP_WIT_DIR}/actor.wit
        COMMENT "componentize-js ${name}.wasm"
        VERBATIM)
    add_custom_target(${J_TARGET} ALL DEPENDS ${out})
endfunction()

function(wasp_add_guest name)
    cmake_parse_arguments(G "WASI;COMPONENT;BINDGEN" "OUTPUT_DIR;TARGET" "SOURCES;FLAGS" ${ARGN})
    if(NOT G_SOURCES)
        message(FATAL_ERROR "wasp_add_guest(${name}): SOURCES is required")
    endif()
    if(NOT G_OUTPUT_DIR)
        set(G_OUTPUT_DIR ${CMAKE_CURRENT_BINARY_DIR})
    endif()
    if(NOT G_TARGET)
        set(G_TARGET guest_${name})
    endif()
    if(G_BINDGEN)
        set(G_COMPONENT TRUE)
    endif()
    if(NOT WASP_GUEST_CLANG OR (G_COMPONENT AND NOT WASP_WASM_TOOLS) OR (G_BINDGEN AND NOT WASP_WIT_BINDGEN))
        return()
    endif()
    set(srcs)
    foreach(s ${G_SOURCES})
        get_filename_component(abs ${s} ABSOLUTE BASE_DIR ${CMAKE_CURRENT_SOURCE_DIR})
        list(APPEND srcs ${abs})
    endforeach()
    if(G_WASI OR G_BINDGEN) # BINDGEN: the bindings need wasi-libc's malloc (no WASI import)
        set(mode --target=wasm32-wasi -mexec-model=reactor)
    else()
        set(mode --target=wasm32 -ffreestanding -nostdlib -Wl,--no-entry)
    endif()
    set(out ${G_OUTPUT_DIR}/${name}.wasm)
    # A single source's headers and #included files, as clang saw them, so that a guest is
    # rebuilt when a file it includes changes (not only the SDK header).
    set(depflags)
    set(depfile)
    list(LENGTH srcs nsrcs)
    if(nsrcs EQUAL 1)
        set(depflags -MD -MF ${out}.d -MT ${out})
        set(depfile DEPFILE ${out}.d)
    endif()
    if(G_COMPONENT)
        set(core ${CMAKE_CURRENT_BINARY_DIR}/cm_core/${name}.core.wasm) # the module inside, before wrapping
        set(adapt)
        if(G_WASI)
            set(adapt --adapt wasi_snapshot_preview1=${WASP_WASI_ADAPTER})
        endif()
        # The world goes in either as wit-bindgen's type object or by `component embed`.
        if(G_BINDGEN)
            set(gen ${CMAKE_CURRENT_BINARY_DIR}/bindgen/${name})
            set(prepare COMMAND ${WASP_WIT_BINDGEN} c ${WASP_WIT_DIR} --world supervised-actor --out-dir ${gen})
            set(generated -I${gen} ${gen}/supervised_actor.c ${gen}/supervised_actor_component_type.o)
            set(embed)
        else()
            set(prepare)
            set(generated)
            set(embed COMMAND ${WASP_WASM_TOOLS} component embed ${WASP_WIT_DIR} --world supervised-actor ${core} -o ${core})
        endif()
        add_custom_command(OUTPUT ${out}
            COMMAND ${CMAKE_COMMAND} -E make_directory ${G_OUTPUT_DIR} ${CMAKE_CURRENT_BINARY_DIR}/cm_core
            ${prepare}
            COMMAND ${WASP_GUEST_CLANG} ${mode} -fuse-ld=lld ${WASP_GUEST_CFLAGS} -DWASP_COMPONENT ${G_FLAGS}
                    ${depflags} -Wl,--strip-debug -o ${core} ${srcs} ${generated}
            ${embed}
            COMMAND ${WASP_WASM_TOOLS} component new ${core} ${adapt} -o ${out}
            DEPENDS ${srcs} ${WASP_GUEST_SDK_HEADER} ${PROJECT_SOURCE_DIR}/include/wasp_guest_component.h
                    ${WASP_WIT_DIR}/actor.wit
            ${depfile}
            COMMENT "component ${name}.wasm"
            VERBATIM)
    else()
    add_custom_command(OUTPUT ${out}
        COMMAND ${CMAKE_COMMAND} -E make_directory ${G_OUTPUT_DIR}
        COMMAND ${WASP_GUEST_CLANG} ${mode} -fuse-ld=lld ${WASP_GUEST_CFLAGS} ${G_FLAGS}
                ${depflags} -Wl,--strip-debug -o ${out} ${srcs}
        DEPENDS ${srcs} ${WASP_GUEST_SDK_HEADER}
        ${depfile}
        COMMENT "wasm32 guest ${name}.wasm"
        VERBATIM)
    endif()
    add_custom_target(${G_TARGET} ALL DEPENDS ${out})
endfunction()

# Test components (tests/guest/*.c) for the integration tests, built into
# ${CMAKE_BINARY_DIR}/tests/guest/NAME.wasm; files named wasi_*.c link
# wasi-libc. Depend on the target wasp_test_guests to have them all.
set(WASP_TEST_GUEST_DIR ${CMAKE_BINARY_DIR}/tests/guest)
file(GLOB WASP_TEST_GUEST_SOURCES CONFIGURE_DEPENDS ${PROJECT_SOURCE_DIR}/tests/guest/*.c)
add_custom_target(wasp_test_guests)
set(WASP_TEST_CM_GUESTS echo counter sdk_probe wasi_files wasi_hostile kv_probe codec_probe hostile worker)
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
    # These also as components, in tests/guest/cm/ (tests/component/test_cm_actors.c).
    if(NOT gname IN_LIST WASP_TEST_CM_GUESTS)
        continue()
    endif()
    wasp_add_guest(${gname} SOURCES ${src} ${wasi} COMPONENT OUTPUT_DIR ${WASP_TEST_GUEST_DIR}/cm
                   TARGET test_cm_guest_${gname})
    if(TARGET test_cm_guest_${gname})
        add_dependencies(wasp_test_guests test_cm_guest_${gname})
    endif()
endforeach()
