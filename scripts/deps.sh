# Shared by scripts/test.sh and scripts/demo.sh: install what is missing on
# Debian 12 and build the module. Sourced, not run.

DEBIAN_PACKAGES="build-essential autoconf automake libtool pkg-config
apache2-bin media-types apache2-dev libapr1-dev libaprutil1-dev libssl-dev
libcurl4-openssl-dev libjansson-dev libcjose-dev check
memcached redis-server nodejs npm perl curl"

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
        DEBIAN_FRONTEND=noninteractive as_root apt-get install -y -qq $missing >/dev/null
    fi
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
