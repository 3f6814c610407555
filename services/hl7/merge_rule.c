/*
 * merge_rule.c - when an ADT merge (A40) is a question for a person: two
 * records whose registered sex or birth date differ, or whose family and
 * given names both differ, are not taken for one patient on a sender's
 * word (issue 49, item 4: an A40 merged two unrelated patients, different
 * sex, 80 years apart).  Pure, unit-tested.
 */
#include <ctype.h>
#include <stdio.h>
#include <string.h>

#include "hl7.h"

/* same_text compares two names ignoring case; an empty one agrees. */
static bool
same_text(const char *a, const char *b)
{
	if (a == NULL || b == NULL || a[0] == '\0' || b[0] == '\0')
		return true;
	for (; *a && *b; a++, b++)
		if (tolower((unsigned char)*a) != tolower((unsigned char)*b))
			return false;
	return *a == *b;
}

/* known_sex: female or male (other, unknown and unset never disagree). */
static bool
known_sex(int sex)
{
	return sex == HL7_SEX_FEMALE || sex == HL7_SEX_MALE;
}

/* add_reason appends "what a vs b" to why. */
static void
add_reason(char *why, size_t len, const char *what, const char *a,
	   const char *b)
{
	size_t n = strlen(why);

	snprintf(why + n, len - n, "%s%s %s vs %s", n > 0 ? "; " : "", what, a,
		 b);
}

bool
hl7_merge_disagrees(const hl7_person *survivor, const hl7_person *merged,
		    char *why, size_t len)
{
	static const char *const sexes[] = {"unset", "female", "male", "other",
					    "unknown"};

	why[0] = '\0';
	if (known_sex(survivor->sex) && known_sex(merged->sex) &&
	    survivor->sex != merged->sex)
		add_reason(why, len, "sex", sexes[survivor->sex],
			   sexes[merged->sex]);
	if (!same_text(survivor->birth_date, merged->birth_date))
		add_reason(why, len, "birth date", survivor->birth_date,
			   merged->birth_date);
	if (!same_text(survivor->family_name, merged->family_name) &&
	    !same_text(survivor->given_name, merged->given_name))
		add_reason(why, len, "names", survivor->family_name,
			   merged->family_name);
	return why[0] != '\0';
}
