/*
 * sth.c - signed tree heads: the Ed25519 signing key and the thread that
 * signs a new head every MED_AUDIT_STH_INTERVAL_MS when the log has grown.
 *
 * Key file: one line of 64 hex digits, the Ed25519 seed.  With
 * MED_AUDIT_SIGNING_KEY_FILE unset the key lives in the service's spool
 * directory and is generated on first start (development); with it set the
 * file must exist unless MED_AUDIT_KEYGEN=true allows creating it.  The
 * leaf MAC key (MED_AUDIT_LEAF_KEY_FILE, audit-leaf.key) follows the same
 * rules; its file may also list earlier keys after the current one.
 *
 * Heads are signed from the verified tree (trust.c), never from nodes read
 * back from the database, not at all after an integrity failure, and only
 * over a log that extends the head published before (headfile.c).
 */
#include <med/log.h>
#include <med/util.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "audit_svc.h"

#define SEED_HEX_LEN (2 * crypto_sign_SEEDBYTES)

med_err
audit_key_read(const char *path, uint8_t seed[crypto_sign_SEEDBYTES])
{
	char buf[SEED_HEX_LEN + 2];
	FILE *f = fopen(path, "r");
	size_t n;

	if (f == NULL)
		return errno == ENOENT ? MED_ERR_NOT_FOUND : MED_ERR_IO;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	if (n > 0 && buf[n - 1] == '\n')
		buf[--n] = '\0';
	/* crypto_sign_SEEDBYTES == MED_MERKLE_HASH_LEN: reuse the parser. */
	if (!med_merkle_unhex(buf, seed)) {
		med_log_error("%s: not 64 hex digits (an Ed25519 seed)", path);
		return MED_ERR_INVALID;
	}
	return MED_OK;
}

/*
 * key_publish makes tmp the key file path: link() refuses an existing
 * path as O_EXCL did, and a kill at any point leaves either no key file
 * or a whole one (a file opened at path and killed before its write would
 * hold no key, and every later start would refuse it).  The directory is
 * synced so that the new name survives a power cut.
 */
static bool
key_publish(const char *tmp, const char *path)
{
	char dir[4096];
	const char *slash = strrchr(path, '/');
	bool ok = link(tmp, path) == 0;
	int fd;

	if (!ok)
		med_log_error("%s: cannot create: %s", path, strerror(errno));
	unlink(tmp);
	if (!ok)
		return false;
	snprintf(dir, sizeof(dir), "%.*s", slash ? (int)(slash - path) : 1,
		 slash ? path : ".");
	if ((fd = open(dir[0] ? dir : "/",
		       O_RDONLY | O_DIRECTORY | O_CLOEXEC)) >= 0) {
		(void)fsync(fd);
		close(fd);
	}
	return true;
}

med_err
audit_key_create(const char *path, const char *what,
		 uint8_t seed[crypto_sign_SEEDBYTES])
{
	char hex[SEED_HEX_LEN + 2], tmp[4200];
	int fd;
	bool ok;

	snprintf(tmp, sizeof(tmp), "%s.new.%ld", path, (long)getpid());
	unlink(tmp); /* left by a process killed while writing it */
	fd = open(tmp, O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
	if (fd < 0) {
		med_log_error("%s: cannot create: %s", tmp, strerror(errno));
		return MED_ERR_IO;
	}
	randombytes_buf(seed, crypto_sign_SEEDBYTES);
	med_merkle_hex(seed, hex);
	hex[SEED_HEX_LEN] = '\n';
	ok = write(fd, hex, SEED_HEX_LEN + 1) == SEED_HEX_LEN + 1 &&
	     fsync(fd) == 0;
	close(fd);
	sodium_memzero(hex, sizeof(hex));
	if (!ok) {
		unlink(tmp);
		return MED_ERR_IO;
	}
	if (!key_publish(tmp, path))
		return MED_ERR_IO;
	med_log_warn("audit: generated a new %s in %s", what, path);
	return MED_OK;
}

void
audit_key_id(const uint8_t *pk, size_t pk_len, char out[AUDIT_KEY_ID_LEN + 1])
{
	uint8_t h[crypto_hash_sha256_BYTES];
	char hex[2 * MED_MERKLE_HASH_LEN + 1];

	crypto_hash_sha256(h, pk, pk_len);
	med_merkle_hex(h, hex);
	memcpy(out, hex, AUDIT_KEY_ID_LEN);
	out[AUDIT_KEY_ID_LEN] = '\0';
}

/*
 * key_path finds a key's file: the setting, or (unset) name in the spool
 * directory, which may then be created.  *keygen says whether it may be.
 */
static void
key_path(const med_config *cfg, const char *setting, const char *name,
	 char *path, size_t len, bool *keygen)
{
	const char *file = med_config_str(cfg, setting);

	*keygen = med_config_bool(cfg, "MED_AUDIT_KEYGEN");
	if (file != NULL && file[0] != '\0') {
		med_strlcpy(path, file, len);
		return;
	}
	file = med_config_str(cfg, "MED_AUDIT_SPOOL_DIR");
	snprintf(path, len, "%s/%s", file ? file : ".", name);
	*keygen = true;
}

static med_err
missing_key(const char *setting, const char *path)
{
	med_log_error("%s %s: missing (set MED_AUDIT_KEYGEN=true to create "
		      "it)",
		      setting, path);
	return MED_ERR_NOT_FOUND;
}

static med_err
signing_key_load(audit_state *st, const med_config *cfg)
{
	uint8_t seed[crypto_sign_SEEDBYTES];
	char path[4096];
	bool keygen;
	med_err err;

	key_path(cfg, "MED_AUDIT_SIGNING_KEY_FILE", "audit-signing.key", path,
		 sizeof(path), &keygen);
	err = audit_key_read(path, seed);
	if (err == MED_ERR_NOT_FOUND && keygen)
		err = audit_key_create(path, "tree-head signing key", seed);
	else if (err == MED_ERR_NOT_FOUND)
		return missing_key("MED_AUDIT_SIGNING_KEY_FILE", path);
	if (err != MED_OK)
		return err;
	crypto_sign_seed_keypair(st->pk, st->sk, seed);
	sodium_memzero(seed, sizeof(seed));
	audit_key_id(st->pk, sizeof(st->pk), st->key_id);
	med_log_info("audit: tree heads signed with key %s", st->key_id);
	return MED_OK;
}

/* leaf_key_load reads the leaf MAC keys; a created file holds one. */
static med_err
leaf_key_load(audit_state *st, const med_config *cfg)
{
	uint8_t key[MED_AUDIT_LEAF_KEY_LEN];
	char path[4096], msg[512];
	bool keygen;
	med_err err;

	key_path(cfg, "MED_AUDIT_LEAF_KEY_FILE", "audit-leaf.key", path,
		 sizeof(path), &keygen);
	err = med_audit_leaf_keys_read(path, &st->leaf_keys, msg, sizeof(msg));
	if (err == MED_ERR_NOT_FOUND && !keygen)
		return missing_key("MED_AUDIT_LEAF_KEY_FILE", path);
	if (err == MED_ERR_NOT_FOUND &&
	    (err = audit_key_create(path, "leaf MAC key", key)) == MED_OK) {
		memcpy(st->leaf_keys.key[0], key, sizeof(key));
		st->leaf_keys.n = 1;
		sodium_memzero(key, sizeof(key));
	}
	if (err != MED_OK) {
		med_log_error("MED_AUDIT_LEAF_KEY_FILE %s", msg);
		return err;
	}
	med_log_info("audit: leaves MACed with the first of %zu key(s) in %s",
		     st->leaf_keys.n, path);
	return MED_OK;
}

/* previous_key_add adds one entry of MED_AUDIT_PREVIOUS_PUBKEYS (the
 * current key itself is left out: its heads are trusted anyway). */
static med_err
previous_key_add(audit_state *st, const char *hex, size_t len, size_t nth)
{
	char buf[2 * crypto_sign_PUBLICKEYBYTES + 1];
	audit_pubkey key;

	if (len != sizeof(buf) - 1) {
		med_log_error("MED_AUDIT_PREVIOUS_PUBKEYS: entry %zu is not 64 "
			      "hex digits (an Ed25519 public key, as "
			      "GetTreeHead's public_key)",
			      nth);
		return MED_ERR_INVALID;
	}
	memcpy(buf, hex, len);
	buf[len] = '\0';
	/* crypto_sign_PUBLICKEYBYTES == MED_MERKLE_HASH_LEN. */
	if (!med_merkle_unhex(buf, key.pk)) {
		med_log_error("MED_AUDIT_PREVIOUS_PUBKEYS: entry %zu is not 64 "
			      "hex digits",
			      nth);
		return MED_ERR_INVALID;
	}
	if (sodium_memcmp(key.pk, st->pk, sizeof(key.pk)) == 0)
		return MED_OK;
	if (st->n_previous == AUDIT_PREVIOUS_KEYS_MAX) {
		med_log_error("MED_AUDIT_PREVIOUS_PUBKEYS: more than %d keys",
			      AUDIT_PREVIOUS_KEYS_MAX);
		return MED_ERR_INVALID;
	}
	audit_key_id(key.pk, sizeof(key.pk), key.key_id);
	st->previous[st->n_previous++] = key;
	return MED_OK;
}

/* previous_keys_load reads MED_AUDIT_PREVIOUS_PUBKEYS: hex public keys
 * separated by commas or spaces. */
static med_err
previous_keys_load(audit_state *st, const med_config *cfg)
{
	const char *p = med_config_str(cfg, "MED_AUDIT_PREVIOUS_PUBKEYS");
	size_t nth = 0;
	med_err err = MED_OK;

	while (p != NULL && err == MED_OK) {
		size_t len;
		p += strspn(p, ", ");
		if (*p == '\0')
			break;
		len = strcspn(p, ", ");
		err = previous_key_add(st, p, len, ++nth);
		p += len;
	}
	for (size_t i = 0; err == MED_OK && i < st->n_previous; i++)
		med_log_info("audit: the newest head of previous key %s may "
			     "start the verified tree",
			     st->previous[i].key_id);
	return err;
}

const uint8_t *
audit_signer_key(const audit_state *st, const char *key_id)
{
	if (strcmp(key_id, st->key_id) == 0)
		return st->pk;
	for (size_t i = 0; i < st->n_previous; i++)
		if (strcmp(key_id, st->previous[i].key_id) == 0)
			return st->previous[i].pk;
	return NULL;
}

med_err
audit_keys_load(audit_state *st)
{
	const med_config *cfg = med_service_config(st->svc);
	med_err err;

	if (sodium_init() < 0)
		return MED_ERR_INTERNAL;
	if ((err = signing_key_load(st, cfg)) != MED_OK)
		return err;
	if ((err = previous_keys_load(st, cfg)) != MED_OK)
		return err;
	return leaf_key_load(st, cfg);
}

void
audit_sth_sign(const uint8_t sk[crypto_sign_SECRETKEYBYTES], audit_sth *h)
{
	uint8_t msg[MED_AUDIT_STH_MSG_LEN];

	med_audit_sth_message(h->tree_size, h->timestamp_ms, h->root, msg);
	crypto_sign_detached(h->sig, NULL, msg, sizeof(msg), sk);
}

typedef struct sign_ctx {
	audit_state *st;
	bool signed_one;
} sign_ctx;

/* store_head inserts a signed head. */
static med_err
store_head(med_db_conn *c, const audit_sth *h, const char *key_id)
{
	med_db_value v[] = {
		MED_DB_I64((int64_t)h->tree_size),
		MED_DB_I64(h->timestamp_ms),
		MED_DB_BLOBV(h->root, sizeof(h->root)),
		MED_DB_BLOBV(h->sig, sizeof(h->sig)),
		MED_DB_STR(key_id),
	};

	return med_db_exec(c,
			   "INSERT INTO tree_heads (tree_size, timestamp_ms,"
			   " root_hash, signature, key_id)"
			   " VALUES (?, ?, ?, ?, ?)",
			   v, 5, NULL, NULL);
}

/*
 * already_signed: the newest head is this key's at the verified size.  It
 * must then have the verified root: a stored head that does not was not
 * signed from this tree.
 */
static med_err
already_signed(audit_state *st, med_db_conn *c, const audit_sth *h, bool *done)
{
	audit_sth last;
	med_err err = audit_sth_latest(c, &last);

	*done = false;
	if (err == MED_ERR_NOT_FOUND)
		return MED_OK;
	if (err != MED_OK || last.tree_size != h->tree_size ||
	    strcmp(last.key_id, st->key_id) != 0)
		return err;
	if (sodium_memcmp(last.root, h->root, sizeof(h->root)) != 0)
		return audit_integrity_fail(st,
					    "tree_heads: the head of size %llu "
					    "has a root other than the "
					    "verified tree's",
					    (unsigned long long)h->tree_size);
	*done = true;
	return MED_OK;
}

/*
 * The signer row (sth_signer, id 1) holds the newest head's size and time.
 * Every signing transaction reads it with a lock and rewrites it, so two
 * replicas signing at once write the same row.  On one server the second
 * waits for the first.  On Galera, where a lock holds on its node only,
 * the cluster certifies one of the two writes and aborts the other, which
 * med_db_tx re-runs: it then reads the new row and signs nothing.  The
 * locking read returns the newest committed row even when the
 * transaction's snapshot is older, so a replica on a node that lags never
 * signs a size at or below one already signed.
 */
typedef struct signer_row {
	int64_t tree_size, timestamp_ms;
} signer_row;

static med_err
on_signer(void *ctx, const med_db_row *row)
{
	signer_row *r = ctx;

	r->tree_size = med_db_row_int64(row, 0);
	r->timestamp_ms = med_db_row_int64(row, 1);
	return MED_OK;
}

static med_err
signer_lock(med_db_conn *c, signer_row *r)
{
	med_err err = med_db_query_row(c,
				       "SELECT tree_size, timestamp_ms FROM"
				       " sth_signer WHERE id = 1 FOR UPDATE",
				       NULL, 0, on_signer, r);

	if (err == MED_ERR_NOT_FOUND) {
		med_log_error("audit: sth_signer has no row 1 (migration 5 "
			      "makes it): heads cannot be signed");
		return MED_ERR_INTERNAL;
	}
	return err;
}

static med_err
signer_write(med_db_conn *c, const audit_sth *h)
{
	med_db_value v[] = {
		MED_DB_I64((int64_t)h->tree_size),
		MED_DB_I64(h->timestamp_ms),
	};

	return med_db_exec(c,
			   "UPDATE sth_signer SET tree_size = ?,"
			   " timestamp_ms = ? WHERE id = 1",
			   v, 2, NULL, NULL);
}

static med_err
sign_tx(med_db_conn *c, void *arg)
{
	sign_ctx *s = arg;
	med_merkle_frontier f;
	signer_row last = {0, 0};
	audit_sth h;
	bool done = false;
	med_err err;

	s->signed_one = false;
	if (audit_integrity_problem(s->st, NULL, 0))
		return MED_ERR_DATA_LOSS;
	if ((err = signer_lock(c, &last)) != MED_OK)
		return err;
	if ((err = audit_trust_now(s->st, c, &f)) != MED_OK)
		return err;
	/* Never a head over a log that does not extend the published one
	 * (a restore rolled it back): headfile.c. */
	if ((err = audit_head_check(s->st, c, &f)) != MED_OK)
		return err;
	h.tree_size = f.size;
	med_merkle_frontier_root(&f, h.root);
	if ((err = already_signed(s->st, c, &h, &done)) != MED_OK || done)
		return err;
	/* Another replica signed this size or a larger one. */
	if ((int64_t)h.tree_size <= last.tree_size)
		return MED_OK;
	/* Replicas' clocks differ: a head is never older than the last. */
	h.timestamp_ms = med_now_ms();
	if (h.timestamp_ms < last.timestamp_ms)
		h.timestamp_ms = last.timestamp_ms;
	audit_sth_sign(s->st->sk, &h);
	memcpy(h.key_id, s->st->key_id, sizeof(h.key_id));
	if ((err = signer_write(c, &h)) != MED_OK)
		return err;
	/* Kept outside the database before it is stored: the file is never
	 * behind what GetTreeHead may have served. */
	if ((err = audit_head_publish(s->st, &h)) != MED_OK)
		return err;
	err = store_head(c, &h, s->st->key_id);
	s->signed_one = err == MED_OK;
	return err;
}

med_err
audit_sth_sign_now(audit_state *st)
{
	sign_ctx s = {st, false};

	return med_db_tx(med_service_db(st->svc), sign_tx, &s);
}

/* sign_failure_text says why no head was signed. */
static const char *
sign_failure_text(med_err err)
{
	if (err == MED_ERR_DATA_LOSS)
		return "the store failed an integrity check (logged above)";
	if (err == MED_ERR_PRECONDITION)
		return "the log does not extend the published head (ROLLBACK, "
		       "logged above)";
	return med_strerror(err);
}

/* How often the signer looks whether the schema is whole yet. */
#define SCHEMA_POLL_MS 100

static void *
sth_main(void *arg)
{
	audit_state *st = arg;
	med_err last_err = MED_OK;

	pthread_mutex_lock(&st->sth_mu);
	while (!st->sth_stop) {
		struct timespec until;
		int64_t wait_ms;
		bool migrated;
		med_err err;

		pthread_mutex_unlock(&st->sth_mu);
		/* Not before the schema is whole (ingest.c); until then look
		 * again soon, so that the first head follows it closely. */
		migrated = med_service_migrated(st->svc);
		wait_ms = migrated ? st->sth_interval_ms : SCHEMA_POLL_MS;
		err = migrated ? audit_sth_sign_now(st) : MED_OK;
		/* Log a failure once, not every interval while the db is away.
		 */
		if (err != MED_OK && err != last_err)
			med_log_warn("audit: cannot sign a tree head: %s",
				     sign_failure_text(err));
		last_err = err;
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += wait_ms / 1000;
		until.tv_nsec += (long)(wait_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		pthread_mutex_lock(&st->sth_mu);
		if (!st->sth_stop)
			pthread_cond_timedwait(&st->sth_cv, &st->sth_mu,
					       &until);
	}
	pthread_mutex_unlock(&st->sth_mu);
	return NULL;
}

med_err
audit_sth_start(audit_state *st)
{
	st->sth_interval_ms = med_config_int(med_service_config(st->svc),
					     "MED_AUDIT_STH_INTERVAL_MS");
	if (pthread_create(&st->sth_thread, NULL, sth_main, st) != 0)
		return MED_ERR_NOMEM;
	st->sth_started = true;
	return MED_OK;
}

void
audit_sth_stop(audit_state *st)
{
	if (!st->sth_started)
		return;
	pthread_mutex_lock(&st->sth_mu);
	st->sth_stop = true;
	pthread_cond_signal(&st->sth_cv);
	pthread_mutex_unlock(&st->sth_mu);
	pthread_join(st->sth_thread, NULL);
	st->sth_started = false;
}
