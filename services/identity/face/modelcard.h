/*
 * modelcard.h - the model card an operator-configured model must carry.
 *
 * A model file "x.onnx" is accepted only with "x.card.md" beside it: a
 * Markdown card for people (data, licence, intended use, measured
 * accuracy) that opens with a block of "key: value" lines between two
 * "---" lines for the service.  Every card names its kind, name, version,
 * licence and the SHA-256 of the model file; a service reads the further
 * fields its kind of model needs (docs/plugin-abi.md, "Model cards").
 *
 *   ---
 *   kind: face-embedder
 *   name: faceproj-v1
 *   version: 1.0.0
 *   licence: Apache-2.0
 *   sha256: 3f2a...
 *   threshold: 0.62
 *   ---
 *   # faceproj-v1
 *   ...
 *
 * Not thread-safe while loading; a loaded card is read-only.
 */
#ifndef IDENTITY_MODELCARD_H
#define IDENTITY_MODELCARD_H

#include <stddef.h>

#include <med/err.h>

#define IDENTITY_MODELCARD_MAX_FIELDS 48
#define IDENTITY_MODELCARD_KEY_LEN    32
#define IDENTITY_MODELCARD_VALUE_LEN  256
#define IDENTITY_MODELCARD_MAX_BYTES  (64 * 1024)

typedef struct identity_modelcard_field {
	char key[IDENTITY_MODELCARD_KEY_LEN];
	char value[IDENTITY_MODELCARD_VALUE_LEN];
} identity_modelcard_field;

typedef struct identity_modelcard {
	char path[512]; /* the card file, for messages */
	size_t n_fields;
	identity_modelcard_field fields[IDENTITY_MODELCARD_MAX_FIELDS];
} identity_modelcard;

/*
 * identity_modelcard_path writes the card path of model_path into buf: the
 * model's name with its last extension replaced by ".card.md".  Errors:
 * MED_ERR_LIMIT (buf too small).
 */
med_err identity_modelcard_path(const char *model_path, char *buf,
				size_t len) MED_MUST_CHECK;

/*
 * identity_modelcard_parse reads the front block of text (a card's contents,
 * NUL-terminated).  Errors (MED_ERR_INVALID, with msg naming the line):
 * no opening or closing "---", a line that is not "key: value", a key
 * outside [a-z0-9_], a key given twice, too many fields, an over-long
 * value.
 */
med_err identity_modelcard_parse(const char *text, identity_modelcard *out,
				 char *msg, size_t msg_len) MED_MUST_CHECK;

/*
 * identity_modelcard_load reads the card of model_path and checks what every
 * card must say: kind equal to want_kind, a name of [a-z0-9._-] (1..63,
 * starting with a letter or digit), a version, a licence and a sha256
 * equal to the model file's.  Errors: MED_ERR_NOT_FOUND (no card),
 * MED_ERR_IO, MED_ERR_INVALID; msg says which file and what is wrong.
 */
med_err identity_modelcard_load(const char *model_path, const char *want_kind,
				identity_modelcard *out, char *msg,
				size_t msg_len) MED_MUST_CHECK;

/*
 * identity_modelcard_read reads and parses the card-format file at path
 * itself (a file that describes no model file, such as a site's face
 * calibration): no field is required.  Errors: MED_ERR_NOT_FOUND,
 * MED_ERR_IO, MED_ERR_INVALID; msg says which file and what is wrong.
 */
med_err identity_modelcard_read(const char *path, identity_modelcard *out,
				char *msg, size_t msg_len) MED_MUST_CHECK;

/* identity_modelcard_get returns a field's value, or NULL when absent. */
const char *identity_modelcard_get(const identity_modelcard *c,
				   const char *key);

/*
 * identity_modelcard_number reads a required number field in [lo, hi].
 * Errors: MED_ERR_INVALID (absent, not a number, out of range; msg says
 * which).
 */
med_err identity_modelcard_number(const identity_modelcard *c, const char *key,
				  double lo, double hi, double *out, char *msg,
				  size_t msg_len) MED_MUST_CHECK;

#endif
