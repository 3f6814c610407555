#!/bin/sh
# install.sh - installs the npm packages of tools/console-e2e (pinned in
# package-lock.json) into $BUILD/npm/console-e2e (tools/dev/npm-install.sh).
exec "$(dirname "$0")/../dev/npm-install.sh" console-e2e
