/*
 * test_audit_leaf.c - leaf MACs and their key files (audit_leaf.c): the
 * MAC against a vector made with Python's hmac module (an independent
 * implementation), every key of a rotated file accepted, and key files that
 * are malformed refused with the line that is wrong.
 */
#include "testlib.h"

#include <med/audit.h>
#include <med/audit_log.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#define KEY0 "000102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f"
#define KEY1 "ffeeddccbbaa99887766554433221100ffeeddccbbaa99887766554433221100"

/* hmac.new(bytes(range(32)), b"smartmed-audit-leaf-mac-v1\0" +
 * b"\xaa" * 32, hashlib.sha256).hexdigest() */
#define MAC_VECTOR                                                             \
	"5b63bbbe88ce8e6d1e309f32ec037e11ae380c1005d919d0e64cff836b770256"

static med_err
parse(const char *text, med_audit_leaf_keys *k, size_t *bad)
{
	return med_audit_leaf_keys_parse(text, strlen(text), k, bad);
}

static void
test_mac_vector(void)
{
	med_audit_leaf_keys k;
	uint8_t leaf[32], mac[32], want[32];
	size_t bad = 99;

	MT_TRUE(sodium_init() >= 0);
	MT_OK(parse(KEY0 "\n", &k, &bad));
	memset(leaf, 0xaa, sizeof(leaf));
	med_audit_leaf_mac(k.key[0], leaf, mac);
	MT_EQ_INT(sodium_hex2bin(want, sizeof(want), MAC_VECTOR,
				 strlen(MAC_VECTOR), NULL, NULL, NULL),
		  0);
	MT_TRUE(memcmp(mac, want, sizeof(mac)) == 0);
	MT_TRUE(med_audit_leaf_mac_ok(&k, leaf, mac, sizeof(mac)));
	/* Another leaf, a shortened MAC or no MAC do not pass. */
	leaf[31] ^= 1;
	MT_TRUE(!med_audit_leaf_mac_ok(&k, leaf, mac, sizeof(mac)));
	leaf[31] ^= 1;
	MT_TRUE(!med_audit_leaf_mac_ok(&k, leaf, mac, sizeof(mac) - 1));
	MT_TRUE(!med_audit_leaf_mac_ok(&k, leaf, NULL, 0));
}

static void
test_rotated_keys(void)
{
	med_audit_leaf_keys old, both;
	uint8_t leaf[32] = {7}, mac[32];
	size_t bad = 0;

	MT_OK(parse(KEY1 "\n", &old, &bad));
	MT_OK(parse("# current\r\n" KEY0 "\r\n\n# before 2026-11\n" KEY1, &both,
		    &bad));
	MT_EQ_INT(both.n, 2);
	MT_TRUE(memcmp(both.key[1], old.key[0], 32) == 0);
	/* A leaf MACed under the earlier key still checks; new leaves get
	 * the current one, which the earlier file alone does not accept. */
	med_audit_leaf_mac(old.key[0], leaf, mac);
	MT_TRUE(med_audit_leaf_mac_ok(&both, leaf, mac, sizeof(mac)));
	med_audit_leaf_mac(both.key[0], leaf, mac);
	MT_TRUE(!med_audit_leaf_mac_ok(&old, leaf, mac, sizeof(mac)));
}

static void
test_keys_refused(void)
{
	med_audit_leaf_keys k;
	char many[9 * 65 + 1] = "", not_hex[] = KEY0;
	size_t bad = 0;

	MT_EQ_INT(parse("", &k, &bad), MED_ERR_INVALID);
	MT_EQ_INT(bad, 0);
	MT_EQ_INT(parse("# only a comment\n\n", &k, &bad), MED_ERR_INVALID);
	MT_EQ_INT(bad, 0);
	MT_EQ_INT(parse(KEY0 "\n" KEY1 "0\n", &k, &bad), MED_ERR_INVALID);
	MT_EQ_INT(bad, 2);
	MT_EQ_INT(parse("\n" KEY0 " \n", &k, &bad), MED_ERR_INVALID);
	MT_EQ_INT(bad, 2);
	not_hex[0] = 'z';
	MT_EQ_INT(parse(not_hex, &k, &bad), MED_ERR_INVALID);
	MT_EQ_INT(bad, 1);
	for (size_t i = 0; i < 9; i++)
		memcpy(many + 65 * i, KEY0 "\n", 65);
	MT_EQ_INT(parse(many, &k, &bad), MED_ERR_LIMIT);
	MT_EQ_INT(bad, 9);
}

static void
test_keys_read(void)
{
	med_audit_leaf_keys k;
	char path[512], msg[256];
	FILE *f;

	snprintf(path, sizeof(path), "%s/leaf.key", mt_tmpdir());
	MT_EQ_INT(med_audit_leaf_keys_read(path, &k, msg, sizeof(msg)),
		  MED_ERR_NOT_FOUND);
	MT_TRUE(strstr(msg, "no such file") != NULL);
	f = fopen(path, "w");
	MT_TRUE(f != NULL);
	fputs(KEY0 "\nnot a key\n", f);
	fclose(f);
	MT_EQ_INT(med_audit_leaf_keys_read(path, &k, msg, sizeof(msg)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "line 2: not a key") != NULL);
	f = fopen(path, "w");
	MT_TRUE(f != NULL);
	for (int i = 0; i < 100; i++)
		fputs("# padding padding padding padding padding padding\n", f);
	fclose(f);
	MT_EQ_INT(med_audit_leaf_keys_read(path, &k, msg, sizeof(msg)),
		  MED_ERR_LIMIT);
	MT_TRUE(strstr(msg, "larger than") != NULL);
	f = fopen(path, "w");
	MT_TRUE(f != NULL);
	fputs(KEY1 "\n", f);
	fclose(f);
	MT_OK(med_audit_leaf_keys_read(path, &k, msg, sizeof(msg)));
	MT_EQ_INT(k.n, 1);
}

static const mt_case cases[] = {
	{"mac_vector", test_mac_vector},
	{"rotated_keys", test_rotated_keys},
	{"keys_refused", test_keys_refused},
	{"keys_read", test_keys_read},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
