/*
 * proofs.c - auditverify's checks of one signed tree head, one inclusion
 * proof, one consistency proof, each from hex arguments.
 */
#include "auditverify.h"

#include <med/codec.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

bool
av_unhex(const char *s, uint8_t *out, size_t len)
{
	size_t got;

	return s != NULL && strlen(s) == 2 * len &&
	       med_hex_decode(s, 2 * len, out, len, &got) == MED_OK;
}

bool
av_parse_path(const char *s, uint8_t (*path)[MED_MERKLE_HASH_LEN], size_t *n)
{
	size_t k = 0;

	while (*s != '\0') {
		const char *comma = strchr(s, ',');
		size_t len = comma ? (size_t)(comma - s) : strlen(s);
		size_t got;

		if (k == MED_MERKLE_MAX_PROOF ||
		    len != 2 * MED_MERKLE_HASH_LEN ||
		    med_hex_decode(s, len, path[k], MED_MERKLE_HASH_LEN,
				   &got) != MED_OK)
			return false;
		k++;
		s += len + (comma != NULL);
	}
	*n = k;
	return true;
}

bool
av_set_db_opt(av_args *a, int k, const char *v)
{
	const char **strs[] = {
		&a->db_host,	 NULL,	      &a->db_socket, &a->db_user,
		&a->db_password, &a->db_name, &a->db_tls_ca};
	char *end = NULL;
	long port;

	if (k < 0 || k > 6)
		return false;
	if (k != 1) {
		*strs[k] = v;
		return true;
	}
	port = strtol(v, &end, 10);
	if (*end != '\0' || port <= 0 || port > 65535)
		return false;
	a->db_port = (int)port;
	return true;
}

int
av_cmd_sth(const av_args *a)
{
	uint8_t msg[MED_AUDIT_STH_MSG_LEN];

	if (a->n_pubkeys == 0) {
		fputs("auditverify sth: --pubkey is required\n", stderr);
		return AV_USAGE;
	}
	if (sodium_init() < 0)
		return AV_USAGE;
	med_audit_sth_message(a->size, a->timestamp_ms, a->root, msg);
	if (crypto_sign_verify_detached(a->sig, msg, sizeof(msg),
					a->pubkeys[0]) != 0) {
		printf("FAIL: tree head signature does not verify\n");
		return AV_FAILED;
	}
	printf("OK: tree head of size %llu is signed by the key\n",
	       (unsigned long long)a->size);
	return AV_OK;
}

int
av_cmd_inclusion(const av_args *a)
{
	if (!med_merkle_verify_inclusion(
		    a->index, a->size, a->leaf,
		    (const uint8_t(*)[MED_MERKLE_HASH_LEN])a->path, a->n_path,
		    a->root)) {
		printf("FAIL: leaf %llu is not proven in the tree of size "
		       "%llu\n",
		       (unsigned long long)a->index,
		       (unsigned long long)a->size);
		return AV_FAILED;
	}
	printf("OK: leaf %llu is in the tree of size %llu\n",
	       (unsigned long long)a->index, (unsigned long long)a->size);
	return AV_OK;
}

int
av_cmd_consistency(const av_args *a)
{
	if (!med_merkle_verify_consistency(
		    a->first, a->second, a->first_root, a->second_root,
		    (const uint8_t(*)[MED_MERKLE_HASH_LEN])a->path,
		    a->n_path)) {
		printf("FAIL: the tree of size %llu is not proven a prefix of "
		       "the tree of size %llu\n",
		       (unsigned long long)a->first,
		       (unsigned long long)a->second);
		return AV_FAILED;
	}
	printf("OK: the tree of size %llu is a prefix of the tree of size "
	       "%llu\n",
	       (unsigned long long)a->first, (unsigned long long)a->second);
	return AV_OK;
}
