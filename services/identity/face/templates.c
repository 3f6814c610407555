/*
 * templates.c - face templates at rest: XChaCha20-Poly1305 (libsodium) with
 * the key from MED_IDENTITY_TEMPLATE_KEY_FILE, a random nonce per row, and
 * "patient_id|template_id|model" as associated data so that a row copied to
 * another patient, or renamed, no longer decrypts.  The key never reaches
 * the database; the embedding never leaves this file unencrypted except to
 * the caller.
 */
#include <med/log.h>

#include <sodium.h>
#include <stdlib.h>
#include <string.h>

#include "face_internal.h"
#include "sync.h"

#define NONCE_LEN crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
#define TAG_LEN	  crypto_aead_xchacha20poly1305_ietf_ABYTES

static void
make_ad(char *ad, size_t len, const char *patient_id, const char *tid,
	const char *model)
{
	snprintf(ad, len, "%s|%s|%s", patient_id, tid, model);
}

typedef struct insert_ctx {
	identity_face *f;
	const char *patient_id;
	const identity_face_probe *probes;
	size_t n;
	char (*ids)[MED_UUID_LEN + 1];
	int64_t now_ms;
	uint8_t *ct;
	uint32_t total;
} insert_ctx;

static med_err
insert_one(med_db_conn *c, insert_ctx *x, size_t i)
{
	size_t pt_len = x->f->dim * sizeof(float);
	unsigned long long ct_len = 0;
	uint8_t nonce[NONCE_LEN];
	char ad[192]; /* two ids and a model name of up to 63 */

	med_uuid_v4(x->ids[i]);
	make_ad(ad, sizeof(ad), x->patient_id, x->ids[i], x->f->model);
	randombytes_buf(nonce, sizeof(nonce));
	crypto_aead_xchacha20poly1305_ietf_encrypt(
		x->ct, &ct_len, (const uint8_t *)x->probes[i].emb, pt_len,
		(const uint8_t *)ad, strlen(ad), NULL, nonce,
		identity_face_template_key(x->f));
	med_db_value v[] = {
		MED_DB_STR(x->ids[i]),
		MED_DB_STR(x->patient_id),
		MED_DB_STR(x->f->model),
		MED_DB_I64((int64_t)x->f->dim),
		MED_DB_BLOBV(nonce, sizeof(nonce)),
		MED_DB_BLOBV(x->ct, (size_t)ct_len),
		MED_DB_DBL(x->probes[i].quality),
		MED_DB_I64(x->now_ms),
		MED_DB_BLOBV(x->probes[i].photo_sha256,
			     sizeof(x->probes[i].photo_sha256)),
		MED_DB_BLOBV(x->probes[i].copyhash,
			     sizeof(x->probes[i].copyhash)),
		MED_DB_BLOBV(x->probes[i].chiphash,
			     sizeof(x->probes[i].chiphash)),
	};
	return med_db_exec(c,
			   "INSERT INTO face_templates (template_id,"
			   " patient_id, model, dim, nonce, ciphertext,"
			   " quality, created_ms, photo_sha256, copyhash,"
			   " chiphash)"
			   " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
			   v, sizeof(v) / sizeof(v[0]), NULL, NULL);
}

static med_err
insert_tx(med_db_conn *c, void *ctx)
{
	insert_ctx *x = ctx;
	med_db_value pid = MED_DB_STR(x->patient_id);
	int64_t n = -1;
	med_err err;

	/* The patient row is locked so a concurrent erase cannot interleave. */
	err = med_db_query(c,
			   "SELECT COUNT(*) FROM patients WHERE patient_id = ?"
			   " FOR UPDATE",
			   &pid, 1, med_db_row_take_int64, &n);
	if (err != MED_OK)
		return err;
	if (n != 1)
		return MED_ERR_NOT_FOUND;
	for (size_t i = 0; i < x->n; i++)
		if ((err = insert_one(c, x, i)) != MED_OK)
			return err;
	/* In the same transaction, so other replicas learn of exactly the
	 * enrolments that committed. */
	err = identity_changes_record(c, x->patient_id, "enrol", (uint32_t)x->n,
				      x->now_ms);
	if (err != MED_OK)
		return err;
	err = med_db_query(c,
			   "SELECT COUNT(*) FROM face_templates WHERE"
			   " patient_id = ?",
			   &pid, 1, med_db_row_take_int64, &n);
	x->total = (uint32_t)n;
	return err;
}

med_err
identity_templates_insert(med_call *call, identity_face *f,
			  const char *patient_id,
			  const identity_face_probe *probes, size_t n,
			  char (*ids)[MED_UUID_LEN + 1], int64_t now_ms,
			  uint32_t *total)
{
	insert_ctx x = {f, patient_id, probes, n, ids, now_ms, NULL, 0};
	med_err err;

	x.ct = malloc(f->dim * sizeof(float) + TAG_LEN);
	if (x.ct == NULL)
		return MED_ERR_NOMEM;
	err = med_call_tx(call, insert_tx, &x);
	free(x.ct);
	if (err == MED_OK)
		*total = x.total;
	return err;
}

typedef struct each_ctx {
	identity_face *f;
	identity_tpl_fn fn;
	void *ctx;
	float *pt;
	/* paging: the last template id read, and the rows of this page */
	char last[MED_UUID_LEN + 1];
	size_t n_page;
} each_ctx;

static med_err
decrypt_row(void *ctx, const med_db_row *row)
{
	each_ctx *x = ctx;
	identity_template t = {.emb = x->pt};
	size_t nonce_len = 0, ct_len = 0;
	const char *tid = med_db_row_text(row, 0, NULL);
	const char *pid = med_db_row_text(row, 1, NULL);
	const char *nonce = med_db_row_text(row, 3, &nonce_len);
	const char *ct = med_db_row_text(row, 4, &ct_len);
	unsigned long long pt_len = 0;
	char ad[192]; /* two ids and a model name of up to 63 */

	if (tid == NULL || pid == NULL || nonce == NULL || ct == NULL ||
	    nonce_len != NONCE_LEN ||
	    (size_t)med_db_row_int64(row, 2) != x->f->dim ||
	    ct_len != x->f->dim * sizeof(float) + TAG_LEN)
		goto corrupt;
	med_strlcpy(t.template_id, tid, sizeof(t.template_id));
	med_strlcpy(t.patient_id, pid, sizeof(t.patient_id));
	med_strlcpy(x->last, tid, sizeof(x->last));
	x->n_page++;
	make_ad(ad, sizeof(ad), t.patient_id, t.template_id, x->f->model);
	if (crypto_aead_xchacha20poly1305_ietf_decrypt(
		    (uint8_t *)x->pt, &pt_len, NULL, (const uint8_t *)ct,
		    ct_len, (const uint8_t *)ad, strlen(ad),
		    (const uint8_t *)nonce,
		    identity_face_template_key(x->f)) != 0)
		goto corrupt;
	return x->fn(x->ctx, &t);
corrupt:
	med_log_error("identity: face template %s does not decrypt (wrong "
		      "key, tampered or moved row)",
		      tid ? tid : "?");
	return MED_ERR_DATA_LOSS;
}

/*
 * each_page reads every template of the model in pages of
 * IDENTITY_LOAD_PAGE rows by template id (keyset), so the client holds
 * one page of rows at a time, not the whole table.  Each page is its own
 * statement: a row that changes while the pages are read may be seen or
 * not, which a full load allows (its change-log entry comes after the
 * load's clock, and the catch-up applies it: index.c load_locked).
 */
static med_err
each_page(med_db *db, each_ctx *x)
{
	med_db_value v[] = {MED_DB_STR(x->f->model), MED_DB_STR(x->last),
			    MED_DB_I64(IDENTITY_LOAD_PAGE)};
	med_err err = MED_OK;

	do {
		v[1] = MED_DB_STR(x->last);
		x->n_page = 0;
		err = med_db_query_once(
			db,
			"SELECT template_id, patient_id, dim, nonce,"
			" ciphertext FROM face_templates WHERE model = ?"
			" AND template_id > ? ORDER BY template_id LIMIT ?",
			v, 3, decrypt_row, x);
	} while (err == MED_OK && x->n_page == IDENTITY_LOAD_PAGE);
	return err;
}

med_err
identity_templates_each(med_db *db, identity_face *f, const char *patient_id,
			identity_tpl_fn fn, void *ctx)
{
	each_ctx x = {f, fn, ctx, malloc(f->dim * sizeof(float)), "", 0};
	med_db_value v[] = {MED_DB_STR(f->model),
			    MED_DB_STR(patient_id ? patient_id : "")};
	med_err err;

	if (x.pt == NULL)
		return MED_ERR_NOMEM;
	if (patient_id != NULL)
		err = med_db_query_once(
			db,
			"SELECT template_id, patient_id, dim, nonce,"
			" ciphertext FROM face_templates WHERE model = ?"
			" AND patient_id = ? ORDER BY template_id",
			v, 2, decrypt_row, &x);
	else
		err = each_page(db, &x);
	sodium_memzero(x.pt, f->dim * sizeof(float));
	free(x.pt);
	return err;
}

/*
 * One scan: the patients with templates less those with one of model.
 * (Grouping by patient walks the patient index and fetches each row from
 * the table: several times slower on a large table.)
 */
med_err
identity_templates_count_stale(med_db *db, const char *model, int64_t *n)
{
	med_db_value m = MED_DB_STR(model);
	int64_t count = 0;
	med_err err = med_db_query_once(
		db,
		"SELECT COUNT(DISTINCT patient_id) - COUNT(DISTINCT"
		" IF(model = ?, patient_id, NULL)) FROM face_templates",
		&m, 1, med_db_row_take_int64, &count);

	if (err == MED_OK)
		*n = count;
	return err;
}

med_err
identity_templates_count(med_db *db, const char *model, int64_t *n)
{
	med_db_value m = MED_DB_STR(model);
	int64_t count = 0;
	med_err err = med_db_query_once(
		db, "SELECT COUNT(*) FROM face_templates WHERE model = ?", &m,
		1, med_db_row_take_int64, &count);

	if (err == MED_OK)
		*n = count;
	return err;
}

typedef struct delete_ctx {
	const char *patient_id;
	uint64_t affected;
} delete_ctx;

static med_err
delete_tx(med_db_conn *c, void *ctx)
{
	delete_ctx *x = ctx;
	med_db_value pid = MED_DB_STR(x->patient_id);
	med_err err = med_db_exec(c,
				  "DELETE FROM face_templates WHERE"
				  " patient_id = ?",
				  &pid, 1, &x->affected, NULL);

	/* The hashes of the patient's bedside photographs go with the
	 * templates: erasure leaves nothing derived from the face. */
	if (err == MED_OK)
		err = med_db_exec(c,
				  "DELETE FROM face_probe_copies WHERE"
				  " patient_id = ?",
				  &pid, 1, NULL, NULL);
	if (err == MED_OK)
		err = med_db_exec(c,
				  "DELETE FROM face_retakes WHERE"
				  " patient_id = ?",
				  &pid, 1, NULL, NULL);
	/* Erasing nothing changes no index: no log row, no counter lock. */
	if (err != MED_OK || x->affected == 0)
		return err;
	return identity_changes_record(c, x->patient_id, "erase",
				       (uint32_t)x->affected, med_now_ms());
}

med_err
identity_templates_delete(med_call *call, const char *patient_id, uint32_t *n)
{
	delete_ctx x = {patient_id, 0};
	med_err err = med_call_tx(call, delete_tx, &x);

	if (err == MED_OK)
		*n = (uint32_t)x.affected;
	return err;
}
