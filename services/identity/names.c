/*
 * names.c - the pinyin search keys of the patients registered before
 * identity wrote them (migration 35; docs/names.md): the readiness thread
 * keys them in batches once the schema is migrated, a bounded time per
 * poll, so that a large index is keyed while the service serves.
 */
#include <med/db.h>
#include <med/log.h>
#include <med/names.h>
#include <med/service.h>
#include <med/util.h>

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "identity.h"

#define KEY_BATCH     100
#define KEY_BUDGET_MS 200

typedef struct keyed_row {
	char id[MED_UUID_LEN + 1];
	char key[MED_NAME_KEY_MAX];
} keyed_row;

typedef struct key_batch {
	keyed_row *rows;
	size_t n;
} key_batch;

/* Only the readiness thread keys; the flag ends the work for good.  A
 * failure is logged once until a batch succeeds again: the thread tries
 * every second while the database is away. */
static atomic_bool names_keyed;
static bool key_warned;

static med_err
take_row(void *ctx, const med_db_row *row)
{
	key_batch *b = ctx;
	keyed_row *r = &b->rows[b->n];
	const char *id = med_db_row_text(row, 0, NULL);

	if (b->n >= KEY_BATCH || id == NULL)
		return MED_OK;
	snprintf(r->id, sizeof(r->id), "%s", id);
	(void)med_name_key(r->key, sizeof(r->key),
			   med_db_row_text(row, 1, NULL),
			   med_db_row_text(row, 2, NULL));
	b->n++;
	return MED_OK;
}

/* key_batch_once keys up to KEY_BATCH unkeyed patients; *n how many. */
static med_err
key_batch_once(med_db *db, key_batch *b)
{
	med_db_value lim[] = {MED_DB_I64(KEY_BATCH)};
	med_err err;

	b->n = 0;
	err = med_db_query_once(db,
				"SELECT patient_id, family_name, given_name"
				" FROM patients WHERE name_pinyin IS NULL"
				" LIMIT ?",
				lim, 1, take_row, b);
	for (size_t i = 0; err == MED_OK && i < b->n; i++) {
		med_db_value v[] = {MED_DB_STR(b->rows[i].key),
				    MED_DB_STR(b->rows[i].id)};

		err = med_db_exec_once(db,
				       "UPDATE patients SET name_pinyin = ?"
				       " WHERE patient_id = ?"
				       " AND name_pinyin IS NULL",
				       v, 2, NULL, NULL);
	}
	return err;
}

/* key_names keys unkeyed patients for up to KEY_BUDGET_MS. */
static void
key_names(med_db *db)
{
	key_batch b = {calloc(KEY_BATCH, sizeof(keyed_row)), 0};
	int64_t until = med_now_ms() + KEY_BUDGET_MS;
	med_err err = b.rows != NULL ? MED_OK : MED_ERR_NOMEM;

	while (err == MED_OK && med_now_ms() < until) {
		err = key_batch_once(db, &b);
		if (err == MED_OK && b.n == 0) {
			atomic_store(&names_keyed, true);
			med_log_info("identity: every patient's name has its "
				     "pinyin search key");
			break;
		}
	}
	if (err != MED_OK && !key_warned)
		med_log_warn("identity: name keys: %s (tried again on the "
			     "next readiness check)",
			     med_strerror(err));
	key_warned = err != MED_OK;
	free(b.rows);
}

bool
identity_ready(med_service *svc)
{
	if (!atomic_load(&names_keyed) && med_service_migrated(svc))
		key_names(med_service_db(svc));
	return identity_face_settled(svc);
}
