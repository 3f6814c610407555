#!/bin/sh
# tools/facecal/calibrate_all.sh: the face threshold's calibration over
# every labelled face set of ../shared (docs/benchmarks.md, "Face
# threshold per set and per group"), in one command:
#
#   London (posed, grouped by self-reported ethnicity, and by ethnicity and
#   sex, from its info.csv), Glint24 (unconstrained web photographs,
#   aligned 112 x 112 crops, padded before detection), NUAA's bona fide
#   webcam captures (one folder per person), ORL and Caltech Faces_easy.
#
# Each set is measured by tools/facecal/calibrate.py in a process of its
# own (JOBS at once, default 1: each starts a private MariaDB, audit and
# identity), into $OUT/parts; then one calibrate.py FROM=$OUT/parts writes
# the table (stdout and $OUT/table.md) and $OUT/calibration.json, which,
# reviewed, is copied to tools/facemodels/calibration.json to ship the
# threshold.  Knobs: SHARED (../shared), OUT (build/facecal/all), JOBS,
# SETS (a subset of: london glint24 nuaa orl caltech), and calibrate.py's
# own (ENROL_N 5, MAX_PHOTOS 30, MAX_PEOPLE 200, TARGET_FMR 0.001,
# MED_FACE_*).  Exits 0 with a note when ../shared/data is absent.
set -eu
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
OUT=${OUT:-${BUILD:-build}/facecal/all}
JOBS=${JOBS:-1}
SETS=${SETS:-london glint24 nuaa orl caltech}
F=$SHARED/data/faces
if [ ! -d "$F" ]; then
	echo "calibrate_all: skipped, no face sets at $F"
	exit 0
fi

spec() {
	case $1 in
	london) echo "london=$F/london:posed, even light::groups=$F/london/info.csv,by=face_eth,by=face_eth+face_gender" ;;
	glint24) echo "glint24=$F/glint24_celebs:unconstrained web photographs::pad" ;;
	nuaa) echo "nuaa=$SHARED/data/pad/nuaa/bonafide:webcam, East Asian" ;;
	orl) echo "orl=$F/orl:posed, controlled light, grey" ;;
	caltech) echo "caltech=$F/caltech_faces_easy:frontal, one sitting, varied light and background:tools/facecal/caltech_faces_easy.people.csv" ;;
	*) echo "calibrate_all: unknown set $1" >&2; exit 2 ;;
	esac
}

mkdir -p "$OUT/parts"
for s in $SETS; do spec "$s"; done | tr '\n' '\0' |
	MEASURE_ONLY=1 OUT=$OUT/parts xargs -0 -n 1 -P "$JOBS" \
		/usr/bin/python3 tools/facecal/calibrate.py
set --
for s in $SETS; do set -- "$@" "$(spec "$s")"; done
FROM=$OUT/parts OUT=$OUT /usr/bin/python3 tools/facecal/calibrate.py "$@" |
	tee "$OUT/table.md"
# The second photograph's bar after a retake, from the same scores.
CALIBRATION=$OUT/calibration.json UPDATE=1 FROM=$OUT/parts OUT=$OUT/retake.json \
	/usr/bin/python3 tools/facecal/retake.py | tee "$OUT/retake.md"
