# Repair Ledger — build, run, test, benchmark.
# `make run` and `make test` install what is missing through scripts/install-deps.

CC      ?= cc
BUILD   ?= build
VERSION := $(shell git describe --always --dirty 2>/dev/null || echo dev)

PKGS      := libulfius libmicrohttpd jansson libpq libcrypto libcurl libqrencode cairo cairo-pdf cairo-svg cairo-png
TEST_PKGS := criterion libcurl

WARN      := -Wall -Wextra -Werror -Wpedantic -Wconversion -Wshadow -Wstrict-prototypes
CFLAGS    ?= -O2 -g
ALL_CFLAGS = -std=c17 -D_GNU_SOURCE $(WARN) $(CFLAGS) $(EXTRA_CFLAGS) -I. -I$(BUILD)/gen \
             $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -DRL_VERSION='"$(VERSION)"'
LIBS       = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread -lm
TEST_LIBS  = $(shell pkg-config --libs $(TEST_PKGS) 2>/dev/null)
TEST_CFLAGS= $(shell pkg-config --cflags $(TEST_PKGS) 2>/dev/null)

CORE_SRC   := $(wildcard core/*.c core/store/*.c)
LABELS_SRC := $(wildcard labels/*.c)
API_SRC    := $(filter-out api/main.c,$(wildcard api/*.c))
EMBED      := $(sort $(wildcard sql/*.sql sql/data/*.csv)) openapi/openapi.yaml $(sort $(wildcard web/*))
GEN_SRC    := $(BUILD)/gen/embedded.c

LIB_OBJ  := $(patsubst %.c,$(BUILD)/obj/%.o,$(CORE_SRC) $(LABELS_SRC) $(API_SRC)) $(BUILD)/obj/gen/embedded.o
UNIT_SRC := $(wildcard tests/unit/*.c)
INT_SRC  := $(wildcard tests/integration/*.c) tests/helpers/th.c
PROC_SRC := $(wildcard tests/process/*.c) tests/helpers/th.c
FUZZ_SRC := $(wildcard tests/fuzz/fuzz_*.c)

.PHONY: all run test test-unit test-integration test-asan memcheck bench lint format compdb clean deps test-deps fuzz fuzz-build fuzz-bins

all: $(BUILD)/repaird

deps:
	@scripts/install-deps

test-deps:
	@scripts/install-deps --test

$(BUILD)/gen/embedded.c: $(EMBED) scripts/embed
	@mkdir -p $(dir $@)
	scripts/embed $@ $(EMBED)

$(BUILD)/obj/gen/embedded.o: $(BUILD)/gen/embedded.c
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -Wno-overlength-strings -c $< -o $@

$(BUILD)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "CC $<"; $(CC) $(ALL_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/obj/tests/%.o: tests/%.c
	@mkdir -p $(dir $@)
	@echo "CC $<"; $(CC) $(ALL_CFLAGS) $(TEST_CFLAGS) -MMD -MP -c $< -o $@

$(BUILD)/repaird: $(LIB_OBJ) $(BUILD)/obj/api/main.o
	@echo "LD $@"; $(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

$(BUILD)/test_unit: $(LIB_OBJ) $(patsubst %.c,$(BUILD)/obj/%.o,$(UNIT_SRC))
	@echo "LD $@"; $(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS) $(TEST_LIBS)

$(BUILD)/test_integration: $(patsubst %.c,$(BUILD)/obj/%.o,$(INT_SRC))
	@echo "LD $@"; $(CC) $(ALL_CFLAGS) -o $@ $^ $(shell pkg-config --libs jansson) $(TEST_LIBS) -lpthread

$(BUILD)/test_process: $(patsubst %.c,$(BUILD)/obj/%.o,$(PROC_SRC))
	@echo "LD $@"; $(CC) $(ALL_CFLAGS) -o $@ $^ $(shell pkg-config --libs jansson) $(TEST_LIBS) -lpthread

$(BUILD)/fuzz_%: $(LIB_OBJ) $(BUILD)/obj/tests/fuzz/fuzz_%.o
	@echo "LD $@"; $(CC) $(ALL_CFLAGS) -fsanitize=fuzzer -o $@ $^ $(LIBS)

fuzz-bins: $(patsubst tests/fuzz/%.c,$(BUILD)/%,$(FUZZ_SRC))

$(BUILD)/bench_labels: $(LIB_OBJ) $(BUILD)/obj/tests/bench/bench_labels.o
	@echo "LD $@"; $(CC) $(ALL_CFLAGS) -o $@ $^ $(LIBS)

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run

# Everything the tests need is installed and started by the scripts: a
# throw-away PostgreSQL cluster and a real repaird on free ports.
test: test-deps
	@$(MAKE) --no-print-directory all $(BUILD)/test_unit $(BUILD)/test_integration $(BUILD)/test_process
	@$(MAKE) --no-print-directory fuzz-build
	@RL_FUZZ_BUILD=build/fuzz scripts/run-tests $(BUILD)

# The libFuzzer harnesses of every parser of outside input (docs/fuzzing.md),
# built with clang and AddressSanitizer in build/fuzz; `make fuzz` runs each
# for RL_FUZZ_SECONDS (default 600) from the seeds in tests/fuzz/corpus, and
# `make test` for a few seconds.
FUZZ_FLAGS := -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined
fuzz-build:
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang WARN=-w \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer" EXTRA_CFLAGS="$(FUZZ_FLAGS)" fuzz-bins

fuzz: test-deps
	@$(MAKE) --no-print-directory fuzz-build
	@scripts/fuzz build/fuzz

test-asan: test-deps
	@$(MAKE) --no-print-directory BUILD=build/asan CFLAGS="-O1 -g -fno-omit-frame-pointer" \
	  EXTRA_CFLAGS="-fsanitize=address,undefined -fno-sanitize-recover=undefined" \
	  build/asan/repaird build/asan/test_unit build/asan/test_integration build/asan/test_process
	@RL_SANITIZE=asan scripts/run-tests build/asan

memcheck: test-deps
	@$(MAKE) --no-print-directory all $(BUILD)/test_unit $(BUILD)/test_integration $(BUILD)/test_process
	@RL_SANITIZE=valgrind RL_UNIT_JOBS=1 scripts/run-tests $(BUILD)

bench: test-deps
	@$(MAKE) --no-print-directory all $(BUILD)/bench_labels
	@scripts/bench $(BUILD)

lint: test-deps
	@scripts/lint

# The same files, .clang-format and clang-format 14 as the check in scripts/lint.
FORMAT_SRC    = $(shell find api core labels tests -name '*.[ch]' | LC_ALL=C sort)
CLANG_FORMAT ?= $(shell command -v clang-format-14 || echo clang-format)

format:
	@$(CLANG_FORMAT) --version | grep -q 'version 14\.' || \
	  { echo "make format: clang-format 14 is needed (make test-deps)" >&2; exit 1; }
	$(CLANG_FORMAT) -i $(FORMAT_SRC)

# $(BUILD)/compile_commands.json for clang-tidy (scripts/lint) and editors:
# every C file with the flags this Makefile compiles it with. Not checked in.
COMPDB_SRC      := $(CORE_SRC) $(LABELS_SRC) $(API_SRC) api/main.c
COMPDB_TEST_SRC := $(sort $(UNIT_SRC) $(INT_SRC) $(PROC_SRC) $(wildcard tests/bench/*.c))

compdb: export RL_CC = $(CC)
compdb: export RL_CFLAGS = $(ALL_CFLAGS)
compdb: export RL_TEST_CFLAGS = $(TEST_CFLAGS)
compdb:
	@mkdir -p $(BUILD)
	@scripts/compdb $(BUILD)/compile_commands.json $(COMPDB_SRC) -- $(COMPDB_TEST_SRC)

clean:
	rm -rf build

-include $(shell find $(BUILD)/obj -name '*.d' 2>/dev/null)
