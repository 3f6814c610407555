/*
 * med/arena.h - bump allocator for per-call scratch memory.
 *
 * Everything allocated from an arena is freed at once by med_arena_free or
 * med_arena_reset.  The arena has a hard cap; an allocation past it fails.
 * Not thread-safe: one arena belongs to one call.
 */
#ifndef MED_ARENA_H
#define MED_ARENA_H

#include <stddef.h>
#include <protobuf-c/protobuf-c.h>

typedef struct med_arena med_arena;

/* med_arena_new makes an arena that will hold at most cap_bytes. */
med_arena *med_arena_new(size_t cap_bytes);

/* med_arena_free releases the arena and all its memory; NULL is fine. */
void med_arena_free(med_arena *a);

/* med_arena_reset forgets every allocation but keeps the first block. */
void med_arena_reset(med_arena *a);

/* med_arena_alloc returns len bytes aligned to 16, or NULL past the cap. */
void *med_arena_alloc(med_arena *a, size_t len);

/* med_arena_zalloc is med_arena_alloc with the memory zeroed. */
void *med_arena_zalloc(med_arena *a, size_t len);

/* med_arena_strdup copies s (NULL gives NULL) into the arena. */
char *med_arena_strdup(med_arena *a, const char *s);

/* med_arena_sprintf formats into the arena; NULL past the cap. */
char *med_arena_sprintf(med_arena *a, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

/* med_arena_used returns the bytes handed out so far. */
size_t med_arena_used(const med_arena *a);

/* med_arena_absorb moves every block of src into dst and frees src: what
 * was allocated in src lives as long as dst (a task's arena joined to its
 * call's, med_call_parallel).  Its bytes count against dst's cap. */
void med_arena_absorb(med_arena *dst, med_arena *src);

/*
 * med_arena_pb_allocator fills *out with a protobuf-c allocator backed by a:
 * unpacked messages live until the arena is freed; free is a no-op.
 */
void med_arena_pb_allocator(med_arena *a, ProtobufCAllocator *out);

/*
 * med_arena_push_msg appends a new, initialised message of type desc to the
 * arena array *items (count *n, capacity *cap), growing it as needed, and
 * returns it; NULL past the cap.  Fits protobuf-c repeated message fields.
 */
void *med_arena_push_msg(med_arena *a, void ***items, size_t *n, size_t *cap,
			 const ProtobufCMessageDescriptor *desc);

#endif
