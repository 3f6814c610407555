/*
 * medication_id.c - the Medication id of a catalogue code
 * (fhir_export.h), which the export writes (fhir.c) and ReadFhir reads
 * back (store_export.c's dosage_store_medication_code).  Both sit above
 * it: fhir.c renders the page store_export.c reads, and the store does
 * not use the renderer.
 */
#include <med/codec.h>

#include <sodium.h>
#include <stdio.h>
#include <string.h>

#include "fhir_export.h"

void
dosage_fhir_medication_id(const char *code, char out[40])
{
	unsigned char digest[16];
	char hex[33];

	crypto_generichash(digest, sizeof(digest), (const unsigned char *)code,
			   strlen(code), NULL, 0);
	med_hex_encode(hex, sizeof(hex), digest, sizeof(digest));
	snprintf(out, 40, "drug-%s", hex);
}
