#!/bin/sh
# make doctor: checks what hospital IT gets wrong first before make run (or
# a deployment) half starts: the MariaDB version (and TLS to a hospital's
# server), the clock and the ward's time zone, free disk for the spools,
# make run's ports, and every key or certificate file a MED_* setting
# names.  One line per problem with what to do; exit status 1 when any.
# The settings are make run's: $BUILD/run/settings.env, then MED_* of the
# environment (tests/harness/doctor.py).
set -eu
cd "$(dirname "$0")/../.."
BUILD=${BUILD:-build} PYTHONPATH="$PWD/tests" \
	exec /usr/bin/python3 -m harness.doctor "$@"
