#!/bin/bash
# make deb-check: the package on a fresh Debian 12. Unpacks the cached
# debootstrap chroot anew, installs the package with apt (which pulls nginx),
# enables the example site on a free port, checks `nginx -t`, starts nginx and
# asks the API for its users and the backup location for a copy; purges the package (its link and store go); stops
# nginx and unmounts, whatever happened.
# Usage: debian/deb-check.sh CHROOT_TARBALL DEB SITE MIRROR SUITE
set -euo pipefail

tarball=$1 deb=$2 site=$3 mirror=$4 suite=$5
root=build/deb-chroot/root
port=$(perl -MIO::Socket::INET -e \
	'print IO::Socket::INET->new(LocalAddr => "127.0.0.1", LocalPort => 0, Listen => 1)->sockport')

in_root() { chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin LANG=C.UTF-8 "$@"; }

cleanup() {
	set +e
	if [ -s "$root/run/nginx.pid" ]; then
		in_root nginx -s quit
		for _ in $(seq 50); do [ -e "$root/run/nginx.pid" ] || break; sleep 0.1; done
	fi
	for m in dev/pts dev proc sys; do mountpoint -q "$root/$m" && umount -l "$root/$m"; done
}
trap cleanup EXIT

if [ -d "$root" ]; then
	for m in dev/pts dev proc sys; do mountpoint -q "$root/$m" && umount -l "$root/$m"; done
	rm -rf --one-file-system "$root"
fi
mkdir -p "$root"
tar xzf "$tarball" -C "$root"
mount -t proc proc "$root/proc"
mount -t sysfs sys "$root/sys"
mount --bind /dev "$root/dev"
mount --bind /dev/pts "$root/dev/pts"
cp /etc/resolv.conf "$root/etc/resolv.conf"
# nothing is started by the packages' scripts: this script starts nginx itself
printf '#!/bin/sh\nexit 101\n' > "$root/usr/sbin/policy-rc.d"
chmod +x "$root/usr/sbin/policy-rc.d"
cat > "$root/etc/apt/sources.list" <<LIST
deb $mirror $suite main
deb $mirror $suite-updates main
deb http://deb.debian.org/debian-security $suite-security main
LIST

echo "== apt-get install ./$(basename "$deb") (in a fresh $suite chroot)"
cp "$deb" "$root/tmp/"
in_root apt-get update -qq
in_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends \
	"./tmp/$(basename "$deb")" > build/deb-chroot/apt.log 2>&1 \
	|| { tail -30 build/deb-chroot/apt.log; exit 1; }
grep -E '^(Get|Setting up).*(nginx|mytimetable)' build/deb-chroot/apt.log || true

echo "== what the package put in place"
ls -l "$root/usr/lib/nginx/modules/ngx_http_mytimetable_module.so"
ls -l "$root/etc/nginx/modules-enabled/50-mod-http-mytimetable.conf"
cat "$root/usr/share/nginx/modules-available/mod-http-mytimetable.conf"
stat -c '%n %U:%G %a' "$root/var/lib/mytimetable"
[ "$(stat -c '%U %a' "$root/var/lib/mytimetable")" = "www-data 700" ] \
	|| { echo "the store directory is not www-data's, mode 700"; exit 1; }

echo "== the example site on 127.0.0.1:$port"
rm -f "$root/etc/nginx/sites-enabled/default"
sed "s/127\.0\.0\.1:8080/127.0.0.1:$port/" "$site" > "$root/etc/nginx/sites-available/mytimetable"
ln -s ../sites-available/mytimetable "$root/etc/nginx/sites-enabled/mytimetable"
in_root nginx -t
in_root nginx

for _ in $(seq 100); do
	curl -s -o /dev/null "http://127.0.0.1:$port/" && break
	sleep 0.1
done
echo "== PUT /api/v0/users/deb-check, GET /api/v0/users"
curl -sS -f -X PUT "http://127.0.0.1:$port/api/v0/users/deb-check"
out=$(curl -sS -D - "http://127.0.0.1:$port/api/v0/users")
echo "$out"
head -1 <<<"$out" | grep -q '^HTTP/1.1 200' || { echo "not 200"; exit 1; }
grep -qi '^Content-Type: application/json' <<<"$out" || { echo "not JSON"; exit 1; }
tail -1 <<<"$out" | perl -MJSON::PP -e 'my $u = decode_json(<STDIN>)->{users}; exit !("@$u" eq "deb-check")' \
	|| { echo "the body is not the JSON list of the user written"; exit 1; }

echo "== GET /backup"
curl -sS -f -D - -o build/deb-chroot/backup.mdb "http://127.0.0.1:$port/backup" | grep -i '^Content-'
rm -rf build/deb-chroot/restored && mkdir build/deb-chroot/restored
cp build/deb-chroot/backup.mdb build/deb-chroot/restored/data.mdb
entries=$(mdb_stat -a build/deb-chroot/restored | grep -A6 '^Status of users$' | grep Entries)
echo "the copy's users table: $entries"
[[ $entries =~ Entries:\ 1$ ]] || { echo "the backup does not hold the user written"; exit 1; }
ls -l "$root/var/lib/mytimetable"

echo "== apt-get purge: the module's link and the store go"
in_root nginx -s quit
for _ in $(seq 50); do [ -e "$root/run/nginx.pid" ] || break; sleep 0.1; done
in_root apt-get purge -y -q libnginx-mod-http-mytimetable > build/deb-chroot/purge.log 2>&1 \
	|| { tail -20 build/deb-chroot/purge.log; exit 1; }
for f in etc/nginx/modules-enabled/50-mod-http-mytimetable.conf etc/nginx/modules-enabled/50-mod-http-mytimetable.conf.removed \
	usr/lib/nginx/modules/ngx_http_mytimetable_module.so var/lib/mytimetable; do
	if [ -e "$root/$f" ] || [ -L "$root/$f" ]; then echo "/$f is left after purge"; exit 1; fi
done
echo "deb-check: OK"
