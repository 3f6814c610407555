/*
 * keys.c - the audit service's keys: the Ed25519 signing key of its tree
 * heads and the leaf MAC key, and the public keys of earlier signers.
 *
 * Key file: one line of 64 hex digits, the Ed25519 seed.  With
 * MED_AUDIT_SIGNING_KEY_FILE unset the key lives in the service's spool
 * directory and is generated on first start (development); with it set the
 * file must exist unless MED_AUDIT_KEYGEN=true allows creating it.  The
 * leaf MAC key (MED_AUDIT_LEAF_KEY_FILE, audit-leaf.key) follows the same
 * rules; its file may also list earlier keys after the current one.
 *
 * Below both headfile.c and sth.c, which read the keys: no key function
 * calls either of them.
 */
#include <med/log.h>
#include <med/util.h>

#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
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
