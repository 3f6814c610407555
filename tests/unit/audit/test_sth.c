/*
 * test_sth.c - signed tree heads (sth.c) outside the signer thread: the key
 * id a key is known by, the signature over exactly the bytes auditverify
 * checks (with a fixed key), and the key file: read, refused, created.
 */
#include "testlib.h"

#include "audit_svc.h"

#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* fixed_keys derives the key pair of the seed 00 01 .. 1f. */
static void
fixed_keys(uint8_t pk[crypto_sign_PUBLICKEYBYTES],
	   uint8_t sk[crypto_sign_SECRETKEYBYTES])
{
	uint8_t seed[crypto_sign_SEEDBYTES];

	for (size_t i = 0; i < sizeof(seed); i++)
		seed[i] = (uint8_t)i;
	MT_TRUE(sodium_init() >= 0);
	crypto_sign_seed_keypair(pk, sk, seed);
}

/* sth_message writes the signed bytes as med/audit.h documents them, by
 * hand: the tag with its NUL, size, time and root, big-endian. */
static void
sth_message(const audit_sth *h, uint8_t out[MED_AUDIT_STH_MSG_LEN])
{
	static const char tag[] = "smartmed-audit-sth-v1";
	uint64_t t = (uint64_t)h->timestamp_ms;

	memcpy(out, tag, sizeof(tag)); /* 22 bytes, NUL included */
	for (int i = 0; i < 8; i++) {
		out[22 + i] = (uint8_t)(h->tree_size >> (56 - 8 * i));
		out[30 + i] = (uint8_t)(t >> (56 - 8 * i));
	}
	memcpy(out + 38, h->root, MED_MERKLE_HASH_LEN);
}

static bool
verifies(const audit_sth *h, const uint8_t pk[crypto_sign_PUBLICKEYBYTES])
{
	uint8_t msg[MED_AUDIT_STH_MSG_LEN];

	sth_message(h, msg);
	return crypto_sign_verify_detached(h->sig, msg, sizeof(msg), pk) == 0;
}

static audit_sth
head(void)
{
	audit_sth h = {.tree_size = 1234567, .timestamp_ms = 1700000000123};

	for (size_t i = 0; i < sizeof(h.root); i++)
		h.root[i] = (uint8_t)(0xa0 + i);
	return h;
}

static void
test_key_id(void)
{
	uint8_t pk[32] = {0};
	char id[AUDIT_KEY_ID_LEN + 1], other[AUDIT_KEY_ID_LEN + 1];

	/* SHA-256 of 32 zero bytes starts 66687aadf862bd77 */
	audit_key_id(pk, sizeof(pk), id);
	MT_EQ_STR(id, "66687aadf862bd77");
	pk[31] = 1;
	audit_key_id(pk, sizeof(pk), other);
	MT_TRUE(strcmp(id, other) != 0);
	MT_EQ_INT(strlen(other), AUDIT_KEY_ID_LEN);
}

static void
test_sign_verifies(void)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	audit_sth h = head(), again = head();

	fixed_keys(pk, sk);
	audit_sth_sign(sk, &h);
	MT_TRUE(verifies(&h, pk));
	/* Ed25519 is deterministic: the same head, the same signature */
	audit_sth_sign(sk, &again);
	MT_TRUE(memcmp(h.sig, again.sig, sizeof(h.sig)) == 0);
	/* a negative time is signed as its two's complement */
	h.timestamp_ms = -1;
	audit_sth_sign(sk, &h);
	MT_TRUE(verifies(&h, pk));
}

/* Every signed field counts: change one and the signature fails. */
static void
test_sign_tampered(void)
{
	uint8_t pk[crypto_sign_PUBLICKEYBYTES], sk[crypto_sign_SECRETKEYBYTES];
	uint8_t pk2[crypto_sign_PUBLICKEYBYTES],
		sk2[crypto_sign_SECRETKEYBYTES];
	audit_sth h = head(), t;

	fixed_keys(pk, sk);
	audit_sth_sign(sk, &h);
	t = h;
	t.tree_size++;
	MT_TRUE(!verifies(&t, pk));
	t = h;
	t.timestamp_ms++;
	MT_TRUE(!verifies(&t, pk));
	t = h;
	t.root[31] ^= 1;
	MT_TRUE(!verifies(&t, pk));
	t = h;
	t.sig[0] ^= 1;
	MT_TRUE(!verifies(&t, pk));
	crypto_sign_keypair(pk2, sk2);
	MT_TRUE(!verifies(&h, pk2));
}

/* key_file writes text to a fresh file and returns its path. */
static const char *
key_file(const char *text)
{
	static char path[512];
	FILE *f;

	snprintf(path, sizeof(path), "%s/audit-signing.key", mt_tmpdir());
	f = fopen(path, "w");
	MT_TRUE(f != NULL);
	fputs(text, f);
	fclose(f);
	return path;
}

#define SEED_HEX                                                               \
	"000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"

static void
test_key_read(void)
{
	uint8_t seed[crypto_sign_SEEDBYTES];

	MT_OK(audit_key_read(key_file(SEED_HEX "\n"), seed));
	for (size_t i = 0; i < sizeof(seed); i++)
		MT_EQ_INT(seed[i], i);
	memset(seed, 0, sizeof(seed));
	MT_OK(audit_key_read(key_file(SEED_HEX), seed)); /* no newline */
	MT_EQ_INT(seed[31], 31);
}

static void
test_key_refused(void)
{
	uint8_t seed[crypto_sign_SEEDBYTES];
	char path[512], bad[sizeof(SEED_HEX)];

	snprintf(path, sizeof(path), "%s/none.key", mt_tmpdir());
	MT_EQ_INT(audit_key_read(path, seed), MED_ERR_NOT_FOUND);
	MT_EQ_INT(audit_key_read(key_file(""), seed), MED_ERR_INVALID);
	MT_EQ_INT(audit_key_read(key_file("not a key\n"), seed),
		  MED_ERR_INVALID);
	/* one digit short (the seed less its first), one too many, a
	 * character after the digits, a letter that is no hex digit */
	MT_EQ_INT(audit_key_read(key_file(SEED_HEX + 1), seed),
		  MED_ERR_INVALID);
	MT_EQ_INT(audit_key_read(key_file(SEED_HEX "0\n"), seed),
		  MED_ERR_INVALID);
	MT_EQ_INT(audit_key_read(key_file(SEED_HEX "x"), seed),
		  MED_ERR_INVALID);
	snprintf(bad, sizeof(bad), "%s", SEED_HEX);
	bad[10] = 'g';
	MT_EQ_INT(audit_key_read(key_file(bad), seed), MED_ERR_INVALID);
}

static void
test_key_create(void)
{
	uint8_t seed[crypto_sign_SEEDBYTES], back[crypto_sign_SEEDBYTES];
	char path[512];
	struct stat st;

	MT_TRUE(sodium_init() >= 0);
	snprintf(path, sizeof(path), "%s/new.key", mt_tmpdir());
	MT_OK(audit_key_create(path, "test key", seed));
	MT_TRUE(stat(path, &st) == 0);
	MT_EQ_INT(st.st_mode & 0777, 0600);
	MT_OK(audit_key_read(path, back));
	MT_TRUE(memcmp(seed, back, sizeof(seed)) == 0);
	/* never over an existing key, never in a missing directory */
	MT_EQ_INT(audit_key_create(path, "test key", back), MED_ERR_IO);
	MT_OK(audit_key_read(path, back));
	MT_TRUE(memcmp(seed, back, sizeof(seed)) == 0);
	snprintf(path, sizeof(path), "%s/no/such/dir.key", mt_tmpdir());
	MT_EQ_INT(audit_key_create(path, "test key", seed), MED_ERR_IO);
}

/* A process killed while writing a key leaves at most its temporary file,
 * never an empty key file that every later start would refuse; the next
 * start writes the key whole (issue 49, item 11). */
static void
test_key_create_after_kill(void)
{
	uint8_t seed[crypto_sign_SEEDBYTES], back[crypto_sign_SEEDBYTES];
	char path[512], tmp[600];
	FILE *f;

	MT_TRUE(sodium_init() >= 0);
	snprintf(path, sizeof(path), "%s/killed.key", mt_tmpdir());
	snprintf(tmp, sizeof(tmp), "%s.new.%ld", path, (long)getpid());
	f = fopen(tmp, "w");
	MT_TRUE(f != NULL);
	fputs("0123", f); /* cut short */
	fclose(f);
	MT_OK(audit_key_create(path, "test key", seed));
	MT_OK(audit_key_read(path, back));
	MT_TRUE(memcmp(seed, back, sizeof(seed)) == 0);
	MT_TRUE(access(tmp, F_OK) != 0);
}

static const mt_case cases[] = {
	{"key_id", test_key_id},
	{"sign_verifies", test_sign_verifies},
	{"sign_tampered", test_sign_tampered},
	{"key_read", test_key_read},
	{"key_refused", test_key_refused},
	{"key_create", test_key_create},
	{"key_create_after_kill", test_key_create_after_kill},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
