/*
 * starter.h - the shipped interaction knowledge base, built into the
 * service (starter.c).  The bottom of dosage: data, no other part of the
 * service below it.
 */
#ifndef DOSAGE_STARTER_H
#define DOSAGE_STARTER_H

#include <stdbool.h>
#include <stddef.h>

/* dosage_ddi_starter is the shipped knowledge base
 * (knowledge/interactions.csv, built in) and its length. */
const char *dosage_ddi_starter(size_t *len);

/* dosage_ddi_text_version finds the label of a "version" record in
 * text (into out); false when there is none. */
bool dosage_ddi_text_version(const char *text, size_t len, char *out,
			     size_t out_len);

#endif
