/*
 * kin.c - English relatives by the pronoun that speaks of them: who
 * "her" and "his" point at when a relative tells the story ("Wife states
 * this is HER allergy").  "nan", "aunty" and the cousin are words the
 * family triggers (context.csv) leave out.
 */
#include "reader_int.h"

#include <string.h>

static const char *const kin_she[] = {
	"mother", "mum",    "mom",     "sister", "daughter",	"wife",
	"aunt",	  "aunty",  "nan",     "niece",	 "grandmother", "nana",
	"nanna",  "granny", "grandma", "gogo"};
static const char *const kin_he[] = {
	"father", "dad",	 "brother", "son",	"husband", "uncle",
	"nephew", "grandfather", "grandad", "granddad", "grandpa"};

const char *
notes__kin_pronoun(const sentence *s, size_t w)
{
	if (notes__words_in(s, w, kin_she, N_OF(kin_she)))
		return "her";
	if (notes__words_in(s, w, kin_he, N_OF(kin_he)))
		return "his";
	return NULL;
}

const char *
notes__kin_word_pronoun(const char *word)
{
	if (notes__among(word, kin_she, N_OF(kin_she)))
		return "her";
	if (notes__among(word, kin_he, N_OF(kin_he)))
		return "his";
	return NULL;
}
