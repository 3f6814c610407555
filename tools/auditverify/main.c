/*
 * auditverify - checks the audit log's proofs and contents, for an outside
 * auditor.  It trusts nothing the audit service computed: it recomputes.
 *
 *   auditverify sth --pubkey HEX --size N --timestamp MS --root HEX --sig HEX
 *   auditverify inclusion --index I --size N --leaf HEX --root HEX
 *               [--path HEX,HEX,...]
 *   auditverify consistency --first M --second N --first-root HEX
 *               --second-root HEX [--proof HEX,HEX,...]
 *   auditverify log [--db-host H] [--db-port P] [--db-socket S]
 *               [--db-user U] [--db-password PW] [--db-name D]
 *               [--db-tls-ca FILE] [--pubkey HEX]... [--leaf-key-file FILE]
 *               [--since-size M --since-root HEX]
 *
 * "log" reads the audit database directly: it recomputes every entry's
 * canonical encoding and leaf hash from the row's fields and compares it
 * with the stored leaf hash, checks that seq is dense, rebuilds the tree,
 * compares every stored subtree hash with the rebuilt one and the root
 * with every stored signed tree head (and, with --pubkey, checks their
 * signatures: after a signing-key rotation give --pubkey once per key, and
 * each head must verify under one of them; with --leaf-key-file, the audit
 * service's MED_AUDIT_LEAF_KEY_FILE, every leaf's MAC, without which rows added
 * behind the service's back after the last head cannot be told from its
 * own).  Mismatches are reported with their leaf index or node address.
 * Without the leaf keys a log that checks is not called verified: a row
 * forged after the last signed head, its leaf hash recomputed, looks like
 * the service's own, so "log" then exits 3 (unverified) unless
 * --no-leaf-key says the caller accepts that.
 * Exit status: 0 verified, 1 verification failed, 2 usage or I/O error,
 * 3 no fault found but the leaf MACs not checked (no --leaf-key-file),
 * 4 verified, but the head given by --since-size is not in the log: an
 * epoch statement (an auditor continued from a restored log) abandons it,
 * and the run names it and the entries lost.
 *
 * With --since-size and --since-root, the size and root of a head an
 * earlier "log" run verified (it prints them last), "log" checks only the
 * entries after it: the stored right edge of the tree at that size must
 * give that root, and the entries after it are checked onto it as above.
 * A periodic audit then costs the entries added since, not the whole log.
 * When the stored tree does not give that head, the whole log is checked
 * and an epoch statement that names the head explains it (exit 4).
 */
#include "auditverify.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void
usage(void)
{
	fputs("usage: auditverify sth --pubkey HEX --size N --timestamp MS "
	      "--root HEX --sig HEX\n"
	      "       auditverify inclusion --index I --size N --leaf HEX "
	      "--root HEX [--path HEX,...]\n"
	      "       auditverify consistency --first M --second N "
	      "--first-root HEX --second-root HEX [--proof HEX,...]\n"
	      "       auditverify log [--db-host H] [--db-port P] "
	      "[--db-socket S] [--db-user U]\n"
	      "                       [--db-password PW] [--db-name D] "
	      "[--db-tls-ca FILE] [--pubkey HEX]...\n"
	      "                       [--leaf-key-file FILE | --no-leaf-key]\n"
	      "                       [--since-size M --since-root HEX]\n",
	      stderr);
}

enum {
	OPT_PUBKEY = 256,
	OPT_SIZE,
	OPT_TIMESTAMP,
	OPT_ROOT,
	OPT_SIG,
	OPT_INDEX,
	OPT_LEAF,
	OPT_PATH,
	OPT_FIRST,
	OPT_SECOND,
	OPT_FIRST_ROOT,
	OPT_SECOND_ROOT,
	OPT_DB_HOST,
	OPT_DB_PORT,
	OPT_DB_SOCKET,
	OPT_DB_USER,
	OPT_DB_PASSWORD,
	OPT_DB_NAME,
	OPT_DB_TLS_CA,
	OPT_LEAF_KEY_FILE,
	OPT_NO_LEAF_KEY,
	OPT_SINCE_SIZE,
	OPT_SINCE_ROOT,
};

static const struct option long_opts[] = {
	{"pubkey", required_argument, NULL, OPT_PUBKEY},
	{"size", required_argument, NULL, OPT_SIZE},
	{"timestamp", required_argument, NULL, OPT_TIMESTAMP},
	{"root", required_argument, NULL, OPT_ROOT},
	{"sig", required_argument, NULL, OPT_SIG},
	{"index", required_argument, NULL, OPT_INDEX},
	{"leaf", required_argument, NULL, OPT_LEAF},
	{"path", required_argument, NULL, OPT_PATH},
	{"proof", required_argument, NULL, OPT_PATH},
	{"first", required_argument, NULL, OPT_FIRST},
	{"second", required_argument, NULL, OPT_SECOND},
	{"first-root", required_argument, NULL, OPT_FIRST_ROOT},
	{"second-root", required_argument, NULL, OPT_SECOND_ROOT},
	{"db-host", required_argument, NULL, OPT_DB_HOST},
	{"db-port", required_argument, NULL, OPT_DB_PORT},
	{"db-socket", required_argument, NULL, OPT_DB_SOCKET},
	{"db-user", required_argument, NULL, OPT_DB_USER},
	{"db-password", required_argument, NULL, OPT_DB_PASSWORD},
	{"db-name", required_argument, NULL, OPT_DB_NAME},
	{"db-tls-ca", required_argument, NULL, OPT_DB_TLS_CA},
	{"leaf-key-file", required_argument, NULL, OPT_LEAF_KEY_FILE},
	{"no-leaf-key", no_argument, NULL, OPT_NO_LEAF_KEY},
	{"since-size", required_argument, NULL, OPT_SINCE_SIZE},
	{"since-root", required_argument, NULL, OPT_SINCE_ROOT},
	{NULL, 0, NULL, 0},
};

static bool
parse_u64(const char *s, uint64_t *out)
{
	char *end = NULL;
	unsigned long long v;

	if (s == NULL || s[0] < '0' || s[0] > '9')
		return false;
	v = strtoull(s, &end, 10);
	if (*end != '\0')
		return false;
	*out = v;
	return true;
}

static bool
parse_i64(const char *s, int64_t *out)
{
	char *end = NULL;
	long long v;

	if (s == NULL || s[0] == '\0')
		return false;
	v = strtoll(s, &end, 10);
	if (*end != '\0')
		return false;
	*out = v;
	return true;
}

/* leaf_keys_opt reads --leaf-key-file, saying what is wrong with it. */
static bool
leaf_keys_opt(av_args *a, const char *path)
{
	char msg[512];

	if (med_audit_leaf_keys_read(path, &a->leaf_keys, msg, sizeof(msg)) !=
	    MED_OK) {
		fprintf(stderr, "auditverify: --leaf-key-file %s\n", msg);
		return false;
	}
	a->has_leaf_keys = true;
	return true;
}

/* set_opt stores one option; false when its value does not parse. */
static bool
set_opt(av_args *a, int opt, const char *v)
{
	switch (opt) {
	case OPT_PUBKEY:
		if (a->n_pubkeys == AV_PUBKEYS_MAX)
			return false;
		return av_unhex(v, a->pubkeys[a->n_pubkeys++],
				sizeof(a->pubkeys[0]));
	case OPT_SIZE:
	case OPT_SECOND:
		return parse_u64(v, opt == OPT_SIZE ? &a->size : &a->second);
	case OPT_INDEX:
		return parse_u64(v, &a->index);
	case OPT_FIRST:
		return parse_u64(v, &a->first);
	case OPT_TIMESTAMP:
		return parse_i64(v, &a->timestamp_ms);
	case OPT_ROOT:
	case OPT_SECOND_ROOT:
		return av_unhex(v, opt == OPT_ROOT ? a->root : a->second_root,
				MED_MERKLE_HASH_LEN);
	case OPT_FIRST_ROOT:
		return av_unhex(v, a->first_root, MED_MERKLE_HASH_LEN);
	case OPT_LEAF:
		return av_unhex(v, a->leaf, MED_MERKLE_HASH_LEN);
	case OPT_SIG:
		return av_unhex(v, a->sig, sizeof(a->sig));
	case OPT_PATH:
		return av_parse_path(v, a->path, &a->n_path);
	case OPT_LEAF_KEY_FILE:
		return leaf_keys_opt(a, v);
	case OPT_NO_LEAF_KEY:
		a->no_leaf_key = true;
		return true;
	case OPT_SINCE_SIZE:
		a->has_since_size = true;
		return parse_u64(v, &a->since_size);
	case OPT_SINCE_ROOT:
		a->has_since_root = true;
		return av_unhex(v, a->since_root, MED_MERKLE_HASH_LEN);
	default:
		return av_set_db_opt(a, opt - OPT_DB_HOST, v);
	}
}

int
main(int argc, char **argv)
{
	av_args a;
	int opt;

	memset(&a, 0, sizeof(a));
	if (argc < 2) {
		usage();
		return AV_USAGE;
	}
	optind = 2;
	while ((opt = getopt_long(argc, argv, "", long_opts, NULL)) != -1) {
		if (opt == '?' || !set_opt(&a, opt, optarg)) {
			if (opt != '?')
				fprintf(stderr, "auditverify: bad value: %s\n",
					optarg);
			usage();
			return AV_USAGE;
		}
	}
	if (strcmp(argv[1], "sth") == 0)
		return av_cmd_sth(&a);
	if (strcmp(argv[1], "inclusion") == 0)
		return av_cmd_inclusion(&a);
	if (strcmp(argv[1], "consistency") == 0)
		return av_cmd_consistency(&a);
	if (strcmp(argv[1], "log") == 0 &&
	    a.has_since_size != a.has_since_root) {
		fprintf(stderr, "auditverify: --since-size and --since-root "
				"go together (the head you verified before)\n");
		return AV_USAGE;
	}
	if (strcmp(argv[1], "log") == 0)
		return av_cmd_log(&a);
	usage();
	return AV_USAGE;
}
