/*
 * settings.c - the identity service's own settings, all of them in one
 * table: the verification tokens and face templates' keys, face
 * recognition (face/), the care relationship's windows and scope
 * (scope.c, handlers_encounters.c) and break-glass (handlers_break_glass.c).
 * The code reads a value by its key from the service's configuration
 * (med_config_*), which libmed loads and checks against this table at
 * start.
 */
#include <med/config.h>

#include "identity.h"

/* Where Debian's OpenCV keeps its Haar cascades. */
#define HAAR_DIR "/usr/share/opencv4/haarcascades/"

const med_config_spec identity_config[] = {
	{"MED_IDENTITY_SIGNING_KEY_FILE", MED_CONFIG_STRING, "", false, 0, 0,
	 "Ed25519 seed that signs verification tokens (vtoken keygen); "
	 "empty = face recognition off"},
	{"MED_IDENTITY_TEMPLATE_KEY_FILE", MED_CONFIG_STRING, "", false, 0, 0,
	 "32-byte XChaCha20-Poly1305 key (raw or base64) that encrypts face "
	 "templates; empty = face recognition off"},
	{"MED_IDENTITY_TOKEN_TTL_S", MED_CONFIG_INT, "120", false, 1, 900,
	 "lifetime of a verification token"},
	{"MED_FACE_DETECTOR", MED_CONFIG_STRING, "haar", false, 0, 0,
	 "haar (MED_FACE_CASCADE), or an ONNX face detector file (card format "
	 "yunet or tiny-yolo-face) with its model card beside it "
	 "(<name>.card.md)"},
	{"MED_FACE_CASCADE", MED_CONFIG_STRING,
	 HAAR_DIR "haarcascade_frontalface_default.xml", false, 0, 0,
	 "Haar face detector (OpenCV cascade XML)"},
	{"MED_FACE_CONFIRM_CASCADE", MED_CONFIG_STRING,
	 HAAR_DIR "haarcascade_frontalface_alt.xml", false, 0, 0,
	 "second Haar face detector that must confirm every face the Haar "
	 "detector finds (refuses noise and textures); empty = off"},
	{"MED_FACE_EYE_CASCADE", MED_CONFIG_STRING,
	 HAAR_DIR "haarcascade_eye.xml", false, 0, 0,
	 "Haar eye detector for pose and alignment; empty = off"},
	{"MED_FACE_EMBEDDER", MED_CONFIG_STRING, IDENTITY_FACE_CLASSIC_MODEL,
	 false, 0, 0,
	 "lbp-v2 (built in), or an ONNX face embedder file with its model "
	 "card beside it (<name>.card.md)"},
	{"MED_FACE_LANDMARKS", MED_CONFIG_STRING, "", false, 0, 0,
	 "ONNX 68-point face landmark model with its card (kind "
	 "face-landmarks); needed by an embedder whose card asks for "
	 "alignment: dlib-chip-68 or arcface-5"},
	{"MED_FACE_THRESHOLD", MED_CONFIG_STRING, "", false, 0, 0,
	 "cosine similarity at or above which a face matches; empty = the "
	 "embedder's own (lbp-v2: 0.761, an ONNX model: its card's)"},
	{"MED_FACE_MIN_SIZE", MED_CONFIG_STRING, "", false, 0, 0,
	 "smallest face accepted, pixels across (16..4096); empty = the "
	 "embedder's own (lbp-v2: 40, an ONNX model: its card's min_face_px, "
	 "else 40)"},
	{"MED_FACE_MIN_SHARPNESS", MED_CONFIG_INT, "20", false, 0, 100000,
	 "smallest variance of the Laplacian of the aligned face (blur gate)"},
	{"MED_FACE_MAX_ROLL_DEG", MED_CONFIG_INT, "20", false, 1, 90,
	 "largest head tilt (eye line against horizontal) accepted"},
	{"MED_FACE_MAX_IMAGE_BYTES", MED_CONFIG_INT, "4194304", false, 1024,
	 16777216, "largest encoded photograph accepted"},
	{"MED_FACE_SYNC_INTERVAL_MS", MED_CONFIG_INT, "2000", false, 0, 3600000,
	 "how often an idle replica catches up with face enrolments and "
	 "erasures made on others; 0 = only before each search"},
	{"MED_FACE_COPY_CHECK", MED_CONFIG_STRING, "enforce", false, 0, 0,
	 "VerifyFace and a photograph that is a copy of the patient's "
	 "enrolment photograph or of a recent probe (the same bytes, or a "
	 "re-encoded, rescaled or re-lit copy): enforce (refuse, audited), "
	 "warn (flag in the reply and audit), off"},
	{"MED_FACE_COPY_DISTANCE", MED_CONFIG_INT, "16", false, 0, 128,
	 "copy hashes this many bits apart or fewer are copies of one "
	 "photograph (docs/face.md); 0 = equal hashes only"},
	{"MED_FACE_COPY_WINDOW_S", MED_CONFIG_INT, "86400", false, 60, 2592000,
	 "how long a patient's VerifyFace photographs are kept (as hashes) "
	 "to refuse their replay"},
	{"MED_FACE_FUSION", MED_CONFIG_STRING, "best", false, 0, 0,
	 "VerifyFace's score against a patient's templates: best (the best "
	 "single template) or mean (the photograph against the mean of their "
	 "unit embeddings; on ORL it let more impostors through, "
	 "docs/benchmarks.md)"},
	{"MED_FACE_EMBED_FLIP", MED_CONFIG_STRING, "", false, 0, 0,
	 "a chip embedder also embeds the mirrored chip and takes the mean "
	 "of both: on or off; empty = the embedder card's flip_average "
	 "(the card's threshold was calibrated with it, docs/benchmarks.md, "
	 "\"What lowers FNMR\")"},
	{"MED_FACE_RETAKE_BAND_MILLI", MED_CONFIG_INT, "20", false, 0, 200,
	 "thousandths of cosine below the threshold in which VerifyFace asks "
	 "for another photograph (RETAKE, no token) rather than answer no "
	 "match; 0 = no band"},
	{"MED_FACE_CALIBRATION", MED_CONFIG_STRING, "", false, 0, 0,
	 "the site's face calibration (a card-format file of kind "
	 "face-calibration written by tools/facecal/site_calibrate.py for "
	 "the embedder in use): its threshold, and its retake_threshold when "
	 "it has one, replace the embedder card's; MED_FACE_THRESHOLD still "
	 "wins; empty: the card's (docs/face.md)"},
	{"MED_FACE_RETAKE_THRESHOLD", MED_CONFIG_STRING, "", false, 0, 0,
	 "the bar of the second photograph after a retake: it matches when "
	 "the larger of the two photographs' scores reaches it; empty: the "
	 "embedder card's retake_threshold (calibrated, tools/facecal/"
	 "retake.py), or the threshold plus the band without one"},
	{"MED_FACE_RETAKE_QUALITY_PCT", MED_CONFIG_INT, "50", false, 0, 100,
	 "quality (percent) under which a VerifyFace photograph that does not "
	 "match is answered RETAKE"},
	{"MED_FACE_PAD", MED_CONFIG_STRING, "warn", false, 0, 0,
	 "the presentation-attack stage of VerifyFace and IdentifyFace "
	 "(MED_FACE_PAD_MODEL): enforce (refuse a face under the liveness "
	 "threshold, audited), warn (answer, flag in the reply and audit), "
	 "off; warn by default because the shipped model misses most "
	 "attacks (docs/face-pad.md)"},
	{"MED_FACE_PAD_MODEL", MED_CONFIG_STRING, "", false, 0, 0,
	 "ONNX liveness model with its card (kind face-pad); empty = the "
	 "stage does not run (refused with MED_FACE_PAD=enforce)"},
	{"MED_FACE_PAD_THRESHOLD", MED_CONFIG_STRING, "", false, 0, 0,
	 "liveness score under which a face is an attack, in [0, 1]; empty "
	 "= the model card's"},
	{IDENTITY_DISCHARGE_HOURS_KEY, MED_CONFIG_INT, "72", false, 0, 8760,
	 "hours after a discharge during which the discharging care team "
	 "keeps its care relationship (CheckCareRelationship)"},
	{IDENTITY_HANDOVER_MINUTES_KEY, MED_CONFIG_INT, "60", false, 0, 1440,
	 "minutes after a transfer during which the staff of the ward the "
	 "patient left (its units, and the team's nurses from before the "
	 "transfer) keep their care relationship (docs/security.md)"},
	{IDENTITY_SHARED_BEDS_KEY, MED_CONFIG_STRING, "", false, 0, 0,
	 "wards (comma-separated, as admissions name them; * every ward) "
	 "where a bed may hold more than one patient; elsewhere Admit and "
	 "Transfer into a bed with an open stay are refused "
	 "FAILED_PRECONDITION naming its encounter"},
	{IDENTITY_SCOPE_KEY, MED_CONFIG_BOOL, "true", false, 0, 0,
	 "clinicians and nurses find, read and identify only the patients "
	 "they have a care relationship with (false: the whole hospital, "
	 "for a hospital that records no encounters yet)"},
	{IDENTITY_BG_PER_HOUR_KEY, MED_CONFIG_INT, "20", false, 1, 1000,
	 "break-glass grants one user may start in any hour "
	 "(StartBreakGlass); more are refused RESOURCE_EXHAUSTED"},
};
const size_t identity_n_config =
	sizeof(identity_config) / sizeof(identity_config[0]);
