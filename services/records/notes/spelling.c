/*
 * spelling.c - a word the lexicon does not know, read as the one name of
 * a substance, allergy class or problem it is a single slip away from
 * ("penicilin", "amoxicilin", "hypertenison").  Bounded on purpose: one
 * edit (a letter dropped, added, changed, or two neighbours swapped: the
 * optimal string alignment distance), only between words of at least
 * NOTES_SPELLING_MIN letters with the same first letter, and only when
 * exactly one name (one code) is that close; a short word, a word near
 * two names, or a word two edits away is left unread.  Names of several
 * words are not matched this way; a word that is such a name written
 * without its hyphen or space ("cotrimoxazole", "coamoxiclav") is
 * (notes__joined).
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

/* first_with is the first entry whose key begins with byte c (the table
 * is sorted by key), or n. */
static size_t
first_with(const notes_entry *v, size_t n, unsigned char c)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if ((unsigned char)v[mid].key[0] < c)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

/* joined_key: is word (nw letters) key with its spaces left out, key
 * holding at least one space or hyphen? */
static bool
joined_key(const char *w, size_t nw, const char *key)
{
	size_t i = 0;
	bool spaced = false;

	for (; *key != '\0'; key++) {
		if (*key == ' ' || *key == '-') {
			spaced = true;
			continue;
		}
		if (i == nw || w[i++] != *key)
			return false;
	}
	return spaced && i == nw;
}

const notes_entry *
notes__joined(const char *word)
{
	size_t n, nw = strlen(word);
	const notes_entry *v = notes__entries(&n), *found = NULL;

	if (!letters(word, nw))
		return NULL;
	for (size_t i = first_with(v, n, (unsigned char)word[0]);
	     i < n && v[i].key[0] == word[0]; i++) {
		if (v[i].type < NOTES_T_SUBSTANCE ||
		    !joined_key(word, nw, v[i].key))
			continue;
		if (found != NULL && (found->type != v[i].type ||
				      strcmp(found->code, v[i].code) != 0))
			return NULL; /* joins two names: not guessed */
		found = found ? found : &v[i];
	}
	return found;
}
