/*
 * csv.h - the CSV reader of the pharmacy's imports (the catalogue, the
 * interaction knowledge base, the allergy synonyms): RFC 4180 fields
 * (quotes, doubled quotes, commas inside quotes) one record a line, '#'
 * comment lines and blank lines skipped.  A line break inside quotes is
 * refused, not read as part of the field: in a knowledge file one stray
 * quote would otherwise join the next line's rule to this one's text and
 * the rule would vanish without a word.  Pure: text in, fields in an arena
 * out.
 */
#ifndef DOSAGE_CSV_H
#define DOSAGE_CSV_H

#include <stddef.h>
#include <stdint.h>

#include <med/arena.h>

#define DOSAGE_CSV_MAX_FIELDS 48
#define DOSAGE_CSV_FIELD_MAX  2000

/* dosage_csv_reader - a cursor over the text; line starts at 1. */
typedef struct dosage_csv_reader {
	const char *p, *end;
	uint32_t line; /* current line number, 1-based */
} dosage_csv_reader;

/* dosage_csv_row - one record's fields (in the arena). */
typedef struct dosage_csv_row {
	char *f[DOSAGE_CSV_MAX_FIELDS];
	size_t n;
	uint32_t line;	 /* where the record started */
	const char *why; /* after a syntax error: what is wrong (static) */
} dosage_csv_row;

/*
 * dosage_csv_read_row reads the next record of r into row (fields copied
 * into a): 1 for a record, 0 at the end, -1 on a syntax error (a quote
 * not closed on its line, text after a closing quote, a field longer than
 * DOSAGE_CSV_FIELD_MAX, more than DOSAGE_CSV_MAX_FIELDS fields, or no
 * memory), row->why saying which and row->line naming the line; the
 * reader then stands at the next line.
 */
int dosage_csv_read_row(dosage_csv_reader *r, med_arena *a,
			dosage_csv_row *row);

#endif
