/*
 * test_modelcard.c - model cards: the front block, the fields every card
 * needs, the model file's hash, and each refusal's message.
 */
#include "testlib.h"

#include "modelcard.h"

#include <med/util.h>

#include <stdbool.h>
#include <stdio.h>

#define GOOD_FIELDS                                                            \
	"kind: face-embedder\n"                                                \
	"name: faceproj-v1\n"                                                  \
	"version: 1.0.0\n"                                                     \
	"licence: Apache-2.0\n"

static char model[512];
static char msg[512];

/* write_file writes text to path. */
static void
write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "wb");

	MT_TRUE(f != NULL);
	fputs(text, f);
	fclose(f);
}

/* with_card writes a model file and its card (front block fields, then
 * the sha256 line when hash is true). */
static void
with_card(const char *fields, bool hash)
{
	char card[600], hex[65], text[4096];

	snprintf(model, sizeof(model), "%s/m.onnx", mt_tmpdir());
	write_file(model, "not really onnx");
	MT_OK(med_file_sha256(model, hex));
	snprintf(text, sizeof(text), "---\n%s%s%s%s---\n# m\nprose\n", fields,
		 hash ? "sha256: " : "", hash ? hex : "", hash ? "\n" : "");
	MT_OK(identity_modelcard_path(model, card, sizeof(card)));
	write_file(card, text);
}

static med_err
load(void)
{
	static identity_modelcard c;

	msg[0] = '\0';
	return identity_modelcard_load(model, "face-embedder", &c, msg,
				       sizeof(msg));
}

static void
test_sha256_of_a_file(void)
{
	char path[512], hex[65];

	snprintf(path, sizeof(path), "%s/abc", mt_tmpdir());
	write_file(path, "abc");
	MT_OK(med_file_sha256(path, hex));
	MT_EQ_STR(hex, "ba7816bf8f01cfea414140de5dae2223"
		       "b00361a396177a9cb410ff61f20015ad");
	MT_EQ_INT(med_file_sha256("/nonexistent/x", hex), MED_ERR_NOT_FOUND);
}

static void
test_card_path(void)
{
	char buf[64];

	MT_OK(identity_modelcard_path("/m/face.onnx", buf, sizeof(buf)));
	MT_EQ_STR(buf, "/m/face.card.md");
	MT_OK(identity_modelcard_path("/m.d/face", buf, sizeof(buf)));
	MT_EQ_STR(buf, "/m.d/face.card.md");
	MT_EQ_INT(identity_modelcard_path("/m/face.onnx", buf, 10),
		  MED_ERR_LIMIT);
}

static void
test_parse_fields(void)
{
	static identity_modelcard c;
	double d = 0;

	MT_OK(identity_modelcard_parse(
		"---\r\nkind: x\r\n# a comment\n\n"
		"threshold:  0.62 \nurl: http://a:b\n---\n"
		"kind: ignored, the prose\n",
		&c, msg, sizeof(msg)));
	MT_EQ_INT(c.n_fields, 3);
	MT_EQ_STR(identity_modelcard_get(&c, "kind"), "x");
	MT_EQ_STR(identity_modelcard_get(&c, "url"), "http://a:b");
	MT_TRUE(identity_modelcard_get(&c, "name") == NULL);
	MT_OK(identity_modelcard_number(&c, "threshold", -1, 1, &d, msg,
					sizeof(msg)));
	MT_TRUE(d > 0.619 && d < 0.621);
	MT_EQ_INT(identity_modelcard_number(&c, "threshold", 0.7, 1, &d, msg,
					    sizeof(msg)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "outside [0.7, 1]") != NULL);
	MT_EQ_INT(identity_modelcard_number(&c, "kind", 0, 1, &d, msg,
					    sizeof(msg)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "'kind: x' is not a number") != NULL);
	MT_EQ_INT(identity_modelcard_number(&c, "dim", 0, 1, &d, msg,
					    sizeof(msg)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "'dim' is required") != NULL);
}

static void
test_parse_refusals(void)
{
	static const struct {
		const char *text, *says;
	} bad[] = {
		{"kind: x\n", "line 1: a card opens with '---'"},
		{"", "line 1: a card opens with '---'"},
		{"---\nkind: x\n", "no closing '---'"},
		{"---\nkind x\n---\n", "line 2: expected 'key: value'"},
		{"---\nKind: x\n---\n", "line 2: key 'Kind'"},
		{"---\na: 1\na: 2\n---\n", "line 3: 'a' is given twice"},
	};
	static identity_modelcard c;

	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		msg[0] = '\0';
		MT_EQ_INT(identity_modelcard_parse(bad[i].text, &c, msg,
						   sizeof(msg)),
			  MED_ERR_INVALID);
		if (strstr(msg, bad[i].says) == NULL)
			mt_fail(__FILE__, __LINE__, "case %zu: '%s' lacks '%s'",
				i, msg, bad[i].says);
	}
}

static void
test_parse_limits(void)
{
	static char text[8192];
	static identity_modelcard c;
	size_t n = 0;

	n += (size_t)snprintf(text + n, sizeof(text) - n, "---\n");
	for (int i = 0; i <= IDENTITY_MODELCARD_MAX_FIELDS; i++)
		n += (size_t)snprintf(text + n, sizeof(text) - n, "k%d: v\n",
				      i);
	snprintf(text + n, sizeof(text) - n, "---\n");
	MT_EQ_INT(identity_modelcard_parse(text, &c, msg, sizeof(msg)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "more than") != NULL);
	memset(text, 'v', sizeof(text) - 1);
	memcpy(text, "---\nk: ", 7);
	text[sizeof(text) - 1] = '\0';
	MT_EQ_INT(identity_modelcard_parse(text, &c, msg, sizeof(msg)),
		  MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "too long") != NULL);
}

static void
test_load_good(void)
{
	static identity_modelcard c;

	with_card(GOOD_FIELDS "threshold: 0.5\n", true);
	MT_OK(identity_modelcard_load(model, "face-embedder", &c, msg,
				      sizeof(msg)));
	MT_EQ_STR(identity_modelcard_get(&c, "name"), "faceproj-v1");
	MT_TRUE(strstr(c.path, "/m.card.md") != NULL);
}

static void
test_load_refusals(void)
{
	with_card(GOOD_FIELDS, false);
	MT_EQ_INT(load(), MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "'sha256' is required") != NULL);

	with_card(GOOD_FIELDS "sha256: 00\n", false);
	MT_EQ_INT(load(), MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "does not match the model file") != NULL);

	with_card("kind: face-detector\nname: a\nversion: 1\nlicence: x\n",
		  true);
	MT_EQ_INT(load(), MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "kind 'face-detector'") != NULL);

	with_card("kind: face-embedder\nname: Bad Name\nversion: 1\n"
		  "licence: x\n",
		  true);
	MT_EQ_INT(load(), MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "name 'Bad Name'") != NULL);

	with_card("kind: face-embedder\nname: a\nversion: 1\n", true);
	MT_EQ_INT(load(), MED_ERR_INVALID);
	MT_TRUE(strstr(msg, "'licence' is required") != NULL);
}

static void
test_load_no_card(void)
{
	snprintf(model, sizeof(model), "%s/lonely.onnx", mt_tmpdir());
	write_file(model, "x");
	MT_EQ_INT(load(), MED_ERR_NOT_FOUND);
	MT_TRUE(strstr(msg, "lonely.card.md: no model card") != NULL);
}

static const mt_case cases[] = {
	{"sha256_of_a_file", test_sha256_of_a_file},
	{"card_path", test_card_path},
	{"parse_fields", test_parse_fields},
	{"parse_refusals", test_parse_refusals},
	{"parse_limits", test_parse_limits},
	{"load_good", test_load_good},
	{"load_refusals", test_load_refusals},
	{"load_no_card", test_load_no_card},
	{NULL, NULL},
};

int
main(int argc, char **argv)
{
	return mt_main(argc, argv, cases);
}
