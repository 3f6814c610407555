/*
 * store_ddi.c - the SQL of the knowledge bases (interactions, substances):
 * their versions (kind, text, digest, who and when), the interaction
 * rules, and the one active of each kind (schema v23, v29, v31).  An
 * import is one transaction: the version, its rules and the switch, or
 * nothing.
 *
 * A store: it holds no call; the use case above passes the connection
 * and the arena (tools/dev/check_stores.py).
 */
#include <med/audit.h>
#include <med/util.h>

#include <stdio.h>
#include <string.h>

#include "dosage.h"
#include "checks.h"
#include "store_ddi.h"

/* --- reading a version ---------------------------------------------------- */

static void
text_col(const med_db_row *row, unsigned i, char *out, size_t cap)
{
	med_strlcpy(out,
		    med_db_row_is_null(row, i) ? ""
					       : med_db_row_text(row, i, NULL),
		    cap);
}

/* info_from reads the id and INFO_COLS from column c on. */
static void
info_from(const med_db_row *row, unsigned c, dosage_ddi_info *info)
{
	info->kb_id = med_db_row_int64(row, c);
	text_col(row, c + 1, info->version, sizeof(info->version));
	text_col(row, c + 2, info->origin, sizeof(info->origin));
	info->n_rules = med_db_row_int64(row, c + 3);
	info->n_groups = med_db_row_int64(row, c + 4);
	text_col(row, c + 5, info->imported_by, sizeof(info->imported_by));
	info->imported_ms = med_db_row_int64(row, c + 6);
	text_col(row, c + 7, info->sha256, sizeof(info->sha256));
	info->pending = med_db_row_int64(row, c + 8) != 0;
	info->base_kb_id = med_db_row_int64(row, c + 9);
	text_col(row, c + 10, info->base_version, sizeof(info->base_version));
	text_col(row, c + 11, info->approved_by, sizeof(info->approved_by));
	info->approved_ms = med_db_row_int64(row, c + 12);
}

/* on_info reads the id and INFO_COLS. */
static med_err
on_info(void *arg, const med_db_row *row)
{
	info_from(row, 0, arg);
	return MED_OK;
}

/* The columns of one version k (and the version b it was compared
 * with), as on_info reads them. */
#define INFO_COLS                                                              \
	" k.version, k.origin, COALESCE(k.n_rules, 0),"                        \
	" COALESCE(k.n_groups, 0), k.imported_by,"                             \
	" COALESCE(k.imported_ms, 0), k.sha256,"                               \
	" COALESCE(k.status = 'pending', 0), COALESCE(k.base_kb_id, 0),"       \
	" b.version, k.approved_by, COALESCE(k.approved_ms, 0)"
#define INFO_JOIN " LEFT JOIN interaction_kbs b ON b.id = k.base_kb_id"

#define ACTIVE_SQL                                                             \
	"SELECT a.kb_id," INFO_COLS " FROM interaction_kb_active a"            \
	" LEFT JOIN interaction_kbs k ON k.id = a.kb_id" INFO_JOIN             \
	" WHERE a.id = ?"

/* Both kinds' active rows, the kind first: what a dose check reads. */
#define ACTIVE_BOTH_SQL                                                        \
	"SELECT a.id, a.kb_id," INFO_COLS " FROM interaction_kb_active a"      \
	" LEFT JOIN interaction_kbs k ON k.id = a.kb_id" INFO_JOIN             \
	" WHERE a.id IN (?, ?)"

/* The active row alone, locked: what an import or approval changes. */
#define ACTIVE_LOCK_SQL                                                        \
	"SELECT kb_id FROM interaction_kb_active WHERE id = ? FOR UPDATE"

const char *
dosage_kb_kind_name(dosage_kb_kind kind)
{
	return kind == DOSAGE_KB_SUBSTANCES ? "substances" : "interactions";
}

med_err
dosage_store_ddi_active(med_db *db, dosage_kb_kind kind, dosage_ddi_info *info)
{
	med_db_value v[] = {MED_DB_I64(kind)};

	memset(info, 0, sizeof(*info));
	return med_db_query_once(db, ACTIVE_SQL, v, 1, on_info, info);
}

/* on_active reads one kind's active row into its slot of the pair. */
static med_err
on_active(void *arg, const med_db_row *row)
{
	dosage_ddi_info *both = arg;
	int64_t kind = med_db_row_int64(row, 0);

	if (kind == DOSAGE_KB_INTERACTIONS || kind == DOSAGE_KB_SUBSTANCES)
		info_from(row, 1, &both[kind - 1]);
	return MED_OK;
}

med_err
dosage_store_ddi_active_both(med_db *db, dosage_ddi_info both[2])
{
	med_db_value v[] = {MED_DB_I64(DOSAGE_KB_INTERACTIONS),
			    MED_DB_I64(DOSAGE_KB_SUBSTANCES)};

	memset(both, 0, 2 * sizeof(*both));
	return med_db_query_once(db, ACTIVE_BOTH_SQL, v, 2, on_active, both);
}

med_err
dosage_store_ddi_version(med_db *db, dosage_kb_kind kind, const char *label,
			 dosage_ddi_info *info)
{
	med_db_value v[] = {MED_DB_STR(dosage_kb_kind_name(kind)),
			    MED_DB_STR(label)};
	med_err err;

	memset(info, 0, sizeof(*info));
	err = med_db_query_once(db,
				"SELECT k.id," INFO_COLS
				" FROM interaction_kbs k" INFO_JOIN
				" WHERE k.kind = ? AND k.version = ?",
				v, 2, on_info, info);
	if (err == MED_OK && info->kb_id == 0)
		return MED_ERR_NOT_FOUND;
	return err;
}

typedef struct body_read {
	med_arena *arena;
	char **body;
	size_t *len;
} body_read;

static med_err
on_body(void *arg, const med_db_row *row)
{
	body_read *b = arg;
	size_t len = 0;
	const char *t = med_db_row_text(row, 0, &len);

	if (t == NULL)
		return MED_ERR_DATA_LOSS;
	if ((*b->body = med_arena_alloc(b->arena, len + 1)) == NULL)
		return MED_ERR_NOMEM;
	memcpy(*b->body, t, len);
	(*b->body)[len] = '\0';
	*b->len = len;
	return MED_OK;
}

med_err
dosage_store_ddi_body(med_db *db, med_arena *a, int64_t kb_id, char **body,
		      size_t *len)
{
	body_read b = {a, body, len};
	med_db_value v[] = {MED_DB_I64(kb_id)};

	*body = NULL;
	if (med_db_query_once(db,
			      "SELECT body FROM interaction_kbs WHERE id = ?",
			      v, 1, on_body, &b) != MED_OK)
		return MED_ERR_UNAVAILABLE;
	return *body ? MED_OK : MED_ERR_NOT_FOUND;
}

/* --- saving a version ----------------------------------------------------- */

static med_err
insert_rule(med_db_conn *c, int64_t kb_id, const dosage_ddi_rule *r)
{
	med_db_value v[] = {
		MED_DB_I64(kb_id),
		MED_DB_STR(r->id),
		MED_DB_STR(r->cumulative ? "cumulative" : "interaction"),
		MED_DB_STR(r->terms),
		MED_DB_STR(dosage_ddi_severity_name(r->severity)),
		MED_DB_STR(r->mechanism),
		MED_DB_STR(r->action),
		MED_DB_STR(r->source),
		MED_DB_I64(r->window_ms / 3600000),
		MED_DB_I64(r->line),
	};

	return med_db_exec(
		c,
		"INSERT INTO interaction_rules (kb_id, rule_id, kind,"
		" terms, severity, mechanism, action, source,"
		" window_h, line) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?,"
		" ?)",
		v, 10, NULL, NULL);
}

static med_err
insert_version(med_db_conn *c, const dosage_ddi_save *sv, int64_t *id)
{
	uint64_t insert_id = 0;
	med_db_value v[] = {
		MED_DB_STR(dosage_kb_kind_name(sv->kind)),
		MED_DB_STR(sv->version),
		MED_DB_STR(sv->origin),
		MED_DB_STR(sv->sha256),
		MED_DB_I64((int64_t)sv->n_rules),
		MED_DB_I64((int64_t)sv->n_groups),
		MED_DB_STR(sv->by),
		MED_DB_I64(sv->now_ms),
		MED_DB_BLOBV(sv->text, sv->len),
		MED_DB_STR(sv->pending ? "pending" : "accepted"),
		MED_DB_I64(sv->base_kb_id),
	};
	med_err err = med_db_exec(
		c,
		"INSERT INTO interaction_kbs (kind, version, origin,"
		" sha256, n_rules, n_groups, imported_by, imported_ms,"
		" body, status, base_kb_id)"
		" VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
		v, 11, NULL, &insert_id);

	*id = (int64_t)insert_id;
	/* Only an interaction base keeps its rules as rows too. */
	for (size_t i = 0; err == MED_OK && sv->kb != NULL &&
			   i < dosage_ddi_kb_n_rules(sv->kb);
	     i++)
		err = insert_rule(c, *id, dosage_ddi_kb_rule(sv->kb, i));
	return err;
}

static med_err
on_id(void *arg, const med_db_row *row)
{
	*(int64_t *)arg = med_db_row_int64(row, 0);
	return MED_OK;
}

/* shipped_stale: should the shipped set replace what is active (nothing,
 * or an older shipped version)? */
static bool
shipped_stale(const dosage_ddi_info *cur, const char *version)
{
	return cur->kb_id == 0 || (strcmp(cur->origin, "shipped") == 0 &&
				   strcmp(cur->version, version) != 0);
}

/* audit_shipped puts the install's event in the outbox, in the
 * transaction: no call made this write, so it is the service's own. */
static med_err
audit_shipped(med_db_conn *c, const dosage_ddi_save *sv)
{
	char rules[24], action[64], resource[64];
	med_audit_detail d[] = {
		{"version", sv->version},
		{"origin", sv->origin},
		{"sha256", sv->sha256},
		{"rules", rules},
	};
	med_audit_event ev = {
		.action = action,
		.actor = sv->by,
		.actor_roles = MED_ROLE_SERVICE,
		.resource = resource,
		.action_code = "U",
		.details = d,
		.n_details = 4,
	};

	if (sv->audit == NULL)
		return MED_OK;
	snprintf(rules, sizeof(rules), "%zu", sv->n_rules);
	snprintf(action, sizeof(action), "dosage/%s-install-shipped",
		 dosage_kb_kind_name(sv->kind));
	snprintf(resource, sizeof(resource), "%s-knowledge-base",
		 sv->kind == DOSAGE_KB_SUBSTANCES ? "substance"
						  : "interaction");
	return med_audit_outbox_put(c, sv->audit, &ev, NULL);
}

static med_err
make_active(med_db_conn *c, dosage_kb_kind kind, int64_t id)
{
	med_db_value a[] = {MED_DB_I64(id), MED_DB_I64(kind)};

	return med_db_exec(c,
			   "UPDATE interaction_kb_active SET kb_id = ?"
			   " WHERE id = ?",
			   a, 2, NULL, NULL);
}

med_err
dosage_store_ddi_save(med_db_conn *c, const dosage_ddi_save *sv)
{
	dosage_ddi_info cur;
	int64_t id = 0;
	med_db_value v[] = {MED_DB_STR(dosage_kb_kind_name(sv->kind)),
			    MED_DB_STR(sv->version)};
	med_db_value k[] = {MED_DB_I64(sv->kind)};
	med_err err;

	memset(&cur, 0, sizeof(cur));
	/* The active row is locked: replicas starting together install
	 * the shipped set once, and an import's changes are against the
	 * version still active when it commits. */
	if ((err = med_db_query(c, ACTIVE_SQL " FOR UPDATE", k, 1, on_info,
				&cur)) != MED_OK)
		return err;
	if (sv->shipped && !shipped_stale(&cur, sv->version))
		return MED_OK;
	if (!sv->shipped && cur.kb_id != sv->base_kb_id)
		return MED_ERR_CONFLICT;
	if ((err = med_db_query(c,
				"SELECT id FROM interaction_kbs WHERE kind = ?"
				" AND version = ?",
				v, 2, on_id, &id)) != MED_OK)
		return err;
	if (id != 0 && !sv->shipped)
		return MED_ERR_EXISTS;
	if (id == 0 && (err = insert_version(c, sv, &id)) != MED_OK)
		return err;
	if (!sv->pending && (err = make_active(c, sv->kind, id)) != MED_OK)
		return err;
	return sv->shipped ? audit_shipped(c, sv) : MED_OK;
}

/* --- approving a pending version ------------------------------------------ */

/* refusal says why ap may not put version t in force with active. */
static dosage_ddi_refusal
refusal(const dosage_ddi_approval *ap, const dosage_ddi_info *t, int64_t active)
{
	if (!t->pending)
		return DOSAGE_DDI_NOT_PENDING;
	if (strcmp(t->imported_by, ap->by) == 0)
		return DOSAGE_DDI_SAME_PERSON;
	if (t->base_kb_id != active || ap->base_kb_id != active)
		return DOSAGE_DDI_BASE_CHANGED;
	return DOSAGE_DDI_APPROVE_OK;
}

med_err
dosage_store_ddi_approve(med_db_conn *c, dosage_ddi_approval *ap)
{
	dosage_ddi_info t;
	int64_t active = 0;
	med_db_value k[] = {MED_DB_I64(ap->kb_id),
			    MED_DB_STR(dosage_kb_kind_name(ap->kind))};
	med_db_value row[1] = {MED_DB_I64(ap->kind)};
	med_err err;

	memset(&t, 0, sizeof(t));
	ap->refusal = DOSAGE_DDI_APPROVE_OK;
	if ((err = med_db_query(c, ACTIVE_LOCK_SQL, row, 1, on_id, &active)) !=
		    MED_OK ||
	    (err = med_db_query(c,
				"SELECT k.id," INFO_COLS
				" FROM interaction_kbs k" INFO_JOIN
				" WHERE k.id = ? AND k.kind = ? FOR UPDATE",
				k, 2, on_info, &t)) != MED_OK)
		return err;
	if (t.kb_id == 0)
		return MED_ERR_NOT_FOUND;
	if ((ap->refusal = refusal(ap, &t, active)) != DOSAGE_DDI_APPROVE_OK)
		return MED_ERR_PRECONDITION;
	med_db_value v[] = {MED_DB_STR(ap->by), MED_DB_I64(ap->now_ms),
			    MED_DB_I64(ap->kb_id)};
	if ((err = med_db_exec(c,
			       "UPDATE interaction_kbs SET status = "
			       "'accepted', approved_by = ?, approved_ms = ?"
			       " WHERE id = ?",
			       v, 3, NULL, NULL)) != MED_OK)
		return err;
	return make_active(c, ap->kind, ap->kb_id);
}

med_err
dosage_store_ddi_save_tx(med_db_conn *c, void *arg)
{
	return dosage_store_ddi_save(c, arg);
}
