/*
 * face.h - face recognition as the rest of identity sees it: the face
 * state of the process (face.c), its encrypted templates (templates.c),
 * the in-memory 1:N index (index.c) and the watch of its use (watch.c).
 * face/ is identity's floor: nothing in it includes a header of the
 * service's top level (identity.h), which includes this one.
 */
#ifndef IDENTITY_FACE_FACE_H
#define IDENTITY_FACE_FACE_H

#include <med/db.h>
#include <med/err.h>
#include <med/rpc.h>
#include <med/util.h>

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* --- the face state (face.c) ---------------------------------------- */

#define IDENTITY_FACE_W	      92 /* aligned crop, the shape of ORL's images */
#define IDENTITY_FACE_H	      112
#define IDENTITY_FACE_MAX_DIM 8192 /* embedding length cap */
/* The built-in embedder (the cpu backend's LBP, MED_FACE_EMBEDDER=lbp-v2);
 * an ONNX embedder is named by its model card. */
#define IDENTITY_FACE_CLASSIC_MODEL "lbp-v2"
#define IDENTITY_MAX_IMAGES	    10
#define IDENTITY_MAX_TOP_K	    50

struct med_service;
typedef struct identity_face identity_face;

/* identity_face_begin / _end start and stop face recognition (from the
 * service's start hook, start.c, and as its stop hook). */
med_err identity_face_begin(struct med_service *svc) MED_MUST_CHECK;
void identity_face_end(struct med_service *svc);

/* identity_face_settled: false while the face index's first load runs
 * (face.c, index.c). */
bool identity_face_settled(struct med_service *svc);

/* identity_ready is the service's readiness hook: identity_face_settled,
 * and meanwhile, once migrated, the pinyin keys of patients registered
 * before migration 35 are written, a bounded time per poll (names.c). */
bool identity_ready(struct med_service *svc);

/*
 * identity_face_probe - what one photograph gave: a unit-norm embedding (dim
 * floats, owned by the caller's arena), its quality in [0, 1], and how many
 * other, clearly smaller and farther faces it showed (face_det.h).
 */
#define IDENTITY_COPYHASH_LEN 32 /* bytes of a copy hash (face_copyhash.c) */
/* The distance reported when no copy hash was compared. */
#define IDENTITY_COPYHASH_NONE (8 * IDENTITY_COPYHASH_LEN)

typedef struct identity_face_probe {
	float *emb;
	double quality;
	uint32_t other_faces; /* faces set aside by the dominant-face rule */
	/* What tells a copy of this photograph (face_copyhash.c): the
	 * SHA-256 of the bytes sent, and the perceptual hash of the aligned
	 * face crop.  Neither is an image nor a template. */
	uint8_t photo_sha256[32];
	uint8_t copyhash[IDENTITY_COPYHASH_LEN];
	/* The same hash of the face chip placed on the landmarks by an
	 * affine fit (face_copyhash.c): all zeros when the pipeline has no
	 * landmarks. */
	uint8_t chiphash[IDENTITY_COPYHASH_LEN];
	/* The chip hash of the photograph mirrored left to right, found
	 * as the pipeline finds its own (identity_face_analyze_copies): a
	 * mirrored copy of a photograph hashes near the original there
	 * (copies.c).  All zeros when not asked for or no face was found. */
	uint8_t mirror_chiphash[IDENTITY_COPYHASH_LEN];
	/* The PAD stage's liveness score of the face (pad.c), when pad_ran;
	 * pad_grey: the photograph was grey and the model cannot judge one
	 * (no score). */
	bool pad_ran, pad_grey;
	double liveness;
} identity_face_probe;

/*
 * identity_face_ready fails the call with FAILED_PRECONDITION (and the reason)
 * when face recognition is not configured.
 */
med_err identity_face_ready(med_call *call, identity_face *f) MED_MUST_CHECK;

/*
 * identity_face_index_not_loading fails the call with UNAVAILABLE while the
 * face index's first load runs; the message says how far it is and when
 * to ask again.
 */
med_err identity_face_index_not_loading(med_call *call,
					identity_face *f) MED_MUST_CHECK;

/*
 * identity_face_index_ready is identity_face_index_not_loading, then loads a
 * cold index (one whose load failed) as the caller waits.
 */
med_err identity_face_index_ready(med_call *call,
				  identity_face *f) MED_MUST_CHECK;

/*
 * identity_face_analyze decodes, detects exactly one face, applies the quality
 * gate, aligns and embeds.  field names the request field in messages.
 * Errors: MED_ERR_INVALID (with the reason set on call), MED_ERR_INTERNAL.
 */
med_err identity_face_analyze(med_call *call, identity_face *f,
			      const char *field, const uint8_t *buf, size_t len,
			      identity_face_probe *out) MED_MUST_CHECK;

/*
 * identity_face_analyze_copies is identity_face_analyze, and also finds the
 * face of the photograph mirrored left to right and hashes its chip
 * (out->mirror_chiphash) for VerifyFace's copy check: one more detection
 * and landmark pass.  A mirror in which no face is found leaves the hash
 * unset and fails nothing.
 */
med_err identity_face_analyze_copies(med_call *call, identity_face *f,
				     const char *field, const uint8_t *buf,
				     size_t len,
				     identity_face_probe *out) MED_MUST_CHECK;

/* Accessors of the configured face state. */
size_t identity_face_dim(const identity_face *f);
double identity_face_threshold(const identity_face *f);
const char *identity_face_model(const identity_face *f);
const char *identity_face_device(const identity_face *f);
int64_t identity_face_ttl_ms(const identity_face *f);
const uint8_t *identity_face_template_key(const identity_face *f);
const uint8_t *identity_face_signing_seed(const identity_face *f);
const uint8_t *identity_face_public_key(const identity_face *f);
const char *identity_face_key_id(const identity_face *f);
const char *identity_face_describe(const identity_face *f);
struct identity_index *identity_face_index(identity_face *f);

/* identity_face_from_call returns the service's face state. */
identity_face *identity_face_from_call(med_call *call);

/* identity_cosine returns the dot product of two unit vectors of length n. */
float identity_cosine(const float *a, const float *b, size_t n);

/* --- templates.c: encrypted storage --------------------------------- */

/* identity_template - one decrypted template. */
typedef struct identity_template {
	char template_id[MED_UUID_LEN + 1];
	char patient_id[MED_UUID_LEN + 1];
	float *emb;
} identity_template;

/* identity_tpl_fn receives each decrypted template (emb valid during the call).
 */
typedef med_err (*identity_tpl_fn)(void *ctx, const identity_template *t);

/*
 * identity_templates_insert encrypts and stores n embeddings for patient in one
 * transaction; ids[i] receive the template ids.  Errors: MED_ERR_NOT_FOUND
 * (no such patient), database errors.
 */
med_err identity_templates_insert(med_call *call, identity_face *f,
				  const char *patient_id,
				  const identity_face_probe *probes, size_t n,
				  char (*ids)[MED_UUID_LEN + 1], int64_t now_ms,
				  uint32_t *total) MED_MUST_CHECK;

/*
 * identity_templates_each decrypts the templates of patient_id (or of everyone
 * when NULL) and hands each to fn.  Errors: MED_ERR_DATA_LOSS (a row does
 * not decrypt: wrong key, tampered or moved), database errors.
 */
med_err identity_templates_each(med_db *db, identity_face *f,
				const char *patient_id, identity_tpl_fn fn,
				void *ctx) MED_MUST_CHECK;

/* identity_templates_delete erases patient_id's templates; *n gets the count.
 */
med_err identity_templates_delete(med_call *call, const char *patient_id,
				  uint32_t *n) MED_MUST_CHECK;

/*
 * identity_templates_count_stale sets *n to the number of patients who have
 * templates, none of them of model: those who must re-enrol after a face
 * model change.  Patients without templates are not counted.  It reads
 * the whole table.  Errors: database errors.
 */
med_err identity_templates_count_stale(med_db *db, const char *model,
				       int64_t *n) MED_MUST_CHECK;

/* identity_templates_count sets *n to the templates of model (what a full
 * load reads).  Errors: database errors. */
med_err identity_templates_count(med_db *db, const char *model,
				 int64_t *n) MED_MUST_CHECK;

/* --- index.c: in-memory 1:N index of this process -------------------- */

typedef struct identity_index identity_index;

/* identity_hit - one candidate patient of a search. */
typedef struct identity_hit {
	char patient_id[MED_UUID_LEN + 1];
	float score;
} identity_hit;

med_err identity_index_new(size_t dim, identity_index **out) MED_MUST_CHECK;
void identity_index_free(identity_index *ix);

/* identity_index_is_loaded is true once a full load from the database finished.
 */
bool identity_index_is_loaded(identity_index *ix);

/* identity_index_load replaces the contents with every stored template. */
med_err identity_index_load(identity_index *ix, med_db *db,
			    identity_face *f) MED_MUST_CHECK;

/*
 * identity_index_load_begin loads ix in a thread of its own, so the process
 * serves meanwhile: it waits until may_load(ctx) (NULL: at once; the
 * service's schema is migrated), loads, and retries a load that failed on
 * the database (2 s, doubling to a minute) until it loaded, gave up on
 * another error, or ix is freed.  Until then identity_index_loading is
 * true, searches fail with MED_ERR_UNAVAILABLE and identity_index_sync
 * does nothing (the load reads what committed before it, the change log
 * the rest).
 */
med_err identity_index_load_begin(identity_index *ix, med_db *db,
				  identity_face *f, bool (*may_load)(void *ctx),
				  void *ctx) MED_MUST_CHECK;

/* identity_load_progress - how far the background first load is. */
typedef struct identity_load_progress {
	size_t done;	       /* templates read so far */
	size_t total;	       /* templates expected (0: not counted yet) */
	int64_t retry_after_s; /* when to ask again, at the pace so far */
} identity_load_progress;

/*
 * identity_index_loading is true while the background first load runs,
 * with its progress in *p.
 */
bool identity_index_loading(identity_index *ix, identity_load_progress *p);

/*
 * identity_index_settled is true once the background first load loaded or
 * gave up (and when none was begun): readiness waits for it.
 */
bool identity_index_settled(identity_index *ix);

struct med_metrics;

/*
 * identity_index_set_metrics makes ix count the patients who must re-enrol
 * (identity_templates_count_stale) into the gauge
 * smartmed_identity_face_patients_without_active_model_template{model} of m,
 * created at the first count: after each full load, and in the poller
 * when the templates changed.  The first count is logged (warn when it is
 * not 0).  Call it before identity_index_load; m is borrowed.
 */
void identity_index_set_metrics(identity_index *ix, struct med_metrics *m);

/*
 * identity_hit_filter - which patients a search may return: all but
 * exclude (NULL: none), and when limited only the n_only patients listed
 * at only (sorted by strcmp; the caller's scope, maybe none).
 */
typedef struct identity_hit_filter {
	const char *exclude;
	bool limited;
	const char (*only)[MED_UUID_LEN + 1];
	size_t n_only;
} identity_hit_filter;

/*
 * identity_index_search writes up to k best patients (one entry per patient,
 * best template) that filter (NULL: every patient) lets through into hits,
 * *n_hits their count, *searched the templates of those patients.
 */
med_err identity_index_search(identity_index *ix, const float *probe, size_t k,
			      const identity_hit_filter *filter,
			      identity_hit *hits, size_t *n_hits,
			      uint64_t *searched) MED_MUST_CHECK;

/*
 * identity_watch_metrics creates the watch's families at 0 (watch.c,
 * docs/face.md "Watching it in use").  identity_watch_face records a
 * decided VerifyFace photograph: its score's margin over the threshold,
 * and its outcome ("match", "no_match", "retake") for w's terminal and
 * camera and patient_id.  identity_watch_stated counts what a stated check at
 * the same terminal for the same patient says about that outcome: a likely
 * false non-match (confirmed after no_match or retake), a possible false
 * match (not confirmed after match).  Neither fails its call: a database
 * error is logged and loses one figure.
 */
typedef struct identity_watch_where {
	const char *terminal; /* the request's; "" when it did not say */
	const char *camera;   /* the face request's; "" when it did not say */
} identity_watch_where;
void identity_watch_metrics(struct med_metrics *m);
void identity_watch_face(med_db *db, struct med_metrics *m,
			 const identity_watch_where *w, const char *patient_id,
			 const char *outcome, double margin);
void identity_watch_stated(med_db *db, struct med_metrics *m,
			   const char *terminal, const char *patient_id,
			   bool confirmed);

#endif
