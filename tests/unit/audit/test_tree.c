/*
 * test_tree.c - the checks tree.c makes of what it reads back from the
 * store before a head is built on it: a signed tree head whose root,
 * signature and key id have their sizes (a node's hash is checked by
 * libmed's med_audit_node_get, test_db's audit_node_get).  A damaged row is
 * MED_ERR_DATA_LOSS and the output is left as it was.  (The SQL itself is
 * covered by the contract tests.)
 */
#include "testlib.h"

#include "audit_svc.h"

static char root[MED_MERKLE_HASH_LEN];
static char sig[crypto_sign_BYTES];

/* good_row is a tree_heads row as the signer writes it. */
static audit_sth_cols
good_row(void)
{
	for (size_t i = 0; i < sizeof(root); i++)
		root[i] = (char)(i + 1);
	for (size_t i = 0; i < sizeof(sig); i++)
		sig[i] = (char)(0x80 + i);
	return (audit_sth_cols){
		.tree_size = 42,
		.timestamp_ms = 1700000000000,
		.root = root,
		.root_len = sizeof(root),
		.sig = sig,
		.sig_len = sizeof(sig),
		.key_id = "66687aadf862bd77",
		.key_id_len = 16,
	};
}

static void
test_sth_decode(void)
{
	audit_sth_cols c = good_row();
	audit_sth h;

	memset(&h, 0xff, sizeof(h));
	MT_OK(audit_sth_decode(&c, &h));
	MT_EQ_INT(h.tree_size, 42);
	MT_EQ_INT(h.timestamp_ms, 1700000000000);
	MT_TRUE(memcmp(h.root, root, sizeof(root)) == 0);
	MT_TRUE(memcmp(h.sig, sig, sizeof(sig)) == 0);
	MT_EQ_STR(h.key_id, "66687aadf862bd77");
	/* a shorter key id is still terminated */
	c.key_id = "abc";
	c.key_id_len = 3;
	MT_OK(audit_sth_decode(&c, &h));
	MT_EQ_STR(h.key_id, "abc");
}

/* damaged runs one broken row through the decoder. */
static void
damaged(int line, const audit_sth_cols *c)
{
	audit_sth h, before;

	memset(&h, 0x33, sizeof(h));
	before = h;
	if (audit_sth_decode(c, &h) != MED_ERR_DATA_LOSS)
		mt_fail(__FILE__, line, "a damaged row was not refused");
	if (memcmp(&h, &before, sizeof(h)) != 0)
		mt_fail(__FILE__, line, "a refused row changed the output");
}

static void
test_sth_damaged(void)
{
	audit_sth_cols c;

	c = good_row();
	c.root = NULL;
	damaged(__LINE__, &c);
	c = good_row();
	c.sig = NULL;
	damaged(__LINE__, &c);
	c = good_row();
	c.key_id = NULL;
	damaged(__LINE__, &c);
	c = good_row();
	c.root_len--;
	damaged(__LINE__, &c);
	c = good_row();
	c.sig_len = MED_MERKLE_HASH_LEN; /* a hash where a signature goes */
	damaged(__LINE__, &c);
	c = good_row();
	c.key_id = "66687aadf862bd77a";
	c.key_id_len = AUDIT_KEY_ID_LEN + 1;
	damaged(__LINE__, &c);
}

static const mt_case cases[] = {
	{"sth_decode", test_sth_decode},
	{"sth_damaged", test_sth_damaged},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
