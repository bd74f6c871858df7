# fairaudit build.
#
#   make              build/fairaudit and the unit tests
#   make run          install what is missing, start a private PostgreSQL if
#                     DATABASE_URL is unset, serve on 127.0.0.1:8080
#   make test         the whole test suite (unit, API, browser)
#   make sanitize     the unit and API tests under ASan + UBSan
#   make valgrind     the unit tests under valgrind --leak-check=full
#   make bench        benchmarks against the reference tools
#   make fuzz         every libFuzzer target for FUZZ_SECONDS (60) each, or
#                     FUZZ_RUNS inputs; FUZZ_TARGETS="csv trn" for some
#   make fuzz-smoke   every libFuzzer target briefly (part of make test)
#
# Sources are found by directory: every .c under the pure modules goes into
# build/libfa.a, every .c under server/ and cli/ into the binary, and every .c under
# tests/unit/ becomes one test program linked against libfa.a.

SAN ?=
ifeq ($(SAN),1)
BUILD ?= build-san
SANFLAGS = -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
OPT ?= -O1 -g
else
BUILD ?= build
SANFLAGS =
OPT ?= -O2 -g
endif

CC ?= cc
WARN = -Wall -Wextra -Werror -Wshadow -Wno-unused-parameter -Wno-missing-field-initializers -Wstrict-prototypes \
       -Wmissing-prototypes -Wpointer-arith -Wvla
CFLAGS += -std=c11 $(OPT) $(WARN) $(SANFLAGS) -I. -I/usr/include/postgresql -MMD -MP
LDFLAGS += $(SANFLAGS)
LIBS = -lmicrohttpd -lpq -lcjson -lgsl -lgslcblas -lutf8proc -lcrypto -lm -lpthread
# The offline commands link what they use and nothing more (cli/main.c).
CLI_LIBS = -Wl,--as-needed -lcjson -lgsl -lgslcblas -lutf8proc -lcrypto -lm -lpthread
TESTLIBS = -lcmocka -lcjson -lgsl -lgslcblas -lutf8proc -lcrypto -lm -lpthread

CORE_DIRS = common metrics cohorts ingest evaluate report bounty
CORE_SRC = $(foreach d,$(CORE_DIRS),$(wildcard $(d)/*.c))
SERVER_SRC = $(wildcard server/*.c)
CLI_SRC = $(wildcard cli/*.c)
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o)
SERVER_OBJ = $(SERVER_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ = $(CLI_SRC:%.c=$(BUILD)/%.o)
UNIT_SRC = $(wildcard tests/unit/*/*.c)
UNIT_BIN = $(UNIT_SRC:%.c=$(BUILD)/%)
BENCH_SRC = $(wildcard bench/*.c)
BENCH_BIN = $(BENCH_SRC:%.c=$(BUILD)/%)
TOOL_SRC = $(wildcard tests/tools/*.c)
TOOL_BIN = $(TOOL_SRC:%.c=$(BUILD)/%)

all: $(BUILD)/fairaudit $(UNIT_BIN) $(BENCH_BIN) $(TOOL_BIN)

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) -c -o $@ $<

$(BUILD)/libfa.a: $(CORE_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

# build/fairaudit runs build/fairaudit-server for serve, migrate and keys,
# so building the one builds the other.
$(BUILD)/fairaudit: $(CLI_OBJ) $(BUILD)/libfa.a $(BUILD)/fairaudit-server
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(BUILD)/libfa.a $(CLI_LIBS)

$(BUILD)/fairaudit-server: $(SERVER_OBJ) $(BUILD)/libfa.a
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $(SERVER_OBJ) $(BUILD)/libfa.a $(LIBS)

$(BUILD)/tests/unit/%: tests/unit/%.c $(BUILD)/libfa.a
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libfa.a $(TESTLIBS)

$(BUILD)/tests/tools/%: tests/tools/%.c $(BUILD)/libfa.a
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libfa.a $(TESTLIBS)

$(BUILD)/bench/%: bench/%.c $(BUILD)/libfa.a
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(CFLAGS) -o $@ $< $(BUILD)/libfa.a $(TESTLIBS)

deps:
	@scripts/ensure-deps.sh

run: deps
	@$(MAKE) --no-print-directory all
	@scripts/run.sh

# make key ROLE=hunter NAME=alice: an API key for the private cluster of
# `make run` (or DATABASE_URL), printed once.
# Only the key on standard output (KEY=$$(make -s key ...)): a build it
# needs first reports on standard error.
key:
	@$(MAKE) --no-print-directory all >&2
	@BUILD=$(BUILD) scripts/key.sh "$(ROLE)" "$(NAME)"

test: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/run.sh

unit: all
	@BUILD=$(BUILD) tests/run.sh --unit-only

sanitize: deps
	@$(MAKE) --no-print-directory SAN=1 all
	@BUILD=build-san ASAN_OPTIONS=detect_leaks=1 tests/run.sh --no-browser

valgrind: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) tests/run.sh --unit-only --valgrind

bench: deps
	@$(MAKE) --no-print-directory all
	@BUILD=$(BUILD) bench/run.sh

clean:
	rm -rf build build-san

.PHONY: all deps run key test unit sanitize valgrind bench clean

# ---- fuzzing ----
#
# Every tests/fuzz/fuzz_<t>.c is a libFuzzer target, linked into
# $(FUZZ_BUILD)/fuzz_<t> against the pure modules compiled again with
# clang's coverage and ASan + UBSan instrumentation (plus the server files a
# target names in FUZZ_EXTRA_<t>).  The fuzz build lowers the input limits
# (FUZZ_DEFS) so that inputs of a few hundred bytes reach every "longer
# than" and "more than" path; the code is otherwise the code that ships.
# tests/fuzz/run.sh runs the targets on a scratch copy of
# tests/fuzz/corpus/<t> and prints one TAP line per target.
FUZZ_BUILD ?= build-fuzz
FUZZ_CC ?= clang
FUZZ_SECONDS ?= 60
FUZZ_SMOKE_SECONDS ?= 8
FUZZ_DEFS ?= -DFA_MAX_FIELD_BYTES=64 -DFA_MAX_COLUMNS=8 -DFA_MAX_ERRORS=5 \
	     -DPREDICATE_MAX_BYTES=512 -DPREDICATE_MAX_DEPTH=8 -DPREDICATE_MAX_IN=8
FUZZ_SAN = -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
FUZZ_CFLAGS = -std=c11 -O1 -g $(WARN) $(FUZZ_SAN) $(FUZZ_DEFS) -I. -I/usr/include/postgresql -MMD -MP
FUZZ_LIBS = $(filter-out -lcmocka,$(TESTLIBS))
FUZZ_SRC = $(wildcard tests/fuzz/fuzz_*.c)
FUZZ_BIN = $(FUZZ_SRC:tests/fuzz/%.c=$(FUZZ_BUILD)/%)
FUZZ_CORE_OBJ = $(CORE_SRC:%.c=$(FUZZ_BUILD)/%.o)
FUZZ_EXTRA_fuzz_reqjson = $(FUZZ_BUILD)/server/reqjson.o
FUZZ_EXTRA_fuzz_share = $(FUZZ_BUILD)/server/share.o

$(FUZZ_BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $<"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer-no-link -c -o $@ $<

# common/strmap.c keeps its strings in 1 MiB chunks, and under ASan each one
# costs an mmap and a page-faulting poisoning of its shadow: a few ms for
# every JSON parser made, 50 times the cost of the parse.  The fuzz build
# compiles a copy that differs only in 4 KiB chunks.
$(FUZZ_BUILD)/common/strmap.o: common/strmap.c
	@mkdir -p $(dir $@)
	@echo "  FUZZCC  $< (4 KiB chunks)"
	@sed 's/^#define STRMAP_CHUNK .*/#define STRMAP_CHUNK 4096u/' $< >$(@:.o=_fuzz.c)
	@grep -q '^#define STRMAP_CHUNK 4096u$$' $(@:.o=_fuzz.c) || \
		{ echo "$<: no STRMAP_CHUNK to shrink" >&2; exit 1; }
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -iquote common -fsanitize=fuzzer-no-link -c -o $@ $(@:.o=_fuzz.c)

$(FUZZ_BUILD)/libfa.a: $(FUZZ_CORE_OBJ)
	@rm -f $@
	@echo "  AR      $@"
	@ar rcs $@ $^

$(FUZZ_BUILD)/fuzz_reqjson: $(FUZZ_EXTRA_fuzz_reqjson)
$(FUZZ_BUILD)/fuzz_share: $(FUZZ_EXTRA_fuzz_share)
$(FUZZ_BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_BUILD)/libfa.a
	@echo "  LINK    $@"
	@$(FUZZ_CC) $(FUZZ_CFLAGS) -fsanitize=fuzzer -o $@ $< \
		$(FUZZ_EXTRA_fuzz_$*) $(FUZZ_BUILD)/libfa.a $(FUZZ_LIBS)

fuzz-build: $(FUZZ_BIN)

fuzz: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) FUZZ_RUNS=$(FUZZ_RUNS) FUZZ_MAX_LEN=$(FUZZ_MAX_LEN) \
		tests/fuzz/run.sh $(FUZZ_SECONDS) $(FUZZ_TARGETS)

fuzz-smoke: fuzz-build
	@FUZZ_BUILD=$(FUZZ_BUILD) tests/fuzz/run.sh $(FUZZ_SMOKE_SECONDS)

fuzz-clean:
	rm -rf $(FUZZ_BUILD)

.PHONY: fuzz-build fuzz fuzz-smoke fuzz-clean

# The OpenAPI document is embedded with .incbin.
$(BUILD)/server/h_meta.o: server/openapi.json

-include $(CORE_OBJ:.o=.d) $(SERVER_OBJ:.o=.d)
-include $(FUZZ_CORE_OBJ:.o=.d) $(FUZZ_BIN:=.d) $(FUZZ_EXTRA_fuzz_reqjson:.o=.d) \
	 $(FUZZ_EXTRA_fuzz_share:.o=.d)
