/*
 * diagnosis.h - the diagnosis service's internal interfaces: the problem
 * list, care plans and AI image findings (handlers → domain/model →
 * store).
 */
#ifndef DIAGNOSIS_H
#define DIAGNOSIS_H

#include <med/check.h>
#include <med/db.h>
#include <med/image.h>
#include <med/infer.h>
#include <med/rpc.h>
#include <med/service.h>

#include "smartmed/diagnosis/v1/diagnosis.pb-c.h"

typedef Smartmed__Diagnosis__V1__Condition diagnosis_condition;
typedef Smartmed__Diagnosis__V1__CarePlan diagnosis_care_plan;
typedef Smartmed__Diagnosis__V1__Finding diagnosis_finding;

extern const med_method diagnosis_methods[];
extern const size_t diagnosis_n_methods;
extern const med_db_migration diagnosis_migrations[];
extern const size_t diagnosis_n_migrations;
/* diagnosis_config is the service's own settings (settings.c). */
extern const med_config_spec diagnosis_config[];
extern const size_t diagnosis_n_config;

/* --- handlers*.c: the RPCs ------------------------------------------- */

/* diagnosis_not_found turns NOT_FOUND into "<field>: not found". */
med_err diagnosis_not_found(med_call *call, med_err err, const char *field);

/* --- model.c: the image model, loaded at start ------------------------- */

/* diagnosis_model_start loads the configured model; a model that cannot
 * load is logged and AnalyzeImage answers UNAVAILABLE (never fatal). */
med_err diagnosis_model_start(med_service *svc) MED_MUST_CHECK;

/* diagnosis_model_stop frees the model and the inference host. */
void diagnosis_model_stop(med_service *svc);

/*
 * diagnosis_model_analyze decodes image, checks the model name, runs the
 * out-of-distribution guard (always for from_pacs, for uploads unless
 * MED_DIAGNOSIS_GUARD_UPLOADS=false), then the model and its saliency
 * map (Grad-CAM from the same run when the model has a `cam` output, else
 * the occlusion map), and fills f's model, device, image and probability fields
 * and the overlay (has_overlay, overlay_png), in arena memory.  Errors:
 * UNAVAILABLE (no model or guard), NOT_FOUND (model), INVALID (image, too
 * large included; "image: the guard cannot place this image: not read by the
 * model: send for a radiologist's read"), INTERNAL (backend).
 */
med_err diagnosis_model_analyze(med_call *call, const char *model,
				const ProtobufCBinaryData *image,
				bool from_pacs,
				diagnosis_finding *f) MED_MUST_CHECK;

/*
 * diagnosis_model_id writes the model's id, its file name without
 * ".onnx" ("models/pneumonia_cnn_v1.onnx" → "pneumonia_cnn_v1"), to out.
 */
void diagnosis_model_id(const char *path, char *out, size_t len);

/*
 * diagnosis_labels_split splits buf, a comma-separated label list, in
 * place into labels[0..n), at most max of them, and returns n.  A
 * trailing comma adds no label; an empty list has none.
 */
size_t diagnosis_labels_split(char *buf, const char **labels, size_t max);

/*
 * diagnosis_shapes_check accepts the one shape the preprocessing feeds: one
 * f32 [1,1,H,W] input (H, W up to 4096) and one f32 [1,K] output, K ==
 * n_labels, optionally followed by a Grad-CAM output (diagnosis_has_cam);
 * sets *in_h and *in_w.  Else MED_ERR_INVALID with the reason written to
 * reason.
 */
med_err diagnosis_shapes_check(const med_model_info *info, size_t n_labels,
			       uint32_t *in_h, uint32_t *in_w, char *reason,
			       size_t reason_len) MED_MUST_CHECK;

/*
 * diagnosis_preprocess writes img as the model was trained on it to x (w *
 * h floats): resampled to w x h (area averaging when shrinking), then (v -
 * 0.5) / 0.5, so grey 0..1 becomes -1..1.  Errors: MED_ERR_INVALID.
 */
med_err diagnosis_preprocess(const med_image *img, uint32_t w, uint32_t h,
			     float *x) MED_MUST_CHECK;

/* diagnosis_top_index returns the index of the largest of p[0..n), the
 * first one on a tie (n >= 1). */
size_t diagnosis_top_index(const float *p, size_t n);

/* --- population.c: who and what the model is validated for ------------- */

#define DIAGNOSIS_POP_MAX_WORDS 4

/* diagnosis_dicom_image is below (study.c); population.c reads it. */
struct diagnosis_dicom_image;

/* diagnosis_population - the card's "population" and the service's
 * settings for a film outside it. */
typedef struct diagnosis_population {
	bool set;	 /* false: the card states none; nothing is checked */
	bool mark;	 /* MED_DIAGNOSIS_OUTSIDE_POPULATION=mark */
	bool ages_known; /* identity is asked (MED_IDENTITY_URL is set) */
	int age_min, age_max; /* completed years, both included */
	char who[96];	      /* the card's words: "children aged 1-5" */
	char model_id[64];
	char views[DIAGNOSIS_POP_MAX_WORDS][17]; /* ViewPosition: AP, PA */
	size_t n_views;
	char modalities[DIAGNOSIS_POP_MAX_WORDS][17]; /* CR, DX */
	size_t n_modalities;
} diagnosis_population;

/*
 * diagnosis_population_load reads the card's "population" object into
 * pop; a card without one leaves pop->set false.  Errors: MED_ERR_INVALID
 * with the reason (the file or the field) in reason.
 */
med_err diagnosis_population_load(const char *card_path, const char *model_id,
				  diagnosis_population *pop, char *reason,
				  size_t len) MED_MUST_CHECK;

/* diagnosis_age_years is the age in completed years on the DICOM date
 * at_dicom_date ("YYYYMMDD"; today, UTC, when NULL or not a date) of a
 * patient born on birth_date ("YYYY-MM-DD"); negative when not known. */
int diagnosis_age_years(const char *birth_date, const char *at_dicom_date);

/*
 * diagnosis_population_place says whether the patient (birth_date, "" when
 * identity has none) and the image (its DICOM header; NULL for an upload)
 * are inside pop; when not, why (len bytes) says how, naming the model.
 */
bool diagnosis_population_place(const diagnosis_population *pop,
				const char *birth_date,
				const struct diagnosis_dicom_image *im,
				char *why, size_t len);

/*
 * diagnosis_population_apply fails the call FAILED_PRECONDITION, with the
 * reason and "not read by the model: send for a radiologist's read", for a
 * patient or image outside pop; with pop->mark it sets *mark to the reason
 * (arena memory) instead, for diagnosis_population_mark.  *mark is NULL
 * when inside.
 */
med_err diagnosis_population_apply(med_call *call,
				   const diagnosis_population *pop,
				   const char *birth_date,
				   const struct diagnosis_dicom_image *im,
				   const char **mark) MED_MUST_CHECK;

/* diagnosis_population_mark marks f's operating point "outside the
 * validated population" with why and drops the card's figures; nothing
 * when why is NULL or f has no operating point. */
med_err diagnosis_population_mark(med_arena *a, const char *why,
				  diagnosis_finding *f) MED_MUST_CHECK;

/* diagnosis_model_population is the running model's population (NULL
 * before start). */
const diagnosis_population *diagnosis_model_population(med_service *svc);

/* --- opoint.c: the operating point (the model card's threshold) -------- */

/* diagnosis_opoint - the threshold in force and what the card says of it. */
typedef struct diagnosis_opoint {
	bool set; /* false: the model has no card; findings carry none */
	char label[64];
	size_t label_index; /* of label among the model's labels */
	float threshold;
	float card_threshold; /* the card's, for the start's log and audit */
	char source[16];      /* "model-card" or "configuration" */
	char chosen_on[32];
	float target_sens;
	float sens, sens_lo, sens_hi, spec, spec_lo, spec_hi;
	float ppv, ppv_lo, ppv_hi, npv, npv_lo, npv_hi;
	char measured_on[256];
} diagnosis_opoint;

/*
 * diagnosis_opoint_load reads the operating point from the card at
 * card_path (JSON; its "sha256" must be the model file's) and checks its
 * label is one of labels.  permille > 0 overrides the threshold
 * (MED_DIAGNOSIS_OPERATING_PERMILLE): the source becomes "configuration"
 * and the card's expected figures are dropped.  Errors: MED_ERR_INVALID
 * with the reason (naming the file or field) written to reason.
 */
med_err diagnosis_opoint_load(const char *card_path, const char *sha256,
			      int64_t permille, const char *const *labels,
			      size_t n_labels, diagnosis_opoint *op,
			      char *reason, size_t len) MED_MUST_CHECK;

/* diagnosis_opoint_fill applies op to probs (the model's output) and sets
 * f->operating_point (arena memory); nothing when op is not set. */
med_err diagnosis_opoint_fill(med_arena *a, const diagnosis_opoint *op,
			      const float *probs,
			      diagnosis_finding *f) MED_MUST_CHECK;

/* diagnosis_opoint_to_json writes o as the JSON stored with a finding
 * (heap, free()); NULL when o is NULL or memory runs out. */
char *
diagnosis_opoint_to_json(const Smartmed__Diagnosis__V1__OperatingPoint *o);

/* diagnosis_opoint_from_json sets f->operating_point from stored JSON
 * (nothing for NULL or ""). Errors: NOMEM, INTERNAL (not readable). */
med_err diagnosis_opoint_from_json(med_arena *a, const char *text,
				   diagnosis_finding *f) MED_MUST_CHECK;

/* --- domain.c: rules ---------------------------------------------------- */

/* diagnosis_check_add applies the problem-list rules to a request. */
med_err diagnosis_check_add(
	med_call *call,
	const Smartmed__Diagnosis__V1__AddConditionRequest *req) MED_MUST_CHECK;

/* diagnosis_check_update applies them to an UpdateCondition. */
med_err diagnosis_check_update(
	med_call *call,
	const Smartmed__Diagnosis__V1__UpdateConditionRequest *req)
	MED_MUST_CHECK;

/*
 * diagnosis_icd10_problem accepts an ICD-10 code (J18.9, E11.65, I10: a
 * letter, two digits, optionally "." and 1..4 letters or digits, upper
 * case); else fills p (field, reason) and returns MED_ERR_INVALID.
 */
med_err diagnosis_icd10_problem(const char *field, const char *code,
				med_problem *p) MED_MUST_CHECK;

/*
 * diagnosis_statuses_problem applies FHIR R4's Condition rules: both
 * statuses set to declared values, except that entered-in-error has no
 * clinical status (con-5); an abated condition is inactive, resolved or
 * in remission (con-4); abatement not before onset.
 */
med_err diagnosis_statuses_problem(int clinical, int verification,
				   const char *onset, const char *abatement,
				   med_problem *p) MED_MUST_CHECK;

/*
 * diagnosis_plan_date_problem accepts "" or a real calendar date
 * "YYYY-MM-DD" (1900..2999; the future is allowed, a plan looks ahead).
 */
med_err diagnosis_plan_date_problem(const char *field, const char *date,
				    med_problem *p) MED_MUST_CHECK;

/*
 * diagnosis_care_plan_problem applies the care-plan rules: a declared
 * status; 1 to 20 condition ids, none listed twice; at most 50 goals and
 * 100 activities, each with a declared status and a date that is "" or
 * real; expected_version set when replacing a plan.  The formats of the
 * ids and texts are diagnosis_check_care_plan's.
 */
med_err diagnosis_care_plan_problem(
	const Smartmed__Diagnosis__V1__SetCarePlanRequest *req,
	med_problem *p) MED_MUST_CHECK;

/* diagnosis_check_care_plan checks a SetCarePlan: the fields' formats,
 * then diagnosis_care_plan_problem. */
med_err diagnosis_check_care_plan(
	med_call *call,
	const Smartmed__Diagnosis__V1__SetCarePlanRequest *req) MED_MUST_CHECK;

/*
 * diagnosis_confirm_problem: a code or display only with open_condition,
 * and then the code is an ICD-10 code.
 */
med_err diagnosis_confirm_problem(
	const Smartmed__Diagnosis__V1__ConfirmFindingRequest *req,
	med_problem *p) MED_MUST_CHECK;

/* diagnosis_check_confirm applies the ConfirmFinding rules. */
med_err diagnosis_check_confirm(
	med_call *call,
	const Smartmed__Diagnosis__V1__ConfirmFindingRequest *req)
	MED_MUST_CHECK;

/*
 * diagnosis_check_study_named checks how a request names a PACS study:
 * the patient's id, the accession number (up to 64 characters, may be
 * empty) and the Study Instance UID (diagnosis_uid_is_valid).  AnalyzeStudy
 * and RequestStudyAnalysis name a study the same way.  INVALID, the call
 * failed, on the first field that is wrong.
 */
med_err
diagnosis_check_study_named(med_call *call, const char *patient_id,
			    const char *accession_number,
			    const char *study_instance_uid) MED_MUST_CHECK;

/* diagnosis_finding_status_word names a finding status as the caller
 * reads it: "preliminary", "final", "cancelled", "entered in error". */
const char *diagnosis_finding_status_word(int status);

/*
 * diagnosis_decide_problem: only a preliminary finding may be confirmed
 * or rejected; any other is MED_ERR_PRECONDITION on finding_id ("the
 * finding is already final").
 */
med_err diagnosis_decide_problem(int status, med_problem *p) MED_MUST_CHECK;

/* diagnosis_decided_status is the status a decision gives a preliminary
 * finding: final when confirmed, else entered in error or cancelled. */
int diagnosis_decided_status(bool confirmed, bool entered_in_error);

/*
 * diagnosis_version_problem: a change names the version it read; another
 * is MED_ERR_CONFLICT on expected_version ("the <what> is at version N").
 */
med_err diagnosis_version_problem(const char *what, uint32_t version,
				  uint32_t expected,
				  med_problem *p) MED_MUST_CHECK;

/* --- store.c: conditions ------------------------------------------------ */

/* diagnosis_store_insert stores version 1 of a condition. */
med_err diagnosis_store_insert(med_db_conn *conn,
			       const diagnosis_condition *c) MED_MUST_CHECK;

/* diagnosis_store_get reads a condition's current version (NOT_FOUND). */
med_err diagnosis_store_get(med_db_conn *conn, med_arena *arena, const char *id,
			    bool for_update,
			    diagnosis_condition **out) MED_MUST_CHECK;

/* diagnosis_store_update writes a new version (cond->version is new). */
med_err diagnosis_store_update(med_db_conn *conn,
			       const diagnosis_condition *c) MED_MUST_CHECK;

/* diagnosis_store_history returns every version, oldest first. */
med_err diagnosis_store_history(med_db *db, med_arena *arena, const char *id,
				diagnosis_condition ***out,
				size_t *n) MED_MUST_CHECK;

/* diagnosis_store_list returns a patient's conditions, newest first. */
med_err diagnosis_store_list(med_db *db, med_arena *arena,
			     const char *patient_id, uint64_t offset,
			     uint32_t limit, diagnosis_condition ***out,
			     size_t *n) MED_MUST_CHECK;

/* --- store_plan.c: care plans ------------------------------------------ */

/* diagnosis_store_plan_get reads a plan with its children (NOT_FOUND). */
med_err diagnosis_store_plan_get(med_db_conn *c, med_arena *arena,
				 const char *id, bool for_update,
				 diagnosis_care_plan **out) MED_MUST_CHECK;

/* diagnosis_store_plan_put inserts or replaces a plan and its children. */
med_err diagnosis_store_plan_put(med_db_conn *c, const diagnosis_care_plan *p,
				 bool create) MED_MUST_CHECK;

/* diagnosis_store_condition_owner checks id is patient's condition. */
med_err diagnosis_store_condition_owner(med_db_conn *c, const char *id,
					const char *patient_id) MED_MUST_CHECK;

/* --- store_finding.c: findings ----------------------------------------- */

/* diagnosis_store_finding_insert stores a new finding (in the caller's
 * transaction). */
med_err
diagnosis_store_finding_insert(med_db_conn *c, med_arena *arena,
			       const diagnosis_finding *f) MED_MUST_CHECK;

/* diagnosis_store_finding_get reads one finding (NOT_FOUND). */
med_err diagnosis_store_finding_get(med_db_conn *c, med_arena *arena,
				    const char *id, bool for_update,
				    diagnosis_finding **out) MED_MUST_CHECK;

/* diagnosis_store_finding_decide writes the review fields. */
med_err
diagnosis_store_finding_decide(med_db_conn *c,
			       const diagnosis_finding *f) MED_MUST_CHECK;

/*
 * diagnosis_store_finding_writeback stores f's write-back outcome
 * (pacs_writeback, its UIDs, writeback_error, writeback_ms) on its row.
 * Errors: PRECONDITION (no such finding, or its outcome is not PENDING:
 * it was recorded before), those of the database.
 */
med_err
diagnosis_store_finding_writeback(med_db_conn *c,
				  const diagnosis_finding *f) MED_MUST_CHECK;

/* diagnosis_store_finding_overlay reads f's overlay PNG into
 * f->overlay_png (left empty when none is stored). */
med_err diagnosis_store_finding_overlay(med_db_conn *c, med_arena *arena,
					diagnosis_finding *f) MED_MUST_CHECK;

/* diagnosis_store_finding_list returns a patient's findings, newest
 * first. */
med_err diagnosis_store_finding_list(med_db *db, med_arena *arena,
				     const char *patient_id, uint64_t offset,
				     uint32_t limit, diagnosis_finding ***out,
				     size_t *n) MED_MUST_CHECK;

/* --- store_export.c: what ExportFhir reads ------------------------------ */

/* The export's page token: a med_page_key after an item, its kind 'C'
 * (condition), 'P' (care plan) or 'F' (finding), time and id. */
#define DIAGNOSIS_EXPORT_TAG   'k'
#define DIAGNOSIS_EXPORT_KINDS "CPF"

/* diagnosis_export_page - one page of a patient's items, read in one
 * transaction: conditions, care plans, then findings. */
typedef struct diagnosis_export_page {
	diagnosis_condition **conditions;
	size_t n_conditions;
	diagnosis_care_plan **plans;
	size_t n_plans;
	diagnosis_finding **findings;
	size_t n_findings;
	bool more;	   /* another page follows */
	med_page_key last; /* the page's last item */
} diagnosis_export_page;

/* The most condition codes one export narrows to (ExportFhirRequest). */
#define DIAGNOSIS_EXPORT_CODES_MAX 8

/* diagnosis_export_scope - what an export reads (issue 49): kinds, the
 * item kinds ("CPF" or some of them; NULL all); codes, the only
 * condition codes read (n_codes 0: every code); the conditions recorded
 * in [from_ms, to_ms) (0: open). */
typedef struct diagnosis_export_scope {
	const char *kinds;
	const char *const *codes;
	size_t n_codes;
	int64_t from_ms, to_ms;
} diagnosis_export_scope;

/*
 * diagnosis_store_export reads up to limit items after *after of the
 * patient's conditions (oldest first), care plans and findings, in that
 * order, into out (arena memory), in one transaction so that a page is
 * one consistent reading; out->more tells whether items follow.  Each
 * kind is read by a seek on its patient index: a page's cost does not
 * grow with the items before it.  scope (NULL: everything) narrows the
 * kinds and the conditions' codes.
 */
med_err diagnosis_store_export(med_db *db, med_arena *arena,
			       const char *patient_id,
			       const diagnosis_export_scope *scope,
			       const med_page_key *after, uint32_t limit,
			       diagnosis_export_page *out) MED_MUST_CHECK;

/* --- fhir.c: the FHIR R4 export ------------------------------------------ */

/*
 * diagnosis_fhir_bundle writes page as a FHIR R4 Bundle (collection) in
 * JSON, in arena, at most max_bytes long; *n_resources counts its
 * entries.  Errors: MED_ERR_LIMIT (too long), MED_ERR_INVALID (a stored
 * value FHIR cannot carry), MED_ERR_NOMEM.
 */
med_err diagnosis_fhir_bundle(med_arena *arena, const char *patient_id,
			      const diagnosis_export_page *page,
			      size_t max_bytes, char **json,
			      uint32_t *n_resources) MED_MUST_CHECK;

/* diagnosis_store_owner sets *out to the patient of a condition, care
 * plan or finding id, NULL when there is none (ReadFhir, fhirread). */
med_err diagnosis_store_owner(med_db *db, med_arena *arena, const char *item_id,
			      const char **out) MED_MUST_CHECK;

/* The handlers, one per RPC (methods.c lists them with their roles). */
/* --- hepatic.c: what the problem list says of the liver ---------------- */

/* The code system a Child-Pugh class is charted in (code A, B or C). */
#define DIAGNOSIS_CHILD_PUGH "Child-Pugh"

/* diagnosis_hepatic - liver facts gathered from conditions. */
typedef struct diagnosis_hepatic {
	bool impairment;
	char child_pugh; /* 0 none, else 'A', 'B' or 'C' (the worst) */
} diagnosis_hepatic;

/* diagnosis_hepatic_add adds condition c to h; true when c counts (a
 * current, unrefuted liver disease or Child-Pugh class). */
bool diagnosis_hepatic_add(diagnosis_hepatic *h, const diagnosis_condition *c);

/* diagnosis_pregnancy_code: is c a current, unrefuted pregnancy (ICD-10 /
 * ICD-10-CM Z33.1 or O00-O9A, SNOMED CT 77386006)? */
bool diagnosis_pregnancy_code(const diagnosis_condition *c);

MED_UNARY_HANDLER(diagnosis_rpc_get_hepatic_facts);
MED_UNARY_HANDLER(diagnosis_rpc_add_condition);
MED_UNARY_HANDLER(diagnosis_rpc_list_conditions);
MED_UNARY_HANDLER(diagnosis_rpc_update_condition);
MED_UNARY_HANDLER(diagnosis_rpc_condition_history);
MED_UNARY_HANDLER(diagnosis_rpc_set_care_plan);
MED_UNARY_HANDLER(diagnosis_rpc_get_care_plan);
MED_UNARY_HANDLER(diagnosis_rpc_analyze_image);
MED_UNARY_HANDLER(diagnosis_rpc_confirm_finding);
MED_UNARY_HANDLER(diagnosis_rpc_reject_finding);
MED_UNARY_HANDLER(diagnosis_rpc_list_findings);
MED_UNARY_HANDLER(diagnosis_rpc_export_fhir);
/* ReadFhir: read_fhir.c (fhirread). */
MED_UNARY_HANDLER(diagnosis_rpc_read_fhir);
MED_UNARY_HANDLER(diagnosis_rpc_analyze_study);
MED_UNARY_HANDLER(diagnosis_rpc_request_study_analysis);

/*
 * diagnosis_finding_store_new stores f, analysed, as patient_id's new
 * preliminary finding (requester and time set here; its id too unless
 * diagnosis_finding_name_new gave it one) and audits it.
 */
med_err diagnosis_finding_store_new(med_call *call, const char *patient_id,
				    diagnosis_finding *f) MED_MUST_CHECK;

/* diagnosis_finding_name_new gives f a new id (in the call's arena) when
 * it has none: what is stored with a new finding may derive from it. */
med_err diagnosis_finding_name_new(med_call *call,
				   diagnosis_finding *f) MED_MUST_CHECK;

/* --- saliency.c: where the model looked ------------------------------- */

/* diagnosis_run_fn runs the model on x (the model's input) and writes the
 * probability of the label being explained to *p. */
typedef med_err (*diagnosis_run_fn)(void *ctx, const float *x, float *p);

/* diagnosis_occlusion - the input, the top label's probability on it, and
 * how to run the model. */
typedef struct diagnosis_occlusion {
	const float *x; /* w * h, normalised as the model takes it */
	uint32_t w, h;
	float p_top;
	diagnosis_run_fn run;
	void *ctx;
} diagnosis_occlusion;

/*
 * diagnosis_occlusion_map writes o's occlusion saliency (w * h, in [0, 1],
 * 1 = where blanking lowered the probability most) to map.  Errors: NOMEM,
 * and what o->run returns.
 */
med_err diagnosis_occlusion_map(const diagnosis_occlusion *o,
				float *map) MED_MUST_CHECK;

/*
 * diagnosis_has_cam says whether info's second output is a Grad-CAM map
 * diagnosis can read: named "cam", f32 [1, K, H, W] with K the first
 * output's (one map per label) and 0 < H, W <= 4096
 * (tools/train/gradcam_graph.py adds one), and writes H and W to *cam_h,
 * *cam_w when it is.
 */
bool diagnosis_has_cam(const med_model_info *info, uint32_t *cam_h,
		       uint32_t *cam_w);

/*
 * diagnosis_cam_map turns one label's Grad-CAM map (cam, cw x ch, before
 * ReLU) into a saliency map over the model's input: ReLU, bilinear
 * resampling to w x h (half-pixel centres, med_image_resize), then
 * scaled so the largest value is 1 (all 0 when nothing is positive).
 * Errors: INVALID (a zero size), NOMEM.
 */
med_err diagnosis_cam_map(const float *cam, uint32_t cw, uint32_t ch,
			  uint32_t w, uint32_t h, float *map) MED_MUST_CHECK;

/*
 * diagnosis_overlay_png encodes the input with the map in red over it,
 * each pixel scale x scale, as an RGB PNG (*png: heap, caller frees).
 * Errors: NOMEM, INTERNAL (libpng).
 */
med_err diagnosis_overlay_png(const float *x_norm, const float *map, uint32_t w,
			      uint32_t h, uint32_t scale, uint8_t **png,
			      size_t *len) MED_MUST_CHECK;

/* --- pacs.c: the PACS over DICOMweb (libcurl) -------------------------- */

/* diagnosis_pacs - MED_DIAGNOSIS_PACS_* and the study caps. */
typedef struct diagnosis_pacs {
	char url[512]; /* DICOMweb base, no trailing '/'; "" = none */
	int64_t timeout_ms;
	size_t max_reply_bytes;
	uint64_t max_study_bytes;
	uint32_t max_instances;
	/* imgstow: HTTP basic credentials ("" user = none) and the
	 * write-back switch (MED_DIAGNOSIS_PACS_WRITEBACK). */
	char user[128], password[256];
	bool writeback;
	/* A passing failure's next attempt: retry_ms after the first,
	 * doubling up to retry_max_ms (stow_retry.c). */
	int64_t retry_ms, retry_max_ms;
	/* The CA file an https PACS must chain to ("" = system store). */
	char ca_file[512];
} diagnosis_pacs;

/* diagnosis_reply - one HTTP reply: status and body (heap, NUL-ended). */
typedef struct diagnosis_reply {
	long status;
	unsigned char *data;
	size_t len;
} diagnosis_reply;

/* diagnosis_pacs_load reads the settings into p (and starts libcurl). */
med_err diagnosis_pacs_load(const med_config *cfg,
			    diagnosis_pacs *p) MED_MUST_CHECK;

/*
 * diagnosis_pacs_get GETs the base URL + path with an Accept header into
 * out (free with diagnosis_reply_fini).  Any HTTP status is MED_OK (the
 * caller reads out->status).  Errors, with msg: UNAVAILABLE (no
 * connection, timeout), LIMIT (reply over max_reply_bytes), NOMEM.
 */
med_err diagnosis_pacs_get(const diagnosis_pacs *p, const char *path,
			   const char *accept, diagnosis_reply *out, char *msg,
			   size_t msg_len) MED_MUST_CHECK;

/*
 * diagnosis_pacs_post POSTs body (len bytes of content_type) to the base
 * URL + path, as diagnosis_pacs_get GETs (same reply, errors and caps).
 */
med_err diagnosis_pacs_post(const diagnosis_pacs *p, const char *path,
			    const char *content_type, const void *body,
			    size_t len, const char *accept,
			    diagnosis_reply *out, char *msg,
			    size_t msg_len) MED_MUST_CHECK;

/* diagnosis_reply_fini frees r's body. */
void diagnosis_reply_fini(diagnosis_reply *r);

/* diagnosis_model_pacs is the service's PACS settings. */
const diagnosis_pacs *diagnosis_model_pacs(med_service *svc);

/* --- study.c: a study's DICOM JSON metadata ---------------------------- */

/* diagnosis_dicom_image - what one instance's header says. */
typedef struct diagnosis_dicom_image {
	char study_uid[65], series_uid[65], sop_uid[65];
	char patient_id[65], accession[65];
	char modality[17], view[17], photometric[17];
	char study_date[17]; /* StudyDate (0008,0020), "YYYYMMDD" or "" */
	uint32_t rows, cols, frames, samples, bits_allocated;
	bool has_window;
	double window_center, window_width;
} diagnosis_dicom_image;

/* diagnosis_study - a study's instances, summed, and the image to read. */
typedef struct diagnosis_study {
	size_t n_instances;
	uint64_t pixel_bytes; /* uncompressed, every frame of every image */
	char patient_id[65], accession[65];
	diagnosis_dicom_image pick;
	int pick_rank; /* 0: no frontal CR/DX image */
} diagnosis_study;

/*
 * diagnosis_study_read reads a WADO-RS metadata reply (a DICOM JSON array
 * of instances) into s.  Errors, with msg: UNAVAILABLE (not DICOM JSON),
 * PRECONDITION (instances of more than one PatientID).
 */
med_err diagnosis_study_read(const char *json, size_t len, diagnosis_study *s,
			     char *msg, size_t msg_len) MED_MUST_CHECK;

/*
 * diagnosis_study_check applies the caps and needs a frontal image:
 * NOT_FOUND (no instances), INVALID (over a cap), PRECONDITION (no PA/AP
 * or view-less CR or DX image).
 */
med_err diagnosis_study_check(const diagnosis_study *s, const diagnosis_pacs *p,
			      char *msg, size_t msg_len) MED_MUST_CHECK;

/* diagnosis_image_is_chest_candidate: a CR or DX image with pixels. */
bool diagnosis_image_is_chest_candidate(const diagnosis_dicom_image *im);

/* diagnosis_uid_is_valid: a DICOM UID (digits and dots, 1-64). */
bool diagnosis_uid_is_valid(const char *uid);

/*
 * diagnosis_rendered_path writes the WADO-RS path of im rendered by the
 * PACS, with the header's window when it has one.  INVALID: a bad UID.
 */
med_err diagnosis_rendered_path(const diagnosis_dicom_image *im, char *out,
				size_t len) MED_MUST_CHECK;

/* --- imgtrig: watch.c, the requested studies (issues 38, 74) ----------- */

/* The migration of the change feed's place (pacs_watch, unread now). */
extern const char *const diagnosis_v30_statements[];

/* The migration of the requested studies (pacs_requests). */
extern const char *const diagnosis_v34_statements[];

/* diagnosis_start is the service's start hook: the model, the
 * write-back's retrier when the write-back is on, then the
 * watcher when MED_DIAGNOSIS_PACS_WATCH is on (a watcher that cannot
 * start stops the service: a setting that asks for it is not ignored). */
med_err diagnosis_start(med_service *svc) MED_MUST_CHECK;

/* diagnosis_stop stops the watcher, then the model. */
void diagnosis_stop(med_service *svc);

/* --- end imgtrig ---------------------------------------------------------- */

/* --- imgstow: stow.c, the overlay written back to the PACS ------------ */

/*
 * diagnosis_stow_writeback writes f's overlay back to the PACS as a DICOM
 * Secondary Capture in a new series of src's study, the patient and study
 * attributes copied from src's header, over STOW-RS, when the write-back
 * is on; f is already stored (PENDING, diagnosis_stow_plan).  It sets
 * f's pacs_writeback (OFF, STORED or FAILED), the new series and instance
 * UIDs, writeback_error and writeback_ms, stores them on f's row in their
 * own transaction, audits the attempt as its own event
 * (diagnosis/pacs-write-back) and counts it
 * (smartmed_diagnosis_pacs_writeback_total).  It cannot fail the call: a
 * row that cannot be updated stays PENDING, logged, audited and counted
 * (smartmed_diagnosis_pacs_writeback_record_errors_total).
 */
void diagnosis_stow_writeback(med_call *call, const diagnosis_pacs *p,
			      const diagnosis_dicom_image *src,
			      diagnosis_finding *f);

/* diagnosis_stow_job - who and what a write-back attempt runs for: the
 * analysing call's user, or the service's retrier. */
typedef struct diagnosis_stow_job {
	med_arena *arena; /* the attempt's scratch memory */
	med_service *svc;
	med_db *db;
	const char *actor;
	uint32_t roles;
	bool break_glass;
	const char *request_id; /* NULL: none */
	const char *trigger;	/* "analysis" or "retry", audited */
} diagnosis_stow_job;

/*
 * diagnosis_stow_run makes one write-back attempt of f (stored, PENDING,
 * its overlay in f) for job and stores, audits and counts its outcome:
 * STORED, FAILED (a failure another attempt would not change: no overlay,
 * the PACS's 4xx, a file that cannot be made) or, for a passing failure,
 * PENDING with writeback_attempts one more and writeback_next_ms the
 * backoff's (diagnosis_pacs retry_ms, doubling up to retry_max_ms).
 */
void diagnosis_stow_run(const diagnosis_stow_job *job, const diagnosis_pacs *p,
			const diagnosis_dicom_image *src, diagnosis_finding *f);

/* diagnosis_stow_lease_ms is how long one attempt may take: another does
 * not start on the same finding before it lapses. */
int64_t diagnosis_stow_lease_ms(const diagnosis_pacs *p);

/*
 * diagnosis_stow_retry_start starts the retrier when the write-back is
 * on: a thread that takes PENDING findings whose next attempt is due
 * (claimed on the row, so replicas do not take the same one) and makes
 * that attempt as the service.  diagnosis_stow_retry_stop stops it.
 */
med_err diagnosis_stow_retry_start(med_service *svc) MED_MUST_CHECK;
void diagnosis_stow_retry_stop(void);

/* The path under which the HTTP port says whether a study has an overlay
 * to store (stow_gate.c): GET DIAGNOSIS_STOW_GATE_PATH<StudyInstanceUID>
 * is 200 "yes", 404 "no" or 503. */
#define DIAGNOSIS_STOW_GATE_PATH "/pacs/stow-due/"

/* diagnosis_stow_gate_start has the HTTP port answer the PACS's filter:
 * may diagnosis's credential store into this study now? */
void diagnosis_stow_gate_start(med_service *svc);

/*
 * diagnosis_stow_plan sets, before f (already named) is stored, what is
 * stored with it of the write-back: OFF when p's write-back is off, else
 * PENDING with the Secondary Capture's UIDs (they derive from the finding
 * id; copied into a), so a service that stops before the outcome is recorded
 * leaves a finding that says the write-back was begun.  Errors: NOMEM.
 */
med_err diagnosis_stow_plan(med_arena *a, const diagnosis_pacs *p,
			    diagnosis_finding *f) MED_MUST_CHECK;

/*
 * diagnosis_sc_uid writes a DICOM UID made from finding_id and what
 * (":sc-series", ":sc-instance"): "2.25." and the decimal value of 128
 * bits of their BLAKE2b hash (PS3.5 B.2), at most 44 characters.  The
 * same inputs give the same UID.
 */
void diagnosis_sc_uid(const char *finding_id, const char *what, char out[65]);
/* --- end imgstow --- */

#endif
