/*
 * slot_cache.h - a small direct-mapped cache with a time to live, private
 * to contracts/: the answers libmed remembers from identity (patients.c,
 * care.c).
 *
 * Each key has exactly one slot (a hash of the key): bounded, O(1), no
 * eviction list; two keys that share a slot just ask identity more often.
 * Values are fixed-size blobs copied in and out under one mutex.
 */
#ifndef MED_CONTRACTS_SLOT_CACHE_H
#define MED_CONTRACTS_SLOT_CACHE_H

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <med/err.h>

#define SLOT_CACHE_DEFAULT_SLOTS 4096
#define SLOT_CACHE_MAX_SLOTS	 (1u << 20)

/* slot_cache - embed it; slot_cache_init and slot_cache_fini. */
typedef struct slot_cache {
	size_t n_slots, key_max, value_len, slot_len;
	int64_t ttl_ns; /* 0: the cache remembers nothing */
	unsigned char *slots;
	pthread_mutex_t mu;
} slot_cache;

/*
 * slot_cache_init makes room for n_slots (0: the default) keys shorter than
 * key_max bytes with value_len-byte values, each kept ttl_ms.  Errors:
 * MED_ERR_INVALID (n_slots over SLOT_CACHE_MAX_SLOTS, ttl_ms < 0),
 * MED_ERR_NOMEM.
 */
med_err slot_cache_init(slot_cache *c, size_t n_slots, size_t key_max,
			size_t value_len, int64_t ttl_ms) MED_MUST_CHECK;

/* slot_cache_fini frees c's slots; a zeroed cache is fine. */
void slot_cache_fini(slot_cache *c);

/* slot_cache_get copies key's live value into value; false on a miss. */
bool slot_cache_get(slot_cache *c, const char *key, void *value);

/* slot_cache_put remembers value for key (a key too long is not kept). */
void slot_cache_put(slot_cache *c, const char *key, const void *value);

/* slot_cache_forget empties key's slot when it holds key. */
void slot_cache_forget(slot_cache *c, const char *key);

#endif
