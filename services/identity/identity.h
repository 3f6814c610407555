/*
 * identity.h - the identity service's internal interfaces: the master
 * patient index (handlers.c → domain.c rules → store.c SQL).
 */
#ifndef IDENTITY_H
#define IDENTITY_H

#include <med/auth.h>
#include <med/config.h>
#include <med/check.h>
#include <med/db.h>
#include <med/err.h>
#include <med/rpc.h>
#include <med/util.h>

#include "smartmed/identity/v1/identity.pb-c.h"

/* identity_methods is the RPC table served by the process. */
extern const med_method identity_methods[];
extern const size_t identity_n_methods;

/* identity_migrations is the schema, in version order. */
extern const med_db_migration identity_migrations[];
extern const size_t identity_n_migrations;

/* identity_check_create applies the registration rules to a request. */
med_err identity_check_create(
	med_call *call,
	const Smartmed__Identity__V1__CreatePatientRequest *req) MED_MUST_CHECK;

/* identity_check_search requires at least one usable criterion. */
med_err
identity_check_search(med_call *call,
		      const Smartmed__Identity__V1__SearchPatientsRequest *req)
	MED_MUST_CHECK;

/* --- patient lookup scope (scope.c, scope_store.c) --------------------- */

/*
 * The setting that holds clinicians and nurses to their own patients in
 * identity's lookups (MED_CARE_ENFORCE, as in records, dosage and
 * diagnosis: one switch for a hospital that records no encounters yet).
 */
#define IDENTITY_SCOPE_KEY "MED_CARE_ENFORCE"
/* Patients an identification may be limited to at most (their records). */
#define IDENTITY_SCOPE_MAX 20000

/*
 * identity_scope - whose patients a call may find, read and identify
 * (docs/security.md, "Patient lookup"): the whole hospital, or the
 * patients user is related to as CheckCareRelationship would answer (care
 * team, units, discharge window, an active break-glass grant), with the
 * records merged with them.
 */
typedef struct identity_scope {
	bool whole;
	const char *user;
	char *units[MED_PRINCIPAL_UNITS_MAX];
	size_t n_units;
	int64_t since_ms; /* finished encounters ended since then relate */
	int64_t now_ms;
} identity_scope;

/*
 * identity_scope_of decides call's scope: the whole hospital when the
 * setting is off or the method admits the caller by a role other than
 * clinician or nurse (registrar, admin, pharmacist, service), else the
 * caller's patients.  People's calls are audited with the detail
 * lookup_scope=whole-hospital or lookup_scope=care.
 */
med_err identity_scope_of(med_call *call, identity_scope *out) MED_MUST_CHECK;

/* identity_scope_announce logs at start whether lookups are scoped. */
void identity_scope_announce(const med_config *c);

/*
 * identity_scope_check: MED_OK when patient_id is in s (a patient reached
 * through a break-glass grant marks the call as break-glass),
 * MED_ERR_NOT_FOUND when it is not (the call is not failed), other errors
 * from the database.
 */
med_err identity_scope_check(med_call *call, const identity_scope *s,
			     const char *patient_id) MED_MUST_CHECK;

/*
 * identity_scope_not_found fails the call NOT_FOUND for field: "no such
 * patient", and for a caller held to their patients a message that says
 * so.  An unknown patient and one outside the scope get the same answer.
 */
med_err identity_scope_not_found(med_call *call, const identity_scope *s,
				 const char *field);

/*
 * identity_scope_refuse fails a call about patient_id, outside s, as
 * identity_scope_not_found, but names the patient on the audit event
 * (with care_relationship=none): the patient's access report shows who
 * tried.
 */
med_err identity_scope_refuse(med_call *call, const identity_scope *s,
			      const char *patient_id, const char *field);

/*
 * identity_visible_patient fails the call (NOT_FOUND naming patient_id, as
 * identity_scope_not_found) unless patient_id names a patient record in
 * the caller's scope, and makes it the call's patient.  An out-of-scope
 * patient is still named on the audit event, with care_relationship=none.
 */
med_err identity_visible_patient(med_call *call,
				 const char *patient_id) MED_MUST_CHECK;

/*
 * IDENTITY_SCOPE_RELATED selects the patient ids (column patient_id) the
 * user is related to: it says in SQL what identity_care_relation and
 * identity_bg_active_for say for one patient.  An open encounter on one of
 * the user's units or with the user on its current team (attending or
 * member); a finished one with the user on the team at its end, ended
 * since the discharge window began; an active break-glass grant of the
 * user.  Units and team members compare exactly (utf8mb4_bin), as the
 * rules compare them with strcmp; grants are found by user as
 * break_glass_store.c finds them.  One mark per unit a principal can have;
 * unused ones take "", which no ward is.  A team member is matched in
 * the column's collation too, so that idx_participants_user finds her
 * rows.  Its IDENTITY_SCOPE_N_VALUES
 * placeholders take the values identity_scope_values writes at v.
 */
/* clang-format off */
#define IDENTITY_SCOPE_UNIT_MARKS                                              \
	"?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?"
#define IDENTITY_SCOPE_ON_TEAM(end)                                            \
	"(e.attending COLLATE utf8mb4_bin = ? OR EXISTS (SELECT 1"             \
	" FROM encounter_participants x WHERE x.encounter_id = e.encounter_id" \
	" AND x.end_ms = " end " AND x.user = ?"                               \
	" AND x.user COLLATE utf8mb4_bin = ?))"
#define IDENTITY_SCOPE_RELATED                                                 \
	"SELECT e.patient_id FROM encounters e WHERE e.status = ?"             \
	" AND (e.ward COLLATE utf8mb4_bin IN (" IDENTITY_SCOPE_UNIT_MARKS ")"  \
	" OR " IDENTITY_SCOPE_ON_TEAM("0") ")"                                 \
	" UNION SELECT e.patient_id FROM encounters e WHERE e.status = ?"      \
	" AND e.end_ms >= ? AND " IDENTITY_SCOPE_ON_TEAM("e.end_ms")           \
	" UNION SELECT g.patient_id FROM break_glass_grants g"                 \
	" WHERE g.user = ? AND g.ended_ms = 0 AND g.expires_ms > ?"
/*
 * IDENTITY_SCOPE_SURVIVORS selects the family heads of those patients (the
 * survivor a record is merged into, else the record).  The related set is
 * read once (a derived table) and joined to patients by key: an IN over a
 * UNION would be asked again for every patient row.
 */
#define IDENTITY_SCOPE_SURVIVORS                                               \
	"SELECT IFNULL(r.linked_to, r.patient_id) AS sid FROM ("               \
	IDENTITY_SCOPE_RELATED ") rel STRAIGHT_JOIN patients r"                \
	" ON r.patient_id = rel.patient_id"
/*
 * IDENTITY_SCOPE_SQL is the condition "patients row p is in the scope": its
 * family's head is one of IDENTITY_SCOPE_SURVIVORS, so a record merged into
 * a patient of the user, or the survivor of one, is theirs too.
 */
#define IDENTITY_SCOPE_SQL                                                     \
	"IFNULL(p.linked_to, p.patient_id) IN (" IDENTITY_SCOPE_SURVIVORS ")"
/* clang-format on */
#define IDENTITY_SCOPE_N_VALUES (MED_PRINCIPAL_UNITS_MAX + 11)
void identity_scope_values(const identity_scope *s, med_db_value *v);

/*
 * identity_scope_patients returns the sorted ids of the patient records in
 * s (arena-allocated, *n of them).  Errors: MED_ERR_LIMIT past
 * IDENTITY_SCOPE_MAX, database errors.
 */
med_err identity_scope_patients(med_db *db, med_arena *a,
				const identity_scope *s,
				char (**out)[MED_UUID_LEN + 1],
				size_t *n) MED_MUST_CHECK;

/* identity_store_get fills out (strings in arena) by id or by mrn. */
med_err identity_store_get(med_db *db, med_arena *arena, const char *column,
			   const char *key,
			   Smartmed__Identity__V1__Patient *out) MED_MUST_CHECK;

/*
 * identity_store_search returns up to limit patients (arena-allocated array
 * in *out, count in *n) matching req's non-empty criteria, of those in
 * scope only (the whole hospital when scope->whole); merged records only
 * with req->include_merged.
 */
med_err
identity_store_search(med_db *db, med_arena *arena, const identity_scope *scope,
		      const Smartmed__Identity__V1__SearchPatientsRequest *req,
		      uint64_t offset, uint32_t limit,
		      Smartmed__Identity__V1__Patient ***out,
		      size_t *n) MED_MUST_CHECK;

/* --- master patient index: updates, duplicates, links ----------------- */

typedef Smartmed__Identity__V1__Patient identity_patient;
typedef Smartmed__Identity__V1__DuplicateCandidate identity_candidate;
typedef Smartmed__Identity__V1__PatientLink identity_link;

/*
 * Duplicate score weights (they add up to 1.0 without the MRN) and the
 * band thresholds; docs/internals/identity.md "Duplicate detection"
 * explains them.
 */
#define IDENTITY_W_FAMILY	    0.35
#define IDENTITY_W_FAMILY_NEAR	    0.22
#define IDENTITY_W_GIVEN	    0.15
#define IDENTITY_W_GIVEN_NEAR	    0.10
#define IDENTITY_W_BIRTH	    0.35
#define IDENTITY_W_BIRTH_NEAR	    0.20
#define IDENTITY_W_SEX		    0.15
#define IDENTITY_W_MRN		    0.20
#define IDENTITY_MATCH_THRESHOLD    0.90
#define IDENTITY_POSSIBLE_THRESHOLD 0.70
#define IDENTITY_MAX_CANDIDATES	    10
/* Rows scored per check at most (the blocking query's LIMIT). */
#define IDENTITY_BLOCK_LIMIT 5000
/* Room for "YYYY-MM-DD" whatever the compiler assumes of the numbers. */
#define IDENTITY_DATE_BUF 40

/* identity_demo - the demographics a duplicate check compares. */
typedef struct identity_demo {
	const char *mrn; /* "" when unknown */
	const char *family_name;
	const char *given_name;
	const char *birth_date;
	int sex;
} identity_demo;

/* Request rules; each names the offending field. */
med_err identity_check_update(
	med_call *call,
	const Smartmed__Identity__V1__UpdatePatientRequest *req) MED_MUST_CHECK;
med_err identity_check_duplicates(
	med_call *call,
	const Smartmed__Identity__V1__CheckDuplicatesRequest *req)
	MED_MUST_CHECK;
med_err identity_check_link(
	med_call *call,
	const Smartmed__Identity__V1__LinkPatientsRequest *req) MED_MUST_CHECK;
med_err
identity_check_unlink(med_call *call,
		      const Smartmed__Identity__V1__UnlinkPatientsRequest *req)
	MED_MUST_CHECK;

/*
 * The rules below are pure: each returns MED_OK, or fills p (field and
 * reason, as the caller is told them) and returns the error; the
 * identity_check_* functions run them among libmed's field checks
 * and fail the call with med_call_fail_problem.
 */

/* identity_patient_named sets p's display_name from its names, in the
 * order the patient's culture writes them (med_name_display). */
med_err identity_patient_named(med_arena *a,
			       identity_patient *p) MED_MUST_CHECK;

/* identity_mrn_problem: an MRN is printable ASCII without spaces. */
med_err identity_mrn_problem(const char *mrn, med_problem *p) MED_MUST_CHECK;

/* identity_sex_problem: sex is set and a declared AdministrativeSex. */
med_err identity_sex_problem(int sex, med_problem *p) MED_MUST_CHECK;

/* identity_search_problem: a search gives a name prefix, a date or an MRN;
 * a name prefix is 2 characters or one CJK character (med/names.h). */
med_err identity_search_problem(
	const Smartmed__Identity__V1__SearchPatientsRequest *req,
	med_problem *p) MED_MUST_CHECK;

/* identity_update_problem: an update sets at least one field; a time of
 * death is positive and never comes with deceased false. */
med_err
identity_update_problem(const Smartmed__Identity__V1__UpdatePatientRequest *req,
			med_problem *p) MED_MUST_CHECK;

/* IDENTITY_DEATH_AHEAD_MS: how far ahead of identity's clock a time of
 * death may be (the sender's clock). */
#define IDENTITY_DEATH_AHEAD_MS (5 * 60 * 1000LL)

/*
 * identity_death_problem checks the death of p as an update leaves it: a
 * time of death not after now_ms (IDENTITY_DEATH_AHEAD_MS of grace) and
 * not before the day of birth.  INVALID naming deceased_ms.
 */
med_err identity_death_problem(const identity_patient *p, int64_t now_ms,
			       med_problem *out) MED_MUST_CHECK;

/*
 * identity_update_state_problem: the stored record cur may be updated only
 * when it is not merged into another (MED_ERR_PRECONDITION) and is at
 * expected_version (MED_ERR_CONFLICT).
 */
med_err identity_update_state_problem(const identity_patient *cur,
				      uint32_t expected_version,
				      med_problem *p) MED_MUST_CHECK;

/* identity_link_problem: a record is not linked into itself. */
med_err identity_link_problem(const char *survivor_id, const char *merged_id,
			      med_problem *p) MED_MUST_CHECK;

/*
 * identity_link_state_problem keeps links one level deep: the survivor is
 * not merged, the merged record is not merged already nor the survivor of
 * n_survived > 0 active links.  Errors: MED_ERR_PRECONDITION.
 */
med_err identity_link_state_problem(const identity_patient *survivor,
				    const identity_patient *merged,
				    int64_t n_survived,
				    med_problem *p) MED_MUST_CHECK;

/*
 * identity_death - the death a survivor and the records merged into it
 * hold together (death.c): deceased when any of them has died,
 * deceased_ms the earliest known time of death (0 when none is known),
 * record_id the merged record it comes from (NULL: the survivor's own).
 */
typedef struct identity_death {
	bool deceased;
	int64_t deceased_ms;
	const char *record_id;
} identity_death;

/* identity_death_own starts d with p's own death. */
void identity_death_own(identity_death *d, const identity_patient *p);

/* identity_death_join adds the death of record_id (kept, not copied) to
 * d: a death where d has none, or an earlier known time, replaces d's. */
void identity_death_join(identity_death *d, const char *record_id,
			 bool deceased, int64_t deceased_ms);

/* identity_death_apply gives p the death d: deceased, deceased_ms and
 * deceased_record_id when it is a merged record's. */
void identity_death_apply(identity_patient *p, const identity_death *d);

/*
 * identity_link_death_note says (in a) what merging a record whose own
 * death is merged does to the death survivor holds: NULL when merged has
 * not died, else a sentence naming the death the survivor inherits, or,
 * when both have died, the earlier time kept and the other.  NULL also
 * when a is out of memory.
 */
const char *identity_link_death_note(med_arena *a,
				     const identity_death *survivor,
				     const identity_death *merged);

/*
 * identity_withdraw_problem refuses (MED_ERR_PRECONDITION naming deceased)
 * an update that withdraws the death of a survivor while merged, the
 * deaths of its merged records alone (identity_death_join from a living
 * start), says one of them has died.
 */
med_err identity_withdraw_problem(
	const Smartmed__Identity__V1__UpdatePatientRequest *req,
	const identity_death *merged, med_problem *p) MED_MUST_CHECK;

/* identity_unlink_state_problem: only an active link is undone. */
med_err identity_unlink_state_problem(const identity_link *l,
				      med_problem *p) MED_MUST_CHECK;

/*
 * identity_duplicates_problem refuses a registration that n ranked
 * candidates c (best first) may duplicate: MED_ERR_PRECONDITION with the
 * count, the best band and score, never an id.  MED_OK when n is 0.
 */
med_err identity_duplicates_problem(identity_candidate *const *c, size_t n,
				    med_problem *p) MED_MUST_CHECK;

/* identity_score compares probe with p; out's reasons live in a. */
med_err identity_score(med_arena *a, const identity_demo *probe,
		       identity_patient *p,
		       identity_candidate *out) MED_MUST_CHECK;

/*
 * identity_rank scores every patient of pool and returns those at or above
 * the possible-match threshold, best first, at most IDENTITY_MAX_CANDIDATES.
 */
med_err identity_rank(med_arena *a, const identity_demo *probe,
		      identity_patient **pool, size_t n_pool,
		      identity_candidate ***out, size_t *n) MED_MUST_CHECK;

/*
 * identity_normalise writes the lower-case ASCII letters of s (Latin
 * diacritics folded; spaces, hyphens, apostrophes and other scripts
 * dropped) into out, what names are compared on.
 */
void identity_normalise(const char *s, char *out, size_t size);

/* identity_soundex writes American Soundex of s ("" for ""). */
void identity_soundex(const char *s, char out[5]);

/* identity_jaro_winkler returns the Jaro-Winkler similarity of a and b. */
double identity_jaro_winkler(const char *a, const char *b);

/*
 * identity_birth_variants writes the birth dates the blocking query looks
 * at (the date, day/month swapped, year - 1, year + 1); returns the count.
 */
size_t identity_birth_variants(const char *date,
			       char out[4][IDENTITY_DATE_BUF]);

/* identity_store_insert_tx stores p and its version 1 (by = the user). */
med_err identity_store_insert_tx(med_db_conn *c, const identity_patient *p,
				 const char *by) MED_MUST_CHECK;

/* identity_store_lock reads and row-locks one patient by id. */
med_err identity_store_lock(med_db_conn *c, med_arena *a, const char *id,
			    identity_patient *out) MED_MUST_CHECK;

/*
 * identity_store_update writes p's demographics and version, and the
 * version row (changed = comma-separated field names).
 */
med_err identity_store_update(med_db_conn *c, const identity_patient *p,
			      const char *changed, const char *by,
			      const char *reason) MED_MUST_CHECK;

/* identity_store_block returns the unmerged patients worth scoring. */
med_err identity_store_block(med_db *db, med_arena *a,
			     const identity_demo *probe,
			     identity_patient ***out, size_t *n) MED_MUST_CHECK;

/* identity_store_history reads versions and links of a patient. */
med_err identity_store_history(
	med_db *db, med_arena *a, const char *id,
	Smartmed__Identity__V1__PatientHistoryResponse *out) MED_MUST_CHECK;

/* identity_store_active_links counts active links whose survivor is id. */
med_err identity_store_active_links(med_db_conn *c, const char *id,
				    int64_t *n) MED_MUST_CHECK;

/* IDENTITY_MERGED_MAX: how many records may be merged into one survivor
 * (GetPatient lists them all in Patient.merged_ids; the services that read
 * through the links query them in one statement). */
#define IDENTITY_MERGED_MAX 32

/* identity_store_merged_ids lists (in arena) the records merged into id by
 * active links, at most IDENTITY_MERGED_MAX, by id, and joins their deaths
 * into death (identity_death_join). */
med_err identity_store_merged_ids(med_db *db, med_arena *arena, const char *id,
				  char ***out, size_t *n,
				  identity_death *death) MED_MUST_CHECK;

/* identity_store_merged_deaths joins into death the deaths of the records
 * merged into id by active links, in c's transaction. */
med_err identity_store_merged_deaths(med_db_conn *c, med_arena *arena,
				     const char *id,
				     identity_death *death) MED_MUST_CHECK;

/* identity_store_page_deaths gives each unmerged patient of a search page
 * p[0..n) the deaths of the records merged into it (as GetPatient does),
 * one statement per DEATHS_PER_QUERY of them. */
med_err identity_store_page_deaths(med_db *db, med_arena *arena,
				   identity_patient **p,
				   size_t n) MED_MUST_CHECK;

/* identity_store_link_insert stores l and sets the merged record's link. */
med_err identity_store_link_insert(med_db_conn *c,
				   const identity_link *l) MED_MUST_CHECK;

/* identity_store_link_lock reads and row-locks one link. */
med_err identity_store_link_lock(med_db_conn *c, med_arena *a, const char *id,
				 identity_link *out) MED_MUST_CHECK;

/* identity_store_link_undo records l's undo and clears the merged link. */
med_err identity_store_link_undo(med_db_conn *c,
				 const identity_link *l) MED_MUST_CHECK;

/* --- face recognition (face.c, templates.c, index.c, handlers_face.c) --- */

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

/* identity_config is the service's own settings (settings.c). */
extern const med_config_spec identity_config[];
extern const size_t identity_n_config;

/* identity_face_begin / _end are the service's start and stop hooks. */
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
 * identity_scope_keep moves the hits h[0..n) of patients in s to the front
 * and returns their count (all n for the whole hospital); a hit whose
 * relationship cannot be read is left out.
 */
size_t identity_scope_keep(med_call *call, const identity_scope *s,
			   identity_hit *h, size_t n);

/* The handlers, one per RPC (methods.c lists them with their roles). */
MED_UNARY_HANDLER(identity_rpc_create_patient);
MED_UNARY_HANDLER(identity_rpc_get_patient);
MED_UNARY_HANDLER(identity_rpc_search_patients);
MED_UNARY_HANDLER(identity_rpc_update_patient);
MED_UNARY_HANDLER(identity_rpc_patient_history);
MED_UNARY_HANDLER(identity_rpc_check_duplicates);
MED_UNARY_HANDLER(identity_rpc_link_patients);
MED_UNARY_HANDLER(identity_rpc_unlink_patients);
MED_UNARY_HANDLER(identity_rpc_enroll_face);
MED_UNARY_HANDLER(identity_rpc_verify_face);
MED_UNARY_HANDLER(identity_rpc_confirm_stated_identifiers);
MED_UNARY_HANDLER(identity_rpc_identify_face);
MED_UNARY_HANDLER(identity_rpc_delete_face_templates);
MED_UNARY_HANDLER(identity_rpc_get_verification_key);

/*
 * identity_wristband_resolve reads a wristband as scanned (an MRN or a
 * patient id, blanks trimmed) and sets *out_id to the patient verified:
 * patient_id, which the wristband must name (or a record linked with it),
 * or the wristband's own patient when patient_id is "".  Fails the call:
 * INVALID_ARGUMENT (empty or too long), NOT_FOUND (no patient has it, or
 * no patient_id), FAILED_PRECONDITION (another patient's wristband).
 */
med_err identity_wristband_resolve(med_call *call, const char *wristband,
				   const char *patient_id,
				   const char **out_id) MED_MUST_CHECK;

/* identity_caller is the calling user, copied into the call's arena. */
const char *identity_caller(med_call *call);

/* --- patient administration: encounters (encounters*.c) --------------- */

typedef Smartmed__Identity__V1__Encounter identity_encounter;

/* The encounter states and the participant role the rules and the store
 * both name. */
#define IDENTITY_ENC_IN_PROGRESS                                               \
	SMARTMED__IDENTITY__V1__ENCOUNTER_STATUS__ENCOUNTER_STATUS_IN_PROGRESS
#define IDENTITY_ENC_FINISHED                                                  \
	SMARTMED__IDENTITY__V1__ENCOUNTER_STATUS__ENCOUNTER_STATUS_FINISHED
#define IDENTITY_ENC_ATTENDING                                                 \
	SMARTMED__IDENTITY__V1__PARTICIPANT_ROLE__PARTICIPANT_ROLE_ATTENDING
typedef Smartmed__Identity__V1__EncounterParticipant identity_participant;
typedef Smartmed__Identity__V1__EncounterVersion identity_enc_version;
typedef Smartmed__Identity__V1__EncounterLocation identity_location;
typedef Smartmed__Identity__V1__CheckCareRelationshipResponse
	identity_care_answer;

/*
 * The records whose encounters and grants a patient id stands for (SQL
 * with one parameter): its survivor (the record itself when not merged)
 * and every record merged into that survivor, so a merge carries them both
 * ways and an unlink undoes it.
 */
#define IDENTITY_FAMILY_OF_ID                                                  \
	"(SELECT q.patient_id FROM patients q JOIN patients r"                 \
	" ON q.patient_id = IFNULL(r.linked_to, r.patient_id)"                 \
	" OR q.linked_to = IFNULL(r.linked_to, r.patient_id)"                  \
	" WHERE r.patient_id = ?)"

/* Clock skew allowed to a client's time stamps, and the earliest time. */
#define IDENTITY_TIME_SKEW_MS	      (5 * 60 * 1000)
#define IDENTITY_TIME_MIN_MS	      INT64_C(946684800000) /* 2000-01-01 */
#define IDENTITY_MAX_CARE_TEAM	      32
#define IDENTITY_MAX_UNITS	      64
#define IDENTITY_DISCHARGE_HOURS_KEY  "MED_IDENTITY_DISCHARGE_ACCESS_HOURS"
#define IDENTITY_HANDOVER_MINUTES_KEY "MED_IDENTITY_HANDOVER_MINUTES"
#define IDENTITY_SHARED_BEDS_KEY      "MED_IDENTITY_SHARED_BED_WARDS"

/*
 * identity_time_problem resolves a request's time t (0 = now) into *out:
 * not more than IDENTITY_TIME_SKEW_MS after now, not before 2000
 * (MED_ERR_INVALID) and not before not_before, the encounter's last change
 * (MED_ERR_PRECONDITION).  field names the request field.
 */
med_err identity_time_problem(const char *field, int64_t t, int64_t now,
			      int64_t not_before, int64_t *out,
			      med_problem *p) MED_MUST_CHECK;

/*
 * identity_ward_shares_beds: whether ward is one of list, the comma-separated
 * wards of MED_IDENTITY_SHARED_BED_WARDS (spaces around a name ignored, names
 * compared exactly, "*" every ward), where a bed may hold more than one open
 * stay.  Elsewhere one bed holds one patient.
 */
bool identity_ward_shares_beds(const char *list, const char *ward);

/* identity_is_stay: inpatient and emergency encounters hold a bed. */
bool identity_is_stay(int encounter_class);

/*
 * identity_open_problem: a change needs an open encounter at
 * expected_version (0 = any).  Errors: MED_ERR_PRECONDITION, MED_ERR_CONFLICT.
 */
med_err identity_open_problem(const identity_encounter *e,
			      uint32_t expected_version,
			      med_problem *p) MED_MUST_CHECK;

/*
 * identity_ward_move - the last time an encounter changed ward: the ward
 * the patient left ("" when it never changed) and when the patient came
 * to the ward they are on now (the admission when it never changed).
 */
typedef struct identity_ward_move {
	const char *from_ward;
	int64_t arrived_ms;
} identity_ward_move;

/* identity_last_move reads the last change of ward from versions v (oldest
 * first; a discharge moves nobody). */
void identity_last_move(identity_enc_version *const *v, size_t n,
			identity_ward_move *out);

/* identity_care_rules - the windows and the time the rules apply. */
typedef struct identity_care_rules {
	int64_t window_ms;   /* the discharging team's access */
	int64_t handover_ms; /* the old ward's access after a transfer */
	int64_t now_ms;
} identity_care_rules;

/*
 * identity_care_relation answers for user from the candidate encounters e
 * (open ones, and those finished since now - window_ms, each with its
 * participants: current ones when open, those on the team at the end when
 * finished) and moves (the last change of ward of each, parallel to e;
 * NULL: none known): team before unit before hand-over before recent
 * discharge.  After a transfer, a nurse of the team from before the
 * patient came to the ward (none of whose units is that ward) and the
 * staff of the ward the patient left keep access for r->handover_ms only.
 */
void identity_care_relation(identity_encounter *const *e, size_t n,
			    const identity_ward_move *moves, const char *user,
			    char *const *units, size_t n_units,
			    const identity_care_rules *r,
			    identity_care_answer *out);

/*
 * identity_care_of answers CheckCareRelationship's question (user with
 * units, patient_id, a known patient) into res: care first, then an active
 * break-glass grant (res->grant_id).
 */
med_err identity_care_of(med_call *call, const char *patient_id,
			 const char *user, char *const *units, size_t n_units,
			 identity_care_answer *res) MED_MUST_CHECK;

/*
 * identity_locations turns versions v (oldest first) into the encounter's
 * locations with their periods (arena-allocated array in *out).
 */
med_err identity_locations(med_arena *a, identity_enc_version *const *v,
			   size_t n, identity_location ***out,
			   size_t *n_out) MED_MUST_CHECK;

/* identity_enc_store_insert stores a new encounter, its version 1 and its
 * participants (e->participants). */
med_err identity_enc_store_insert(med_db_conn *c, const identity_encounter *e,
				  const char *event, const char *by,
				  int64_t recorded_ms) MED_MUST_CHECK;

/* identity_enc_store_open_stays counts the open inpatient and emergency
 * encounters of patient_id's record and the records merged into it. */
med_err identity_enc_store_open_stays(med_db_conn *c, const char *patient_id,
				      int64_t *n) MED_MUST_CHECK;

/*
 * identity_enc_store_bed_occupant finds the open encounter other than
 * except_id (may be "") whose current location is bed on ward, and sets
 * *encounter_id (in a) to the earliest admitted.  It locks the bed's range
 * of the ward index, so a second admission to the bed waits for this
 * transaction.  Errors: MED_ERR_NOT_FOUND (the bed is free).
 */
med_err identity_enc_store_bed_occupant(med_db_conn *c, med_arena *a,
					const char *ward, const char *bed,
					const char *except_id,
					char **encounter_id) MED_MUST_CHECK;

/* identity_enc_store_lock reads and row-locks one encounter (with its
 * current participants). Errors: MED_ERR_NOT_FOUND. */
med_err identity_enc_store_lock(med_db_conn *c, med_arena *a, const char *id,
				identity_encounter *out) MED_MUST_CHECK;

/*
 * identity_enc_store_update writes e's state and a version row; when
 * new_attending is not NULL the attending's period ends at t and
 * new_attending's begins; when e is finished every open period ends at t.
 */
med_err identity_enc_store_update(med_db_conn *c, const identity_encounter *e,
				  const char *event, const char *by, int64_t t,
				  const char *new_attending,
				  int64_t recorded_ms) MED_MUST_CHECK;

/* identity_enc_store_list reads a page of the encounters of patient_id's
 * record family (survivor and merged records), newest first. */
med_err identity_enc_store_list(med_db *db, med_arena *a,
				const char *patient_id, bool open_only,
				uint64_t offset, uint32_t limit,
				identity_encounter ***out,
				size_t *n) MED_MUST_CHECK;

/* identity_enc_store_history reads an encounter with every version and
 * participant.  Errors: MED_ERR_NOT_FOUND. */
med_err identity_enc_store_history(
	med_db *db, med_arena *a, const char *id,
	Smartmed__Identity__V1__GetEncounterHistoryResponse *out)
	MED_MUST_CHECK;

/* identity_known_patient fails the call (NOT_FOUND naming patient_id)
 * unless patient_id names a patient record, merged or not, and makes it
 * the call's patient. */
med_err identity_known_patient(med_call *call,
			       const char *patient_id) MED_MUST_CHECK;

/* identity_enc_history - one encounter with every version, location and
 * participant (as GetEncounterHistory answers it). */
typedef Smartmed__Identity__V1__GetEncounterHistoryResponse
	identity_enc_history;

/*
 * identity_enc_store_export reads, in one transaction, a page of the
 * encounters of patient_id's record family (survivor and merged records,
 * as identity_enc_store_list), newest first, each with its history:
 * limit of them after *after (kind 'E', t = start_ms, id = encounter_id;
 * a seek, not an offset: issue 49).
 */
med_err identity_enc_store_export(med_db *db, med_arena *a,
				  const char *patient_id,
				  const med_page_key *after, uint32_t limit,
				  identity_enc_history ***out,
				  size_t *n) MED_MUST_CHECK;

/* identity_census_key - where a census page starts: after the stay at
 * (bed, start_ms, encounter_id), the census's order (set false: the
 * first page). */
typedef struct identity_census_key {
	bool set;
	char bed[129]; /* VARCHAR(32): up to 128 bytes of UTF-8 */
	int64_t start_ms;
	char id[64];
} identity_census_key;

/*
 * identity_enc_store_ward reads, in one transaction, a page of the open
 * (in-progress) encounters whose current location is ward, by bed (then
 * start, then id), after *after, each with its history: the ward census
 * (issue 37).  A keyset page: no stay is listed twice or skipped when
 * others are admitted or discharged between pages (issue 49).
 */
med_err identity_enc_store_ward(med_db *db, med_arena *a, const char *ward,
				const identity_census_key *after,
				uint32_t limit, identity_enc_history ***out,
				size_t *n) MED_MUST_CHECK;

/*
 * identity_fhir_ward_bundle writes one census page as a FHIR R4
 * collection Bundle of at most max_bytes from a: an Encounter per history
 * of h[0..n), each with its own patient as subject, and no Patient.
 * Errors: as identity_fhir_bundle's.
 */
med_err identity_fhir_ward_bundle(med_arena *a, identity_enc_history *const *h,
				  size_t n, size_t max_bytes, char **json,
				  uint32_t *n_resources) MED_MUST_CHECK;

/*
 * identity_fhir_bundle writes one ExportFhir page as a FHIR R4 collection
 * Bundle of at most max_bytes from a: the Patient (id only), then an
 * Encounter per history of h[0..n).  Every subject is patient_id, the
 * record asked for, so that references resolve inside the page.  Errors:
 * MED_ERR_LIMIT (too big), MED_ERR_INVALID (a value FHIR cannot carry).
 */
med_err identity_fhir_bundle(med_arena *a, const char *patient_id,
			     identity_enc_history *const *h, size_t n,
			     size_t max_bytes, char **json,
			     uint32_t *n_resources) MED_MUST_CHECK;

/* identity_enc_store_care_candidates reads the encounters that can relate a
 * user to patient_id (see identity_care_relation), ended since since_ms. */
med_err identity_enc_store_care_candidates(med_db *db, med_arena *a,
					   const char *patient_id,
					   int64_t since_ms,
					   identity_encounter ***out,
					   size_t *n) MED_MUST_CHECK;

/* identity_enc_store_last_move reads the last change of ward of encounter
 * id (identity_last_move over its versions); strings in a. */
med_err identity_enc_store_last_move(med_db *db, med_arena *a, const char *id,
				     identity_ward_move *out) MED_MUST_CHECK;

MED_UNARY_HANDLER(identity_rpc_admit);
/* The same for the HL7 interface's principal too (interface.c). */
MED_UNARY_HANDLER(identity_rpc_create_patient_interface);
MED_UNARY_HANDLER(identity_rpc_update_patient_interface);
MED_UNARY_HANDLER(identity_rpc_link_patients_interface);
MED_UNARY_HANDLER(identity_rpc_admit_interface);
MED_UNARY_HANDLER(identity_rpc_register_outpatient_visit_interface);
MED_UNARY_HANDLER(identity_rpc_transfer_interface);
MED_UNARY_HANDLER(identity_rpc_discharge_interface);
MED_UNARY_HANDLER(identity_rpc_register_outpatient_visit);
MED_UNARY_HANDLER(identity_rpc_transfer);
MED_UNARY_HANDLER(identity_rpc_discharge);
MED_UNARY_HANDLER(identity_rpc_list_encounters);
MED_UNARY_HANDLER(identity_rpc_get_current_encounter);
MED_UNARY_HANDLER(identity_rpc_get_encounter_history);
MED_UNARY_HANDLER(identity_rpc_export_fhir);
/* ReadFhir: read_fhir.c (fhirread). */
MED_UNARY_HANDLER(identity_rpc_read_fhir);
MED_UNARY_HANDLER(identity_rpc_check_care_relationship);

/* --- break-glass: emergency access to one patient (break_glass*.c) ----- */

typedef Smartmed__Identity__V1__BreakGlassGrant identity_bg_grant;

/* A grant id: 32 lower-case hex characters (the length libmed's audit
 * events carry for a grant, MED_BREAK_GLASS_ID_LEN). */
#define IDENTITY_BG_ID_LEN 32

/* Grants one user may start in any hour (StartBreakGlass's rate limit). */
#define IDENTITY_BG_PER_HOUR_KEY "MED_BREAK_GLASS_MAX_PER_HOUR"

/*
 * identity_bg_active_for finds the newest active grant of user for
 * patient_id (or a record merged with it) at now_ms.  Errors:
 * MED_ERR_NOT_FOUND when there is none.
 */
med_err identity_bg_active_for(med_db *db, med_arena *a, const char *user,
			       const char *patient_id, int64_t now_ms,
			       identity_bg_grant **out) MED_MUST_CHECK;

/* identity_bg_store_insert stores a new grant. */
med_err identity_bg_store_insert(med_db_conn *c,
				 const identity_bg_grant *g) MED_MUST_CHECK;

/* identity_bg_store_count_since counts (and locks) the grants user
 * started after since_ms, for the per-user rate limit. */
med_err identity_bg_store_count_since(med_db_conn *c, const char *user,
				      int64_t since_ms,
				      int64_t *n) MED_MUST_CHECK;

/* identity_bg_store_lock reads and row-locks one grant.  Errors:
 * MED_ERR_NOT_FOUND. */
med_err identity_bg_store_lock(med_db_conn *c, med_arena *a, const char *id,
			       int64_t now_ms,
			       identity_bg_grant **out) MED_MUST_CHECK;

/* identity_bg_store_end records that by ended grant id at t_ms. */
med_err identity_bg_store_end(med_db_conn *c, const char *id, const char *by,
			      int64_t t_ms) MED_MUST_CHECK;

/* identity_bg_filter - which grants identity_bg_store_list reads. */
typedef struct identity_bg_filter {
	const char *user;	/* NULL: every user's */
	const char *patient_id; /* NULL: every patient's */
	bool include_ended;	/* also ended and expired ones */
	int64_t now_ms;
} identity_bg_filter;

/* identity_bg_store_list reads a page of grants, newest first. */
med_err identity_bg_store_list(med_db *db, med_arena *a,
			       const identity_bg_filter *f, uint64_t offset,
			       uint32_t limit, identity_bg_grant ***out,
			       size_t *n) MED_MUST_CHECK;

/* identity_break_glass_metrics creates the break-glass counters at 0 (at
 * start-up, so that they are scraped before the first grant). */
void identity_break_glass_metrics(struct med_metrics *m);

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
/*
 * The bedside hold (bedside_hold.c, docs/face.md "A non-match never
 * becomes an override").  identity_hold_set keeps outcome ("no-match",
 * "retake", "stated-mismatch") at terminal as patient_id's unconfirmed
 * check, and fails call UNAVAILABLE when it cannot (the answer is then not
 * given).  identity_hold_clear ends it (a face MATCH, a confirmed stated
 * check); a database error is logged and leaves the hold.
 * identity_hold_get sets *out to the hold in force (in a), NULL when
 * there is none.
 */
med_err identity_hold_set(med_call *call, const char *patient_id,
			  const char *outcome,
			  const char *terminal) MED_MUST_CHECK;
void identity_hold_clear(med_call *call, const char *patient_id);
med_err identity_hold_get(med_db *db, med_arena *a, const char *patient_id,
			  Smartmed__Identity__V1__BedsideUnconfirmed **out)
	MED_MUST_CHECK;
MED_UNARY_HANDLER(identity_rpc_start_break_glass);
MED_UNARY_HANDLER(identity_rpc_list_break_glass);
MED_UNARY_HANDLER(identity_rpc_end_break_glass);

#endif
