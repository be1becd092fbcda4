# ngx_mytimetable: build, run and test the nginx module. `make help` lists the targets.

SHELL     := /bin/bash
NGX_SRC   ?= /usr/share/nginx/src
NGINX     ?= /usr/sbin/nginx
# a sanitized build lives apart: switching SANITIZE must not reuse the other objects
BUILD     := build$(if $(SANITIZE),/san)
MODULE    := $(BUILD)/ngx_http_mytimetable_module.so
CXX       ?= g++

SANITIZE  ?=
comma     := ,
SAN_FLAGS := $(if $(SANITIZE),-fsanitize=address$(comma)undefined -fno-sanitize-recover=undefined \
	-fno-omit-frame-pointer)

CXXFLAGS  := -std=c++17 -O2 -g -fPIC -Wall -Wextra -Werror $(SAN_FLAGS)
LIBS      := -llmdb -ljansson -lsodium -lunistring
CHECK_LIBS := $(shell pkg-config --libs check 2>/dev/null || echo -lcheck -lsubunit -lrt -lm -pthread)

# src/ is plain C++ (the unit tests' library); src/ngx/ is the module's nginx
# face beside ngx_mytimetable_module.c++, built only into the module.
SRCS      := $(wildcard src/*.c++)
HDRS      := $(wildcard src/*.h++)
NGX_SRCS  := $(wildcard src/ngx/*.c++)
NGX_HDRS  := $(wildcard src/ngx/*.h++)
# doc/openapi.json enters the objects as its bytes (src/openapi_json.S, which
# .incbin's the file that MTT_OPENAPI_JSON names; `config` does the same).
OPENAPI   := doc/openapi.json
OPENAPI_DEF = -DMTT_OPENAPI_JSON='"$(CURDIR)/$(OPENAPI)"'
OBJS      := $(patsubst src/%.c++,$(BUILD)/obj/%.o,$(SRCS)) $(BUILD)/obj/openapi_json.o
UNIT_SRCS := $(wildcard t/unit/test_*.c++)
UNIT_BINS := $(patsubst t/unit/%.c++,$(BUILD)/unit/%,$(UNIT_SRCS))

# What building and running the module needs (make deps-run, make run) ...
RUN_PACKAGES := nginx nginx-dev build-essential pkg-config libjansson-dev liblmdb-dev \
	libsodium-dev libunistring-dev
# ... and what the tests and benchmarks call besides (make deps, make test):
# Check, Test::Base and the Perl modules of the Test::Nginx runner, libFuzzer
# (clang), curl, openssl, pgrep (procps), mdb_stat (lmdb-utils), wrk, promtool
# (prometheus: checks the metrics text); and node + npm
# (Debian's nodejs and npm unless the machine has a node already) for the npm
# reference libraries below.
TEST_PACKAGES := check curl openssl procps lmdb-utils wrk clang clang-format libclang-rt-14-dev prometheus \
	libtest-base-perl libtest-longstring-perl libtext-diff-perl liblist-moreutils-perl \
	libipc-run-perl libhttp-message-perl libwww-perl libjson-pp-perl

# npm packages the tests call, pinned here and installed into build/npm
# without a lock file: ical.js (t/ical/check-calendar.mjs), Redocly's linter
# and ajv (make openapi-check), SCIMMY (make scim-discovery-check),
# scim2-parse-filter (make scim-filter-check), scim-patch (make
# scim-patch-check); node and npm come from Debian (nodejs, npm) unless the
# machine has them already.
NPM_PACKAGES := ical.js@2.2.1 @redocly/cli@1.34.5 ajv@8.17.1 ajv-formats@3.0.1 scimmy@1.3.5 \
	scim2-parse-filter@0.2.10 scim-patch@0.8.3
# (a stamp's name is its list, one word: a changed list installs again)
empty     :=
space     := $(empty) $(empty)
npm_stamp  = $(1)/.installed-$(subst $(space),+,$(subst /,-,$(subst @,-,$(2))))
NPM_STAMP := $(call npm_stamp,build/npm,$(NPM_PACKAGES))

# The API in a browser (make swagger, make browser-check): Swagger UI's files
# into build/swagger, served by examples/swagger.conf; Debian's Chromium and
# playwright-core (into build/browser/npm) for the check that loads the page.
SWAGGER_UI       := swagger-ui-dist@5.27.1
SWAGGER_STAMP    := $(call npm_stamp,build/swagger,$(SWAGGER_UI))
BROWSER_PACKAGES := chromium fonts-liberation
BROWSER_NPM      := playwright-core@1.65.1
BROWSER_STAMP    := $(call npm_stamp,build/browser/npm,$(BROWSER_NPM))

.PHONY: FORCE all help module deps deps-run deps-browser run swagger test unit t openapi-check \
	scim-discovery-check scim-filter-check scim-patch-check \
	browser-check torture clean

all: module

help:
	@echo 'make              build $(MODULE)'
	@echo 'make deps-run     install (apt, as root) what building and running need'
	@echo 'make deps         install (apt, as root) what building, running and every test need'
	@echo 'make run          deps-run + build + nginx in the foreground on 127.0.0.1:8080'
	@echo 'make swagger      the same with Swagger UI beside the API (examples/swagger.conf)'
	@echo 'make test         deps + format-check + build + unit tests + fuzz smoke runs + Test::Nginx suites + openapi-check + the scim checks'
	@echo 'make format       lay out every C++ file as .clang-format says (format-check: only tell)'
	@echo 'make unit         the Check unit tests only'
	@echo 'make t            the Test::Nginx suites only (t/*.t)'
	@echo 'make openapi-check  lint doc/openapi.json, compare it with the router, validate answers against it'
	@echo 'make scim-discovery-check  the SCIM schemas and discovery bodies against SCIMMY'
	@echo 'make scim-filter-check  the SCIM filter corpus (t/scim/filters.json) against npm scim2-parse-filter'
	@echo 'make scim-patch-check  the SCIM PATCH corpus against apply_patch and npm scim-patch'
	@echo 'make deps-browser install (apt, as root) Chromium, and playwright-core, for browser-check'
	@echo 'make browser-check  the Swagger page in headless Chromium (about a minute; not in make test)'
	@echo 'make torture      the crash test with 20 rounds'
	@echo 'make fuzz         each libFuzzer target for FUZZ_SECONDS (default 60)'
	@echo 'make bench        the benchmarks (bench/README.md)'
	@echo 'make bench-query  the query engine against a Node.js + SQLite peer (bench/README.md)'
	@echo 'make deps-deb     install (apt, as root) what make deb and make deb-check need'
	@echo 'make deb          build/deb/$(DEB_NAME)_<version>_<arch>.deb (debhelper, dh_nginx)'
	@echo 'make deb-check    (root, minutes) the package in a fresh Debian 12 chroot: apt install, nginx -t, GET'
	@echo 'make clean        remove build/ and t/servroot/'
	@echo 'SANITIZE=1        with any target: build and test with ASan + UBSan (in build/san/)'

# ---------------------------------------------------------------- packages
# apt-get runs only for packages that are missing, so a machine that has them
# all needs no root.
define install_missing
	@missing=$$(for p in $(1); do \
		dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; \
	done); \
	if [ -n "$$missing" ] && [ "$$(id -u)" != 0 ]; then \
		echo "missing Debian packages:" $$missing; echo "install them as root: sudo make $@"; exit 1; \
	fi; \
	if [ -n "$$missing" ]; then \
		echo "installing:" $$missing; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends $$missing >/dev/null; \
	fi
endef

deps-run:
	$(call install_missing,$(RUN_PACKAGES))
	@v=$$(dpkg-query -W -f='$${Version}' nginx); d=$$(dpkg-query -W -f='$${Version}' nginx-dev); \
	if [ "$$v" != "$$d" ]; then echo "nginx ($$v) and nginx-dev ($$d) differ: install the same version"; exit 1; fi

# $(call npm_install,DIR,PACKAGES): PACKAGES into DIR/node_modules, afresh
# (the rest of DIR stays: build/swagger also holds the page's store), without
# their install scripts (swagger-ui-dist's only one reports usage).
define npm_install
	@rm -rf $(1)/node_modules $(1)/.installed-* && mkdir -p $(1)
	SCARF_ANALYTICS=false npm install --prefix $(1) --no-package-lock --no-save --no-audit --no-fund \
		--ignore-scripts --loglevel=error $(2)
	@touch $@
endef

$(NPM_STAMP):
	$(call npm_install,build/npm,$(NPM_PACKAGES))

$(SWAGGER_STAMP):
	$(call npm_install,build/swagger,$(SWAGGER_UI))

$(BROWSER_STAMP):
	$(call npm_install,build/browser/npm,$(BROWSER_NPM))

define need_node
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
		echo "installing: nodejs npm"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; \
	fi
endef

deps: deps-run
	$(call install_missing,$(TEST_PACKAGES))
	$(need_node)
	@$(MAKE) -s $(NPM_STAMP)

deps-browser: deps-run
	$(call install_missing,$(BROWSER_PACKAGES))
	$(need_node)
	@$(MAKE) -s $(BROWSER_STAMP) $(SWAGGER_STAMP)

# ---------------------------------------------------------------- the module
# Debian's own recipe for out-of-tree modules: configure the packaged source
# with Debian's flags into a private build directory, then build only the
# modules. See `config` for how the C++ sources enter nginx's build.
# nginx's build lists the sources when it is configured: a source added or
# removed configures it again (the list is rewritten only when it changes).
$(BUILD)/sources.list: FORCE
	@mkdir -p $(@D)
	@echo $(SRCS) $(NGX_SRCS) src/openapi_json.S > $@.tmp; cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

$(BUILD)/nginx/Makefile: config $(BUILD)/sources.list
	@mkdir -p $(BUILD)/nginx
	cd $(NGX_SRC) && . ./conf_flags && ./configure "$${NGX_CONF_FLAGS[@]}" \
		--with-cc-opt="-g -O2 -fPIC -fstack-protector-strong -D_FORTIFY_SOURCE=2 $(SAN_FLAGS)" --with-ld-opt="$(SAN_FLAGS)" \
		--add-dynamic-module=$(CURDIR) --builddir=$(CURDIR)/$(BUILD)/nginx > $(CURDIR)/$(BUILD)/configure.log 2>&1 \
		|| { tail -20 $(CURDIR)/$(BUILD)/configure.log; exit 1; }

module: $(MODULE)

# nginx's Makefile knows only the headers as dependencies: the object that
# embeds doc/openapi.json is made again when the file changed.
$(MODULE): $(BUILD)/nginx/Makefile ngx_mytimetable_module.c++ $(SRCS) $(HDRS) $(NGX_SRCS) $(NGX_HDRS) \
		src/openapi_json.S $(OPENAPI)
	@o=$(BUILD)/nginx/addon/mytimetable/openapi_json.o; \
		if [ -e $$o ] && { [ $(OPENAPI) -nt $$o ] || [ src/openapi_json.S -nt $$o ]; }; then rm -f $$o; fi
	$(MAKE) -s -f $(CURDIR)/$(BUILD)/nginx/Makefile -C $(NGX_SRC) modules
	@# a new file, not an overwrite: a running nginx keeps its mapped copy
	cp $(BUILD)/nginx/ngx_http_mytimetable_module.so $@.tmp && mv -f $@.tmp $@

# ---------------------------------------------------------------- unit tests
$(BUILD)/obj/%.o: src/%.c++ $(HDRS)
	@mkdir -p $(@D)
	@echo "  CXX   $<"
	@$(CXX) $(CXXFLAGS) -Isrc -c -o $@ $<

$(BUILD)/obj/openapi_json.o: src/openapi_json.S $(OPENAPI)
	@mkdir -p $(@D)
	@echo "  AS    $<"
	@$(CXX) $(OPENAPI_DEF) -c -o $@ $<

$(BUILD)/libmytimetable.a: $(OBJS)
	@ar rcs $@ $^

$(BUILD)/unit/%: t/unit/%.c++ $(BUILD)/libmytimetable.a $(wildcard t/unit/*.h++)
	@mkdir -p $(@D)
	@echo "  LINK  $@"
	@$(CXX) $(CXXFLAGS) -Isrc -It/unit -o $@ $< $(BUILD)/libmytimetable.a $(LIBS) $(CHECK_LIBS)

# src/ outside src/ngx/ must build without nginx: no nginx header there.
unit: $(UNIT_BINS)
	@! grep -ln '#include *<ngx_' $(SRCS) $(HDRS) || { echo "nginx headers above in src/ (only src/ngx/ may)"; exit 1; }
	@fail=0; for t in $(UNIT_BINS); do CK_TMPDIR=$(CURDIR)/$(BUILD)/unit $$t || fail=1; done; exit $$fail

# ---------------------------------------------------------------- Test::Nginx
TEST_NGINX_SLEEP ?= 0.005
export TEST_NGINX_SLEEP

# SANITIZE=1: nginx itself is not built with ASan, so libasan is preloaded, and
# libstdc++ with it (else ASan finds no real __cxa_throw at start-up and the
# module's first C++ throw kills the worker); LeakSanitizer's reports of
# nginx's own pools at exit are suppressed (t/lsan.supp).
SAN_ENV = $(if $(SANITIZE),TEST_NGINX_LD_PRELOAD=$$($(CXX) -print-file-name=libasan.so):$$($(CXX) -print-file-name=libstdc++.so) \
	LSAN_OPTIONS=suppressions=$(CURDIR)/t/lsan.supp)

# t/026 has the loader (bench/load.c++) hold the store's writer lock.
t: $(MODULE) $(NPM_STAMP) $(BUILD)/bench/load
	TEST_NGINX_BINARY=$(NGINX) TEST_NGINX_LOAD_MODULES=$(CURDIR)/$(MODULE) $(SAN_ENV) \
		MYTIMETABLE_LOADER=$(CURDIR)/$(BUILD)/bench/load t/prove t/*.t

test: deps
	$(MAKE) format-check
	$(MAKE) module
	$(MAKE) unit
	$(MAKE) fuzz-smoke
	$(MAKE) t
	$(MAKE) openapi-check
	$(MAKE) scim-discovery-check
	$(MAKE) scim-filter-check
	$(MAKE) scim-patch-check

# ---------------------------------------------------------------- format
# Every C++ file as .clang-format lays it out: `make format` rewrites them,
# `make format-check` (part of make test) fails naming each file that differs.
FORMAT_FILES := ngx_mytimetable_module.c++ $(wildcard src/*.c++ src/*.h++ src/ngx/*.c++ \
	src/ngx/*.h++ t/unit/*.c++ t/unit/*.h++ t/fuzz/*.c++ t/fuzz/*.h++ t/openapi/*.c++ \
	t/scim/*.c++ t/scim/*.h++ bench/*.c++)
.PHONY: format format-check
format:
	clang-format -i $(FORMAT_FILES)
format-check:
	@bad=0; for f in $(FORMAT_FILES); do \
		clang-format --dry-run --Werror $$f >/dev/null 2>&1 || { echo "format-check: $$f differs from .clang-format (make format)"; bad=1; }; \
	done; \
	[ $$bad = 0 ] && echo "format-check: $(words $(FORMAT_FILES)) files as .clang-format lays them out"

# ---------------------------------------------------------------- OpenAPI
# doc/openapi.json, which the module serves as GET openapi.json: Redocly's
# linter (doc/redocly.yaml), the routers' tables (the API's and SCIM's)
# against its operations both ways (t/openapi/routes.*), and the answers to
# requests on every route validated against its schemas with ajv
# (t/openapi/answers.t, validate.mjs).
OPENAPI_ROUTES := $(BUILD)/openapi/routes
REDOCLY := REDOCLY_TELEMETRY=off REDOCLY_SUPPRESS_UPDATE_NOTICE=true build/npm/node_modules/.bin/redocly

$(OPENAPI_ROUTES): t/openapi/routes.c++ $(BUILD)/libmytimetable.a
	@mkdir -p $(@D)
	@echo "  LINK  $@"
	@$(CXX) $(CXXFLAGS) -Isrc -o $@ $< $(BUILD)/libmytimetable.a $(LIBS)

openapi-check: $(MODULE) $(NPM_STAMP) $(OPENAPI_ROUTES)
	$(REDOCLY) lint --config doc/redocly.yaml $(OPENAPI)
	set -o pipefail; $(OPENAPI_ROUTES) | node t/openapi/routes.mjs $(OPENAPI)
	TEST_NGINX_BINARY=$(NGINX) TEST_NGINX_LOAD_MODULES=$(CURDIR)/$(MODULE) $(SAN_ENV) \
		t/prove t/openapi/answers.t

# ---------------------------------------------------------------- SCIM
# The SCIM schemas and discovery bodies (src/scim_schema.*) against SCIMMY's
# copy of RFC 7643's schemas (t/scim/discovery.*).
SCIM_DISCOVERY := $(BUILD)/scim/discovery
# The filter corpus t/scim/filters.json evaluated by parse_filter + matches
# (t/scim/filter-cli.c++) and by npm scim2-parse-filter, each compared with
# what the corpus expects; where the library differs the corpus says why.
SCIM_FILTER_CLI := $(BUILD)/scim/filter-cli

$(SCIM_DISCOVERY) $(SCIM_FILTER_CLI): $(BUILD)/scim/%: t/scim/%.c++ $(BUILD)/libmytimetable.a
	@mkdir -p $(@D)
	@echo "  LINK  $@"
	@$(CXX) $(CXXFLAGS) -Isrc -o $@ $< $(BUILD)/libmytimetable.a $(LIBS)

scim-discovery-check: $(NPM_STAMP) $(SCIM_DISCOVERY)
	set -o pipefail; $(SCIM_DISCOVERY) | node t/scim/discovery.mjs

scim-filter-check: $(NPM_STAMP) $(SCIM_FILTER_CLI)
	set -o pipefail; $(SCIM_FILTER_CLI) t/scim/filters.json | \
		MTT_NPM_DIR=build/npm node t/scim/filter-check.mjs t/scim/filters.json

# The PATCH corpus (t/scim/patches.json) applied by apply_patch
# (t/scim/patch-cli.c++) and by npm scim-patch, an independent implementation,
# each compared with the corpus (t/scim/patch-check.mjs).
SCIM_PATCH_CLI := $(BUILD)/scim/patch-cli

$(SCIM_PATCH_CLI): t/scim/patch-cli.c++ $(BUILD)/libmytimetable.a
	@mkdir -p $(@D)
	@echo "  LINK  $@"
	@$(CXX) $(CXXFLAGS) -Isrc -o $@ $< $(BUILD)/libmytimetable.a $(LIBS)

scim-patch-check: $(NPM_STAMP) $(SCIM_PATCH_CLI)
	set -o pipefail; $(SCIM_PATCH_CLI) t/scim/patches.json | node t/scim/patch-check.mjs t/scim/patches.json

# Swagger UI in headless Chromium (t/browser/swagger.mjs): every operation
# listed, "Try it out" of GET v0/users answered; screenshots in build/browser/.
browser-check: deps-browser module
	MTT_NGINX=$(NGINX) MTT_MODULE=$(CURDIR)/$(MODULE) MTT_SWAGGER=build/swagger MTT_OUT=build/browser \
		MTT_NPM_DIR=build/browser/npm $(SAN_ENV) node t/browser/swagger.mjs

# the crash test at full length (make test runs it with 3 rounds)
torture: deps module
	MTT_CRASH_ROUNDS=20 TEST_NGINX_BINARY=$(NGINX) TEST_NGINX_LOAD_MODULES=$(CURDIR)/$(MODULE) $(SAN_ENV) \
		t/prove t/030-crash.t

# fuzz targets (fuzz, fuzz-smoke) and benchmarks (bench)
include t/fuzz/fuzz.mk
include bench/bench.mk
# the Debian package (deb, deb-check, deps-deb)
include debian/deb.mk

run: deps-run module
	@mkdir -p $(BUILD)/run/logs
	$(NGINX) -p $(CURDIR)/$(BUILD)/run -c $(CURDIR)/examples/nginx.conf \
		-g 'daemon off; load_module $(CURDIR)/$(MODULE);'

# Swagger UI beside the API, pointed at its description (examples/swagger.conf)
swagger: deps-run module
	$(need_node)
	@$(MAKE) -s $(SWAGGER_STAMP)
	@mkdir -p build/swagger/logs
	@echo "Swagger UI ($(SWAGGER_UI)) and the API: open http://127.0.0.1:8080/ in a browser" \
		"(the API is below /api/; Ctrl-C stops nginx)"
	$(NGINX) -p $(CURDIR)/build/swagger -c $(CURDIR)/examples/swagger.conf \
		-g 'daemon off; load_module $(CURDIR)/$(MODULE);'

clean:
	rm -rf build t/servroot
