#!/usr/bin/env python3
"""check-modules.py - the module graph of libwasp from its object files.

A module is a private header and the .c files that implement it (actor.h:
actor.c and actor_run.c; topics.h: topics.c and topic_pattern.c). The
folders above the runtime share one private header each, so each of them
(supervisor, engine, component, store, manifest, dist, testkit) is one
module. Module A depends on module B when one of
A's objects references a symbol one of B's objects defines. Prints the edges
and fails on any circle spanning more than one module (docs/ARCHITECTURE.md).

It also checks what the layers above the runtime may see of it, following
#include lines transitively from their sources: the supervisor only the
runtime's event channel and completions (runtime/events.h,
runtime/completion.h), never the actor's insides. And it checks that Wasmtime's
API appears only in the engine and in the component layer's import bindings and
export calls (WASMTIME_ALLOWED).

    scripts/check-modules.py build/CMakeFiles/wasp.dir/src/*/*.o
"""
import os
import re
import subprocess
import sys

ROOT = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..")
# folder -> the runtime headers its sources may reach (transitively)
RUNTIME_VIEW = {"src/supervisor": {"runtime/events.h", "runtime/completion.h"}}

# files whose module is not their own name
GROUPS = {"actor_run": "actor", "topic_pattern": "topics"}
# folders that are one module each
FOLDERS = {"supervisor", "engine", "component", "store", "manifest", "dist", "testkit"}


def module(path):
    stem = os.path.basename(path).split(".")[0]
    folder = os.path.basename(os.path.dirname(path))
    if folder in FOLDERS:
        return folder
    return GROUPS.get(stem, stem)


def includes(path):
    """The project headers path includes ("dir/name.h"), existing under src/."""
    try:
        text = open(path).read()
    except OSError:
        return []
    found = re.findall(r'^\s*#\s*include\s+"([^"]+)"', text, re.M)
    return [h for h in found if os.path.exists(os.path.join(ROOT, "src", h))]


def runtime_view_errors():
    errors = []
    for folder, allowed in RUNTIME_VIEW.items():
        base = os.path.join(ROOT, folder)
        for name in sorted(os.listdir(base)):
            if not name.endswith((".c", ".h")):
                continue
            seen, todo = set(), [os.path.join(base, name)]
            while todo:
                for h in includes(todo.pop()):
                    if h not in seen:
                        seen.add(h)
                        todo.append(os.path.join(ROOT, "src", h))
            bad = sorted(h for h in seen if h.startswith("runtime/") and h not in allowed)
            if bad:
                errors.append(f"{folder}/{name} reaches {', '.join(bad)} (allowed: {', '.join(sorted(allowed))})")
    return errors


# Where Wasmtime's names may appear (docs/ARCHITECTURE.md): the engine, and in
# the component layer the import bindings and the export calls they begin.
WASMTIME_ALLOWED = ("src/engine/", "src/component/host_", "src/component/component_actor.c",
                    "src/component/component.h")


def wasmtime_errors():
    errors = []
    for folder, _, names in os.walk(os.path.join(ROOT, "src")):
        for name in sorted(names):
            if not name.endswith((".c", ".h")):
                continue
            path = os.path.join(folder, name)
            rel = os.path.relpath(path, ROOT)
            if rel.startswith(WASMTIME_ALLOWED):
                continue
            text = open(path).read()
            if re.search(r"<wasmtime\.h>|\bwasmtime_\w+_t\b|\bwasm_\w+_t\b|\bwasmtime_\w+\(", text):
                errors.append(f"{rel} uses Wasmtime's API (allowed only in {', '.join(WASMTIME_ALLOWED)})")
    return errors


def main(objs):
    defs, uses = {}, {}
    for o in objs:
        m = module(o)
        out = subprocess.run(["nm", o], capture_output=True, text=True, check=True).stdout
        for line in out.splitlines():
            p = line.split()
            if len(p) == 3 and p[1] in "TDBRCV":
                defs[p[2]] = m
            elif len(p) == 2 and p[0] == "U":
                uses.setdefault(m, set()).add(p[1])
    edges = {m: {defs[u] for u in us if u in defs and defs[u] != m} for m, us in uses.items()}
    index, low, stack, on, sccs = {}, {}, [], set(), []

    def visit(v):  # Tarjan's strongly connected components
        index[v] = low[v] = len(index)
        stack.append(v)
        on.add(v)
        for w in sorted(edges.get(v, ())):
            if w not in index:
                visit(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            sccs.append(comp)

    sys.setrecursionlimit(10000)
    for v in sorted(set(defs.values()) | set(edges)):
        if v not in index:
            visit(v)
    for m in sorted(edges):
        if edges[m]:
            print(f"{m} -> {' '.join(sorted(edges[m]))}")
    circles = [c for c in sccs if len(c) > 1]
    for c in circles:
        print("circle:", " ".join(sorted(c)), file=sys.stderr)
    views = runtime_view_errors() + wasmtime_errors()
    for v in views:
        print("layer:", v, file=sys.stderr)
    return 1 if circles or views else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
