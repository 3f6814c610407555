/*
 * med/config.h - twelve-factor configuration.
 *
 * A service declares a table of settings (med_config_spec).  Values come from
 * the environment; MED_CONFIG_FILE may name a file of KEY=VALUE lines (# for
 * comments) that supplies values the environment does not set.  Every value
 * is validated at start, and every problem is reported at once, naming the
 * key, so an operator fixes them all in one go.
 */
#ifndef MED_CONFIG_H
#define MED_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <med/err.h>

typedef enum med_config_type {
	MED_CONFIG_STRING = 0,
	MED_CONFIG_INT = 1,  /* decimal integer within [min, max] */
	MED_CONFIG_PORT = 2, /* 0..65535; 0 asks the OS for a free port */
	MED_CONFIG_BOOL = 3, /* true/false/1/0/yes/no/on/off */
	MED_CONFIG_PATH = 4, /* a string that must name an existing file */
} med_config_type;

/* med_config_spec - one setting: its key, type, default and help text. */
typedef struct med_config_spec {
	const char *key; /* e.g. "MED_GRPC_PORT" */
	med_config_type type;
	const char *def; /* default as text; NULL with required */
	bool required;
	int64_t min, max; /* bounds for MED_CONFIG_INT */
	const char *help;
} med_config_spec;

typedef struct med_config med_config;

/*
 * med_config_load reads specs[0..n_specs) from the environment and the
 * optional file, validates them and returns the config in *out.  On error it
 * returns MED_ERR_INVALID and writes every problem, one per line, to errbuf.
 */
med_err med_config_load(const med_config_spec *specs, size_t n_specs,
			med_config **out, char *errbuf,
			size_t errlen) MED_MUST_CHECK;

/* med_config_free releases the config; NULL is fine. */
void med_config_free(med_config *cfg);

/* med_config_str returns the value of key (NULL if unset and no default). */
const char *med_config_str(const med_config *cfg, const char *key);

/* med_config_int returns the validated integer (or port) value of key. */
int64_t med_config_int(const med_config *cfg, const char *key);

/* med_config_bool returns the validated boolean value of key. */
bool med_config_bool(const med_config *cfg, const char *key);

/* med_config_print_help writes the settings table to stdout for --help. */
void med_config_print_help(const med_config_spec *specs, size_t n_specs);

#endif
