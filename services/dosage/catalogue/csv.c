/*
 * csv.c - the CSV reader of the pharmacy's imports (see csv.h).
 */
#include "csv.h"

#include <stdbool.h>
#include <string.h>

#include <med/arena.h>

#define MAX_FIELDS DOSAGE_CSV_MAX_FIELDS
#define FIELD_MAX  DOSAGE_CSV_FIELD_MAX
/* STR(x) is x's expansion as a string, for the limits in the reasons. */
#define STR_(x) #x
#define STR(x)	STR_(x)

static const char too_long[] =
	"a field longer than " STR(FIELD_MAX) " characters";
static const char too_many[] = "more than " STR(MAX_FIELDS) " fields";

typedef dosage_csv_reader csv_reader;
typedef dosage_csv_row csv_row;

/* read_field copies one field into the arena; NULL, or on a syntax error
 * what is wrong. */
static const char *
read_field(csv_reader *r, med_arena *a, char **out)
{
	char buf[FIELD_MAX + 1];
	size_t n = 0;
	bool quoted = r->p < r->end && *r->p == '"';

	if (quoted)
		r->p++;
	while (r->p < r->end) {
		char ch = *r->p;

		if (quoted && (ch == '\n' || ch == '\r'))
			return "a quoted field runs past the end of its line "
			       "(a line break inside quotes would join the "
			       "next line to this record; close the quote)";
		if (quoted && ch == '"') {
			if (r->p + 1 < r->end && r->p[1] == '"') {
				r->p++;
			} else {
				r->p++;
				quoted = false;
				break;
			}
		} else if (!quoted && (ch == ',' || ch == '\n' || ch == '\r')) {
			break;
		}
		if (n >= FIELD_MAX)
			return too_long;
		buf[n++] = *r->p++;
	}
	if (quoted)
		return "a quote is not closed";
	if (r->p < r->end && *r->p != ',' && *r->p != '\n' && *r->p != '\r')
		return "text after a closing quote";
	buf[n] = '\0';
	*out = med_arena_strdup(a, buf);
	return *out != NULL ? NULL : "out of memory";
}

/* skip_eol consumes "\r\n", "\n" or "\r". */
static void
skip_eol(csv_reader *r)
{
	if (r->p < r->end && *r->p == '\r')
		r->p++;
	if (r->p < r->end && *r->p == '\n')
		r->p++;
	r->line++;
}

/* skip_comments skips '#' lines and blank lines. */
static void
skip_comments(csv_reader *r)
{
	while (r->p < r->end &&
	       (*r->p == '#' || *r->p == '\n' || *r->p == '\r')) {
		if (*r->p == '#')
			while (r->p < r->end && *r->p != '\n' && *r->p != '\r')
				r->p++;
		skip_eol(r);
	}
}

/* dosage_csv_read_row: see csv.h. */
int
dosage_csv_read_row(csv_reader *r, med_arena *a, csv_row *row)
{
	skip_comments(r);
	if (r->p >= r->end)
		return 0;
	row->n = 0;
	row->line = r->line;
	row->why = NULL;
	for (;;) {
		row->why = row->n >= MAX_FIELDS
				   ? too_many
				   : read_field(r, a, &row->f[row->n++]);
		if (row->why != NULL) {
			while (r->p < r->end && *r->p != '\n')
				r->p++;
			skip_eol(r);
			return -1;
		}
		if (r->p < r->end && *r->p == ',') {
			r->p++;
			continue;
		}
		skip_eol(r);
		return 1;
	}
}
