/*
 * patients.c - the patients of a handover note.  A nurse's or a
 * doctor's handover tells several patients in one note, each under a
 * line that names the bed ("BED 4 - Rhys PRYCE, 31", "Bay 2:", "ROOM 9
 * - SZABO", "12床 张某 男 76岁", "Pt 2: Mr T.F."), and what the note says
 * of one patient's label (a label removed, a doubt, a stop) says nothing
 * of another's: notes__settle settles each patient's findings apart.
 */
#include "reader_int.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* after_marks: the first byte of the line at p (to at most) past the
 * spaces and the marks a handover draws before a bed ("--- BED 12 ---",
 * "* Bed 3", "> Room 6", "| Bed 7 |"). */
static const char *
after_marks(const char *p, const char *to)
{
	while (p < to && strchr(" \t-=*#>|", *p) != NULL)
		p++;
	return p;
}

/* number_at: the number written at p (to at most), spaces, "#" or "no."
 * before it; NULL when none, else the byte after it, *n its value. */
static const char *
number_at(const char *p, const char *to, unsigned *n)
{
	while (p < to && (*p == ' ' || *p == '#'))
		p++;
	if (to - p >= 3 && strncasecmp(p, "no.", 3) == 0)
		p += 3;
	while (p < to && *p == ' ')
		p++;
	if (p >= to || !isdigit((unsigned char)*p))
		return NULL;
	*n = 0;
	while (p < to && isdigit((unsigned char)*p) && *n < 100000)
		*n = *n * 10 + (unsigned)(*p++ - '0');
	return p;
}

/* word_then_number: does the line at p open with word (any case) and a
 * number after it, "Bed 4" but not "Bedside" or "Bed rest"? */
static const char *
word_then_number(const char *p, const char *to, const char *word, unsigned *n)
{
	size_t len = strlen(word);

	if ((size_t)(to - p) <= len || strncasecmp(p, word, len) != 0 ||
	    isalpha((unsigned char)p[len]))
		return NULL;
	return number_at(p + len, to, n);
}

/* bed_line: does the line [p, to) open with a bed, bay or room and its
 * number, or a patient's number and a colon or dash after it ("Pt 1:",
 * "Patient 2 -"; "Pt 63M" is an age)?  *n is the number. */
static bool
bed_line(const char *p, const char *to, unsigned *n)
{
	static const char *const beds[] = {"bed", "bay", "room", "rm",
					   "cubicle"};
	static const char *const patients[] = {"patient", "pt"};
	const char *q;

	for (size_t i = 0; i < sizeof(beds) / sizeof(*beds); i++)
		if (word_then_number(p, to, beds[i], n) != NULL)
			return true;
	for (size_t i = 0; i < sizeof(patients) / sizeof(*patients); i++) {
		q = word_then_number(p, to, patients[i], n);
		while (q != NULL && q < to && *q == ' ')
			q++;
		if (q != NULL && q < to &&
		    (*q == ':' || *q == '-' || *q == ')'))
			return true;
	}
	return false;
}

/* bed_line_zh: does the line [p, to) open with a Chinese bed, its
 * number then 床 ("12床 张某", "第 7 床", "7 床 王某", "3號床")? */
static bool
bed_line_zh(const char *p, const char *to, unsigned *n)
{
	static const char *const beds[] = {"床", "號床", "号床"};
	const char *q;

	if (to - p >= 3 && memcmp(p, "第", 3) == 0)
		p += 3;
	q = number_at(p, to, n);
	if (q == NULL)
		return false;
	while (q < to && *q == ' ')
		q++;
	for (size_t i = 0; i < sizeof(beds) / sizeof(*beds); i++)
		if ((size_t)(to - q) >= strlen(beds[i]) &&
		    memcmp(q, beds[i], strlen(beds[i])) == 0)
			return true;
	return false;
}

size_t
notes__patient_starts(const char *text, size_t len, uint32_t *starts,
		      size_t max)
{
	size_t n = 0;
	unsigned bed = 0, last = 0;
	bool any = false;

	for (size_t at = 0; at < len;) {
		const char *end = memchr(text + at, '\n', len - at);
		const char *to = end != NULL ? end : text + len;
		const char *p = after_marks(text + at, to);

		/* a bed told again ("Bay 2 cont.:") goes on with its patient */
		if ((bed_line(p, to, &bed) || bed_line_zh(p, to, &bed)) &&
		    (!any || bed != last) && n < max) {
			starts[n++] = (uint32_t)at;
			last = bed;
			any = true;
		}
		at = (size_t)(to - text) + 1;
	}
	return n;
}
