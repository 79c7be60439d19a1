#!/bin/sh
# `scripts/test.sh package`: the Debian package, built and installed on this
# machine as an admin would. The one test that touches the system's apache2:
#
#   1. builds libapache2-mod-authnz-oidc with dpkg-buildpackage -us -uc -b
#      from a copy of the work tree's files (build dependencies from
#      debian/control, installed with apt-get build-dep), and runs lintian
#      on the .changes: an error or a warning fails the test;
#   2. installs the apache2 package if it is missing, with a policy-rc.d
#      that refuses every service start and stop while the test runs;
#   3. installs the .deb with apt, then runs debian/tests/installed-login
#      (the autopkgtest): a2enmod authnz_oidc, apache2ctl configtest, and one
#      login through the installed module by an httpd of the test's own on
#      127.0.0.1 against the test OP;
#   4. purges the package (and apache2, if step 2 installed it), disables
#      what a2enmod enabled for it, and checks that /etc/apache2 is as it
#      was before step 1: any difference fails the test.
#
# It never starts, stops or reloads the apache2 service.
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. "$top/scripts/deps.sh"
if [ ! -d debian ] || ! git rev-parse --git-dir >/dev/null 2>&1; then
    echo "test.sh package: builds from a git work tree with debian/ (a release tarball has neither)" >&2
    exit 2
fi

PKG=libapache2-mod-authnz-oidc
POLICY=/usr/sbin/policy-rc.d
work=$(mktemp -d "${TMPDIR:-/tmp}/authnz-oidc-package-XXXXXX")
chmod 755 "$work"   # apt reads the .deb as its _apt user
apt_get() { DEBIAN_FRONTEND=noninteractive as_root apt-get -y -qq "$@"; }

echo "test.sh package: this test installs packages on this machine (the apache2"
echo "package if missing, and $PKG built here), runs a2enmod,"
echo "then purges them; it does not start or stop the apache2 service, and"
echo "checks that /etc/apache2 ends as it began."

# What /etc/apache2 holds: every path with its type, mode and owner, each
# file's checksum and each link's target.
snapshot() {
    [ -d /etc/apache2 ] || { echo "(no /etc/apache2)"; return; }
    find /etc/apache2 -printf '%p %y %m %u:%g -> %l\n' | sort
    find /etc/apache2 -type f -exec md5sum {} + | sort -k2
}

installed_packages() {
    dpkg-query -W -f '${db:Status-Status} ${Package}\n' | sed -n 's/^installed //p' | sort
}

# The module's version in debian/changelog must be configure.ac's.
check_version() {
    upstream=$(sed -n 's/^AC_INIT(\[[^]]*\], *\[\([^]]*\)\].*/\1/p' configure.ac)
    packaged=$(dpkg-parsechangelog -S Version | sed 's/-[^-]*$//')
    if [ "$upstream" != "$packaged" ]; then
        echo "test.sh package: debian/changelog says $packaged, configure.ac $upstream" >&2
        exit 1
    fi
}

build_package() {
    src=$work/mod-authnz-oidc
    mkdir -p "$src"
    git ls-files -z --cached --others --exclude-standard \
        | tar --null -T - --ignore-failed-read -cf - 2>/dev/null \
        | tar -C "$src" -xf -
    echo "test.sh package: apt-get build-dep (debian/control's Build-Depends)"
    apt_get build-dep "$src" >/dev/null
    echo "test.sh package: dpkg-buildpackage -us -uc -b (log: $work/build.log)"
    if ! (cd "$src" && dpkg-buildpackage -us -uc -b) >"$work/build.log" 2>&1; then
        tail -40 "$work/build.log"
        exit 1
    fi
    echo "test.sh package: lintian (errors and warnings fail)"
    lintian --fail-on error,warning --info "$work"/*.changes
}

# Every service start or stop refused (policy-rc.d, which invoke-rc.d and
# deb-systemd-invoke consult) while packages are installed and removed.
policy_saved=""
deny_services() {
    if [ -e "$POLICY" ]; then
        policy_saved=$work/policy-rc.d.saved
        as_root cp -p "$POLICY" "$policy_saved"
    fi
    printf '#!/bin/sh\n# scripts/test.sh package: no service starts or stops\nexit 101\n' \
        | as_root tee "$POLICY" >/dev/null
    as_root chmod 755 "$POLICY"
}
allow_services() {
    if [ -n "$policy_saved" ]; then
        as_root cp -p "$policy_saved" "$POLICY"
    else
        as_root rm -f "$POLICY"
    fi
}

# Modules a2enmod enables for authnz_oidc's "# Depends:" line that were not
# enabled before: disabled again when apache2 stays installed.
deps_enabled_before=""
note_enabled_deps() {
    for m in socache_shmcb authn_core; do
        [ -e "/etc/apache2/mods-enabled/$m.load" ] && deps_enabled_before="$deps_enabled_before $m"
    done
    return 0
}

new_packages=""
cleanup() {
    status=$?
    trap - EXIT INT TERM
    set +e
    if dpkg -s "$PKG" >/dev/null 2>&1; then
        echo "test.sh package: apt-get purge $PKG"
        apt_get purge "$PKG" >/dev/null
    fi
    if [ -n "$new_packages" ]; then
        echo "test.sh package: apt-get purge what this test installed:" $new_packages
        apt_get purge $new_packages >/dev/null
    elif command -v a2dismod >/dev/null; then
        for m in socache_shmcb authn_core; do
            case " $deps_enabled_before " in *" $m "*) continue ;; esac
            [ -e "/etc/apache2/mods-enabled/$m.load" ] && as_root a2dismod -q "$m"
        done
    fi
    allow_services
    snapshot >"$work/etc-after"
    if ! diff -u "$work/etc-before" "$work/etc-after"; then
        echo "test.sh package: /etc/apache2 differs from before the test (above)" >&2
        status=1
    fi
    if [ "$status" -eq 0 ]; then
        rm -rf "$work"
        echo "test.sh package: ok"
    else
        echo "test.sh package: FAILED (files kept in $work)" >&2
    fi
    exit "$status"
}

install_deps
install_packages dpkg-dev debhelper lintian
check_version
snapshot >"$work/etc-before"
note_enabled_deps
trap cleanup EXIT
trap 'exit 130' INT
trap 'exit 143' TERM

build_package
deny_services
installed_packages >"$work/packages-before"
if ! dpkg -s apache2 >/dev/null 2>&1; then
    echo "test.sh package: apt-get install apache2 (no service is started)"
    apt_get install apache2 >/dev/null
    new_packages=$(installed_packages | comm -13 "$work/packages-before" -)
fi
echo "test.sh package: apt-get install ./$(basename "$work"/${PKG}_*.deb)"
apt_get install "$work"/${PKG}_*.deb >/dev/null
as_root sh debian/tests/installed-login
