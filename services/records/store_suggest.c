/*
 * store_suggest.c - the note reader's suggestions (docs/note-reader.md):
 * a note version's findings (services/records/notes/) written as pending
 * suggestions in the transaction that writes the version, withdrawn when
 * the note is amended or entered in error, listed, confirmed or rejected.
 * A confirmed allergy becomes an allergy entry of the record in the same
 * transaction: the allergy list the dose checks read (GetMedicationFacts).
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/arena.h>
#include <med/json.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "notes.h"
#include "records.h"

#define SG(x) SMARTMED__RECORDS__V1__SUGGESTION_STATUS__SUGGESTION_STATUS_##x
#define EK(x) SMARTMED__RECORDS__V1__ENTRY_KIND__ENTRY_KIND_##x
#define ES(x) SMARTMED__RECORDS__V1__ENTRY_STATUS__ENTRY_STATUS_##x
#define AL(x) SMARTMED__RECORDS__V1__##x

/* Version 7 (notereader): the note reader's suggestions, one per finding
 * kind and code of a note version (version 10, schema.c, clusters them on
 * a row number, suggestion_id a unique key). */
const char *const records_suggest_statements[] = {
	"CREATE TABLE IF NOT EXISTS note_suggestions ("
	" suggestion_id CHAR(36) NOT NULL PRIMARY KEY,"
	" patient_id VARCHAR(64) NOT NULL,"
	" entry_id CHAR(36) NOT NULL,"
	" version INT UNSIGNED NOT NULL,"
	" kind TINYINT NOT NULL,"
	" code_system VARCHAR(16) NOT NULL,"
	" code VARCHAR(100) NOT NULL,"
	" display VARCHAR(200) NOT NULL,"
	" span_start INT UNSIGNED NOT NULL,"
	" span_end INT UNSIGNED NOT NULL,"
	" mention VARCHAR(400) NOT NULL,"
	" context VARCHAR(64) NOT NULL,"
	" trigger_phrase VARCHAR(300) NOT NULL,"
	" reaction VARCHAR(100) NOT NULL,"
	" status TINYINT NOT NULL,"
	" decided_by VARCHAR(128) NOT NULL DEFAULT '',"
	" decided_ms BIGINT NOT NULL DEFAULT 0,"
	" reason VARCHAR(2000) NOT NULL DEFAULT '',"
	" allergy_entry_id VARCHAR(36) NOT NULL DEFAULT '',"
	" created_ms BIGINT NOT NULL,"
	" UNIQUE KEY uq_note_suggestions (entry_id, version, kind, code),"
	" KEY idx_note_suggestions_patient (patient_id, created_ms)"
	") ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin",
	NULL,
};

#define SUGGESTION_COLUMNS                                                     \
	"suggestion_id, patient_id, entry_id, version, kind, code_system,"     \
	" code, display, span_start, span_end, mention, context,"              \
	" trigger_phrase, reaction, status, decided_by, decided_ms, reason,"   \
	" created_ms, allergy_entry_id"

/* withdraw: pending suggestions of the entry's earlier versions. */
static med_err
withdraw(med_db_conn *c, const records_entry *e)
{
	char why[64];

	snprintf(why, sizeof(why), "%s in version %u",
		 e->status == ES(ENTERED_IN_ERROR) ? "entered in error"
						   : "amended",
		 (unsigned)e->version);
	med_db_value v[] = {MED_DB_I64(SG(WITHDRAWN)), MED_DB_STR(why),
			    MED_DB_STR(e->entry_id), MED_DB_I64(e->version),
			    MED_DB_I64(SG(PENDING))};

	return med_db_exec(c,
			   "UPDATE note_suggestions SET status = ?, reason = ?"
			   " WHERE entry_id = ? AND version < ? AND status = ?",
			   v, 5, NULL, NULL);
}

/* mention_of copies f's mention of e into out (at most size - 1 bytes,
 * never cutting a UTF-8 character). */
static void
mention_of(const records_entry *e, const notes_finding *f, char *out,
	   size_t size)
{
	size_t n = f->end - f->start;

	if (n >= size) {
		n = size - 1;
		while (n > 0 &&
		       ((unsigned char)e->body[f->start + n] & 0xC0u) == 0x80u)
			n--;
	}
	memcpy(out, e->body + f->start, n);
	out[n] = '\0';
}

/* suggestion_text - what a row of a finding holds that is made here, not
 * in the finding. */
typedef struct suggestion_text {
	char id[MED_UUID_LEN + 1], ctx[64], mention[400];
} suggestion_text;

/* text_of makes t for finding f of e: a new id, the context's names
 * ("" when affirmed), the mention.  The id is time-ordered (v7, as an
 * entry's): a note's 60 to 80 ids go to the right edge of the table's
 * suggestion_id key, not into as many random pages of it. */
static void
text_of(const records_entry *e, const notes_finding *f, suggestion_text *t)
{
	med_uuid_v7(t->id);
	notes_context_text(f->context & (NOTES_HISTORICAL | NOTES_UNCERTAIN),
			   t->ctx, sizeof(t->ctx));
	if (strcmp(t->ctx, "affirmed") == 0)
		t->ctx[0] = '\0';
	mention_of(e, f, t->mention, sizeof(t->mention));
}

/* finding_json appends finding f of e to w as one row of the array that
 * insert_amended's JSON_TABLE reads. */
static void
finding_json(med_json *w, const records_entry *e, const notes_finding *f)
{
	suggestion_text t;

	text_of(e, f, &t);
	med_json_begin(w, NULL, '{');
	med_json_str(w, "id", t.id);
	med_json_i64(w, "kind", f->kind);
	med_json_str(w, "system", f->system);
	med_json_str(w, "code", f->code);
	med_json_str(w, "display", f->display);
	med_json_u64(w, "start", f->start);
	med_json_u64(w, "end", f->end);
	med_json_str(w, "mention", t.mention);
	med_json_str(w, "context", t.ctx);
	med_json_str(w, "trigger", f->trigger);
	med_json_str(w, "reaction", f->reaction);
	med_json_end(w, '}');
}

/* The columns of one finding in insert_amended's JSON array. */
#define FINDING_TABLE                                                          \
	"JSON_TABLE(?, '$[*]' COLUMNS ("                                       \
	" id CHAR(36) CHARACTER SET utf8mb4 PATH '$.id',"                      \
	" kind INT PATH '$.kind',"                                             \
	" code_system VARCHAR(16) CHARACTER SET utf8mb4 PATH '$.system',"      \
	" code VARCHAR(100) CHARACTER SET utf8mb4 PATH '$.code',"              \
	" display VARCHAR(200) CHARACTER SET utf8mb4 PATH '$.display',"        \
	" span_start INT UNSIGNED PATH '$.start',"                             \
	" span_end INT UNSIGNED PATH '$.end',"                                 \
	" mention VARCHAR(400) CHARACTER SET utf8mb4 PATH '$.mention',"        \
	" context VARCHAR(64) CHARACTER SET utf8mb4 PATH '$.context',"         \
	" trigger_phrase VARCHAR(300) CHARACTER SET utf8mb4"                   \
	" PATH '$.trigger',"                                                   \
	" reaction VARCHAR(100) CHARACTER SET utf8mb4 PATH '$.reaction')) f"

/* suggested_json writes r's suggested findings as a JSON array into a:
 * *rows is NULL when there are none. */
static med_err
suggested_json(med_arena *a, const records_entry *e, const notes_reading *r,
	       const char **rows, size_t *len)
{
	med_json w;
	size_t n = 0;

	/* NOTES_FINDINGS_MAX findings, each a mention of at most 399 bytes
	 * (6 once escaped: control bytes between its words) and short
	 * names: about 3 KB each at most. */
	med_json_init_arena(&w, a, NOTES_FINDINGS_MAX * 3u * 1024u);
	med_json_begin(&w, NULL, '[');
	for (size_t i = 0; i < r->n; i++)
		if (notes_is_suggested(&r->findings[i])) {
			finding_json(&w, e, &r->findings[i]);
			n++;
		}
	med_json_end(&w, ']');
	*rows = NULL;
	if (n == 0)
		return MED_OK;
	if ((*rows = med_json_text(&w, len)) == NULL)
		return w.err;
	return MED_OK;
}

/* The statement's head: the findings of the JSON array as rows. */
#define INSERT_FINDINGS                                                        \
	"INSERT IGNORE INTO note_suggestions (patient_id, entry_id,"           \
	" version, status, created_ms, suggestion_id, kind,"                   \
	" code_system, code, display, span_start, span_end, mention,"          \
	" context, trigger_phrase, reaction)"                                  \
	" SELECT ?, ?, ?, ?, ?, f.id, f.kind, f.code_system, f.code,"          \
	" f.display, f.span_start, f.span_end, f.mention, f.context,"          \
	" f.trigger_phrase, f.reaction FROM " FINDING_TABLE

/*
 * insert_amended adds the suggested findings of r for an amended e in ONE
 * statement (a JSON array of the findings read as a table), except those
 * whose kind and code the entry had confirmed or rejected before (a
 * confirmed allergy is not asked about again): a subquery per finding.
 */
static med_err
insert_amended(med_db_conn *c, med_arena *a, const records_entry *e,
	       const notes_reading *r, uint32_t *added)
{
	const char *rows;
	size_t len = 0;
	uint64_t affected = 0;
	med_err err = suggested_json(a, e, r, &rows, &len);

	if (err != MED_OK || rows == NULL)
		return err;
	med_db_value v[] = {
		MED_DB_STR(e->patient_id),
		MED_DB_STR(e->entry_id),
		MED_DB_I64(e->version),
		MED_DB_I64(SG(PENDING)),
		MED_DB_I64(med_now_ms()),
		{.type = MED_DB_TEXT, .p = rows, .len = len},
		MED_DB_STR(e->entry_id),
		MED_DB_I64(SG(CONFIRMED)),
		MED_DB_I64(SG(REJECTED)),
	};

	err = med_db_exec(c,
			  INSERT_FINDINGS
			  " WHERE NOT EXISTS (SELECT 1 FROM note_suggestions d"
			  " WHERE d.entry_id = ? AND d.kind = f.kind"
			  " AND d.code = f.code AND d.status IN (?, ?))",
			  v, sizeof(v) / sizeof(v[0]), &affected, NULL);
	if (err == MED_OK)
		*added += (uint32_t)affected;
	return err;
}

/* The values of one row of insert_new's statement, in its column order. */
#define ROW_VALUES 16

/* One finding's row: insert_new sends it once per finding, bound as
 * arrays (db.h, med_db_exec_array). */
#define INSERT_ROW                                                             \
	"INSERT IGNORE INTO note_suggestions (patient_id, entry_id,"           \
	" version, status, created_ms, suggestion_id, kind,"                   \
	" code_system, code, display, span_start, span_end, mention,"          \
	" context, trigger_phrase, reaction)"                                  \
	" VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)"

/* row_values fills v with the ROW_VALUES of finding f of e (t its text,
 * made here). */
static void
row_values(med_db_value *v, const records_entry *e, int64_t now,
	   const notes_finding *f, suggestion_text *t)
{
	text_of(e, f, t);
	med_db_value row[ROW_VALUES] = {
		MED_DB_STR(e->patient_id), MED_DB_STR(e->entry_id),
		MED_DB_I64(e->version),	   MED_DB_I64(SG(PENDING)),
		MED_DB_I64(now),	   MED_DB_STR(t->id),
		MED_DB_I64(f->kind),	   MED_DB_STR(f->system),
		MED_DB_STR(f->code),	   MED_DB_STR(f->display),
		MED_DB_I64(f->start),	   MED_DB_I64(f->end),
		MED_DB_STR(t->mention),	   MED_DB_STR(t->ctx),
		MED_DB_STR(f->trigger),	   MED_DB_STR(f->reaction),
	};
	memcpy(v, row, sizeof(row));
}

/*
 * insert_new adds the suggested findings of r for a note's first
 * version, written in this transaction, in ONE statement: a row's INSERT
 * executed once for all the rows, bound as arrays (MariaDB's array
 * binding: one packet, one execution).  It leaves out the search for
 * decided suggestions: none can exist for an entry that did not, and the
 * search, a subquery per finding, was a quarter of the JSON statement's
 * cost in MariaDB; reading the JSON array as a table cost about 1.3 ms
 * of MariaDB's CPU more than bound rows for 79 findings, and a multi-row
 * VALUES of 1264 placeholders more than the array (docs/note-reader.md).
 */
static med_err
insert_new(med_db_conn *c, med_arena *a, const records_entry *e,
	   const notes_reading *r, uint32_t *added)
{
	size_t n = 0;
	int64_t now = med_now_ms();
	uint64_t affected = 0;
	med_db_value *v = med_arena_alloc(a, r->n * ROW_VALUES * sizeof(*v));
	suggestion_text *t = med_arena_alloc(a, r->n * sizeof(*t));
	med_err err;

	if (r->n == 0)
		return MED_OK;
	if (v == NULL || t == NULL)
		return MED_ERR_NOMEM;
	for (size_t i = 0; i < r->n; i++)
		if (notes_is_suggested(&r->findings[i])) {
			row_values(v + n * ROW_VALUES, e, now, &r->findings[i],
				   &t[n]);
			n++;
		}
	if (n == 0)
		return MED_OK;
	err = med_db_exec_array(c, INSERT_ROW, v, ROW_VALUES, n, &affected);
	if (err == MED_OK)
		*added += (uint32_t)affected;
	return err;
}

med_err
records_note_read(med_arena *a, const records_entry *e, notes_reading **out)
{
	notes_reading *r;

	*out = NULL;
	if (e->kind != EK(NOTE) || e->status == ES(ENTERED_IN_ERROR))
		return MED_OK;
	/* NOTES_FINDINGS_MAX findings are too many for a thread's stack */
	if ((r = med_arena_alloc(a, sizeof(*r))) == NULL)
		return MED_ERR_NOMEM;
	notes_read(e->body, strlen(e->body), r);
	*out = r;
	return MED_OK;
}

const char *
records_reading_stopped(const notes_reading *r)
{
	return r->stopped;
}

med_err
records_store_reading(med_db_conn *c, med_arena *a, const records_entry *e,
		      const notes_reading *r, bool new_note, uint32_t *added)
{
	med_err err;

	if (e->kind != EK(NOTE))
		return MED_OK;
	if (e->version > 1 && (err = withdraw(c, e)) != MED_OK)
		return err;
	if (r == NULL)
		return MED_OK;
	return new_note ? insert_new(c, a, e, r, added)
			: insert_amended(c, a, e, r, added);
}

med_err
records_store_suggest(med_db_conn *c, med_arena *a, const records_entry *e,
		      uint32_t *added, const char **stopped)
{
	notes_reading *r;
	med_err err = records_note_read(a, e, &r);

	*stopped = NULL;
	if (err != MED_OK)
		return err;
	*stopped = r ? r->stopped : NULL;
	return records_store_reading(c, a, e, r, false, added);
}

/* --- ReadNotes ---------------------------------------------------------- */

/* note_rows - the latest versions of a patient's notes. */
typedef struct note_rows {
	med_arena *arena;
	records_entry **v;
	size_t n, cap;
} note_rows;

static med_err
on_note_row(void *ctx, const med_db_row *row)
{
	note_rows *r = ctx;
	records_entry *e =
		med_arena_push_msg(r->arena, (void ***)&r->v, &r->n, &r->cap,
				   &smartmed__records__v1__entry__descriptor);

	if (e == NULL)
		return MED_ERR_NOMEM;
	e->entry_id = med_db_row_strdup(r->arena, row, 0);
	e->version = (uint32_t)med_db_row_int64(row, 1);
	e->patient_id = med_db_row_strdup(r->arena, row, 2);
	e->body = med_db_row_strdup(r->arena, row, 3);
	e->status = (int)med_db_row_int64(row, 4);
	e->kind = EK(NOTE);
	return e->entry_id && e->patient_id && e->body ? MED_OK : MED_ERR_NOMEM;
}

med_err
records_store_lock_notes(med_db_conn *c, med_arena *a, const char *patient_id,
			 records_entry ***out, size_t *n)
{
	note_rows rows = {.arena = a};
	med_db_value k[] = {MED_DB_STR(patient_id), MED_DB_I64(EK(NOTE)),
			    MED_DB_I64(ES(ENTERED_IN_ERROR))};
	/* The latest version by the entry's index row, locked: a note
	 * amended meanwhile waits for this read, never the other way. */
	med_err err = med_db_query(
		c,
		"SELECT e.entry_id, e.version, e.patient_id, e.body,"
		" e.status FROM entry_heads h JOIN entries e"
		" ON e.entry_id = h.entry_id"
		" AND e.version = h.latest_version"
		" WHERE h.patient_id = ? AND h.kind = ?"
		" AND e.status <> ? ORDER BY h.created_ms"
		" FOR UPDATE",
		k, 3, on_note_row, &rows);

	if (err != MED_OK)
		return err;
	*out = rows.v;
	*n = rows.n;
	return MED_OK;
}

/* --- ListSuggestions, Confirm, Reject ------------------------------------ */

typedef struct suggestion_rows {
	med_arena *arena;
	Smartmed__Records__V1__NoteSuggestion **v;
	size_t n, cap;
} suggestion_rows;

/* split_context sets s's context from "historical,uncertain". */
static med_err
split_context(med_arena *a, char *context,
	      Smartmed__Records__V1__NoteSuggestion *s)
{
	char *save = NULL;

	s->n_context = 0;
	if (context[0] == '\0')
		return MED_OK;
	/* at most one name per context bit */
	s->context = med_arena_alloc(a, 8 * sizeof(*s->context));
	if (s->context == NULL)
		return MED_ERR_NOMEM;
	for (char *w = strtok_r(context, ",", &save); w && s->n_context < 8;
	     w = strtok_r(NULL, ",", &save))
		s->context[s->n_context++] = w;
	return MED_OK;
}

static med_err
on_suggestion_row(void *ctx, const med_db_row *row)
{
	suggestion_rows *r = ctx;
	med_arena *a = r->arena;
	Smartmed__Records__V1__NoteSuggestion *s = med_arena_push_msg(
		a, (void ***)&r->v, &r->n, &r->cap,
		&smartmed__records__v1__note_suggestion__descriptor);
	char *context;

	if (s == NULL)
		return MED_ERR_NOMEM;
	s->suggestion_id = med_db_row_strdup(a, row, 0);
	s->patient_id = med_db_row_strdup(a, row, 1);
	s->entry_id = med_db_row_strdup(a, row, 2);
	s->version = (uint32_t)med_db_row_int64(row, 3);
	s->kind = (int)med_db_row_int64(row, 4);
	s->code_system = med_db_row_strdup(a, row, 5);
	s->code = med_db_row_strdup(a, row, 6);
	s->display = med_db_row_strdup(a, row, 7);
	s->span_start = (uint32_t)med_db_row_int64(row, 8);
	s->span_end = (uint32_t)med_db_row_int64(row, 9);
	s->text = med_db_row_strdup(a, row, 10);
	context = med_db_row_strdup(a, row, 11);
	s->trigger = med_db_row_strdup(a, row, 12);
	s->reaction = med_db_row_strdup(a, row, 13);
	s->status = (int)med_db_row_int64(row, 14);
	s->decided_by = med_db_row_strdup(a, row, 15);
	s->decided_ms = med_db_row_int64(row, 16);
	s->reason = med_db_row_strdup(a, row, 17);
	s->created_ms = med_db_row_int64(row, 18);
	s->allergy_entry_id = med_db_row_strdup(a, row, 19);
	if (!s->suggestion_id || !s->patient_id || !s->entry_id ||
	    !s->code_system || !s->code || !s->display || !s->text ||
	    !context || !s->trigger || !s->reaction || !s->decided_by ||
	    !s->reason || !s->allergy_entry_id)
		return MED_ERR_NOMEM;
	return split_context(a, context, s);
}

med_err
records_store_suggestions(med_db *db, med_arena *arena, const char *patient_id,
			  int status,
			  Smartmed__Records__V1__ListSuggestionsResponse *out)
{
	suggestion_rows rows = {.arena = arena};
	med_db_value k[] = {MED_DB_STR(patient_id), MED_DB_I64(status),
			    MED_DB_I64(status)};
	med_err err = med_db_query_once(
		db,
		"SELECT " SUGGESTION_COLUMNS " FROM note_suggestions"
		" WHERE patient_id = ? AND (? = 0 OR status = ?)"
		" ORDER BY created_ms DESC, suggestion_id LIMIT 500",
		k, 3, on_suggestion_row, &rows);

	if (err != MED_OK)
		return err;
	out->suggestions = rows.v;
	out->n_suggestions = rows.n;
	return MED_OK;
}

med_err
records_store_lock_suggestion(med_db_conn *c, med_arena *a,
			      const char *suggestion_id, const char *patient_id,
			      Smartmed__Records__V1__NoteSuggestion **out)
{
	suggestion_rows rows = {.arena = a};
	med_db_value k[] = {MED_DB_STR(suggestion_id)};
	med_db_value pk[] = {MED_DB_STR(patient_id ? patient_id : "")};
	bool seen = false;
	med_err err =
		med_db_query(c,
			     "SELECT 1 FROM chain_heads WHERE patient_id = ?"
			     " FOR UPDATE",
			     pk, 1, med_db_row_seen, &seen);

	if (err == MED_OK)
		err = med_db_query_row(c,
				       "SELECT " SUGGESTION_COLUMNS
				       " FROM note_suggestions"
				       " WHERE suggestion_id = ? FOR UPDATE",
				       k, 1, on_suggestion_row, &rows);
	if (err == MED_OK)
		*out = rows.v[0];
	return err;
}

med_err
records_store_decision(med_db_conn *c,
		       const Smartmed__Records__V1__NoteSuggestion *s)
{
	med_db_value v[] = {
		MED_DB_I64(s->status),		 MED_DB_STR(s->decided_by),
		MED_DB_I64(s->decided_ms),	 MED_DB_STR(s->reason),
		MED_DB_STR(s->allergy_entry_id), MED_DB_STR(s->suggestion_id)};

	return med_db_exec(c,
			   "UPDATE note_suggestions SET status = ?,"
			   " decided_by = ?, decided_ms = ?, reason = ?,"
			   " allergy_entry_id = ? WHERE suggestion_id = ?",
			   v, 6, NULL, NULL);
}

static med_err
on_patient(void *ctx, const med_db_row *row)
{
	records_decision *d = ctx;

	d->patient_id = med_db_row_strdup(d->arena, row, 0);
	return d->patient_id ? MED_OK : MED_ERR_NOMEM;
}

med_err
records_store_suggestion_patient(med_db *db, records_decision *d)
{
	med_db_value k[] = {MED_DB_STR(d->suggestion_id)};

	return med_db_query_once(db,
				 "SELECT patient_id FROM note_suggestions"
				 " WHERE suggestion_id = ?",
				 k, 1, on_patient, d);
}
