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

/*
 * A Chinese name written with one character slipped (issue 75,
 * allergy75cw): input methods offer characters by sound, so a ward
 * writes 阿莫西临 for 阿莫西林, 头孢曲送 for 头孢曲松.  A run of Chinese
 * characters is read as the one substance or class name of its length it
 * differs from in one character, not the first; names of at least
 * NOTES_SPELLING_MIN_HAN characters only, since three-character names
 * one slip apart are often two drugs (消炎痛 indometacin, 消心痛
 * isosorbide dinitrate).
 */

/* han_chars: the characters of key, all Chinese (3 bytes each, as the
 * lexicon folds them), or 0. */
static size_t
han_chars(const char *key)
{
	size_t n = strlen(key);

	if (n == 0 || n % 3 != 0)
		return 0;
	for (size_t i = 0; i < n; i += 3)
		if ((unsigned char)key[i] < 0xe3 ||
		    (unsigned char)key[i] > 0xe9)
			return 0;
	return n / 3;
}

/* one_char_slipped: do run and name, len characters of 3 bytes each,
 * share their first and differ in exactly one other character?  *at is
 * set to that character's place. */
static bool
one_char_slipped(const char *run, const char *name, size_t len, size_t *at)
{
	size_t diff = 0;

	if (memcmp(run, name, 3) != 0)
		return false;
	for (size_t c = 1; c < len; c++)
		if (memcmp(run + 3 * c, name + 3 * c, 3) != 0) {
			*at = c;
			diff++;
		}
	return diff == 1;
}

/* opens_phrase: does the character at c (3 bytes) open a known phrase?
 * Then it is written for its own sake, not slipped ("青霉过敏" is 青霉
 * and 过敏). */
static bool
opens_phrase(const char *c)
{
	char one[4];

	memcpy(one, c, 3);
	one[3] = '\0';
	return notes__first_words(one) > 0;
}

/* The Chinese substance and class names of NOTES_SPELLING_MIN_HAN
 * characters or more, their places in the lexicon's table sorted by
 * their first character: a run is compared only with the names it
 * shares that character with. */
static uint32_t *han_names;
static size_t n_han_names;
static pthread_once_t han_once = PTHREAD_ONCE_INIT;

static const notes_entry *han_table;

static int
by_first_char(const void *a, const void *b)
{
	const notes_entry *x = &han_table[*(const uint32_t *)a],
			  *y = &han_table[*(const uint32_t *)b];
	int c = memcmp(x->key, y->key, 3);

	return c != 0 ? c
		      : (int)(*(const uint32_t *)a) -
				(int)(*(const uint32_t *)b);
}

static bool
han_name(const notes_entry *e)
{
	return (e->type == NOTES_T_SUBSTANCE || e->type == NOTES_T_CLASS) &&
	       han_chars(e->key) >= NOTES_SPELLING_MIN_HAN;
}

static void
han_names_load(void)
{
	size_t n, k = 0;

	han_table = notes__entries(&n);
	for (size_t i = 0; i < n; i++)
		k += han_name(&han_table[i]);
	if ((han_names = calloc(k ? k : 1, sizeof(*han_names))) == NULL)
		return;
	for (size_t i = 0; i < n; i++)
		if (han_name(&han_table[i]))
			han_names[n_han_names++] = (uint32_t)i;
	qsort(han_names, n_han_names, sizeof(*han_names), by_first_char);
}

/* first_of: the first place in han_names whose name opens with c. */
static size_t
first_of(const char *c)
{
	size_t lo = 0, hi = n_han_names;

	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;

		if (memcmp(han_table[han_names[mid]].key, c, 3) < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return lo;
}

const notes_entry *
notes__near_han(const char *run, size_t avail, size_t *len)
{
	const notes_entry *found = NULL;
	size_t from, best = 0;
	bool two = false;

	pthread_once(&han_once, han_names_load);
	if (han_names == NULL)
		return NULL;
	from = first_of(run);
	for (size_t k = from; k < n_han_names &&
			      memcmp(han_table[han_names[k]].key, run, 3) == 0;
	     k++) {
		const notes_entry *e = &han_table[han_names[k]];
		size_t l = han_chars(e->key), at;

		if (l > avail || l < best ||
		    !one_char_slipped(run, e->key, l, &at) ||
		    opens_phrase(run + 3 * at))
			continue;
		if (l > best) {
			best = l;
			found = e;
			two = false;
		} else if (strcmp(found->code, e->code) != 0) {
			two = true;
		}
	}
	if (found == NULL || two)
		return NULL;
	*len = best;
	return found;
}
