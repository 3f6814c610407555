/*
 * handlers_face.c - the face RPCs: enrol, verify (with a signed token),
 * identify, erase, and the token verification key.  Each adds to its
 * call's audit event the score, threshold, model and device.
 */
#include <med/audit.h>
#include <med/check.h>
#include <med/codec.h>
#include <med/log.h>
#include <med/service.h>
#include <med/vtoken.h>

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "face_internal.h"
#include "face_pipe.h"
#include "identity.h"
#include "sync.h"

#define IDENTITY_MATCH                                                         \
	SMARTMED__IDENTITY__V1__FACE_DECISION__FACE_DECISION_MATCH
#define IDENTITY_NO_MATCH                                                      \
	SMARTMED__IDENTITY__V1__FACE_DECISION__FACE_DECISION_NO_MATCH
#define IDENTITY_RETAKE                                                        \
	SMARTMED__IDENTITY__V1__FACE_DECISION__FACE_DECISION_RETAKE

/* What the operator is told to do when the PAD stage flags or refuses a
 * face (the reply's advice, and the refusal's message). */
#define PAD_ADVICE                                                             \
	"remove any screen, phone or printed picture from in front of the "    \
	"camera, have the patient face the camera in person, and take "        \
	"another photograph"
/* ... and when the PAD model cannot judge a grey photograph. */
#define PAD_GREY_ADVICE                                                        \
	"the presentation-attack check needs a colour photograph: take the "   \
	"photograph again with a colour camera"
/* ... and when the photograph looks like a copy of one already seen. */
#define COPY_ADVICE                                                            \
	"take a new photograph of the patient in person, not of a screen, a "  \
	"print or an earlier photograph"

/*
 * face_audit puts the face facts (no biometric data) on the call's audit
 * event: threshold, model, device and the call's own extras (score ...).
 */
static void
face_audit(med_call *call, identity_face *f, const char *patient_id,
	   const char *what, const med_audit_detail *extra, size_t n_extra)
{
	med_audit_detail d[MED_AUDIT_MAX_DETAILS];
	char thr[32];
	size_t n = 0;

	snprintf(thr, sizeof(thr), "%.4f", f->threshold);
	d[n++] = (med_audit_detail){"event", what};
	d[n++] = (med_audit_detail){"threshold", thr};
	d[n++] = (med_audit_detail){"model", f->model};
	d[n++] = (med_audit_detail){"device", f->device};
	d[n++] = (med_audit_detail){"inference", f->describe};
	for (size_t i = 0; i < n_extra && n < MED_AUDIT_MAX_DETAILS; i++)
		d[n++] = extra[i];
	if (patient_id != NULL && patient_id[0] != '\0')
		med_call_set_patient(call, patient_id);
	med_call_add_details(call, d, n);
}

/* ---- EnrollFace ------------------------------------------------------- */

/* others_in counts the faces the dominant-face rule set aside in pr[0..n). */
static uint32_t
others_in(const identity_face_probe *pr, size_t n)
{
	uint32_t sum = 0;

	for (size_t i = 0; i < n; i++)
		sum += pr[i].other_faces;
	return sum;
}

static med_err
enroll_checks(med_call *call, identity_face *f,
	      const Smartmed__Identity__V1__EnrollFaceRequest *req)
{
	med_err err;

	/* The duplicate search needs the face index: refused while it
	 * loads rather than enrolled unchecked. */
	if ((err = identity_face_ready(call, f)) != MED_OK ||
	    (err = med_check_id(call, "patient_id", req->patient_id)) !=
		    MED_OK ||
	    (err = identity_face_index_not_loading(call, f)) != MED_OK)
		return err;
	if (req->n_images == 0 || req->n_images > IDENTITY_MAX_IMAGES)
		return med_call_fail(call, MED_ERR_INVALID,
				     "images: give 1 to %d photographs",
				     IDENTITY_MAX_IMAGES);
	return MED_OK;
}

#define IDENTITY_MAX_DUPS 5

static int
hit_desc(const void *a, const void *b)
{
	float x = ((const identity_hit *)a)->score,
	      y = ((const identity_hit *)b)->score;

	return (x < y) - (x > y);
}

/* keep_best adds h to d, or raises the score of the patient already in d. */
static void
keep_best(identity_hit *d, size_t *n, const identity_hit *h)
{
	for (size_t i = 0; i < *n; i++)
		if (strcmp(d[i].patient_id, h->patient_id) == 0) {
			if (h->score > d[i].score)
				d[i].score = h->score;
			return;
		}
	d[(*n)++] = *h;
}

/*
 * duplicates puts into d (best first, at most IDENTITY_MAX_DUPS) the other
 * patients that score at or above the threshold against a new image, and
 * returns the best score against any other patient (for the audit event):
 * a possible duplicate registration.  Its search catches the index up
 * with the change log, which brings in the new templates too: the
 * patient's own are excluded.
 */
static float
duplicates(med_call *call, identity_face *f, const char *patient_id,
	   const identity_face_probe *pr, size_t n, identity_hit *d,
	   size_t *n_d)
{
	float best = -1.f;

	*n_d = 0;
	if (identity_face_index_ready(call, f) != MED_OK)
		return best;
	for (size_t i = 0; i < n; i++) {
		identity_hit_filter others = {.exclude = patient_id};
		identity_hit h[IDENTITY_MAX_DUPS];
		size_t got = 0;
		uint64_t searched;
		if (identity_index_search(f->index, pr[i].emb,
					  IDENTITY_MAX_DUPS, &others, h, &got,
					  &searched) != MED_OK)
			continue;
		for (size_t j = 0; j < got; j++) {
			if (h[j].score > best)
				best = h[j].score;
			if (h[j].score >= f->threshold)
				keep_best(d, n_d, &h[j]);
		}
	}
	qsort(d, *n_d, sizeof(*d), hit_desc);
	if (*n_d > IDENTITY_MAX_DUPS)
		*n_d = IDENTITY_MAX_DUPS;
	return best;
}

/*
 * face_candidates makes the reply's candidates of hits, each marked above
 * threshold or not: enrolment's possible duplicates and a search's matches
 * are one message.
 */
static med_err
face_candidates(med_call *call, const identity_hit *hits, size_t n,
		float threshold, Smartmed__Identity__V1__FaceCandidate ***out)
{
	med_arena *a = med_call_arena(call);
	Smartmed__Identity__V1__FaceCandidate **cs =
		med_arena_alloc(a, (n ? n : 1) * sizeof(void *));

	if (cs == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		Smartmed__Identity__V1__FaceCandidate *c =
			med_arena_alloc(a, sizeof(*c));
		if (c == NULL)
			return MED_ERR_NOMEM;
		smartmed__identity__v1__face_candidate__init(c);
		c->patient_id = med_arena_strdup(a, hits[i].patient_id);
		c->score = hits[i].score;
		c->above_threshold = c->score >= threshold;
		cs[i] = c;
	}
	*out = cs;
	return MED_OK;
}

/* Every duplicate duplicates() keeps is at or above the threshold. */
static med_err
dup_reply(med_call *call, const identity_face *f, const identity_hit *d,
	  size_t n, Smartmed__Identity__V1__EnrollFaceResponse *res)
{
	med_err err = face_candidates(call, d, n, f->threshold,
				      &res->possible_duplicates);

	if (err != MED_OK)
		return err;
	res->n_possible_duplicates = n;
	return MED_OK;
}

static med_err
enroll_reply(med_call *call, const identity_face_probe *pr, size_t n,
	     char (*ids)[MED_UUID_LEN + 1], int64_t now,
	     Smartmed__Identity__V1__EnrollFaceResponse *res)
{
	med_arena *a = med_call_arena(call);

	res->templates = med_arena_alloc(a, n * sizeof(*res->templates));
	if (res->templates == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < n; i++) {
		Smartmed__Identity__V1__FaceTemplate *t =
			med_arena_alloc(a, sizeof(*t));
		if (t == NULL)
			return MED_ERR_NOMEM;
		smartmed__identity__v1__face_template__init(t);
		t->template_id = med_arena_strdup(a, ids[i]);
		t->model = (char *)identity_face_model(
			identity_face_from_call(call));
		t->quality = pr[i].quality;
		t->other_faces = pr[i].other_faces;
		t->created_ms = now;
		res->templates[i] = t;
	}
	res->n_templates = n;
	return MED_OK;
}

med_err
identity_rpc_enroll_face(med_call *call, const ProtobufCMessage *in,
			 ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__EnrollFaceRequest *req = (const void *)in;
	Smartmed__Identity__V1__EnrollFaceResponse *res = (void *)out;
	identity_face *f = identity_face_from_call(call);
	identity_face_probe pr[IDENTITY_MAX_IMAGES];
	char ids[IDENTITY_MAX_IMAGES][MED_UUID_LEN + 1], field[32], dup[32],
		nb[8], others[16];
	identity_hit dups[IDENTITY_MAX_IMAGES * IDENTITY_MAX_DUPS];
	size_t n_dups = 0;
	int64_t now = med_now_ms();
	identity_scope scope;
	med_err err;

	if ((err = enroll_checks(call, f, req)) != MED_OK ||
	    (err = identity_scope_of(call, &scope)) != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	for (size_t i = 0; i < req->n_images; i++) {
		snprintf(field, sizeof(field), "images[%zu]", i);
		err = identity_face_analyze(call, f, field, req->images[i].data,
					    req->images[i].len, &pr[i]);
		if (err != MED_OK)
			return err;
	}
	/* Every fact of the audit event is known before the templates are
	 * written: the event commits with them (med_call_tx).  The duplicate
	 * search excludes the patient's own templates, so it needs none of
	 * the new ones. */
	snprintf(dup, sizeof(dup), "%.4f",
		 (double)duplicates(call, f, req->patient_id, pr, req->n_images,
				    dups, &n_dups));
	snprintf(nb, sizeof(nb), "%zu", req->n_images);
	snprintf(others, sizeof(others), "%u", others_in(pr, req->n_images));
	face_audit(call, f, req->patient_id, "face enrolled",
		   (med_audit_detail[]){{"templates", nb},
					{"duplicate_score", dup},
					{"other_faces", others}},
		   3);
	err = identity_templates_insert(call, f, req->patient_id, pr,
					req->n_images, ids, now,
					&res->total_templates);
	if (err == MED_ERR_NOT_FOUND)
		return med_call_fail(call, err, "patient_id: no such patient");
	if (err != MED_OK)
		return err;
	/* The index learns the new templates from the change log, as every
	 * replica does (sync.h). */
	if (identity_index_sync(f->index) != MED_OK)
		med_log_warn("identity: face index catch-up after enrolment "
			     "failed; the next search retries");
	/* A nurse is not told of other wards' patients: her enrolment's
	 * duplicates are still in its audit event (duplicate_score) for
	 * registration to review. */
	n_dups = identity_scope_keep(call, &scope, dups, n_dups);
	if ((err = dup_reply(call, f, dups, n_dups, res)) != MED_OK)
		return err;
	return enroll_reply(call, pr, req->n_images, ids, now, res);
}

/* ---- VerifyFace ------------------------------------------------------- */

/*
 * best_ctx scores a probe against one patient's templates as they are
 * decrypted: the best single template, and the sum of the unit templates
 * (sum, dim floats) whose direction is the fused template.
 */
typedef struct best_ctx {
	const float *probe;
	size_t dim;
	float best;
	size_t n;
	float *sum;
} best_ctx;

static med_err
best_of(void *ctx, const identity_template *t)
{
	best_ctx *b = ctx;
	float s = identity_cosine(b->probe, t->emb, b->dim);

	if (b->n++ == 0 || s > b->best)
		b->best = s;
	for (size_t i = 0; i < b->dim; i++)
		b->sum[i] += t->emb[i];
	return MED_OK;
}

/*
 * fused_score is the probe's cosine with the mean of the patient's unit
 * templates: every enrolment photograph counts, so one odd probe weighs
 * less than against the single best template (docs/benchmarks.md, "Template
 * fusion").  Templates that cancel out (a zero mean) give the best score.
 */
static float
fused_score(const best_ctx *b)
{
	double norm = 0.0, dot = 0.0;

	for (size_t i = 0; i < b->dim; i++) {
		norm += (double)b->sum[i] * b->sum[i];
		dot += (double)b->sum[i] * b->probe[i];
	}
	return norm > 0.0 ? (float)(dot / sqrt(norm)) : b->best;
}

/*
 * sign_token signs a match's token; it names the identifiers checked: the
 * wristband scanned and the face, or the face alone when no wristband was
 * given (which dosage's default policy refuses).
 */
static med_err
sign_token(med_call *call, identity_face *f,
	   const Smartmed__Identity__V1__VerifyFaceRequest *req, int64_t now,
	   Smartmed__Identity__V1__VerifyFaceResponse *res)
{
	const char *terminal = req->terminal;
	med_vtoken_claims c;
	char tok[MED_VTOKEN_MAX_LEN + 1];
	med_err err;

	memset(&c, 0, sizeof(c));
	med_strlcpy(c.patient_id, res->patient_id, sizeof(c.patient_id));
	med_strlcpy(c.checked,
		    req->wristband[0] ? MED_VTOKEN_CHECKED_WRISTBAND_FACE
				      : MED_VTOKEN_CHECKED_FACE,
		    sizeof(c.checked));
	med_strlcpy(c.checked_by, identity_caller(call), sizeof(c.checked_by));
	c.score = res->score;
	c.threshold = f->threshold;
	med_strlcpy(c.model, f->model, sizeof(c.model));
	med_strlcpy(c.device, terminal[0] ? terminal : "unspecified",
		    sizeof(c.device));
	c.issued_ms = now;
	c.expires_ms = now + f->ttl_ms;
	med_uuid_v4(c.token_id);
	if ((err = med_vtoken_sign(f->seed, &c, tok, sizeof(tok))) != MED_OK)
		return err;
	res->verification_token = med_arena_strdup(med_call_arena(call), tok);
	res->expires_ms = c.expires_ms;
	res->identifiers_checked =
		med_arena_strdup(med_call_arena(call), c.checked);
	return res->verification_token && res->identifiers_checked
		       ? MED_OK
		       : MED_ERR_NOMEM;
}

/*
 * verify_checks validates the request and sets the patient verified
 * (res->patient_id): the wristband scanned must be the patient's, checked
 * before any face work (handlers_bedside.c).
 */
static med_err
verify_checks(med_call *call, identity_face *f,
	      const Smartmed__Identity__V1__VerifyFaceRequest *req,
	      Smartmed__Identity__V1__VerifyFaceResponse *res)
{
	const char *id = req->patient_id;
	med_err err;

	if ((err = identity_face_ready(call, f)) != MED_OK ||
	    (err = med_check_text(call, "terminal", req->terminal, 0,
				  MED_VTOKEN_STR_MAX)) != MED_OK ||
	    (err = med_check_text(call, "camera", req->camera, 0,
				  MED_VTOKEN_STR_MAX)) != MED_OK)
		return err;
	if (req->wristband[0] != '\0')
		err = identity_wristband_resolve(call, req->wristband,
						 req->patient_id, &id);
	else
		err = med_check_id(call, "patient_id", req->patient_id);
	if (err != MED_OK)
		return err;
	res->patient_id = (char *)id;
	return MED_OK;
}

static void
verify_audit(med_call *call, identity_face *f, const char *patient_id,
	     const Smartmed__Identity__V1__VerifyFaceResponse *res)
{
	char score[32], others[16], dist[16], best[32], q[16], live[16];
	const char *what =
		res->copy_suspected ? "face copy suspected"
		: (int)res->pad_decision == IDENTITY_PAD_REFUSED
			? "face presentation attack suspected"
		: identity_pad_refuses(f->pad_mode,
				       (identity_pad_decision)res->pad_decision)
			? "face presentation not judged"
		: res->match			   ? "face verified"
		: res->decision == IDENTITY_RETAKE ? "face retake asked"
						   : "face not matched";

	snprintf(score, sizeof(score), "%.4f", res->score);
	snprintf(others, sizeof(others), "%u", res->other_faces);
	snprintf(dist, sizeof(dist), "%u", res->copy_distance);
	snprintf(best, sizeof(best), "%.4f", res->best_template_score);
	snprintf(q, sizeof(q), "%.2f", res->quality);
	snprintf(live, sizeof(live), "%.3f", res->liveness_score);
	face_audit(call, f, patient_id, what,
		   (med_audit_detail[]){
			   {"score", score},
			   {"match", res->match ? "true" : "false"},
			   {"other_faces", others},
			   {"copy_of", res->copy_of ? res->copy_of : ""},
			   {"copy_distance", dist},
			   {"best_template_score", best},
			   {"quality", q},
			   {"reason", res->reason ? res->reason : ""},
			   {"pad",
			    identity_pad_decision_name(
				    (identity_pad_decision)res->pad_decision)},
			   {"liveness", live}},
		   10);
}

/*
 * copy_check compares the probe with the patient's enrolment photographs
 * and recent probes (copies.c) and records it; a copy sets the reply's
 * flag.  A check that cannot run fails the call: a token is never signed
 * unchecked.
 */
static med_err
copy_check(med_call *call, identity_face *f, const char *patient_id,
	   const identity_face_probe *pr,
	   Smartmed__Identity__V1__VerifyFaceResponse *res)
{
	identity_copy_seen seen;

	res->copy_distance = IDENTITY_COPYHASH_NONE;
	if (f->copy_mode == IDENTITY_COPY_OFF)
		return MED_OK;
	if (identity_copies_check(med_call_db(call), patient_id, pr,
				  med_now_ms(), f->copy_window_ms,
				  &seen) != MED_OK)
		return med_call_fail(call, MED_ERR_UNAVAILABLE,
				     "image: the photograph could not be "
				     "checked against earlier ones; try "
				     "again");
	res->copy_distance = (uint32_t)seen.distance;
	res->copy_suspected = seen.exact || seen.distance <= f->copy_distance;
	/* copy_of names a photograph only when this is taken for a copy of
	 * it: the nearest of a patient's photographs is always some
	 * distance away, and naming it then would suggest a copy. */
	if (res->copy_suspected) {
		res->copy_of = (char *)seen.of;
		res->advice = (char *)COPY_ADVICE;
	}
	return MED_OK;
}

/* pad_verdict sets the reply's PAD fields from the probe's liveness
 * score (face_pad.h) and returns the decision. */
static identity_pad_decision
pad_verdict(const identity_face *f, const identity_face_probe *pr,
	    double *score, double *threshold,
	    Smartmed__Identity__V1__PadDecision *field, char **advice)
{
	identity_pad_decision d =
		identity_pad_judge(f->pad_mode, pr->pad_ran, pr->pad_grey,
				   pr->liveness, f->pad_threshold);

	*score = pr->pad_ran ? pr->liveness : 0;
	*threshold = f->pad_threshold;
	*field = (Smartmed__Identity__V1__PadDecision)d;
	if (d == IDENTITY_PAD_FLAGGED)
		*advice = (char *)PAD_ADVICE;
	else if (d == IDENTITY_PAD_NOT_JUDGED)
		*advice = (char *)PAD_GREY_ADVICE;
	return d;
}

/* pad_refusal fails a call the PAD stage refuses (enforce mode): an
 * attack, or a grey photograph its model cannot judge (d); the caller
 * has audited it. */
static med_err
pad_refusal(med_call *call, identity_pad_decision d, double score,
	    double threshold)
{
	if (d == IDENTITY_PAD_NOT_JUDGED)
		return med_call_fail(call, MED_ERR_INVALID,
				     "image: a grey photograph cannot be "
				     "checked for a presentation attack: "
				     "" PAD_GREY_ADVICE);
	return med_call_fail(call, MED_ERR_INVALID,
			     "image: looks like a photograph of a photograph "
			     "(liveness score %.3f, under %.3f): " PAD_ADVICE,
			     score, threshold);
}

/* copy_refusal fails a call whose photograph is a copy (enforce mode),
 * after its audit event says so. */
static med_err
copy_refusal(med_call *call, identity_face *f, const char *patient_id,
	     const Smartmed__Identity__V1__VerifyFaceResponse *res)
{
	verify_audit(call, f, patient_id, res);
	if (res->copy_distance == 0)
		return med_call_fail(call, MED_ERR_INVALID,
				     "image: looks like a photograph of a "
				     "photograph: it is the same picture as "
				     "%s; " COPY_ADVICE,
				     res->copy_of);
	return med_call_fail(call, MED_ERR_INVALID,
			     "image: looks like a photograph of a photograph: "
			     "a copy of %s (%u bits apart); " COPY_ADVICE,
			     res->copy_of, res->copy_distance);
}

/*
 * decide sets the reply's decision, reason and match from its score and
 * quality and the patient's pending retake (identity_retakes_decide); a
 * copy in warn mode never matches.
 */
static med_err
decide(med_call *call, identity_face *f, const char *patient_id,
       Smartmed__Identity__V1__VerifyFaceResponse *res)
{
	identity_face_verdict v = {res->score,	       f->threshold,
				   f->retake_band,     res->quality,
				   f->retake_quality,  false,
				   f->retake_threshold};
	char reason[256];
	identity_face_decision d = IDENTITY_FACE_NO_MATCH;

	res->retake_from = f->threshold - f->retake_band;
	if (res->copy_suspected)
		snprintf(reason, sizeof(reason), "%s",
			 "looks like a photograph of a "
			 "photograph: " COPY_ADVICE);
	else if (identity_retakes_decide(med_call_db(call), patient_id,
					 med_now_ms(), &v, &d, reason,
					 sizeof(reason)) != MED_OK)
		return med_call_fail(call, MED_ERR_UNAVAILABLE,
				     "image: the photograph could not be "
				     "decided; try again");
	res->match = d == IDENTITY_FACE_MATCH;
	res->decision = d == IDENTITY_FACE_MATCH      ? IDENTITY_MATCH
			: d == IDENTITY_FACE_NO_MATCH ? IDENTITY_NO_MATCH
						      : IDENTITY_RETAKE;
	res->reason = med_arena_strdup(med_call_arena(call), reason);
	return res->reason != NULL ? MED_OK : MED_ERR_NOMEM;
}

/* after_decision gives the face watch the decision (its figures by
 * terminal and camera), keeps a NO_MATCH or RETAKE for the patient until
 * the stated check (or a later match) identifies them, and ends that hold
 * on MATCH (docs/face.md, "A non-match never becomes an override"). */
static med_err
after_decision(med_call *call, const identity_face *f,
	       const Smartmed__Identity__V1__VerifyFaceRequest *req,
	       const Smartmed__Identity__V1__VerifyFaceResponse *res)
{
	identity_watch_where at = {req->terminal, req->camera};

	identity_watch_face(med_call_db(call),
			    med_service_metrics(med_service_from_call(call)),
			    &at, res->patient_id,
			    res->match			       ? "match"
			    : res->decision == IDENTITY_RETAKE ? "retake"
							       : "no_match",
			    res->score - f->threshold);
	if (res->match) {
		identity_hold_clear(call, res->patient_id);
		return MED_OK;
	}
	return identity_hold_set(call, res->patient_id,
				 res->decision == IDENTITY_RETAKE ? "retake"
								  : "no-match",
				 req->terminal);
}

med_err
identity_rpc_verify_face(med_call *call, const ProtobufCMessage *in,
			 ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__VerifyFaceRequest *req = (const void *)in;
	Smartmed__Identity__V1__VerifyFaceResponse *res = (void *)out;
	identity_face *f = identity_face_from_call(call);
	identity_face_probe pr;
	best_ctx b = {0};
	med_err err;

	if ((err = verify_checks(call, f, req, res)) != MED_OK)
		return err;
	med_call_set_patient(call, res->patient_id);
	/* The copy check also compares the photograph mirrored back. */
	err = f->copy_mode == IDENTITY_COPY_OFF
		      ? identity_face_analyze(call, f, "image", req->image.data,
					      req->image.len, &pr)
		      : identity_face_analyze_copies(call, f, "image",
						     req->image.data,
						     req->image.len, &pr);
	if (err != MED_OK)
		return err;
	b.probe = pr.emb;
	b.dim = f->dim;
	b.sum = med_arena_alloc(med_call_arena(call), f->dim * sizeof(float));
	if (b.sum == NULL)
		return MED_ERR_NOMEM;
	memset(b.sum, 0, f->dim * sizeof(float));
	/* The database, not this process's index, is the authority: an
	 * erasure on another replica takes effect here at once. */
	err = identity_templates_each(med_call_db(call), f, res->patient_id,
				      best_of, &b);
	if (err != MED_OK)
		return err;
	if (b.n == 0)
		return med_call_fail(call, MED_ERR_PRECONDITION,
				     "patient_id: no face templates enrolled "
				     "for this patient");
	res->best_template_score = b.best;
	res->templates = (uint32_t)b.n;
	res->score = f->fuse_mean ? fused_score(&b) : b.best;
	res->threshold = f->threshold;
	res->model = f->model;
	res->device = f->device;
	res->other_faces = pr.other_faces;
	res->quality = pr.quality;
	identity_pad_decision pd = pad_verdict(
		f, &pr, &res->liveness_score, &res->liveness_threshold,
		&res->pad_decision, &res->advice);
	if (identity_pad_refuses(f->pad_mode, pd)) {
		verify_audit(call, f, res->patient_id, res);
		return pad_refusal(call, pd, res->liveness_score,
				   res->liveness_threshold);
	}
	if ((err = copy_check(call, f, res->patient_id, &pr, res)) != MED_OK)
		return err;
	if (res->copy_suspected && f->copy_mode == IDENTITY_COPY_ENFORCE)
		return copy_refusal(call, f, res->patient_id, res);
	if ((err = decide(call, f, res->patient_id, res)) != MED_OK)
		return err;
	if ((err = after_decision(call, f, req, res)) != MED_OK)
		return err;
	if (res->match &&
	    (err = sign_token(call, f, req, med_now_ms(), res)) != MED_OK)
		return err;
	verify_audit(call, f, res->patient_id, res);
	return MED_OK;
}

/* ---- IdentifyFace ----------------------------------------------------- */

static med_err
identify_reply(med_call *call, identity_face *f, const identity_hit *hits,
	       size_t n, Smartmed__Identity__V1__IdentifyFaceResponse *res)
{
	med_err err =
		face_candidates(call, hits, n, f->threshold, &res->candidates);

	if (err != MED_OK)
		return err;
	res->n_candidates = n;
	res->threshold = f->threshold;
	res->model = f->model;
	res->device = f->device;
	return MED_OK;
}

/*
 * identify_filter limits an identification to the caller's scope: a
 * clinician or nurse identifies among their own patients only.
 */
static med_err
identify_filter(med_call *call, identity_hit_filter *filter)
{
	identity_scope s;
	char(*ids)[MED_UUID_LEN + 1] = NULL;
	size_t n = 0;
	med_err err = identity_scope_of(call, &s);

	if (err != MED_OK || s.whole)
		return err;
	err = identity_scope_patients(med_call_db(call), med_call_arena(call),
				      &s, &ids, &n);
	if (err == MED_ERR_LIMIT)
		return med_call_fail(call, MED_ERR_LIMIT,
				     "image: your units hold more than %d "
				     "patient records; registration "
				     "identifies across the hospital",
				     IDENTITY_SCOPE_MAX);
	if (err != MED_OK)
		return err;
	filter->limited = true;
	filter->only = (const char(*)[MED_UUID_LEN + 1]) ids;
	filter->n_only = n;
	return MED_OK;
}

/* identify_pad sets the reply's PAD fields; a face the stage refuses
 * (enforce) is audited and fails the call before any search. */
static med_err
identify_pad(med_call *call, identity_face *f, const identity_face_probe *pr,
	     Smartmed__Identity__V1__IdentifyFaceResponse *res)
{
	char live[16];
	identity_pad_decision d = pad_verdict(f, pr, &res->liveness_score,
					      &res->liveness_threshold,
					      &res->pad_decision, &res->advice);

	if (!identity_pad_refuses(f->pad_mode, d))
		return MED_OK;
	snprintf(live, sizeof(live), "%.3f", res->liveness_score);
	face_audit(call, f, NULL,
		   d == IDENTITY_PAD_NOT_JUDGED
			   ? "face presentation not judged"
			   : "face presentation attack suspected",
		   (med_audit_detail[]){{"pad", identity_pad_decision_name(d)},
					{"liveness", live}},
		   2);
	return pad_refusal(call, d, res->liveness_score,
			   res->liveness_threshold);
}

med_err
identity_rpc_identify_face(med_call *call, const ProtobufCMessage *in,
			   ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__IdentifyFaceRequest *req =
		(const void *)in;
	Smartmed__Identity__V1__IdentifyFaceResponse *res = (void *)out;
	identity_face *f = identity_face_from_call(call);
	identity_hit hits[IDENTITY_MAX_TOP_K];
	identity_hit_filter filter = {0};
	size_t k = req->top_k ? req->top_k : 5, n = 0;
	char top[48], score[32], cnt[24], others[16];
	identity_face_probe pr;
	med_err err;

	if ((err = identity_face_ready(call, f)) != MED_OK)
		return err;
	if (k > IDENTITY_MAX_TOP_K)
		return med_call_fail(call, MED_ERR_INVALID, "top_k: at most %d",
				     IDENTITY_MAX_TOP_K);
	if ((err = identity_face_analyze(call, f, "image", req->image.data,
					 req->image.len, &pr)) != MED_OK ||
	    (err = identify_pad(call, f, &pr, res)) != MED_OK ||
	    (err = identify_filter(call, &filter)) != MED_OK ||
	    (err = identity_face_index_ready(call, f)) != MED_OK ||
	    (err = identity_index_search(f->index, pr.emb, k, &filter, hits, &n,
					 &res->searched)) != MED_OK)
		return err;
	med_strlcpy(top, n ? hits[0].patient_id : "", sizeof(top));
	snprintf(score, sizeof(score), "%.4f", n ? (double)hits[0].score : 0.);
	snprintf(cnt, sizeof(cnt), "%zu", n);
	snprintf(others, sizeof(others), "%u", pr.other_faces);
	res->other_faces = pr.other_faces;
	face_audit(call, f, n ? top : NULL, "face identification",
		   (med_audit_detail[]){
			   {"top_patient_id", top},
			   {"score", score},
			   {"candidates", cnt},
			   {"other_faces", others},
			   {"pad",
			    identity_pad_decision_name(
				    (identity_pad_decision)res->pad_decision)}},
		   5);
	return identify_reply(call, f, hits, n, res);
}

/* ---- DeleteFaceTemplates and GetVerificationKey ------------------------ */

med_err
identity_rpc_delete_face_templates(med_call *call, const ProtobufCMessage *in,
				   ProtobufCMessage *out)
{
	const Smartmed__Identity__V1__DeleteFaceTemplatesRequest *req =
		(const void *)in;
	Smartmed__Identity__V1__DeleteFaceTemplatesResponse *res = (void *)out;
	identity_face *f = identity_face_from_call(call);
	med_err err;

	if ((err = identity_face_ready(call, f)) != MED_OK ||
	    (err = med_check_id(call, "patient_id", req->patient_id)) != MED_OK)
		return err;
	med_call_set_patient(call, req->patient_id);
	err = identity_templates_delete(call, req->patient_id, &res->deleted);
	if (err != MED_OK)
		return err;
	/* Drop the erased templates from this replica's memory now; the
	 * others drop them from the change log (sync.h). */
	if (identity_index_sync(f->index) != MED_OK)
		med_log_warn("identity: face index catch-up after erasure "
			     "failed; the next search retries");
	return MED_OK;
}

med_err
identity_rpc_get_verification_key(med_call *call, const ProtobufCMessage *in,
				  ProtobufCMessage *out)
{
	Smartmed__Identity__V1__GetVerificationKeyResponse *res = (void *)out;
	identity_face *f = identity_face_from_call(call);
	char b64[MED_B64_STD_LEN(MED_VTOKEN_PUBLIC_KEY_LEN)];
	med_err err;

	(void)in;
	if ((err = identity_face_ready(call, f)) != MED_OK)
		return err;
	med_b64_encode(b64, sizeof(b64), f->pk, sizeof(f->pk), MED_B64_STD);
	res->public_key = med_arena_strdup(med_call_arena(call), b64);
	res->key_id = f->key_id;
	res->token_ttl_s = (uint32_t)(f->ttl_ms / 1000);
	return res->public_key ? MED_OK : MED_ERR_NOMEM;
}
