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
near(const char *w, size_t nw, const char *k)
{
	size_t nk = strlen(k);

	if (nk < NOTES_SPELLING_MIN || k[0] != w[0] ||
	    (nk > nw ? nk - nw : nw - nk) > 1 || strchr(k, ' ') != NULL)
		return false;
	return nw <= nk ? one_edit(w, nw, k, nk) : one_edit(k, nk, w, nw);
}

static bool
letters(const char *w, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (w[i] < 'a' || w[i] > 'z')
			return false;
	return n >= NOTES_SPELLING_MIN;
}

/* first_with returns the first phrase whose key starts with byte c: the
 * table is sorted by key (strcmp: bytes unsigned), so the names of the
 * same first letter, the only ones a slip may be near, follow it; the
 * rest of the lexicon (Chinese names among it) is not compared. */
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

/* only_name returns the one name (one code) of a substance, class or
 * problem whose key is close to word by close, or NULL: none, or two. */
static const notes_entry *
only_name(const char *word,
	  bool (*close)(const char *w, size_t nw, const char *key))
{
	size_t n, nw = strlen(word);
	const notes_entry *v = notes__entries(&n), *found = NULL;

	if (!letters(word, nw))
		return NULL;
	for (size_t i = first_with(v, n, (unsigned char)word[0]);
	     i < n && v[i].key[0] == word[0]; i++) {
		if (v[i].type < NOTES_T_SUBSTANCE || !close(word, nw, v[i].key))
			continue;
		if (found != NULL && (found->type != v[i].type ||
				      strcmp(found->code, v[i].code) != 0))
			return NULL; /* near two names: not guessed */
		found = found ? found : &v[i];
	}
	return found;
}

const notes_entry *
notes__near(const char *word)
{
	return only_name(word, near);
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
	return only_name(word, joined_key);
}
