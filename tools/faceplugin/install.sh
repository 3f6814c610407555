#!/bin/sh
# install.sh - installs faceplugin-face-recognition-js (pinned in
# package-lock.json) into $BUILD/npm/faceplugin (tools/dev/npm-install.sh),
# for the optional embedder faceplugin-fr-v1 (tools/facemodels/module.mk).
exec "$(dirname "$0")/../dev/npm-install.sh" faceplugin
