/*
 * features.c - build/bin/notes-features: the note reader's findings of
 * each text with what the context model sees of them, for the trainer
 * (tools/notes/train.py).  Texts come on standard input, each ended by a
 * NUL byte.  For each text it writes a line "#" and then one line per
 * finding, tab-separated: kind, code ("-" for none), context ("affirmed"
 * or "negated,historical"...), span start and end, then the finding's
 * features.
 *
 * Usage: notes-features [--rules | --read | --kinds]
 *   --rules  the rules' reading, with features (the default): what the
 *            model is trained on
 *   --read   the reading as the service gives it (rules, then model),
 *            without features
 *   --kinds  as --rules, and after the features of each allergy and
 *            medicine what a decision of its kind reads besides
 *            (notes__kind_features): for tools/notes/kind.py
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "notes_int.h"

/* What one run writes of each finding. */
typedef enum mode { RULES, READ, KINDS, UNKNOWN } mode;

static void
finding_line(const char *text, size_t len, const notes_reading *r,
	     const notes_feature_note *note, size_t i, mode m)
{
	static notes_features fs = {.strings = true};
	const notes_finding *f = &r->findings[i];
	char ctx[96];

	notes_context_text(f->context, ctx, sizeof(ctx));
	printf("%s\t%s\t%s\t%u\t%u", notes_kind_name(f->kind),
	       f->code[0] ? f->code : "-", ctx, f->start, f->end);
	if (m != READ) {
		notes__features(text, len, r, note, i, &fs);
		for (size_t k = 0; k < fs.n; k++)
			printf("\t%s", fs.f[k]);
	}
	if (m == KINDS && f->kind != NOTES_PROBLEM) {
		notes__kind_features(text, len, r, i, &fs);
		for (size_t k = 0; k < fs.n; k++)
			printf("\t%s", fs.f[k]);
	}
	putchar('\n');
}

static void
one_text(const char *text, size_t len, mode m)
{
	static notes_reading r;
	notes_feature_note note;

	if (m != READ)
		notes__read_rules(text, len, &r);
	else
		notes_read(text, len, &r);
	notes__feature_note(text, len, &r, &note);
	puts("#");
	for (size_t i = 0; i < r.n; i++)
		finding_line(text, len, &r, &note, i, m);
}

int
main(int argc, char **argv)
{
	mode m = argc < 2 || strcmp(argv[1], "--rules") == 0 ? RULES
		 : strcmp(argv[1], "--read") == 0	     ? READ
		 : strcmp(argv[1], "--kinds") == 0	     ? KINDS
							     : UNKNOWN;
	const char *problem = notes_lexicon_check();
	char *text = NULL;
	size_t cap = 0;
	ssize_t n;

	if (argc > 2 || m == UNKNOWN) {
		fprintf(stderr,
			"usage: notes-features [--rules | --read | --kinds]\n");
		return 2;
	}
	if (problem == NULL)
		problem = notes_model_check();
	if (problem != NULL) {
		fprintf(stderr, "notes-features: %s\n", problem);
		return 1;
	}
	while ((n = getdelim(&text, &cap, '\0', stdin)) > 0) {
		size_t len = (size_t)n;

		if (text[len - 1] == '\0')
			len--;
		one_text(text, len, m);
	}
	free(text);
	return 0;
}
