/*
 * copies.c - is a bedside photograph a copy of one the service has seen?
 *
 * A probe is compared with the patient's enrolment photographs (their
 * SHA-256 and copy hash are stored with each template) and with the
 * patient's own probes of the last window (face_probe_copies), and is then
 * recorded there itself: all in one transaction, so two replays sent at
 * once cannot both pass as new.  A camera never makes the same bytes
 * twice, so equal bytes are a replay for certain; a copy hash a few bits
 * from another is a re-encoded, rescaled or re-lit copy of it
 * (face_copyhash.c).  Two copy hashes are compared: the square crop's
 * and the affine chip's, which also catches many photographs shown on a
 * screen or printed and held at a slant (docs/face-pad.md); and the chip's
 * with the probe mirrored back, which catches a mirrored copy.  Rows older
 * than the window are deleted as the patient's next probe is recorded.
 */
#include <med/db.h>
#include <med/log.h>

#include <string.h>

#include "face_internal.h"

/* The most stored probes of one patient compared with a new one: a
 * flood of probes costs a bounded read. */
#define COPIES_MAX_READ "500"
/* The square crop's distance counts this many bits further than the
 * chip's: with both at MED_FACE_COPY_DISTANCE (16) about 1.1 % of
 * one-sitting retakes were refused, with the crop at 14 0.8 %, and the
 * crop still catches what the chip misses of re-encoded and greyed copies
 * (docs/benchmarks.md, "Copies of a photograph"). */
#define COPIES_CROP_EXTRA_BITS 2

/* hash_distance is the bits between a stored hash (h, h_len bytes) and
 * the probe's p, or IDENTITY_COPYHASH_NONE when either is missing. */
static int
hash_distance(const uint8_t *h, size_t h_len, const uint8_t *p)
{
	if (h == NULL || h_len != IDENTITY_COPYHASH_LEN ||
	    !identity_face_copyhash_is_set(h) ||
	    !identity_face_copyhash_is_set(p))
		return IDENTITY_COPYHASH_NONE;
	return identity_face_copyhash_distance(h, p);
}

typedef struct copies_tx {
	const char *patient_id;
	const identity_face_probe *pr;
	int64_t now_ms, window_ms;
	identity_copy_seen *seen;
	const char *reading;  /* what the rows being read are */
	const char *mirrored; /* ... when the probe is their mirror image */
} copies_tx;

/* nearest is the distance of a stored photograph's hashes (crop h, chip c)
 * from the probe's crop and chip hashes (p, pc): the chip's, or the
 * crop's plus COPIES_CROP_EXTRA_BITS, whichever is nearer. */
static int
nearest(const uint8_t *h, size_t h_len, const uint8_t *c, size_t c_len,
	const uint8_t *p, const uint8_t *pc)
{
	int d = hash_distance(h, h_len, p);
	int dc = hash_distance(c, c_len, pc);

	if (d < IDENTITY_COPYHASH_NONE)
		d = d + COPIES_CROP_EXTRA_BITS < IDENTITY_COPYHASH_NONE
			    ? d + COPIES_CROP_EXTRA_BITS
			    : IDENTITY_COPYHASH_NONE;
	return dc < d ? dc : d;
}

/* on_copy_row compares one stored (sha256, copyhash) with the probe. */
static med_err
on_copy_row(void *ctx, const med_db_row *row)
{
	copies_tx *x = ctx;
	size_t len = 0, h_len = 0, c_len = 0;
	const char *sha = med_db_row_text(row, 0, &len);
	const uint8_t *h = (const uint8_t *)med_db_row_text(row, 1, &h_len);
	const uint8_t *c = (const uint8_t *)med_db_row_text(row, 2, &c_len);
	identity_copy_seen *s = x->seen;
	bool exact = sha != NULL && len == sizeof(x->pr->photo_sha256) &&
		     memcmp(sha, x->pr->photo_sha256, len) == 0;
	int d = nearest(h, h_len, c, c_len, x->pr->copyhash, x->pr->chiphash);
	/* A mirrored copy (flipped left to right, as a phone's front camera
	 * or an image editor does) hashes near the original once the probe
	 * is mirrored back and its chip found again (issue 48, item 4). */
	int dm = hash_distance(c, c_len, x->pr->mirror_chiphash);
	const char *of = x->reading;

	if (dm < d) {
		d = dm;
		of = x->mirrored;
	}
	if (exact) {
		d = 0;
		of = x->reading;
	}
	if ((exact && !s->exact) || d < s->distance) {
		s->distance = d;
		s->exact = s->exact || exact;
		s->of = of;
	}
	return MED_OK;
}

static med_err
copies_body(med_db_conn *c, void *arg)
{
	copies_tx *x = arg;
	int64_t since = x->now_ms - x->window_ms;
	med_db_value who = MED_DB_STR(x->patient_id);
	med_db_value recent[2] = {who, MED_DB_I64(since)};
	med_db_value row[5] = {
		who, MED_DB_I64(x->now_ms),
		MED_DB_BLOBV(x->pr->photo_sha256, sizeof(x->pr->photo_sha256)),
		MED_DB_BLOBV(x->pr->copyhash, sizeof(x->pr->copyhash)),
		MED_DB_BLOBV(x->pr->chiphash, sizeof(x->pr->chiphash))};
	med_err err;

	*x->seen = (identity_copy_seen){.distance = IDENTITY_COPYHASH_NONE,
					.of = ""};
	x->reading = "the patient's enrolment photograph";
	x->mirrored = "the patient's enrolment photograph, mirrored";
	err = med_db_query(c,
			   "SELECT photo_sha256, copyhash, chiphash"
			   " FROM face_templates"
			   " WHERE patient_id = ? AND photo_sha256 IS NOT NULL",
			   &who, 1, on_copy_row, x);
	if (err != MED_OK)
		return err;
	x->reading = "a recent photograph of the patient";
	x->mirrored = "a recent photograph of the patient, mirrored";
	err = med_db_query(c,
			   "SELECT photo_sha256, copyhash, chiphash"
			   " FROM face_probe_copies"
			   " WHERE patient_id = ? AND at_ms >= ?"
			   " ORDER BY at_ms DESC LIMIT " COPIES_MAX_READ,
			   recent, 2, on_copy_row, x);
	if (err == MED_OK)
		err = med_db_exec(c,
				  "DELETE FROM face_probe_copies WHERE"
				  " patient_id = ? AND at_ms < ?",
				  recent, 2, NULL, NULL);
	if (err == MED_OK)
		err = med_db_exec(c,
				  "INSERT INTO face_probe_copies (patient_id,"
				  " at_ms, photo_sha256, copyhash, chiphash)"
				  " VALUES (?, ?, ?, ?, ?)",
				  row, 5, NULL, NULL);
	return err;
}

med_err
identity_copies_check(med_db *db, const char *patient_id,
		      const identity_face_probe *pr, int64_t now_ms,
		      int64_t window_ms, identity_copy_seen *seen)
{
	copies_tx x = {patient_id, pr, now_ms, window_ms, seen, "", ""};
	med_err err = med_db_tx(db, copies_body, &x);

	if (err != MED_OK)
		med_log_warn("identity: the copy check could not read or "
			     "record the photograph: %s",
			     med_strerror(err));
	return err;
}
