#!/bin/sh
# install.sh - installs the npm packages of tools/devidp (pinned in
# package-lock.json) into $BUILD/npm/devidp (tools/dev/npm-install.sh).
exec "$(dirname "$0")/../dev/npm-install.sh" devidp
