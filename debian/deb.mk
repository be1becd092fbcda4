# The Debian package (make deb) and its check on a fresh Debian 12 (make
# deb-check). Included by the Makefile; see debian/ for the packaging itself.

# What building the package and checking it need (make deps-deb): debhelper
# with dh_nginx (nginx-dev, in RUN_PACKAGES), dpkg-dev, lintian (Debian's
# checks of a package, run by make deb); for deb-check, debootstrap (the
# Debian 12 chroot), curl and mdb_stat (lmdb-utils).
DEB_PACKAGES := debhelper dpkg-dev lintian debootstrap curl lmdb-utils

DEB_NAME    := libnginx-mod-http-mytimetable
# (read cheaply: every make run reads this file)
DEB_VERSION := $(shell awk -F'[()]' 'NR == 1 { print $$2 }' debian/changelog)
DEB_ARCH    := $(shell dpkg --print-architecture 2>/dev/null)
DEB         := build/deb/$(DEB_NAME)_$(DEB_VERSION)_$(DEB_ARCH).deb
# the files the package is built from (the tree as git sees it, uncommitted
# edits included)
DEB_SOURCES  = $(wildcard $(shell git ls-files -co --exclude-standard 2>/dev/null \
	|| find . -path ./build -prune -o -path ./t/servroot -prune -o -type f -print))

# The chroot of deb-check: debootstrap'ed once into a tarball, unpacked anew
# for every check.
DEB_SUITE   ?= bookworm
DEB_MIRROR  ?= http://deb.debian.org/debian
DEB_CHROOT_TAR := build/deb-chroot/$(DEB_SUITE)-minbase.tar.gz

.PHONY: deps-deb deb deb-check

deps-deb: deps-run
	$(call install_missing,$(DEB_PACKAGES))

deb: deps-deb
	@$(MAKE) -s $(DEB)

# dpkg-buildpackage writes next to the source tree: the tree is copied into
# build/deb/ so that the package lands there. The package's version is the
# module's (mytimetable_build_info). A package that lintian finds an error or
# a warning in is removed.
$(DEB): $(DEB_SOURCES)
	@v=$$(sed -n 's/.*char version\[\] = "\(.*\)";.*/\1/p' src/metrics.h++); [ "$$v" = "$(DEB_VERSION)" ] \
		|| { echo "debian/changelog says $(DEB_VERSION), src/metrics.h++ (mytimetable_build_info) $$v"; exit 1; }
	@rm -rf build/deb && mkdir -p build/deb/src
	@tar cf - $(DEB_SOURCES) | tar xf - -C build/deb/src
	cd build/deb/src && dpkg-buildpackage -b -us -uc > ../build.log 2>&1 \
		|| { tail -40 ../build.log; exit 1; }
	@dpkg-deb -I $@ | sed -n '/Package:/,$$p'; dpkg-deb -c $@
	@echo "lintian $@"
	@lintian --fail-on error,warning -I $@ 2>&1 | { grep -v 'with root privileges' || true; }; \
		[ $${PIPESTATUS[0]} = 0 ] || { rm -f $@; exit 1; }

$(DEB_CHROOT_TAR):
	@rm -rf $(@D)/base && mkdir -p $(@D)/base
	debootstrap --variant=minbase $(DEB_SUITE) $(@D)/base $(DEB_MIRROR) > $(@D)/debootstrap.log 2>&1 \
		|| { tail -20 $(@D)/debootstrap.log; exit 1; }
	tar czf $@.tmp -C $(@D)/base . && mv $@.tmp $@ && rm -rf $(@D)/base

# The check mounts /proc, /sys and /dev in the chroot in a mount namespace of
# its own: whatever stops it, they vanish with it, and no `rm -rf build` ever
# meets them.
deb-check: deb
	@[ "$$(id -u)" = 0 ] || { echo "deb-check needs root (debootstrap, chroot, mount): sudo make deb-check"; exit 1; }
	@$(MAKE) -s $(DEB_CHROOT_TAR)
	unshare --mount --propagation private \
		debian/deb-check.sh $(DEB_CHROOT_TAR) $(DEB) examples/mytimetable-site.conf $(DEB_MIRROR) $(DEB_SUITE)
