/*
 * slot_cache.c - the direct-mapped TTL cache of slot_cache.h.
 *
 * A slot is laid out as [expires_ns][key, key_max bytes][value]; an
 * expires_ns of 0 is an empty slot.
 */
#include "slot_cache.h"

#include <med/util.h>

#include <stdlib.h>
#include <string.h>

med_err
slot_cache_init(slot_cache *c, size_t n_slots, size_t key_max, size_t value_len,
		int64_t ttl_ms)
{
	memset(c, 0, sizeof(*c));
	if (n_slots > SLOT_CACHE_MAX_SLOTS || ttl_ms < 0 || key_max == 0)
		return MED_ERR_INVALID;
	c->n_slots = n_slots ? n_slots : SLOT_CACHE_DEFAULT_SLOTS;
	c->key_max = key_max;
	c->value_len = value_len;
	/* Rounded up so that every slot's expiry stays aligned. */
	c->slot_len = (sizeof(int64_t) + key_max + value_len + 7) & ~(size_t)7;
	c->ttl_ns = ttl_ms * 1000000;
	c->slots = calloc(c->n_slots, c->slot_len);
	if (c->slots == NULL)
		return MED_ERR_NOMEM;
	pthread_mutex_init(&c->mu, NULL);
	return MED_OK;
}

void
slot_cache_fini(slot_cache *c)
{
	if (c == NULL || c->slots == NULL)
		return;
	pthread_mutex_destroy(&c->mu);
	free(c->slots);
	memset(c, 0, sizeof(*c));
}

/* slot_of hashes key (FNV-1a) to its one slot. */
static unsigned char *
slot_of(const slot_cache *c, const char *key)
{
	uint64_t h = 1469598103934665603ull;

	for (; *key; key++)
		h = (h ^ (unsigned char)*key) * 1099511628211ull;
	return c->slots + (h % c->n_slots) * c->slot_len;
}

bool
slot_cache_get(slot_cache *c, const char *key, void *value)
{
	unsigned char *s;
	int64_t expires_ns;
	bool hit;

	if (c->ttl_ns == 0 || c->slots == NULL)
		return false;
	pthread_mutex_lock(&c->mu);
	s = slot_of(c, key);
	memcpy(&expires_ns, s, sizeof(expires_ns));
	hit = expires_ns > med_mono_ns() &&
	      strncmp((const char *)s + sizeof(int64_t), key, c->key_max) == 0;
	if (hit)
		memcpy(value, s + sizeof(int64_t) + c->key_max, c->value_len);
	pthread_mutex_unlock(&c->mu);
	return hit;
}

void
slot_cache_put(slot_cache *c, const char *key, const void *value)
{
	int64_t expires_ns;
	unsigned char *s;

	if (c->ttl_ns == 0 || c->slots == NULL || strlen(key) >= c->key_max)
		return;
	pthread_mutex_lock(&c->mu);
	s = slot_of(c, key);
	expires_ns = med_mono_ns() + c->ttl_ns;
	memcpy(s, &expires_ns, sizeof(expires_ns));
	med_strlcpy((char *)s + sizeof(int64_t), key, c->key_max);
	memcpy(s + sizeof(int64_t) + c->key_max, value, c->value_len);
	pthread_mutex_unlock(&c->mu);
}

void
slot_cache_forget(slot_cache *c, const char *key)
{
	unsigned char *s;

	if (c->ttl_ns == 0 || c->slots == NULL)
		return;
	pthread_mutex_lock(&c->mu);
	s = slot_of(c, key);
	if (strncmp((const char *)s + sizeof(int64_t), key, c->key_max) == 0)
		memset(s, 0, sizeof(int64_t));
	pthread_mutex_unlock(&c->mu);
}
