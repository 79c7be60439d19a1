#!/bin/sh
# A working demo on 127.0.0.1: installs what is missing, builds the module,
# starts a local OpenID Provider and an httpd that protects a static page
# and a CGI script, and prints where to look. Ctrl-C stops it all.
#   DEMO_PORT=8080 DEMO_OP_PORT=9090 scripts/demo.sh
set -eu
top=$(cd "$(dirname "$0")/.." && pwd)
cd "$top"
. "$top/scripts/deps.sh"
install_deps
build
exec node "$top/scripts/demo.mjs"
