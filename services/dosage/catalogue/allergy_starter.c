/*
 * allergy_starter.c - the shipped table of other names for allergies,
 * services/dosage/knowledge/allergy_synonyms.csv, built into the service
 * as it is (the file stays the one place it is written), NUL-terminated.
 * services/module.mk makes this object depend on the file.
 */
#include "allergy_text.h"

__asm__(".section .rodata\n"
	".global dosage_allergy_starter_csv\n"
	".type dosage_allergy_starter_csv, @object\n"
	"dosage_allergy_starter_csv:\n"
	".incbin \"services/dosage/knowledge/allergy_synonyms.csv\"\n"
	".byte 0\n"
	".size dosage_allergy_starter_csv, . - dosage_allergy_starter_csv\n"
	".previous\n");
