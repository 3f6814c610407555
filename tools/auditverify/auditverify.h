/*
 * auditverify.h - the audit log verifier's parts: argument parsing
 * helpers (main.c), proof and head checks (proofs.c), the full log audit
 * over the database (log.c).
 */
#ifndef AUDITVERIFY_H
#define AUDITVERIFY_H

#include <med/audit.h>
#include <med/audit_log.h>
#include <med/merkle.h>

#include <sodium.h>
#include <stdbool.h>
#include <stdint.h>

enum {
	AV_OK = 0,
	AV_FAILED = 1,
	AV_USAGE = 2,
	AV_UNVERIFIED = 3,
	/* verified, but the head given by --since-size is not in the log: an
	 * epoch statement (a restore an auditor continued from) abandons it */
	AV_EPOCH = 4,
};

/* The most --pubkey options: a log's current signing key and as many
 * previous ones as the service's MED_AUDIT_PREVIOUS_PUBKEYS lists. */
#define AV_PUBKEYS_MAX 9

/* av_args - every option of every command. */
typedef struct av_args {
	/* --pubkey, once per signer of the log (more than one after a
	 * signing-key rotation): a head must verify under one of them; sth
	 * takes the first. */
	uint8_t pubkeys[AV_PUBKEYS_MAX][crypto_sign_PUBLICKEYBYTES];
	size_t n_pubkeys;
	uint8_t sig[crypto_sign_BYTES];
	uint64_t size, index, first, second;
	int64_t timestamp_ms;
	uint8_t root[MED_MERKLE_HASH_LEN], leaf[MED_MERKLE_HASH_LEN];
	uint8_t first_root[MED_MERKLE_HASH_LEN];
	uint8_t second_root[MED_MERKLE_HASH_LEN];
	uint8_t path[MED_MERKLE_MAX_PROOF][MED_MERKLE_HASH_LEN];
	size_t n_path;
	const char *db_host, *db_socket, *db_user, *db_password, *db_name;
	const char *db_tls_ca; /* verify MariaDB's TLS certificate (TCP) */
	int db_port;
	/* --leaf-key-file: the audit service's leaf MAC keys */
	bool has_leaf_keys;
	med_audit_leaf_keys leaf_keys;
	/* --no-leaf-key: the caller accepts a log audit without the MACs */
	bool no_leaf_key;
	/* --since-size and --since-root: a head the auditor verified before;
	 * log checks only the entries after it (both or neither) */
	bool has_since_size, has_since_root;
	uint64_t since_size;
	uint8_t since_root[MED_MERKLE_HASH_LEN];
} av_args;

/* av_unhex parses exactly 2 * len hex digits into out. */
bool av_unhex(const char *s, uint8_t *out, size_t len);

/* av_parse_path parses comma-separated hashes ("" is an empty path). */
bool av_parse_path(const char *s, uint8_t (*path)[MED_MERKLE_HASH_LEN],
		   size_t *n);

/* av_set_db_opt sets database option k (0 host, 1 port, 2 socket, 3 user,
 * 4 password, 5 name). */
bool av_set_db_opt(av_args *a, int k, const char *v);

int av_cmd_sth(const av_args *a);
int av_cmd_inclusion(const av_args *a);
int av_cmd_consistency(const av_args *a);
int av_cmd_log(const av_args *a);

#endif
