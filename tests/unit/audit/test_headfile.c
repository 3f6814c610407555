/*
 * test_headfile.c - the head file's text (headfile.c): what the service
 * writes it reads back the same, and a file that is not one it wrote is
 * refused rather than read as some other head (the start then stops).
 */
#include "testlib.h"

#include "audit_svc.h"

#include <stdio.h>
#include <string.h>

static audit_published
published(void)
{
	audit_published p = {.epoch = 3, .has_head = true};

	p.head.tree_size = 5037;
	p.head.timestamp_ms = 1764262800123;
	for (size_t i = 0; i < sizeof(p.head.root); i++)
		p.head.root[i] = (uint8_t)(0xa0 + i);
	for (size_t i = 0; i < sizeof(p.head.sig); i++)
		p.head.sig[i] = (uint8_t)i;
	memcpy(p.head.key_id, "0123456789abcdef", AUDIT_KEY_ID_LEN + 1);
	return p;
}

static void
test_round_trip(void)
{
	audit_published p = published(), back;
	char text[1024];

	MT_TRUE(audit_head_format(&p, text, sizeof(text)) > 0);
	MT_TRUE(strncmp(text, "smartmed-audit-head v1\nepoch 3\n", 31) == 0);
	memset(&back, 0, sizeof(back));
	MT_TRUE(audit_head_parse(text, &back));
	MT_EQ_INT(back.epoch, 3);
	MT_TRUE(back.has_head);
	MT_EQ_INT(back.head.tree_size, 5037);
	MT_EQ_INT(back.head.timestamp_ms, 1764262800123);
	MT_TRUE(memcmp(back.head.root, p.head.root, sizeof(p.head.root)) == 0);
	MT_TRUE(memcmp(back.head.sig, p.head.sig, sizeof(p.head.sig)) == 0);
	MT_EQ_STR(back.head.key_id, "0123456789abcdef");
}

/* A new epoch before its first head, and the empty tree's head: no head
 * to check a log against, the epoch kept. */
static void
test_no_head(void)
{
	audit_published p = {.epoch = 2}, back;
	char text[1024];

	MT_TRUE(audit_head_format(&p, text, sizeof(text)) > 0);
	MT_TRUE(audit_head_parse(text, &back));
	MT_EQ_INT(back.epoch, 2);
	MT_TRUE(!back.has_head);
}

/* replaced writes the formatted file with from replaced by to. */
static void
replaced(const char *from, const char *to, char *out, size_t cap)
{
	audit_published p = published();
	char text[1024];
	char *at;

	MT_TRUE(audit_head_format(&p, text, sizeof(text)) > 0);
	at = strstr(text, from);
	MT_TRUE(at != NULL);
	snprintf(out, cap, "%.*s%s%s", (int)(at - text), text, to,
		 at + strlen(from));
}

static void
test_refused(void)
{
	static const struct {
		const char *from, *to;
	} bad[] = {
		{"smartmed-audit-head v1", "smartmed-audit-head v2"},
		{"epoch 3", "epoch 0"},
		{"epoch 3", "epoch x"},
		{"tree_size 5037", "size 5037"},
		{"root a0a1", "root a0a"},
		{"root a0a1", "root zza1"},
		{"signature 0001", "signature 01"},
		{"key_id 0123456789abcdef", "key_id 0123456789abcdef0"},
		{"\nkey_id 0123456789abcdef\n", "\n"},
	};
	audit_published back;
	char text[1024];

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		replaced(bad[i].from, bad[i].to, text, sizeof(text));
		if (audit_head_parse(text, &back))
			fprintf(stderr, "accepted: %s -> %s\n", bad[i].from,
				bad[i].to);
		MT_TRUE(!audit_head_parse(text, &back));
	}
	MT_TRUE(!audit_head_parse("", &back));
}

static const mt_case cases[] = {
	{"round_trip", test_round_trip},
	{"no_head", test_no_head},
	{"refused", test_refused},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
