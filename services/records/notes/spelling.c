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
 * tenth of the reader's time.  The names of several words (a space or a
 * hyphen in them) are grouped the same way by their length without
 * those, for notes__joined: only a group of the word's own length can
 * hold the name it joins, and trying every name of its first letter was
 * a thirteenth of the reader's time on a 6 KB note. */
#define NAME_LETTERS 26
#define NAME_LEN_MAX (NOTES_WORD_MAX + 1)

typedef struct name_groups {
	uint32_t *at;					/* places, grouped */
	uint32_t start[NAME_LETTERS][NAME_LEN_MAX + 2]; /* into at */
} name_groups;

static name_groups names, joined_names;
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

/* joined_group is the group of key k by its length without its spaces
 * and hyphens, or -1 when k holds neither or no word may join it. */
static int
joined_group(const notes_entry *e, size_t *len)
{
	size_t gaps = 0;

	*len = 0;
	for (const char *k = e->key; *k != '\0'; k++)
		if (*k == ' ' || *k == '-')
			gaps++;
		else
			(*len)++;
	if (e->type < NOTES_T_SUBSTANCE || gaps == 0 ||
	    *len < NOTES_SPELLING_MIN || *len > NAME_LEN_MAX ||
	    e->key[0] < 'a' || e->key[0] > 'z')
		return -1;
	return e->key[0] - 'a';
}

/* groups_load counts each group's names, then places them in table
 * order (a counting sort: start[c][len] is where group (c, len) begins). */
static void
groups_load(name_groups *g, int (*group)(const notes_entry *, size_t *))
{
	size_t n, len, total = 0;
	const notes_entry *v = notes__entries(&n);
	uint32_t fill[NAME_LETTERS][NAME_LEN_MAX + 1] = {{0}};
	int c;

	for (size_t i = 0; i < n; i++)
		if ((c = group(&v[i], &len)) >= 0)
			g->start[c][len]++;
	for (c = 0; c < NAME_LETTERS; c++)
		for (len = 0; len <= NAME_LEN_MAX + 1; len++) {
			uint32_t k = g->start[c][len];

			g->start[c][len] = (uint32_t)total;
			total += k;
		}
	if ((g->at = calloc(total ? total : 1, sizeof(*g->at))) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if ((c = group(&v[i], &len)) >= 0)
			g->at[g->start[c][len] + fill[c][len]++] = (uint32_t)i;
}

static void
names_load(void)
{
	groups_load(&names, name_group);
	groups_load(&joined_names, joined_group);
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
	int c = word[0] - 'a';

	if (!letters(word, nw) || nw > NAME_LEN_MAX)
		return NULL;
	pthread_once(&names_once, names_load);
	if (joined_names.at == NULL)
		return NULL;
	for (uint32_t k = joined_names.start[c][nw];
	     k < joined_names.start[c][nw + 1]; k++) {
		const notes_entry *e = &v[joined_names.at[k]];

		if (!joined_key(word, nw, e->key))
			continue;
		if (found != NULL && (found->type != e->type ||
				      strcmp(found->code, e->code) != 0))
			return NULL; /* joins two names: not guessed */
		found = found ? found : e;
	}
	return found;
}
