/*
 * spelling.c - a word the lexicon does not know, read as the one name of
 * a substance, allergy class or problem it is a single slip away from
 * ("penicilin", "amoxicilin", "hypertenison").  Bounded on purpose: one
 * edit (a letter dropped, added, changed, or two neighbours swapped: the
 * optimal string alignment distance), only between words of at least
 * NOTES_SPELLING_MIN letters with the same first letter, and only when
 * exactly one name (one code) is that close; a short word, a word near
 * two names, or a word two edits away is left unread.  Names of several
 * words are not matched this way.
 */
#include "notes_int.h"

#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* one_edit: are a and b (lengths na <= nb) exactly one edit apart? */
static bool
one_edit(const char *a, size_t na, const char *b, size_t nb)
{
	size_t i = 0;

	while (i < na && a[i] == b[i])
		i++;
	if (na + 1 == nb) /* one letter added to a */
		return strcmp(a + i, b + i + 1) == 0;
	if (i == na)
		return false; /* the same word */
	if (strcmp(a + i + 1, b + i + 1) == 0)
		return true; /* one letter changed */
	/* two neighbours swapped */
	return i + 1 < na && a[i] == b[i + 1] && a[i + 1] == b[i] &&
	       strcmp(a + i + 2, b + i + 2) == 0;
}

static bool
letters(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (w[i] < 'a' || w[i] > 'z')
			return false;
	return n >= NOTES_SPELLING_MIN;
}

/* The names a slip may be near, by first letter and length: the places
 * in the lexicon's table (sorted by key) of the one-word substances,
 * classes and problems of at least NOTES_SPELLING_MIN letters, a letter's
 * names of one length together.  A word is compared with the names of
 * its own first letter and its length or one more or less: the others
 * cannot be one edit away, and comparing every name of the letter was a
 * tenth of the reader's time. */
#define NAME_LETTERS 26
#define NAME_LEN_MAX (NOTES_WORD_MAX + 1)

typedef struct near_names {
	uint32_t *at;					/* places, grouped */
	uint32_t start[NAME_LETTERS][NAME_LEN_MAX + 2]; /* into at */
} near_names;

static near_names names;
static pthread_once_t names_once = PTHREAD_ONCE_INIT;

/* name_group is the group of key k, or -1 when k is not such a name. */
static int
name_group(const notes_entry *e, size_t *len)
{
	*len = strlen(e->key);
	if (e->type < NOTES_T_SUBSTANCE || *len < NOTES_SPELLING_MIN ||
	    *len > NAME_LEN_MAX || e->key[0] < 'a' || e->key[0] > 'z' ||
	    strchr(e->key, ' ') != NULL)
		return -1;
	return e->key[0] - 'a';
}

/* names_load counts each group's names, then places them in table order
 * (a counting sort: start[c][len] is where group (c, len) begins). */
static void
names_load(void)
{
	size_t n, len, total = 0;
	const notes_entry *v = notes__entries(&n);
	uint32_t fill[NAME_LETTERS][NAME_LEN_MAX + 1] = {{0}};
	int c;

	for (size_t i = 0; i < n; i++)
		if ((c = name_group(&v[i], &len)) >= 0)
			names.start[c][len]++;
	for (c = 0; c < NAME_LETTERS; c++)
		for (len = 0; len <= NAME_LEN_MAX + 1; len++) {
			uint32_t k = names.start[c][len];

			names.start[c][len] = (uint32_t)total;
			total += k;
		}
	if ((names.at = calloc(total ? total : 1, sizeof(*names.at))) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if ((c = name_group(&v[i], &len)) >= 0)
			names.at[names.start[c][len] + fill[c][len]++] =
				(uint32_t)i;
}

/* near_in checks word w (nw letters) against group (c, len): sets *found
 * to the first name it is near; false when two names of different codes
 * are. */
static bool
near_in(const char *w, size_t nw, int c, size_t len, const notes_entry **found)
{
	const notes_entry *v;
	size_t n;

	v = notes__entries(&n);
	for (uint32_t k = names.start[c][len]; k < names.start[c][len + 1];
	     k++) {
		const notes_entry *e = &v[names.at[k]];

		/* of the word's first letter and length (±1), one word */
		if (!(nw <= len ? one_edit(w, nw, e->key, len)
				: one_edit(e->key, len, w, nw)))
			continue;
		if (*found != NULL && ((*found)->type != e->type ||
				       strcmp((*found)->code, e->code) != 0))
			return false; /* near two names: not guessed */
		if (*found == NULL || e < *found)
			*found = e;
	}
	return true;
}

const notes_entry *
notes__near(const char *word)
{
	size_t nw = strlen(word);
	const notes_entry *found = NULL;
	int c = word[0] - 'a';

	if (!letters(word, nw) || nw > NAME_LEN_MAX)
		return NULL;
	pthread_once(&names_once, names_load);
	if (names.at == NULL)
		return NULL;
	for (size_t len = nw - 1; len <= nw + 1; len++)
		if (len <= NAME_LEN_MAX && !near_in(word, nw, c, len, &found))
			return NULL;
	return found;
}
