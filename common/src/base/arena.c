/*
 * arena.c - a bump allocator in chained blocks with a hard cap.
 */
#include <med/arena.h>

#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_ALIGN	  16
#define ARENA_FIRST_BLOCK 4096

typedef struct arena_block {
	struct arena_block *next;
	size_t size; /* usable bytes after the header */
	size_t used;
	_Alignas(ARENA_ALIGN) unsigned char data[];
} arena_block;

struct med_arena {
	arena_block *head; /* newest block; the first block is last */
	size_t cap;
	size_t reserved; /* bytes of all blocks, counted against cap */
	size_t used;
};

static arena_block *
block_new(size_t size)
{
	arena_block *b = malloc(sizeof(*b) + size);

	if (b == NULL)
		return NULL;
	b->next = NULL;
	b->size = size;
	b->used = 0;
	return b;
}

med_arena *
med_arena_new(size_t cap_bytes)
{
	med_arena *a = calloc(1, sizeof(*a));

	if (a == NULL)
		return NULL;
	a->cap = cap_bytes;
	return a;
}

static void
free_blocks(arena_block *b, arena_block *keep)
{
	while (b != NULL && b != keep) {
		arena_block *next = b->next;
		free(b);
		b = next;
	}
}

void
med_arena_free(med_arena *a)
{
	if (a == NULL)
		return;
	free_blocks(a->head, NULL);
	free(a);
}

void
med_arena_reset(med_arena *a)
{
	arena_block *first = a->head;

	while (first != NULL && first->next != NULL)
		first = first->next;
	free_blocks(a->head, first);
	a->head = first;
	a->used = 0;
	a->reserved = first ? first->size : 0;
	if (first)
		first->used = 0;
}

/* grow adds a block able to hold len bytes, within the cap. */
static arena_block *
grow(med_arena *a, size_t len)
{
	size_t size = a->head ? a->head->size * 2 : ARENA_FIRST_BLOCK;
	arena_block *b;

	if (size < len)
		size = len;
	if (a->reserved + size > a->cap) {
		if (a->reserved + len > a->cap)
			return NULL;
		size = a->cap - a->reserved;
	}
	b = block_new(size);
	if (b == NULL)
		return NULL;
	b->next = a->head;
	a->head = b;
	a->reserved += size;
	return b;
}

void *
med_arena_alloc(med_arena *a, size_t len)
{
	arena_block *b = a->head;
	size_t need = (len + ARENA_ALIGN - 1) & ~(size_t)(ARENA_ALIGN - 1);
	void *p;

	if (len == 0)
		need = ARENA_ALIGN;
	if (need < len)
		return NULL;
	if (b == NULL || b->size - b->used < need) {
		b = grow(a, need);
		if (b == NULL)
			return NULL;
	}
	p = b->data + b->used;
	b->used += need;
	a->used += need;
	return p;
}

void *
med_arena_zalloc(med_arena *a, size_t len)
{
	void *p = med_arena_alloc(a, len);

	if (p != NULL)
		memset(p, 0, len);
	return p;
}

char *
med_arena_strdup(med_arena *a, const char *s)
{
	size_t len;
	char *p;

	if (s == NULL)
		return NULL;
	len = strlen(s);
	p = med_arena_alloc(a, len + 1);
	if (p != NULL)
		memcpy(p, s, len + 1);
	return p;
}

char *
med_arena_sprintf(med_arena *a, const char *fmt, ...)
{
	va_list ap;
	int n;
	char *p;

	va_start(ap, fmt);
	n = vsnprintf(NULL, 0, fmt, ap);
	va_end(ap);
	if (n < 0)
		return NULL;
	p = med_arena_alloc(a, (size_t)n + 1);
	if (p == NULL)
		return NULL;
	va_start(ap, fmt);
	vsnprintf(p, (size_t)n + 1, fmt, ap);
	va_end(ap);
	return p;
}

size_t
med_arena_used(const med_arena *a)
{
	return a->used;
}

static void *
pb_alloc(void *data, size_t size)
{
	return med_arena_alloc(data, size);
}

/* Memory goes back with the whole arena; protobuf-c's frees are no-ops. */
static void
pb_free(void *data, void *ptr)
{
	(void)data;
	(void)ptr;
}

void
med_arena_pb_allocator(med_arena *a, ProtobufCAllocator *out)
{
	out->alloc = pb_alloc;
	out->free = pb_free;
	out->allocator_data = a;
}

void *
med_arena_push_msg(med_arena *a, void ***items, size_t *n, size_t *cap,
		   const ProtobufCMessageDescriptor *desc)
{
	void *msg;

	if (*n == *cap) {
		size_t grown = *cap ? *cap * 2 : 16;
		void **arr = med_arena_alloc(a, grown * sizeof(*arr));
		if (arr == NULL)
			return NULL;
		if (*n)
			memcpy(arr, *items, *n * sizeof(*arr));
		*items = arr;
		*cap = grown;
	}
	msg = med_arena_alloc(a, desc->sizeof_message);
	if (msg == NULL)
		return NULL;
	protobuf_c_message_init(desc, msg);
	(*items)[(*n)++] = msg;
	return msg;
}

void
med_arena_absorb(med_arena *dst, med_arena *src)
{
	arena_block *last;

	if (src == NULL)
		return;
	if (src->head != NULL) {
		/* Behind dst's newest block, which dst goes on filling. */
		for (last = src->head; last->next != NULL; last = last->next)
			;
		if (dst->head == NULL) {
			dst->head = src->head;
		} else {
			last->next = dst->head->next;
			dst->head->next = src->head;
		}
		dst->reserved += src->reserved;
		dst->used += src->used;
	}
	free(src);
}
