,:= ,
# Thin wrapper over CMake. The two commands the README promises:
#   make run   - set up, build, run the showcase
#   make test  - set up, build, run every test
# Other targets: build, asan, tsan, bench, bench-smoke, clean.

BUILD      ?= build
JOBS       ?= $(shell nproc)
CTEST_ARGS ?= --output-on-failure -j$(JOBS)

# Configure and build one tree: $(call cmake_build,DIR,EXTRA_CMAKE_ARGS)
define cmake_build
	@[ -f $(1)/build.ninja ] || echo "make: first build of wasp in $(1): Wasmtime (once per machine, 10-25 min cold), then wasp and its tests (2-5 min)" >&2
	@wt="$$(./scripts/build-wasmtime.sh)" && \
	cmake -S . -B $(1) -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWASP_WASMTIME_DIR="$$wt" $(2) >/dev/null && \
	cmake --build $(1) -j$(JOBS)
endef

.PHONY: all setup build run test asan tsan bench bench-smoke clean

all: build

setup:
	@./scripts/setup.sh

build: setup
	$(call cmake_build,$(BUILD),)

# The example to poke at (examples/web/README.md: curl, wasp call, wasp top from a
# second terminal): at a terminal it runs until ^C or `wasp stop web`; without
# one (CI) for 3 seconds. Then its statistics on stdout.
RUN_FOR ?= $(shell [ -t 0 ] || echo 3s)
run: build
	@echo "make run: examples/web on http://127.0.0.1:8080$(if $(RUN_FOR), for $(RUN_FOR), until ^C) - try 'curl localhost:8080/count' or './$(BUILD)/wasp top web' from another terminal" >&2
	./$(BUILD)/wasp run $(BUILD)/examples/web/wasp.yaml $(if $(RUN_FOR),--for $(RUN_FOR)) --stats -

test: build
	cd $(BUILD) && ctest $(CTEST_ARGS)

# Address + undefined-behaviour sanitizers over the whole test suite.
asan: setup
	$(call cmake_build,$(BUILD)-asan,-DCMAKE_BUILD_TYPE=Debug -DWASP_SANITIZE=address$(,)undefined)
	cd $(BUILD)-asan && ctest $(CTEST_ARGS)

# Thread sanitizer over the concurrent core (no Wasmtime: it is not TSan-instrumented).
tsan: setup
	cmake -S . -B $(BUILD)-tsan -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DWASP_WITH_WASM=OFF -DWASP_SANITIZE=thread >/dev/null
	cmake --build $(BUILD)-tsan -j$(JOBS)
	cd $(BUILD)-tsan && TSAN_OPTIONS="halt_on_error=1 second_deadlock_stack=1" ctest $(CTEST_ARGS)

# wasp beside Erlang/OTP and CAF, interleaved (docs/BENCHMARKS.md); BENCH_ARGS=--quick for a short look.
bench: build
	./bench/compare $(BENCH_ARGS)

bench-smoke: build
	./$(BUILD)/wasp-bench --smoke --json

# Example systems (examples/NAME): each runs for 2 seconds and prints its statistics.
EXAMPLES := pingpong pipeline pubsub resilience web
.PHONY: $(addprefix example-,$(EXAMPLES))
$(addprefix example-,$(EXAMPLES)): example-%: build
	./$(BUILD)/wasp run $(BUILD)/examples/$*/wasp.yaml --for 2s --stats /dev/stdout

# Installs libwasp (static and shared), its headers, wasp.pc, the CMake
# package and the wasp command under PREFIX; a tree of its own, no tests built.
PREFIX ?= /usr/local
.PHONY: install
install: setup
	$(call cmake_build,$(BUILD)-install,-DCMAKE_BUILD_TYPE=Release -DWASP_BUILD_TESTS=OFF)
	cmake --install $(BUILD)-install --prefix $(PREFIX) --strip

clean:
	rm -rf $(BUILD) $(BUILD)-asan $(BUILD)-tsan $(BUILD)-install
