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
OBJS      := $(patsubst src/%.c++,$(BUILD)/obj/%.o,$(SRCS))
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
TEST_PACKAGES := check curl openssl procps lmdb-utils wrk clang libclang-rt-14-dev prometheus \
	libtest-base-perl libtest-longstring-perl libtext-diff-perl liblist-moreutils-perl \
	libipc-run-perl libhttp-message-perl libwww-perl libjson-pp-perl

# npm packages the tests call (t/ical/check-calendar.mjs), pinned here and
# installed into build/npm without a lock file; node and npm come from Debian
# (nodejs, npm) unless the machine has them already.
NPM_PACKAGES := ical.js@2.2.1
NPM_STAMP := build/npm/.installed-$(subst /,-,$(subst @,-,$(NPM_PACKAGES)))

.PHONY: FORCE all help module deps deps-run run test unit t torture clean

all: module

help:
	@echo 'make              build $(MODULE)'
	@echo 'make deps-run     install (apt, as root) what building and running need'
	@echo 'make deps         install (apt, as root) what building, running and every test need'
	@echo 'make run          deps-run + build + nginx in the foreground on 127.0.0.1:8080'
	@echo 'make test         deps + build + unit tests + fuzz smoke runs + Test::Nginx suites'
	@echo 'make unit         the Check unit tests only'
	@echo 'make t            the Test::Nginx suites only (t/*.t)'
	@echo 'make torture      the crash test with 20 rounds'
	@echo 'make fuzz         each libFuzzer target for FUZZ_SECONDS (default 60)'
	@echo 'make bench        the benchmarks (bench/README.md)'
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

$(NPM_STAMP):
	@rm -rf build/npm && mkdir -p build/npm
	npm install --prefix build/npm --no-package-lock --no-save --no-audit --no-fund --loglevel=error \
		$(NPM_PACKAGES)
	@touch $@

deps: deps-run
	$(call install_missing,$(TEST_PACKAGES))
	@if ! command -v node >/dev/null || ! command -v npm >/dev/null; then \
		echo "installing: nodejs npm"; \
		export DEBIAN_FRONTEND=noninteractive; \
		apt-get update -qq && apt-get install -y -qq --no-install-recommends nodejs npm >/dev/null; \
	fi
	@$(MAKE) -s $(NPM_STAMP)

# ---------------------------------------------------------------- the module
# Debian's own recipe for out-of-tree modules: configure the packaged source
# with Debian's flags into a private build directory, then build only the
# modules. See `config` for how the C++ sources enter nginx's build.
# nginx's build lists the sources when it is configured: a source added or
# removed configures it again (the list is rewritten only when it changes).
$(BUILD)/sources.list: FORCE
	@mkdir -p $(@D)
	@echo $(SRCS) $(NGX_SRCS) > $@.tmp; cmp -s $@.tmp $@ && rm $@.tmp || mv $@.tmp $@

$(BUILD)/nginx/Makefile: config $(BUILD)/sources.list
	@mkdir -p $(BUILD)/nginx
	cd $(NGX_SRC) && . ./conf_flags && ./configure "$${NGX_CONF_FLAGS[@]}" \
		--with-cc-opt="-g -O2 -fPIC -fstack-protector-strong -D_FORTIFY_SOURCE=2 $(SAN_FLAGS)" --with-ld-opt="$(SAN_FLAGS)" \
		--add-dynamic-module=$(CURDIR) --builddir=$(CURDIR)/$(BUILD)/nginx > $(CURDIR)/$(BUILD)/configure.log 2>&1 \
		|| { tail -20 $(CURDIR)/$(BUILD)/configure.log; exit 1; }

module: $(MODULE)

$(MODULE): $(BUILD)/nginx/Makefile ngx_mytimetable_module.c++ $(SRCS) $(HDRS) $(NGX_SRCS) $(NGX_HDRS)
	$(MAKE) -s -f $(CURDIR)/$(BUILD)/nginx/Makefile -C $(NGX_SRC) modules
	@# a new file, not an overwrite: a running nginx keeps its mapped copy
	cp $(BUILD)/nginx/ngx_http_mytimetable_module.so $@.tmp && mv -f $@.tmp $@

# ---------------------------------------------------------------- unit tests
$(BUILD)/obj/%.o: src/%.c++ $(HDRS)
	@mkdir -p $(@D)
	@echo "  CXX   $<"
	@$(CXX) $(CXXFLAGS) -Isrc -c -o $@ $<

$(BUILD)/libmytimetable.a: $(OBJS)
	@ar rcs $@ $^

$(BUILD)/unit/%: t/unit/%.c++ $(BUILD)/libmytimetable.a t/unit/unit.h++
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

t: $(MODULE) $(NPM_STAMP)
	TEST_NGINX_BINARY=$(NGINX) TEST_NGINX_LOAD_MODULES=$(CURDIR)/$(MODULE) $(SAN_ENV) \
		t/prove t/*.t

test: deps
	$(MAKE) module
	$(MAKE) unit
	$(MAKE) fuzz-smoke
	$(MAKE) t

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

clean:
	rm -rf build t/servroot
