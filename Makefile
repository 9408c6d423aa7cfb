# agent-trace developer entry points. CI runs `make test` (see .ci/run).
#
#   make deps    install Debian and npm packages (scripts/install-deps.sh, install-npm-deps.sh;
#                quiet when nothing is missing)
#   make build   configure (CMake + Ninja, ccache) and build
#   make test    build, then run every test through ctest
#   make run     build, then start `agent-trace serve` (imports the local history first)
#   make bench   build, then run the benchmarks (bench/run-all.sh)
#   make fmt     clang-format -i over src/ tests/ bench/
#   make lint    clang-format check + clang-tidy over src/
#   make clean   remove the build directory
#
# Overrides: BUILD_DIR=build BUILD_TYPE=RelWithDebInfo JOBS=<nproc> CMAKE_ARGS="-D..."

BUILD_DIR  ?= build
BUILD_TYPE ?= RelWithDebInfo
JOBS       ?= $(shell nproc 2>/dev/null || echo 2)
CMAKE_ARGS ?=

CCACHE_DIR ?= $(HOME)/.cache/ccache
export CCACHE_DIR

CONFIGURE_ARGS := $(strip -G Ninja -DCMAKE_BUILD_TYPE=$(BUILD_TYPE) \
	-DCMAKE_CXX_COMPILER_LAUNCHER=ccache -DCMAKE_EXPORT_COMPILE_COMMANDS=ON $(CMAKE_ARGS))

# C++ sources tracked by git or new and not ignored; falls back to find outside a git checkout.
CXX_FILES = $(shell (git ls-files -co --exclude-standard -- 'src/*.cpp' 'src/*.hpp' \
	'tests/*.cpp' 'tests/*.hpp' 'bench/*.cpp' 'bench/*.hpp' 'tools/*.cpp' 2>/dev/null \
	|| find src tests bench tools -name '*.cpp' -o -name '*.hpp' 2>/dev/null) | grep -v '^$(BUILD_DIR)/' | sort -u)
TIDY_FILES = $(filter src/%.cpp tests/%.cpp bench/%.cpp tools/%.cpp,$(CXX_FILES))

.PHONY: all deps configure build test run bench fmt lint sanitize clean

all: build

deps:
	bash scripts/install-deps.sh
	bash scripts/install-npm-deps.sh

# Configure only when the build tree is missing or the configure arguments changed; after that
# Ninja re-runs CMake by itself whenever a CMakeLists.txt changes.
configure: deps
	@if [ ! -f "$(BUILD_DIR)/build.ninja" ] || \
	    [ "$$(cat "$(BUILD_DIR)/.configure-args" 2>/dev/null)" != "$(CONFIGURE_ARGS)" ]; then \
	  echo "cmake -S . -B $(BUILD_DIR) $(CONFIGURE_ARGS)"; \
	  cmake -S . -B "$(BUILD_DIR)" $(CONFIGURE_ARGS) && \
	  printf '%s\n' "$(CONFIGURE_ARGS)" > "$(BUILD_DIR)/.configure-args"; \
	fi

build: configure
	cmake --build "$(BUILD_DIR)" -j$(JOBS)

test: build
	cd "$(BUILD_DIR)" && ctest --output-on-failure --no-tests=error -j$(JOBS) --timeout 900

# serve imports the existing transcript history on start, then captures live (Ctrl-C stops it).
# Wire Claude Code to it once with `./build/agent-trace init`.
run: build
	./$(BUILD_DIR)/agent-trace serve

bench: build
	BUILD_DIR="$(BUILD_DIR)" bash bench/run-all.sh

fmt:
	@files="$(CXX_FILES)"; [ -z "$$files" ] || clang-format -i $$files

lint: build
	@files="$(CXX_FILES)"; [ -z "$$files" ] || clang-format --dry-run --Werror $$files
	@test -f "$(BUILD_DIR)/compile_commands.json" || \
	  { echo "lint: $(BUILD_DIR)/compile_commands.json missing" >&2; exit 1; }
	@files="$(TIDY_FILES)"; [ -z "$$files" ] || \
	  printf '%s\n' $$files | xargs -P$(JOBS) -n1 clang-tidy -p "$(BUILD_DIR)" --quiet

# Every test under AddressSanitizer + UndefinedBehaviorSanitizer (separate build dir; slower,
# not part of `make test`).
sanitize: deps
	cmake -S . -B build-sanitize -G Ninja -DCMAKE_BUILD_TYPE=Debug -DAGENT_TRACE_BUILD_BENCH=OFF \
	  -DCMAKE_CXX_COMPILER_LAUNCHER=ccache \
	  -DCMAKE_CXX_FLAGS="-fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined"
	cmake --build build-sanitize -j$(JOBS)
	cd build-sanitize && ctest --output-on-failure -j$(JOBS)

clean:
	rm -rf "$(BUILD_DIR)"
