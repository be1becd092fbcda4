# Benchmarks (see bench/README.md). Not part of `make test`.
#
#   make bench                       all rows, table on stdout and in bench/results.md
#   make bench BENCH_SECONDS=10      longer measured runs (default 5 s, warm-up BENCH_WARMUP=2 s)
#   make bench BENCH_REPEAT=3        measured runs per side, the best counts (default 2)
#   make bench BENCH_ONLY='^v0-'     only the rows whose id matches (and what their ratios need);
#                                    the report keeps the other rows as they were
#   make bench-tools                 only build the loader, commit_rate, query_time and hold_reader into build/bench/
#
# `make bench` exits 0 when a target does not hold (it is a report) and says
# which rows fail; it fails only when the harness itself cannot run.

BENCH_BIN         := $(BUILD)/bench
BENCH_CXXFLAGS    := -std=c++17 -O2 -Wall -Wextra -Werror $(SAN_FLAGS)
BENCH_SECONDS     ?= 5
BENCH_WARMUP      ?= 2
BENCH_THREADS     ?= 2
BENCH_CONNECTIONS ?= 32
BENCH_LIST_CONNECTIONS ?= 1
BENCH_REPEAT      ?= 2
BENCH_ONLY        ?=
BENCH_OUT         ?= bench/results.md

.PHONY: bench bench-deps bench-tools

$(BENCH_BIN)/load: bench/load.c++ $(BUILD)/libmytimetable.a $(HDRS)
	@mkdir -p $(@D)
	@echo "  LINK  $@"
	@$(CXX) $(BENCH_CXXFLAGS) -Isrc -o $@ $< $(BUILD)/libmytimetable.a $(LIBS)

$(BENCH_BIN)/query_time: bench/query_time.c++ $(BUILD)/libmytimetable.a $(HDRS)
	@mkdir -p $(@D)
	@echo "  LINK  $@"
	@$(CXX) $(BENCH_CXXFLAGS) -g -Isrc -o $@ $< $(BUILD)/libmytimetable.a $(LIBS)

$(BENCH_BIN)/commit_rate: bench/commit_rate.c++
	@mkdir -p $(@D)
	@echo "  LINK  $@"
	@$(CXX) $(BENCH_CXXFLAGS) -o $@ $< -llmdb

$(BENCH_BIN)/hold_reader: bench/hold_reader.c++
	@mkdir -p $(@D)
	@echo "  LINK  $@"
	@$(CXX) $(BENCH_CXXFLAGS) -o $@ $< -llmdb

bench-tools: $(BENCH_BIN)/load $(BENCH_BIN)/commit_rate $(BENCH_BIN)/query_time $(BENCH_BIN)/hold_reader

bench-deps: deps
	@command -v wrk >/dev/null || { echo "installing: wrk"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends wrk >/dev/null; }

bench: bench-deps
	$(MAKE) module bench-tools
	perl bench/run.pl --nginx $(NGINX) --module $(MODULE) --bin $(BENCH_BIN) \
		--work $(BENCH_BIN)/run --out $(BENCH_OUT) --seconds $(BENCH_SECONDS) \
		--warmup $(BENCH_WARMUP) --threads $(BENCH_THREADS) --connections $(BENCH_CONNECTIONS) \
		--list-connections $(BENCH_LIST_CONNECTIONS) --repeat $(BENCH_REPEAT) \
		--only '$(value BENCH_ONLY)'
	$(if $(value BENCH_ONLY),@echo "BENCH_ONLY: the slow-streams check is not run (its section of $(BENCH_OUT) stays)",\
	ulimit -n 8192 && perl bench/slow_streams.pl --nginx $(NGINX) --module $(CURDIR)/$(MODULE) \
		--bin $(BENCH_BIN) --streams 1000 --users 50000 --out "$(BENCH_OUT)")

# The query engine against a Node.js + better-sqlite3 peer (bench/query.pl,
# bench/peer/server.mjs): the issue's query table, one request at a time.
#   make bench-query                 100k users, 31 requests per row and side
#   make bench-query BENCH_QUERY_USERS=10000 BENCH_QUERY_REQUESTS=11
# better-sqlite3 is only the bench's: it goes into build/bench/npm here, not
# through make deps.
BENCH_NPM_PACKAGES   := better-sqlite3@12.4.1
BENCH_NPM_STAMP      := $(BENCH_BIN)/npm/.installed-$(subst /,-,$(subst @,-,$(BENCH_NPM_PACKAGES)))
BENCH_QUERY_USERS    ?= 100000
BENCH_QUERY_REQUESTS ?= 31

.PHONY: bench-query

$(BENCH_NPM_STAMP):
	@rm -rf $(BENCH_BIN)/npm && mkdir -p $(BENCH_BIN)/npm
	npm install --prefix $(BENCH_BIN)/npm --no-package-lock --no-save --no-audit --no-fund \
		--loglevel=error $(BENCH_NPM_PACKAGES)
	@touch $@

bench-query: $(BENCH_NPM_STAMP)
	$(MAKE) module bench-tools
	perl bench/query.pl --nginx $(NGINX) --module $(MODULE) --bin $(BENCH_BIN) \
		--work $(BENCH_BIN)/query --node-modules $(BENCH_BIN)/npm/node_modules \
		--users $(BENCH_QUERY_USERS) --requests $(BENCH_QUERY_REQUESTS) --out "$(BENCH_OUT)"
