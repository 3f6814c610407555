/*
 * substance_kb_starter.c - the shipped substance knowledge base,
 * services/dosage/knowledge/substance_rules.csv, built into the service as
 * it is (the file stays the one place it is written), NUL-terminated.
 * services/module.mk makes this object depend on the file.
 */
#include <stdint.h>

#include "substance_kb.h"

__asm__(".section .rodata\n"
	".balign 16\n"
	"dosage_substance_kb_text:\n"
	".incbin \"services/dosage/knowledge/substance_rules.csv\"\n"
	"dosage_substance_kb_text_end:\n"
	".byte 0\n"
	".balign 8\n"
	"dosage_substance_kb_size:\n"
	".quad dosage_substance_kb_text_end - dosage_substance_kb_text\n"
	".previous\n");

extern const char dosage_substance_kb_text[];
extern const uint64_t dosage_substance_kb_size;

const char *
dosage_substance_kb_starter(size_t *len)
{
	*len = (size_t)dosage_substance_kb_size;
	return dosage_substance_kb_text;
}
