/*
 * records.h - the records service's internal interfaces: immutable,
 * versioned, hash-chained record entries (handlers.c → domain.c, units.c,
 * chain.c, fhir.c → store.c).
 */
#ifndef RECORDS_H
#define RECORDS_H

#include <med/db.h>
#include <med/rpc.h>

#include "smartmed/records/v1/records.pb-c.h"

typedef Smartmed__Records__V1__Entry records_entry;

extern const med_method records_methods[];
extern const size_t records_n_methods;
extern const med_db_migration records_migrations[];
extern const size_t records_n_migrations;

/* Config key of the attachment size cap. */
#define RECORDS_MAX_ATTACHMENT_KEY "MED_RECORDS_MAX_ATTACHMENT_BYTES"

/* Hash formulas: 1 = the first release's fields, 2 = every field. */
#define RECORDS_HASH_V1 1
#define RECORDS_HASH_V2 2

/* --- units.c ------------------------------------------------------------ */

#define RECORDS_VITAL_UNITS 3

/* records_vital - a vital-sign LOINC code and the UCUM units it accepts. */
typedef struct records_vital {
	const char *loinc;
	const char *display;
	const char *field; /* VitalSigns member name, or NULL */
	const char *units[RECORDS_VITAL_UNITS];
} records_vital;

/* records_vital_by_loinc returns the table row of a vital-sign code. */
const records_vital *records_vital_by_loinc(const char *code);

/* records_vital_by_field returns the row of a VitalSigns member. */
const records_vital *records_vital_by_field(const char *field);

/* records_vital_unit_ok is true when unit is one v accepts. */
bool records_vital_unit_ok(const records_vital *v, const char *unit);

/* records_loinc_valid checks a LOINC code's shape and check digit. */
bool records_loinc_valid(const char *code);

/* records_ucum_syntax_ok checks the syntax of a UCUM unit code. */
bool records_ucum_syntax_ok(const char *unit);

/* records_content_type_known is true for an allowed attachment type. */
bool records_content_type_known(const char *type);

/* records_content_matches checks data against type's magic bytes. */
bool records_content_matches(const char *type, const uint8_t *data, size_t len);

/* --- domain.c ----------------------------------------------------------- */

/* records_content - the typed content of a request, whichever type. */
typedef struct records_content {
	Smartmed__Records__V1__Observation *observation;
	Smartmed__Records__V1__Document *document;
	Smartmed__Records__V1__Allergy *allergy;
	Smartmed__Records__V1__VitalSigns *vital_signs;
} records_content;

/* records_edit - a new title, body, content and status for an entry. */
typedef struct records_edit {
	Smartmed__Records__V1__EntryKind kind;
	const char *title;
	const char *body;
	Smartmed__Records__V1__EntryStatus status;
	records_content content;
	size_t max_attachment_bytes;
} records_edit;

/*
 * records_check_edit validates an edit for an entry of kind: title, body,
 * status (fresh: create rules) and content; for a document it sets sha256
 * and size.  Messages name the field ("observation.ucum_unit: ...").
 */
med_err records_check_edit(med_call *call,
			   Smartmed__Records__V1__EntryKind kind,
			   records_edit *edit, bool fresh) MED_MUST_CHECK;

/* records_apply_content sets e's content oneof from c. */
void records_apply_content(records_entry *e, const records_content *c);

/* records_copy_content makes to's content the same as from's. */
void records_copy_content(records_entry *to, const records_entry *from);

/*
 * records_version - one stored version: the entry message plus what only
 * the store and the chain see (the packed typed content, the addendum this
 * version added, the hash formula).
 */
typedef struct records_version {
	records_entry *e;
	const uint8_t *content; /* packed typed content, may be NULL */
	size_t content_len;
	const char *addendum; /* "" unless this version added one */
	int hash_alg;
} records_version;

/*
 * records_next_fn decides the next version of an entry inside the write
 * transaction: latest is NULL for a new entry; owner is version 1's author.
 * It fills next (content, status, reason ...); the store sets the ids,
 * version numbers, chain fields and hashes.
 */
typedef med_err (*records_next_fn)(void *ctx, const records_version *latest,
				   const char *owner, records_version *next);

/* records_next_amend etc. are the rules of each kind of change; ctx is a
 * records_change. */
typedef struct records_change {
	med_call *call;
	uint32_t expected_version;
	const char *reason;
	const char *text; /* addendum */
	records_edit *edit;
} records_change;

med_err records_next_create(void *ctx, const records_version *latest,
			    const char *owner,
			    records_version *next) MED_MUST_CHECK;
med_err records_next_amend(void *ctx, const records_version *latest,
			   const char *owner,
			   records_version *next) MED_MUST_CHECK;
med_err records_next_sign(void *ctx, const records_version *latest,
			  const char *owner,
			  records_version *next) MED_MUST_CHECK;
med_err records_next_addendum(void *ctx, const records_version *latest,
			      const char *owner,
			      records_version *next) MED_MUST_CHECK;
med_err records_next_entered_in_error(void *ctx, const records_version *latest,
				      const char *owner,
				      records_version *next) MED_MUST_CHECK;

/*
 * records_content_hash returns (lower-case hex, in arena) the SHA-256 of a
 * version's canonical content under its hash formula: every field but the
 * hashes, each length-prefixed, so no two versions share an encoding.
 */
char *records_content_hash(med_arena *arena, const records_version *v);

/* records_chain_hash returns SHA-256(content_sha256 ‖ prev_hash) in hex. */
char *records_chain_hash(med_arena *arena, const char *content_sha256,
			 const char *prev_hash);

/* --- store.c ------------------------------------------------------------ */

/* records_write - one change to write: the rules and their context. */
typedef struct records_write {
	const char *entry_id; /* NULL for a new entry */
	const char *patient_id;
	Smartmed__Records__V1__EntryKind kind; /* for a new entry */
	const char *author;
	records_next_fn next;
	void *ctx;
	const char *patient_found; /* set: the entry's patient, once known */
} records_write;

/*
 * records_store_write runs one change in one transaction: locks the entry
 * (if any) and the patient's chain head, asks w->next for the new version,
 * stores its attachment, the version row and the new heads.  *out is the
 * stored version.  Errors: MED_ERR_NOT_FOUND (entry_id), the rules' errors,
 * database errors.
 */
med_err records_store_write(med_db *db, med_arena *arena, records_write *w,
			    records_entry *out) MED_MUST_CHECK;

/*
 * records_store_versions reads versions 1..version (0 = all) of entry_id,
 * oldest first, with addenda filled in.  MED_ERR_NOT_FOUND when none.
 */
med_err records_store_versions(med_db *db, med_arena *arena,
			       const char *entry_id, uint32_t version,
			       records_entry ***out, size_t *n) MED_MUST_CHECK;

/* records_filter - ListEntries' filters. */
typedef struct records_filter {
	const char *patient_id;
	int kind; /* 0 = any */
	int64_t since_ms, until_ms;
	const char *author; /* "" = any */
	uint64_t offset;
	uint32_t limit;
} records_filter;

/* records_store_list returns the latest versions matching f, newest
 * first. */
med_err records_store_list(med_db *db, med_arena *arena,
			   const records_filter *f, records_entry ***out,
			   size_t *n) MED_MUST_CHECK;

/* records_store_attachment reads the bytes stored under sha256. */
med_err records_store_attachment(med_db *db, med_arena *arena,
				 const char *sha256, const uint8_t **data,
				 size_t *len) MED_MUST_CHECK;

/* records_chain_fn gets each version of a patient in chain order. */
typedef med_err (*records_chain_fn)(void *ctx, const records_version *v);

/*
 * records_store_walk_chain reads a patient's versions in chain order
 * (legacy unchained versions are chained first) and the stored head hash.
 * Errors: MED_ERR_NOT_FOUND when the patient has no versions.
 */
med_err records_store_walk_chain(med_db *db, med_arena *arena,
				 const char *patient_id, records_chain_fn fn,
				 void *ctx, char **head_hash,
				 uint64_t *head_seq) MED_MUST_CHECK;

/* --- chain.c ------------------------------------------------------------ */

/* records_verify_chain recomputes a patient's chain into res. */
med_err records_verify_chain(
	med_db *db, med_arena *arena, const char *patient_id,
	Smartmed__Records__V1__VerifyChainResponse *res) MED_MUST_CHECK;

/* --- fhir.c ------------------------------------------------------------- */

/*
 * records_fhir_bundle writes entries as a FHIR R4 Bundle (collection) in
 * JSON, at most max_bytes.  Errors: MED_ERR_LIMIT (too big), MED_ERR_NOMEM.
 */
med_err records_fhir_bundle(med_arena *arena, const char *patient_id,
			    records_entry *const *entries, size_t n,
			    size_t max_bytes, char **json,
			    uint32_t *n_resources) MED_MUST_CHECK;

/* The handlers, one per RPC (methods.c lists them with their roles). */
MED_UNARY_HANDLER(records_rpc_create_entry);
MED_UNARY_HANDLER(records_rpc_get_entry);
MED_UNARY_HANDLER(records_rpc_list_entries);
MED_UNARY_HANDLER(records_rpc_amend_entry);
MED_UNARY_HANDLER(records_rpc_history);
MED_UNARY_HANDLER(records_rpc_sign_entry);
MED_UNARY_HANDLER(records_rpc_add_addendum);
MED_UNARY_HANDLER(records_rpc_mark_entered_in_error);
MED_UNARY_HANDLER(records_rpc_get_attachment);
MED_UNARY_HANDLER(records_rpc_verify_chain);
MED_UNARY_HANDLER(records_rpc_export_fhir);
MED_UNARY_HANDLER(records_rpc_get_medication_facts);

/* --- facts.c: GetMedicationFacts' rules -------------------------------- */

/* records_facts_allergies fills f's allergies and allergies_assessed from
 * the latest versions of allergy entries. */
med_err records_facts_allergies(med_arena *a, records_entry *const *e, size_t n,
				Smartmed__Records__V1__MedicationFacts *f)
	MED_MUST_CHECK;

/* records_facts_measurements fills f's weight, height and creatinine
 * clearance from the latest versions of observation and vital-sign
 * entries. */
med_err records_facts_measurements(
	med_arena *a, records_entry *const *e, size_t n,
	Smartmed__Records__V1__MedicationFacts *f) MED_MUST_CHECK;

#endif
