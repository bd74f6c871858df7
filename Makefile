# fairaudit build.
#
#   make              build/fairaudit and the unit tests
#   make run          install what is missing, start a private PostgreSQL if
#                     DATABASE_URL is unset, serve on 127.0.0.1:8080
#   make test         the whole test suite (unit, API, browser)
#   make sanitize     the unit and API tests under ASan + UBSan
#   make valgrind     the unit tests under valgrind --leak-check=full
#   make bench        benchmarks against the reference tools
#
# Sources are found by directory: every .c under the pure modules goes into
# build/libfa.a, every .c under server/ into the binary, and every .c under
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
TESTLIBS = -lcmocka -lcjson -lgsl -lgslcblas -lutf8proc -lcrypto -lm -lpthread

CORE_DIRS = common metrics cohorts ingest report bounty
CORE_SRC = $(foreach d,$(CORE_DIRS),$(wildcard $(d)/*.c))
SERVER_SRC = $(wildcard server/*.c)
CORE_OBJ = $(CORE_SRC:%.c=$(BUILD)/%.o)
SERVER_OBJ = $(SERVER_SRC:%.c=$(BUILD)/%.o)
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

$(BUILD)/fairaudit: $(SERVER_OBJ) $(BUILD)/libfa.a
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

.PHONY: all deps run test unit sanitize valgrind bench clean

# The OpenAPI document is embedded with .incbin.
$(BUILD)/server/h_meta.o: server/openapi.json

-include $(CORE_OBJ:.o=.d) $(SERVER_OBJ:.o=.d)
