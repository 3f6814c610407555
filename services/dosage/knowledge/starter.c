/*
 * starter.c - the shipped interaction knowledge base, interactions.csv
 * beside this file, built into the service: the service installs it when
 * the database holds no knowledge base (or an older shipped one), so the
 * starter set is active in `make run`, the tests and the Helm chart with
 * no file to mount.  The file stays data: a pharmacy reads, reviews and
 * replaces it (ImportInteractions) without touching C.
 */
#include <stdint.h>
#include <string.h>

#include "starter.h"

/* The assembler copies the file's bytes (path from the repository root,
 * where make runs; services/module.mk makes this object depend on it), a
 * NUL after them, and their count. */
__asm__(".section .rodata\n"
	".balign 16\n"
	"dosage_ddi_starter_text:\n"
	".incbin \"services/dosage/knowledge/interactions.csv\"\n"
	"dosage_ddi_starter_text_end:\n"
	".byte 0\n"
	".balign 8\n"
	"dosage_ddi_starter_size:\n"
	".quad dosage_ddi_starter_text_end - dosage_ddi_starter_text\n"
	".previous\n");

extern const char dosage_ddi_starter_text[];
extern const uint64_t dosage_ddi_starter_size;

const char *
dosage_ddi_starter(size_t *len)
{
	*len = (size_t)dosage_ddi_starter_size;
	return dosage_ddi_starter_text;
}

bool
dosage_ddi_text_version(const char *text, size_t len, char *out, size_t out_len)
{
	static const char tag[] = "version,";
	const char *p = text, *end = text + len;

	while (p < end) {
		const char *eol = memchr(p, '\n', (size_t)(end - p));
		size_t n;

		if (eol == NULL)
			eol = end;
		if ((size_t)(eol - p) > sizeof(tag) - 1 &&
		    memcmp(p, tag, sizeof(tag) - 1) == 0) {
			p += sizeof(tag) - 1;
			n = (size_t)(eol - p);
			while (n > 0 && (p[n - 1] == '\r' || p[n - 1] == ' '))
				n--;
			if (n == 0 || n >= out_len)
				return false;
			memcpy(out, p, n);
			out[n] = '\0';
			return true;
		}
		p = eol + 1;
	}
	return false;
}
