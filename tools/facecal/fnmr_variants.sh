#!/bin/sh
# tools/facecal/fnmr_variants.sh: what lowers FNMR at the calibrated FMR
# (docs/benchmarks.md, "What lowers FNMR"), measured through identity's
# own pipeline by calibrate.py and printed by fnmr_variants.py:
#
#   base   the embedder without flip-averaging (MED_FACE_EMBED_FLIP=off),
#          every set as calibrate_all.sh measures it;
#   flip   the chip and its mirror image embedded, the mean taken
#          (MED_FACE_EMBED_FLIP=on), every set;
#   fusion NUAA and ORL (the sets that miss the 2 % goal and have five
#          enrolment photographs a person) with MED_FACE_FUSION=mean and
#          VERIFY_OTHERS=1: every probe verified against every patient,
#          so the table has the mean of the templates (fusion/mean) and
#          the best single template (fusion/best) on the same pairs,
#          without flip-averaging.
#
# Knobs: SHARED (../shared), OUT (build/facecal/variants), VARIANTS (a
# subset of: base flip fusion), FROM_ONLY=1 (print the table from what
# OUT holds, measuring nothing).  base and flip take about 8 minutes
# each, fusion about 10, on the shared 2-core machine.  Exits 0 with a
# note when ../shared/data is absent.
set -eu
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
OUT=${OUT:-${BUILD:-build}/facecal/variants}
VARIANTS=${VARIANTS:-base flip fusion}
if [ ! -d "$SHARED/data/faces" ]; then
	echo "fnmr_variants: skipped, no face sets at $SHARED/data/faces"
	exit 0
fi
if [ "${FROM_ONLY:-0}" = 0 ]; then
	for v in $VARIANTS; do
		case $v in
		base) MED_FACE_EMBED_FLIP=off OUT=$OUT/base \
			tools/facecal/calibrate_all.sh >/dev/null ;;
		flip) MED_FACE_EMBED_FLIP=on OUT=$OUT/flip \
			tools/facecal/calibrate_all.sh >/dev/null ;;
		fusion) MED_FACE_EMBED_FLIP=off MED_FACE_FUSION=mean \
			VERIFY_OTHERS=1 MEASURE_ONLY=1 OUT=$OUT/fusion \
			/usr/bin/python3 tools/facecal/calibrate.py \
			"nuaa=$SHARED/data/pad/nuaa/bonafide:webcam, East Asian" \
			"orl=$SHARED/data/faces/orl:posed, controlled light, grey" ;;
		*) echo "fnmr_variants: unknown variant $v" >&2; exit 2 ;;
		esac
	done
fi
set --
for v in base flip; do
	[ -d "$OUT/$v/parts" ] && set -- "$@" "$v=$OUT/$v/parts"
done
[ -d "$OUT/fusion" ] && set -- "$@" "fusion=$OUT/fusion"
/usr/bin/python3 tools/facecal/fnmr_variants.py "$@"
