#!/bin/sh
# tools/facecal/fnmr_variants.sh: what lowers FNMR at the calibrated FMR
# (docs/benchmarks.md, "What lowers FNMR"), measured through identity's
# own pipeline by calibrate.py and printed by fnmr_variants.py.  Each
# variant runs identity on a copy of the built face models whose embedder
# card says the chip margin (chip_padding) and MED_FACE_EMBED_FLIP says
# whether the mirror is averaged in:
#
#   base    margin 0.25 (dlib's), no mirror: as shipped before issue 48
#           item 2, every set as calibrate_all.sh measures it;
#   flip    margin 0.25, the chip and its mirror image averaged, every set;
#   pad30   margin 0.30, mirror averaged (shipped), every set;
#   pad35   margin 0.35, mirror averaged: NUAA, ORL and Caltech only;
#   pad28, pad32  margins 0.28 and 0.32, mirror averaged, every set (the
#           margins either side of the shipped 0.30; not in the default);
#   fusion  margin 0.25, no mirror, MED_FACE_FUSION=mean and
#           VERIFY_OTHERS=1 on NUAA and ORL (five enrolment photographs a
#           person): every probe verified against every patient, so the
#           table has the mean of the templates (fusion/mean) and the best
#           single template (fusion/best) on the same pairs.
#
# Knobs: SHARED (../shared), OUT (build/facecal/variants), VARIANTS (a
# subset of the above; default all), FROM_ONLY=1 (print the table from
# what OUT holds, measuring nothing).  A full-set variant takes about 8
# minutes, pad35 and fusion about 5 and 10, on the shared 2-core machine.
# Exits 0 with a note when ../shared/data or the deep models are absent.
set -eu
cd "$(dirname "$0")/../.."
SHARED=${SHARED:-../shared}
BUILD=${BUILD:-build}
OUT=${OUT:-$BUILD/facecal/variants}
VARIANTS=${VARIANTS:-base flip pad30 pad35 fusion}
MODELS=$BUILD/models/face
F=$SHARED/data/faces
if [ ! -d "$F" ] || [ ! -f "$MODELS/dlib-resnet-v1.card.md" ]; then
	echo "fnmr_variants: skipped, no face sets at $F or no deep models in $MODELS"
	exit 0
fi

# models PADDING: a copy of the built models whose embedder card has that
# chip_padding; prints the embedder's path.
models() {
	d=$OUT/models-$1
	mkdir -p "$d"
	cp "$MODELS"/* "$d"/
	sed -i "s/^chip_padding: .*/chip_padding: $1/" "$d/dlib-resnet-v1.card.md"
	echo "$PWD/$d/dlib-resnet-v1.onnx"
}

# all NAME PADDING FLIP: every set, as calibrate_all.sh measures it.
all() {
	MED_FACE_EMBEDDER=$(models "$2") MED_FACE_EMBED_FLIP=$3 \
		OUT=$OUT/$1 tools/facecal/calibrate_all.sh >/dev/null
}

# some NAME PADDING FLIP [ENV ...]: NUAA, ORL and Caltech (with FUSION=1
# NUAA and ORL, every probe verified against every patient).
some() {
	name=$1 pad=$2 flip=$3
	shift 3
	set -- "nuaa=$SHARED/data/pad/nuaa/bonafide:webcam, East Asian" \
		"orl=$F/orl:posed, controlled light, grey" \
		"caltech=$F/caltech_faces_easy:frontal, one sitting, varied light and background:tools/facecal/caltech_faces_easy.people.csv"
	[ "${FUSION:-0}" = 1 ] && set -- "$1" "$2"
	MED_FACE_EMBEDDER=$(models "$pad") MED_FACE_EMBED_FLIP=$flip \
		MEASURE_ONLY=1 OUT=$OUT/$name/parts \
		/usr/bin/python3 tools/facecal/calibrate.py "$@" >/dev/null
}

if [ "${FROM_ONLY:-0}" = 0 ]; then
	for v in $VARIANTS; do
		case $v in
		base) all base 0.25 off ;;
		flip) all flip 0.25 on ;;
		pad30) all pad30 0.30 on ;;
		pad35) some pad35 0.35 on ;;
		pad28) all pad28 0.28 on ;;
		pad32) all pad32 0.32 on ;;
		fusion) FUSION=1 MED_FACE_FUSION=mean VERIFY_OTHERS=1 \
			some fusion 0.25 off ;;
		*) echo "fnmr_variants: unknown variant $v" >&2; exit 2 ;;
		esac
	done
fi
set --
for v in base flip pad30 pad35 pad28 pad32 fusion; do
	[ -d "$OUT/$v/parts" ] && set -- "$@" "$v=$OUT/$v/parts"
done
/usr/bin/python3 tools/facecal/fnmr_variants.py "$@"
