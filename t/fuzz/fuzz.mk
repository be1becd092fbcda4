# libFuzzer targets over src/ (see t/fuzz/README). Included by the Makefile.
#
#   make fuzz [FUZZ_SECONDS=60]      run every target FUZZ_SECONDS seconds
#   make fuzz-smoke                  build every target, run each a few seconds
#   make fuzz FUZZ_TARGETS="odata form"   only these targets
#   make fuzz-smoke FUZZ_ALLOW=error-message   tolerate a known finding (README)
#
# Needs clang++ and its sanitizer runtimes (Debian: clang, libclang-rt-14-dev).
# Everything is built apart from the gcc objects, in build/fuzz/. Each run
# works on build/fuzz/corpus/NAME, a copy of the committed seeds in
# t/fuzz/corpus/NAME plus what earlier runs found; crashes land in
# build/fuzz/artifacts/NAME/, the full libFuzzer output in build/fuzz/logs/.

FUZZ_CXX           ?= clang++
FUZZ_SECONDS       ?= 60
FUZZ_SMOKE_SECONDS ?= 3
FUZZ_ALLOW         ?=
FUZZ_DIR           ?= build/fuzz
FUZZ_ALL           := $(patsubst t/fuzz/fuzz_%.c++,%,$(wildcard t/fuzz/fuzz_*.c++))
FUZZ_TARGETS       ?= $(FUZZ_ALL)
FUZZ_BINS          := $(patsubst %,$(FUZZ_DIR)/fuzz_%,$(FUZZ_ALL))
FUZZ_FLAGS         := -std=c++17 -g -O1 -fsanitize=fuzzer,address,undefined \
	-fno-sanitize-recover=undefined -fno-omit-frame-pointer -Isrc
FUZZ_LIBS          := -llmdb -ljansson -lsodium -lunistring
FUZZ_OBJS          := $(patsubst src/%.c++,$(FUZZ_DIR)/obj/%.o,$(wildcard src/*.c++)) \
	$(FUZZ_DIR)/obj/openapi_json.o
# the scratch LMDB stores of the body and router targets (tmpfs when there is one)
FUZZ_TMPDIR        ?= $(if $(wildcard /dev/shm/.),/dev/shm,$(CURDIR)/$(FUZZ_DIR))
# for one input: -timeout seconds, -rss_limit_mb megabytes
FUZZ_RUN_FLAGS     ?= -timeout=10 -rss_limit_mb=2048

.PHONY: fuzz fuzz-smoke fuzz-build fuzz-toolchain

fuzz-toolchain:
	@command -v $(FUZZ_CXX) >/dev/null 2>&1 || { \
		echo "fuzz: $(FUZZ_CXX) not found: install the Debian packages clang and libclang-rt-14-dev"; \
		exit 1; }
	@mkdir -p $(FUZZ_DIR)
	@echo 'extern "C" int LLVMFuzzerTestOneInput(const unsigned char *, unsigned long) { return 0; }' \
		| $(FUZZ_CXX) -x c++ $(FUZZ_FLAGS) -o $(FUZZ_DIR)/toolchain-check - >/dev/null 2>&1 || { \
		echo "fuzz: $(FUZZ_CXX) cannot link -fsanitize=fuzzer,address,undefined:" \
			"install the Debian package libclang-rt-14-dev"; exit 1; }
	@rm -f $(FUZZ_DIR)/toolchain-check

$(FUZZ_DIR)/obj/%.o: src/%.c++ $(wildcard src/*.h++) | fuzz-toolchain
	@mkdir -p $(@D)
	@echo "  FUZZCXX $<"
	@$(FUZZ_CXX) $(FUZZ_FLAGS) -c -o $@ $<

$(FUZZ_DIR)/obj/openapi_json.o: src/openapi_json.S $(OPENAPI) | fuzz-toolchain
	@mkdir -p $(@D)
	@echo "  FUZZAS  $<"
	@$(FUZZ_CXX) $(OPENAPI_DEF) -c -o $@ $<

$(FUZZ_DIR)/libmtt.a: $(FUZZ_OBJS)
	@rm -f $@
	@ar rcs $@ $^

$(FUZZ_DIR)/fuzz_%: t/fuzz/fuzz_%.c++ t/fuzz/fuzz_common.h++ $(FUZZ_DIR)/libmtt.a | fuzz-toolchain
	@echo "  FUZZLD  $@"
	@$(FUZZ_CXX) $(FUZZ_FLAGS) -It/fuzz -o $@ $< $(FUZZ_DIR)/libmtt.a $(FUZZ_LIBS)

fuzz-build: $(FUZZ_BINS)

# $(call fuzz_run,SECONDS): runs each of FUZZ_TARGETS, prints one line per
# target, and fails when any of them found a crash, leak, timeout or broken
# invariant.
define fuzz_run
	@fail=0; tmp=$$(mktemp -d $(FUZZ_TMPDIR)/mtt-fuzz-run.XXXXXX) || exit 1; \
	for name in $(FUZZ_TARGETS); do \
		bin=$(FUZZ_DIR)/fuzz_$$name; work=$(FUZZ_DIR)/corpus/$$name; \
		art=$(FUZZ_DIR)/artifacts/$$name; log=$(FUZZ_DIR)/logs/$$name.log; \
		if [ ! -x $$bin ]; then echo "fuzz: no target $$name (have: $(FUZZ_ALL))"; fail=1; continue; fi; \
		mkdir -p $$work $$art $(FUZZ_DIR)/logs; \
		cp -f t/fuzz/corpus/$$name/* $$work/ 2>/dev/null; \
		dict=; [ -f t/fuzz/$$name.dict ] && dict=-dict=t/fuzz/$$name.dict; \
		MTT_FUZZ_TMPDIR=$$tmp MTT_FUZZ_ALLOW="$(FUZZ_ALLOW)" $$bin $(FUZZ_RUN_FLAGS) $$dict -max_total_time=$(1) \
			-print_final_stats=1 -artifact_prefix=$$art/ $$work >$$log 2>&1; rc=$$?; \
		rm -rf $$tmp/mtt-fuzz-??????; \
		execs=$$(sed -n 's/^stat::number_of_executed_units: *//p' $$log | tail -1); \
		rate=$$(sed -n 's/^stat::average_exec_per_sec: *//p' $$log | tail -1); \
		last=$$(grep -E '^#[0-9]+' $$log | tail -1); \
		corp=$$(echo "$$last" | sed -n 's/.*corp: \([0-9]*\)\/\([0-9]*[a-zA-Z]*\).*/\1 inputs, \2/p'); \
		cov=$$(echo "$$last" | sed -n 's/.*cov: \([0-9]*\).*/\1/p'); \
		if [ $$rc -eq 0 ]; then \
			printf 'fuzz %-8s %9s execs in %ss (%s/s), corpus %s, cov %s\n' \
				$$name "$${execs:-?}" $(1) "$${rate:-?}" "$${corp:-?}" "$${cov:-?}"; \
		else \
			fail=1; crash=$$(sed -n 's/.*Test unit written to \(.*\)$$/\1/p' $$log | tail -1); \
			echo "fuzz $$name: FAILED (exit $$rc) after $${execs:-?} execs; full output in $$log"; \
			awk '/==[0-9]+==ERROR|==fuzz==|runtime error:|deadly signal|ALARM|out-of-memory/ {p=1} \
				p && n < 60 {print "    " $$0; n++} END {exit !p}' $$log || tail -20 $$log | sed 's/^/    /'; \
			[ -n "$$crash" ] && echo "fuzz $$name: input saved as $$crash; reproduce with: $$bin $$crash"; \
		fi; \
	done; rm -rf $$tmp; exit $$fail
endef

fuzz: fuzz-build
	$(call fuzz_run,$(FUZZ_SECONDS))

fuzz-smoke: fuzz-build
	$(call fuzz_run,$(FUZZ_SMOKE_SECONDS))
