# Shared by scripts/test.sh and scripts/demo.sh: install what is missing on
# Debian 12 and build the module. Sourced, not run.

DEBIAN_PACKAGES="build-essential autoconf automake libtool pkg-config
apache2-bin media-types apache2-dev libapr1-dev libaprutil1-dev libssl-dev
libcurl4-openssl-dev libjansson-dev libcjose-dev check
memcached redis-server nodejs npm perl curl openssl
chromium libnss3-tools glewlwyd sqlite3"

as_root() {
    if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo "$@"; fi
}

# Installs those of the Debian packages given that are missing.
install_packages() {
    missing=""
    for pkg in "$@"; do
        # nodejs/npm may come from elsewhere (the image's own Node.js).
        case $pkg in
        nodejs) command -v node >/dev/null 2>&1 && continue ;;
        npm) command -v npm >/dev/null 2>&1 && continue ;;
        esac
        dpkg -s "$pkg" >/dev/null 2>&1 || missing="$missing $pkg"
    done
    if [ -n "$missing" ]; then
        echo "installing Debian packages:$missing"
        as_root apt-get update -qq
        case " $missing " in
        *" glewlwyd "*) hold_services ;;
        esac
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq $missing >/dev/null
        release_services
    fi
}

# glewlwyd comes for its binary: the tests run instances of their own. Its
# package would also start (and enable) a system service on port 4593, so
# while it is installed every service start is refused (policy-rc.d, which
# invoke-rc.d and deb-systemd-invoke consult; an existing one is left as it
# is). The system's services are otherwise left alone: nothing is stopped
# or disabled.
held=""
hold_services() {
    [ -e /usr/sbin/policy-rc.d ] && return 0
    printf '#!/bin/sh\n# scripts/deps.sh: no service starts while test tools install\nexit 101\n' \
        | as_root tee /usr/sbin/policy-rc.d >/dev/null
    as_root chmod 755 /usr/sbin/policy-rc.d
    held=yes
}
release_services() {
    [ -n "$held" ] || return 0
    as_root rm -f /usr/sbin/policy-rc.d
    held=""
}

install_deps() {
    install_packages $DEBIAN_PACKAGES
    # httpd comes from apache2-bin (the binary and its modules), not from
    # apache2, which would also install and start a system service: the
    # tests and the demo run httpd instances of their own, with their own
    # configuration and ports on 127.0.0.1, and never touch the system's
    # apache2 service or /etc/apache2 (on a staging box, that service may be
    # the one serving the site).
    if [ ! -d "$top/test/op/node_modules/oidc-provider" ]; then
        echo "installing the pinned test OpenID Provider (npm ci)"
        (cd "$top/test/op" && npm ci --no-audit --no-fund --loglevel=error)
    fi
}

# Only for `make fuzz` (scripts/test.sh fuzz): clang and its libFuzzer and
# sanitizer runtimes, which clang merely recommends. `make check` replays the
# fuzz seeds with the normal compiler and needs neither.
FUZZ_PACKAGES="clang libclang-rt-dev"

install_fuzz_deps() {
    install_packages $FUZZ_PACKAGES
}

build() {
    [ -x configure ] || ./autogen.sh >/dev/null 2>&1
    if [ ! -f Makefile ] || [ configure -nt Makefile ]; then
        ./configure --enable-werror >/dev/null
    fi
    make -s -j2 >/dev/null
}
