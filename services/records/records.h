/*
 * records.h - the records service's internal interfaces: immutable,
 * versioned, hash-chained record entries.  The files stack as LAYERS
 * declares, bottom to top: the note reader, the rules (units.c, labs.c,
 * domain.c, chain.c, page.c), the store (schema.c, store_rows.c,
 * store_write.c, store.c, store_readings.c, store_suggest.c: a
 * connection and an arena, never the call), the FHIR writers, the use
 * cases (fault.c, write.c, write_suggest.c, verify.c), the handlers and
 * the wiring (methods.c, main.c).
 */
#ifndef RECORDS_H
#define RECORDS_H

#include <med/check.h>
#include <med/config.h>
#include <med/db.h>
#include <med/rpc.h>
#include <med/util.h>

#include "smartmed/records/v1/records.pb-c.h"

typedef Smartmed__Records__V1__Entry records_entry;

extern const med_method records_methods[];
extern const size_t records_n_methods;
extern const med_db_migration records_migrations[];
extern const size_t records_n_migrations;
/* The service's settings, all in one table (settings.c). */
extern const med_config_spec records_config[];
extern const size_t records_n_config;

/* Config key of the attachment size cap. */
#define RECORDS_MAX_ATTACHMENT_KEY "MED_RECORDS_MAX_ATTACHMENT_BYTES"
/* Off, CreateEntry and AmendEntry write notes without reading them
 * (docs/note-reader.md, "Switching it off"); on by default. */
#define RECORDS_NOTE_READER_KEY "MED_RECORDS_NOTE_READER"

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

/* records_limit - the plausible range of a vital sign in one unit. */
typedef struct records_limit {
	const char *loinc;
	const char *unit;
	double min, max;
} records_limit;

/* records_vital_limit returns the limits of loinc in unit, or NULL when
 * the table has none (every value is then plausible). */
const records_limit *records_vital_limit(const char *loinc, const char *unit);

/* records_vital_plausible is true when value lies within l (l NULL: no
 * limits known). */
bool records_vital_plausible(const records_limit *l, double value);

/* records_loinc_valid checks a LOINC code's shape and check digit. */
bool records_loinc_valid(const char *code);

/* records_ucum_syntax_ok checks the syntax of a UCUM unit code. */
bool records_ucum_syntax_ok(const char *unit);

/* The unit an eGFR is reported in (LOINC's example UCUM unit). */
#define RECORDS_EGFR_UNIT "mL/min/{1.73_m2}"

/* records_egfr_code - an eGFR LOINC code and the equation it names (NULL:
 * the code names none; the observation's method must). */
typedef struct records_egfr_code {
	const char *loinc;
	const char *equation;
} records_egfr_code;

/* records_egfr_by_loinc returns code's row, or NULL for no eGFR code. */
const records_egfr_code *records_egfr_by_loinc(const char *code);

/* records_egfr_equation_known: is name an eGFR equation we accept? */
bool records_egfr_equation_known(const char *name);

/*
 * records_egfr_equation gives the equation of an eGFR charted under code
 * with method ("" none): the code's, else the method's.  Returns NULL
 * and sets *why when there is none, it is unknown, or it disagrees with
 * the code's.
 */
const char *records_egfr_equation(const records_egfr_code *code,
				  const char *method, const char **why);

/* records_weight_possible: can a patient weigh kg at all?  Outside, a
 * charted weight is refused even when confirmed (0 kg, 900 kg). */
bool records_weight_possible(double kg);

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
	bool confirm_implausible; /* the request confirms unusual vitals */
} records_edit;

/*
 * records_edit_problem validates an edit for an entry of kind: title,
 * body, status (fresh: create rules) and content; for a document it sets
 * sha256 (in a) and size.  The problem names the field
 * ("observation.ucum_unit"); MED_ERR_NOMEM leaves p unset.
 */
med_err records_edit_problem(med_arena *a,
			     Smartmed__Records__V1__EntryKind kind,
			     records_edit *edit, bool fresh,
			     med_problem *p) MED_MUST_CHECK;

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

/* records_change - what one change asks, for its rules: who makes it, the
 * version it was made against, its reason, an addendum's text, an edit. */
typedef struct records_change {
	const char *user; /* who makes the change (the call's principal) */
	uint32_t expected_version;
	const char *reason;
	const char *text; /* addendum */
	records_edit *edit;
} records_change;

/*
 * The rules of each change, without a call: records_amend_problem (the
 * entry open, unsigned, of the edit's kind, at ch->expected_version, a
 * final entry not made preliminary), records_sign_problem (user is the
 * author owner, the entry open and unsigned, at ch->expected_version),
 * records_addendum_problem (open and signed), records_error_problem (the
 * author, open, at ch->expected_version).  They fill p and return its err.
 */
med_err records_amend_problem(const records_change *ch,
			      const records_version *latest,
			      med_problem *p) MED_MUST_CHECK;
med_err records_sign_problem(const records_change *ch,
			     const records_version *latest, const char *user,
			     const char *owner, med_problem *p) MED_MUST_CHECK;
med_err records_addendum_problem(const records_version *latest,
				 med_problem *p) MED_MUST_CHECK;
med_err records_error_problem(const records_change *ch,
			      const records_version *latest, const char *user,
			      const char *owner, med_problem *p) MED_MUST_CHECK;

/*
 * The transitions, one per kind of change: each fills next (its entry's
 * ids, author, time and chain fields already set by write.c) from the
 * change and latest, the verified latest version (owner: version 1's
 * author).  A refused change fills p and returns its err (MED_ERR_CONFLICT
 * for a stale expected version).  A new entry has no rules to refuse.
 */
void records_next_create(const records_change *ch, records_version *next);
med_err records_next_amend(const records_change *ch,
			   const records_version *latest, records_version *next,
			   med_problem *p) MED_MUST_CHECK;
med_err records_next_sign(const records_change *ch,
			  const records_version *latest, const char *owner,
			  records_version *next, med_problem *p) MED_MUST_CHECK;
med_err records_next_addendum(const records_change *ch,
			      const records_version *latest,
			      records_version *next,
			      med_problem *p) MED_MUST_CHECK;
med_err records_next_entered_in_error(const records_change *ch,
				      const records_version *latest,
				      const char *owner, records_version *next,
				      med_problem *p) MED_MUST_CHECK;

/*
 * records_content_hash returns (lower-case hex, in arena) the SHA-256 of a
 * version's canonical content under its hash formula: every field but the
 * hashes, each length-prefixed, so no two versions share an encoding.
 */
char *records_content_hash(med_arena *arena, const records_version *v);

/* records_chain_hash returns SHA-256(content_sha256 ‖ prev_hash) in hex. */
char *records_chain_hash(med_arena *arena, const char *content_sha256,
			 const char *prev_hash);

/*
 * records_fault - the first stored value that does not match what the
 * chain proves: which entry and version, the check (as in BrokenLink) and
 * the value expected and the one stored.  check is NULL when none.
 */
typedef struct records_fault {
	const char *entry_id;
	uint32_t version;
	uint64_t position; /* in the patient's chain; 0 when not a version */
	const char *check;
	const char *expected;
	const char *stored;
} records_fault;

/* records_fault_set fills *f (strings copied into arena); MED_ERR_NOMEM. */
med_err records_fault_set(med_arena *arena, records_fault *f,
			  const char *entry_id, uint32_t version,
			  const char *check, const char *expected,
			  const char *stored) MED_MUST_CHECK;

/* records_fault_set_num is records_fault_set with numbers (as text). */
med_err records_fault_set_num(med_arena *arena, records_fault *f,
			      const char *entry_id, uint32_t version,
			      const char *check, int64_t expected,
			      int64_t stored) MED_MUST_CHECK;

/* records_head - an entry_heads row, or the same columns of version 1. */
typedef struct records_head {
	bool present;
	uint32_t latest_version; /* entry_heads only */
	const char *patient_id;
	int kind;
	const char *author;
	int64_t created_ms;
} records_head;

/* --- page.c ------------------------------------------------------------- */

/* records_cursor - where the next page starts: after the item whose key is
 * (key, id): version 1's time and entry id in lists, the version number
 * (id "") in History. */
typedef struct records_cursor {
	bool set; /* false: the first page */
	int64_t key;
	char id[MED_UUID_LEN + 1];
} records_cursor;

/* records_cursor_kind - what a cursor's key is. */
typedef enum records_cursor_kind {
	RECORDS_CURSOR_ENTRY,	/* version 1's time and the entry id */
	RECORDS_CURSOR_VERSION, /* a version number (1..UINT32_MAX), id "" */
} records_cursor_kind;

/* records_page - a page request, checked. */
typedef struct records_page {
	uint32_t size;
	records_cursor after;
	unsigned char scope[16]; /* digest of the request's other fields */
} records_page;

/*
 * records_page_scope digests the fields a page token is bound to: the
 * method's name and every request field but the page, as text.
 */
void records_page_scope(unsigned char scope[16], const char *method,
			const char *const *fields, size_t n_fields);

/*
 * records_token_encode returns (in arena) the opaque token of the page
 * after cursor c for a request of this scope; NULL when the arena is full.
 */
char *records_token_encode(med_arena *arena, const unsigned char scope[16],
			   const records_cursor *c);

/*
 * records_token_decode reads a token made by records_token_encode for the
 * same scope; false for anything else (a changed request, a changed or
 * truncated token).
 */
bool records_token_decode(const char *token, const unsigned char scope[16],
			  records_cursor *out);

/*
 * records_page_parse checks a PageRequest (NULL: the first page):
 * page_size 0 means default_size, at most MED_PAGE_MAX; the page_token
 * must come from a page of a request with the same scope and hold a
 * cursor of this kind.  Errors name "page.page_size" or "page.page_token"
 * (INVALID_ARGUMENT).
 */
med_err records_page_parse(med_call *call,
			   const Smartmed__Common__V1__PageRequest *req,
			   uint32_t default_size, const unsigned char scope[16],
			   records_cursor_kind kind,
			   records_page *out) MED_MUST_CHECK;

/*
 * records_page_respond makes the PageResponse: next_page_token continues
 * after *next, or "" when next is NULL (the last page).  In the call's
 * arena; NULL when it is full.
 */
Smartmed__Common__V1__PageResponse *
records_page_respond(med_call *call, const records_page *page,
		     const records_cursor *next);

/* --- the store: store_write.c, store.c ---------------------------------- */

/*
 * The write vocabulary: each function works inside the caller's
 * transaction on c (write.c's use cases own it) and never sees the call.
 */

/* records_locked - an entry locked for a change: its latest version,
 * verified, and version 1's patient and author (the owner). */
typedef struct records_locked {
	records_version latest;
	const char *patient_id;
	const char *owner;
} records_locked;

/*
 * records_store_lock_entry locks entry_id's index row, then reads and
 * verifies its latest version and its state (records_store_entry's
 * checks), so a change never builds on a tampered row.  Errors:
 * MED_ERR_NOT_FOUND, MED_ERR_DATA_LOSS (*fault), database errors.
 */
med_err records_store_lock_entry(med_db_conn *c, med_arena *a,
				 const char *entry_id, records_locked *out,
				 records_fault *fault) MED_MUST_CHECK;

/* records_chain_head - a patient's chain head: the last sequence number
 * and its chain hash ("" and 0 before the first version). */
typedef struct records_chain_head {
	uint64_t seq;
	const char *hash;
} records_chain_head;

/*
 * records_store_lock_chain locks (creating it on a patient's first write)
 * the patient's chain head row, FOR UPDATE: appends to one chain are
 * serialised.  Versions written before the chain existed are chained
 * first.  Errors: database errors.
 */
med_err records_store_lock_chain(med_db_conn *c, med_arena *a,
				 const char *patient_id,
				 records_chain_head *out) MED_MUST_CHECK;

/*
 * records_store_seal packs v's typed content (a document without its
 * bytes, which go to attachments) and sets its content hash and its link
 * after ch.  Errors: MED_ERR_NOMEM.
 */
med_err records_store_seal(med_arena *a, records_version *v,
			   const records_chain_head *ch) MED_MUST_CHECK;

/* records_store_attach stores a document's bytes once per SHA-256 (NULL
 * or empty: nothing). */
med_err
records_store_attach(med_db_conn *c,
		     const Smartmed__Records__V1__Document *d) MED_MUST_CHECK;

/* records_store_insert inserts sealed version v and moves the entry's
 * index row and the patient's chain head to it. */
med_err records_store_insert(med_db_conn *c,
			     const records_version *v) MED_MUST_CHECK;

/*
 * records_store_patient_of sets *out to the patient of entry_id (its
 * version 1's, which the change's transaction checks against the index),
 * read without a lock, or to NULL when there is no such entry: the care
 * relationship is decided before the write locks its rows.
 */
med_err records_store_patient_of(med_db *db, med_arena *arena,
				 const char *entry_id,
				 const char **out) MED_MUST_CHECK;

/*
 * records_store_entry reads one version of entry_id (0 = the latest) with
 * the addenda added up to it.  Every version it reads is verified
 * (records_version_verify) and the entry's index against its chained
 * versions (records_head_verify).  Errors: MED_ERR_NOT_FOUND (no such
 * entry or version), MED_ERR_DATA_LOSS with *fault set.
 */
med_err records_store_entry(med_db *db, med_arena *arena, const char *entry_id,
			    uint32_t version, records_entry **out,
			    records_fault *fault) MED_MUST_CHECK;

/* records_slice - one page of a read: at most limit items, and at most
 * max_bytes of them packed (0 = no byte bound); at least one item when any
 * is left, whatever its size. */
typedef struct records_slice {
	uint32_t limit;
	size_t max_bytes;
} records_slice;

/*
 * records_store_history reads the versions of entry_id after version
 * `after` (0 = from the first), oldest first, each with its addenda,
 * verified as records_store_entry does.  *more is set when versions are
 * left after the page.  Errors as records_store_entry.
 */
med_err records_store_history(med_db *db, med_arena *arena,
			      const char *entry_id, uint32_t after,
			      const records_slice *slice, records_entry ***out,
			      size_t *n, bool *more,
			      records_fault *fault) MED_MUST_CHECK;

/* ExportFhir's codes: at most this many asked, and the SQL's slots for
 * them with the SpO2 codes' partners added. */
#define RECORDS_EXPORT_CODES_MAX 8
#define RECORDS_CODE_SLOTS	 16

/* records_filter - which of a patient's entries a list holds. */
typedef struct records_filter {
	const char *patient_id;
	int kind; /* 0 = any */
	/* ExportFhir's narrowing (issue 49): a bit per kind (1 << kind; 0 =
	 * any); observations of codes[0..n_codes) (LOINC, n_codes 0: any)
	 * and, when vitals, every vital-signs entry. */
	int64_t kinds;
	const char *const *codes;
	size_t n_codes;
	bool vitals;
	int64_t since_ms, until_ms;
	const char *author;   /* "" = any */
	records_cursor after; /* continue after this entry */
	records_slice slice;
} records_filter;

/* records_list - a page of entries (latest versions), newest first. */
typedef struct records_list {
	records_entry **entries;
	records_cursor *cursors; /* where a page after entries[i] starts */
	size_t n;
	bool more; /* entries matching the filter are left after these */
} records_list;

/*
 * records_store_list reads the latest version of each entry matching f,
 * ordered by version 1's time, newest first.  Which entries and versions
 * it returns is decided by the chained versions alone; each is verified
 * as records_store_entry does.  Errors: MED_ERR_DATA_LOSS with *fault.
 */
med_err records_store_list(med_db *db, med_arena *arena,
			   const records_filter *f, records_list *out,
			   records_fault *fault) MED_MUST_CHECK;

/* records_store_attachment reads the bytes stored under sha256. */
med_err records_store_attachment(med_db *db, med_arena *arena,
				 const char *sha256, const uint8_t **data,
				 size_t *len) MED_MUST_CHECK;

/* records_entry_head - one entry's latest chained version (0: none), its
 * entry_heads row and its version 1 (either absent when missing). */
typedef struct records_entry_head {
	const char *entry_id;
	uint32_t chain_latest;
	records_head head, first;
} records_entry_head;

typedef struct records_entry_heads {
	records_entry_head *items;
	size_t n;
} records_entry_heads;

/*
 * records_store_heads reads every entry of a patient, whether its
 * versions or its entry_heads row name the patient, in entry id order.
 */
med_err records_store_heads(med_db *db, med_arena *arena,
			    const char *patient_id,
			    records_entry_heads *out) MED_MUST_CHECK;

/* records_chain - a patient's versions in chain order and its head. */
typedef struct records_chain {
	records_version *versions;
	size_t n;
	records_chain_head head;
} records_chain;

/*
 * records_store_chain reads a patient's versions in chain order (legacy
 * unchained versions are chained first) and the stored head, in one
 * transaction that locks the head.  Errors: MED_ERR_NOT_FOUND when the
 * patient has no versions.
 */
med_err records_store_chain(med_db *db, med_arena *arena,
			    const char *patient_id,
			    records_chain *out) MED_MUST_CHECK;

/* --- chain.c ------------------------------------------------------------ */

/*
 * records_version_verify checks what one version row can prove about
 * itself: a hash formula it can have (a first-release row has none of the
 * later columns set), its content hash recomputed from its columns, and,
 * once chained, its chain hash over that and its prev_hash.  The first
 * mismatch goes into *f (f->check stays NULL when none).  Errors:
 * MED_ERR_NOMEM.
 */
med_err records_version_verify(med_arena *arena, const records_version *v,
			       records_fault *f) MED_MUST_CHECK;

/*
 * records_head_verify checks an entry's entry_heads row against its
 * chained versions: a row exists exactly when versions do, its
 * latest_version is the highest chained version, and its patient, kind,
 * author and time are those of version 1 (first); row, when given, is a
 * verified version of the entry and must share version 1's patient and
 * kind.  The first mismatch goes into *f.  Errors: MED_ERR_NOMEM.
 */
med_err records_head_verify(med_arena *arena, const char *entry_id,
			    uint32_t chain_latest, const records_head *head,
			    const records_head *first, const records_entry *row,
			    records_fault *f) MED_MUST_CHECK;

/* records_verify_chain recomputes a patient's chain into res (verify.c:
 * reads through the store, checks with chain.c). */
med_err records_verify_chain(
	med_db *db, med_arena *arena, const char *patient_id,
	Smartmed__Records__V1__VerifyChainResponse *res) MED_MUST_CHECK;

/* records_reading - what a device sent beside a reading that records keeps
 * (device_readings): the reading's identifier and the device
 * ("Device/{id}"), written into the entry's Observations (fhir.c). */
typedef struct records_reading {
	const char *entry_id;
	const char *system, *value;
	const char *device;
} records_reading;

/* records_readings - the readings among a page's entries. */
typedef struct records_readings {
	records_reading *r;
	size_t n;
} records_readings;

/* --- fhir.c ------------------------------------------------------------- */

/*
 * records_fhir_bundle writes the first of entries that fit in max_bytes
 * (all n when they do) as a FHIR R4 Bundle (collection) in JSON, in arena;
 * *n_written says how many.  readings (NULL: none) are the device
 * readings among them: their Observations carry the reading's identifier
 * and device.  Errors: MED_ERR_LIMIT (not even the first fits),
 * MED_ERR_NOMEM.
 */
med_err records_fhir_bundle(med_arena *arena, const char *patient_id,
			    records_entry *const *entries, size_t n,
			    const records_readings *readings, size_t max_bytes,
			    char **json, uint32_t *n_resources,
			    size_t *n_written) MED_MUST_CHECK;

/*
 * records_fail_fault answers DATA_LOSS for stored data that disagrees with
 * the hash chain: the message starts with field and names the entry, the
 * version and the check, never a value (it may be patient data).
 */
med_err records_fail_fault(med_call *call, const char *field,
			   const records_fault *f) MED_MUST_CHECK;

/* --- write.c: the write use cases -------------------------------------- */

/* records_write - one change to write: the entry, the change's request
 * (ch.user is set by the use case from the call's principal). */
typedef struct records_write {
	const char *entry_id;	/* the new entry's id, or the entry changed */
	const char *patient_id; /* a new entry's patient; NULL for a change */
	Smartmed__Records__V1__EntryKind kind; /* for a new entry */
	records_change ch;
	bool read_note;		   /* a note's text changed: read it */
	const char *patient_found; /* set: the entry's patient, once known */
	records_fault fault;	   /* set with MED_ERR_DATA_LOSS */
} records_write;

/*
 * records_write_create, _amend, _sign, _addendum and _entered_in_error
 * each run one change in one audited transaction of the call: the patient
 * is named and the care relationship decided first; inside, the entry
 * (if any) and the patient's chain head are locked, the latest version
 * verified, the change's transition run (a refusal fails the call with
 * its problem), and the new version stored with its attachment, heads
 * and note suggestions.  *out is the stored version.  Errors:
 * MED_ERR_NOT_FOUND (entry_id), MED_ERR_DATA_LOSS (w->fault), the
 * transition's (MED_ERR_CONFLICT for a stale version), database errors;
 * each fails the call.
 */
med_err records_write_create(med_call *call, records_write *w,
			     records_entry *out) MED_MUST_CHECK;
med_err records_write_amend(med_call *call, records_write *w,
			    records_entry *out) MED_MUST_CHECK;
med_err records_write_sign(med_call *call, records_write *w,
			   records_entry *out) MED_MUST_CHECK;
med_err records_write_addendum(med_call *call, records_write *w,
			       records_entry *out) MED_MUST_CHECK;
med_err records_write_entered_in_error(med_call *call, records_write *w,
				       records_entry *out) MED_MUST_CHECK;

/* records_write_create_conn writes a new entry inside the caller's
 * transaction on c (a device reading, a confirmed allergy); w->ch.user
 * is its author.  Errors: database errors, MED_ERR_NOMEM. */
med_err records_write_create_conn(med_db_conn *c, med_arena *a,
				  records_write *w,
				  records_entry *out) MED_MUST_CHECK;

/* The handlers, one per RPC (methods.c lists them with their roles). */
MED_UNARY_HANDLER(records_rpc_create_entry);
MED_UNARY_HANDLER(records_rpc_read_notes);
MED_UNARY_HANDLER(records_rpc_list_suggestions);
MED_UNARY_HANDLER(records_rpc_confirm_suggestion);
MED_UNARY_HANDLER(records_rpc_reject_suggestion);
MED_UNARY_HANDLER(records_rpc_read_text);
MED_UNARY_HANDLER(records_rpc_export_suggestions_fhir);
MED_UNARY_HANDLER(records_rpc_read_suggestion_fhir);
/* ReconcileAudit: handlers_reconcile.c. */
MED_UNARY_HANDLER(records_rpc_reconcile_audit);
/* CreateEntry and MarkEnteredInError for the HL7 interface's principal
 * too (interface.c). */
MED_UNARY_HANDLER(records_rpc_create_entry_interface);
MED_UNARY_HANDLER(records_rpc_mark_entered_in_error_interface);
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
/* ReadFhir: read_fhir.c (fhirread). */
MED_UNARY_HANDLER(records_rpc_read_fhir);
MED_UNARY_HANDLER(records_rpc_get_medication_facts);
/* fhirwrite: readings.c */
MED_UNARY_HANDLER(records_rpc_record_device_readings);

/* --- device readings (fhirwrite): readings.c, store_readings.c -------- */

/* records_reading_seen - a reading identifier recorded before. */
typedef struct records_reading_seen {
	bool found;
	const char *patient_id, *entry_id, *device;
} records_reading_seen;

/* records_store_reading_find looks up (and locks, FOR UPDATE) the
 * reading identifier system|value; out->found false when unknown. */
med_err records_store_reading_find(med_db_conn *c, med_arena *arena,
				   const char *system, const char *value,
				   records_reading_seen *out) MED_MUST_CHECK;

/* records_store_reading_add records that system|value was written as
 * entry e, measured by device. */
med_err records_store_reading_add(med_db_conn *c, const char *system,
				  const char *value, const records_entry *e,
				  const char *device) MED_MUST_CHECK;

/* records_store_readings_of fills out with the device readings that
 * entries[0..n) were written as (one query; none asked when no entry is an
 * observation or vital signs), in arena.  Errors as med_db_query. */
med_err records_store_readings_of(med_db *db, med_arena *arena,
				  records_entry *const *entries, size_t n,
				  records_readings *out) MED_MUST_CHECK;

/* --- facts.c: GetMedicationFacts' rules -------------------------------- */

/* records_facts_allergies fills f's allergies and allergies_assessed from
 * the latest versions of allergy entries. */
med_err records_facts_allergies(med_arena *a, records_entry *const *e, size_t n,
				Smartmed__Records__V1__MedicationFacts *f)
	MED_MUST_CHECK;

/* records_facts_measurements fills f's weight, height, creatinine
 * clearance and eGFR (with its equation), and the weight before the
 * latest, from the latest versions of observation and vital-sign
 * entries. */
med_err records_facts_measurements(
	med_arena *a, records_entry *const *e, size_t n,
	Smartmed__Records__V1__MedicationFacts *f) MED_MUST_CHECK;

/* --- labs.c: the lab values and pregnancy tests of the facts ---------- */

/* records_facts_labs fills f's potassium, INR, glucose and creatinine
 * (each the latest, converted, or flagged unit_unusable) and the latest
 * pregnancy test from the latest versions of observation entries. */
med_err
records_facts_labs(med_arena *a, records_entry *const *e, size_t n,
		   Smartmed__Records__V1__MedicationFacts *f) MED_MUST_CHECK;

/* records_lab_convert converts v charted in unit into analyte's unit
 * ("potassium" mmol/L, "inr" 1, "glucose" mmol/L, "creatinine" umol/L);
 * false when the unit is not one it converts. */
bool records_lab_convert(const char *analyte, double v, const char *unit,
			 double *out);

/* records_pregnancy_positive: does a pregnancy test's text result say
 * positive ("Positive", "pos", "detected", "pregnant")? */
bool records_pregnancy_positive(const char *text);

/* --- store_suggest.c: the note reader's suggestions ---------------------- */

/* The statements of the suggestions table's migration (version 7 of
 * records_migrations). */
extern const char *const records_suggest_statements[];

/*
 * records_store_suggest reads version e of a note (other kinds: nothing)
 * with the note reader inside the caller's transaction on c: it withdraws
 * the pending suggestions of the entry's earlier versions, then (unless e
 * is entered in error) adds a pending suggestion per finding the reader
 * suggests, unless the entry's same finding was confirmed or rejected
 * before, all in one statement.  *added grows by the rows added;
 * *stopped says why the reader stopped early (NULL: read whole); scratch
 * memory comes from a.  Errors: database errors, MED_ERR_NOMEM.
 */
med_err records_store_suggest(med_db_conn *c, med_arena *a,
			      const records_entry *e, uint32_t *added,
			      const char **stopped) MED_MUST_CHECK;

struct notes_reading;

/*
 * records_note_read is records_store_suggest's reading alone, for a write
 * that stores the reading's outcome in the version itself
 * (Entry.incomplete) before inserting it: *out is what the reader found
 * in e's text (in a), or NULL when e is no note or is entered in error.
 * Errors: MED_ERR_NOMEM.
 */
med_err records_note_read(med_arena *a, const records_entry *e,
			  struct notes_reading **out) MED_MUST_CHECK;

/* records_reading_stopped returns why the reading r stopped early, or
 * NULL when the reader read the text whole. */
const char *records_reading_stopped(const struct notes_reading *r);

/* records_store_reading is records_store_suggest with the reading r
 * made by records_note_read (NULL: only withdraw); new_note: e is the
 * first version of an entry written in this transaction, so none of its
 * suggestions can have been decided (the statement skips that search). */
med_err records_store_reading(med_db_conn *c, med_arena *a,
			      const records_entry *e,
			      const struct notes_reading *r, bool new_note,
			      uint32_t *added) MED_MUST_CHECK;

/* records_store_lock_notes reads (and locks, FOR UPDATE on the index
 * rows) the latest version of each of the patient's notes not entered in
 * error, oldest first: entry id, version, patient, body and status. */
med_err records_store_lock_notes(med_db_conn *c, med_arena *a,
				 const char *patient_id, records_entry ***out,
				 size_t *n) MED_MUST_CHECK;

/* records_write_read_notes reads each of the patient's notes
 * (records_store_suggest) in one audited transaction of the call
 * (write_suggest.c). */
med_err records_write_read_notes(med_call *call, const char *patient_id,
				 Smartmed__Records__V1__ReadNotesResponse *out)
	MED_MUST_CHECK;

/* records_store_suggestions lists the patient's suggestions of status (0:
 * any), newest first, at most 500. */
med_err records_store_suggestions(
	med_db *db, med_arena *arena, const char *patient_id, int status,
	Smartmed__Records__V1__ListSuggestionsResponse *out) MED_MUST_CHECK;

/*
 * records_fhir_suggestions writes suggestions items[0..n) of patient_id
 * as one collection Bundle (fhir_suggest.c) of at most max_bytes from
 * arena.  Errors: MED_ERR_LIMIT when it does not fit, MED_ERR_INVALID for
 * a value FHIR cannot carry.
 */
med_err
records_fhir_suggestions(med_arena *arena, const char *patient_id,
			 Smartmed__Records__V1__NoteSuggestion *const *items,
			 size_t n, size_t max_bytes, char **json,
			 uint32_t *n_resources) MED_MUST_CHECK;

/* records_decision - a confirmation or rejection of one suggestion. */
typedef struct records_decision {
	const char *suggestion_id;
	bool confirm;
	const char *user;
	const char *reason;
	med_arena *arena;	/* for patient_id */
	const char *patient_id; /* set: the suggestion's patient, once read */
	int status_was;		/* set with MED_ERR_PRECONDITION */
} records_decision;

/* records_store_suggestion_patient sets d->patient_id to the patient of
 * d->suggestion_id (NULL: no such suggestion), read without a lock: the
 * care relationship is decided before the decision's transaction. */
med_err records_store_suggestion_patient(med_db *db,
					 records_decision *d) MED_MUST_CHECK;

/*
 * records_store_lock_suggestion locks the chain head of patient_id (NULL:
 * none), then the suggestion suggestion_id, and reads it into *out (in
 * a): rows are locked in the order a note's write locks them (the
 * patient's chain head, then the suggestions), so a confirmation and an
 * amendment of the same note never deadlock.  Errors: MED_ERR_NOT_FOUND,
 * database errors.
 */
med_err records_store_lock_suggestion(
	med_db_conn *c, med_arena *a, const char *suggestion_id,
	const char *patient_id,
	Smartmed__Records__V1__NoteSuggestion **out) MED_MUST_CHECK;

/* records_store_decision writes s's decision (status, who, when, why, the
 * allergy entry) to its row. */
med_err records_store_decision(med_db_conn *c,
			       const Smartmed__Records__V1__NoteSuggestion *s)
	MED_MUST_CHECK;

/*
 * records_write_decide confirms or rejects a pending suggestion in one
 * audited transaction of the call (write_suggest.c); a confirmed allergy
 * writes its allergy entry (records_write_create_conn) in the same
 * transaction.  Errors: MED_ERR_NOT_FOUND, MED_ERR_PRECONDITION (not
 * pending; d->status_was), database errors.
 */
med_err
records_write_decide(med_call *call, records_decision *d,
		     Smartmed__Records__V1__NoteSuggestion *out) MED_MUST_CHECK;

#endif
