// A bump allocator for tree-sitter, one arena per parse.
//
// tree-sitter allocates every subtree, child array and stack node through
// ts_malloc and frees them one by one when the tree is deleted: on npm code
// about a quarter of a parse's time went to malloc and free. While a parse
// runs on a thread (scan_arena_enter), tree-sitter's allocations on that
// thread come from the parse's arena instead, a few large chunks handed
// out in order; freeing is a no-op (except for the most recent block,
// which is given back), and the whole arena is emptied at once when the
// tree has been copied (scan_arena_reset).
//
// The parser itself is made inside the arena, for that parse only: a
// parser keeps memory between parses, and nothing made in an arena may
// outlive it. Allocations on threads outside an arena, and tree-sitter
// used through go-tree-sitter's Go API, go to malloc as before. A parse
// that outgrows its arena's bound carries on with malloc; free tells the
// two apart by address, and scan_done then deletes the tree the usual way.
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "syntax.h"

// tree-sitter's allocator hooks (alloc.h).
extern void *(*ts_current_malloc)(size_t);
extern void *(*ts_current_calloc)(size_t, size_t);
extern void *(*ts_current_realloc)(void *, size_t);
void ts_set_allocator(void *(*new_malloc)(size_t), void *(*new_calloc)(size_t, size_t),
		      void *(*new_realloc)(void *, size_t), void (*new_free)(void *));

// Each block starts with its size, for realloc.
typedef struct {
	size_t size;
} header;

typedef struct chunk {
	struct chunk *prev;
	char *end, *next; // the chunk's end and its first free byte
	char data[];
} chunk;

struct scan_arena {
	chunk *head;   // newest chunk
	char *last;    // the most recent block, for free and realloc in place
	size_t total;  // bytes in all chunks
	size_t max;    // bound on total
	bool overflow; // a block came from malloc: the arena was full
};

// The arena that the current thread allocates from, if any.
static __thread scan_arena *current;

enum {
	ALIGN = 16, // as malloc's, so any tree-sitter structure fits
	FIRST_CHUNK = 256 << 10,
	BIG_CHUNK = 8 << 20, // chunks grow by doubling up to this
	KEEP = 8 << 20,      // chunks kept after a reset, bytes
};

static inline size_t round_up(size_t n) { return (n + ALIGN - 1) & ~(size_t)(ALIGN - 1); }

// tree-sitter's own allocators, which abort when memory runs out.
static void *(*heap_malloc)(size_t);
static void *(*heap_calloc)(size_t, size_t);
static void *(*heap_realloc)(void *, size_t);

static inline char *first_free(chunk *c) { return (char *)(((uintptr_t)c->data + ALIGN - 1) & ~(uintptr_t)(ALIGN - 1)); }

scan_arena *scan_arena_new(size_t max) {
	scan_arena *a = calloc(1, sizeof(scan_arena));
	if (a != NULL)
		a->max = max;
	return a;
}

void scan_arena_free(scan_arena *a) {
	if (a == NULL)
		return;
	for (chunk *c = a->head, *prev; c != NULL; c = prev) {
		prev = c->prev;
		free(c);
	}
	free(a);
}

void scan_arena_reset(scan_arena *a) {
	// Keep the newest (largest) chunk, emptied, unless it is over KEEP.
	chunk *c = a->head;
	if (c != NULL && (size_t)(c->end - (char *)c) > KEEP) {
		a->head = c->prev;
		free(c);
	}
	for (chunk *old = a->head != NULL ? a->head->prev : NULL, *prev; old != NULL; old = prev) {
		prev = old->prev;
		free(old);
	}
	a->total = 0;
	a->overflow = false;
	if (a->head != NULL) {
		a->head->prev = NULL;
		a->head->next = first_free(a->head);
		a->total = (size_t)(a->head->end - (char *)a->head);
	}
	a->last = NULL;
}

// contains reports whether p is a block of a.
static bool contains(const scan_arena *a, const void *p) {
	for (const chunk *c = a->head; c != NULL; c = c->prev)
		if ((const char *)p >= c->data && (const char *)p < c->end)
			return true;
	return false;
}

// take returns size bytes from a, or NULL when the arena is full.
static void *take(scan_arena *a, size_t size) {
	if (size > a->max)
		return NULL;
	size_t need = round_up(sizeof(header)) + round_up(size);
	chunk *c = a->head;
	if (c == NULL || (size_t)(c->end - c->next) < need) {
		size_t bytes = c == NULL ? FIRST_CHUNK : (size_t)(c->end - (char *)c) * 2;
		if (bytes > BIG_CHUNK)
			bytes = BIG_CHUNK;
		if (bytes < sizeof(chunk) + ALIGN + need)
			bytes = sizeof(chunk) + ALIGN + need;
		if (a->total + bytes > a->max)
			return NULL;
		chunk *n = malloc(bytes);
		if (n == NULL)
			return NULL;
		n->prev = c;
		n->end = (char *)n + bytes;
		n->next = first_free(n);
		a->head = c = n;
		a->total += bytes;
		a->last = NULL;
	}
	char *block = c->next + round_up(sizeof(header));
	((header *)block)[-1].size = size;
	c->next += need;
	a->last = block;
	return block;
}

static void *arena_malloc(size_t size) {
	scan_arena *a = current;
	if (a != NULL) {
		void *p = take(a, size);
		if (p != NULL)
			return p;
		a->overflow = true;
	}
	return heap_malloc(size);
}

static void *arena_calloc(size_t count, size_t size) {
	scan_arena *a = current;
	if (a == NULL || (size != 0 && count > SIZE_MAX / size))
		return heap_calloc(count, size);
	void *p = take(a, count * size);
	if (p == NULL) {
		a->overflow = true;
		return heap_calloc(count, size);
	}
	memset(p, 0, count * size);
	return p;
}

static void arena_free(void *p) {
	scan_arena *a = current;
	if (p == NULL)
		return;
	if (a != NULL) {
		if ((char *)p == a->last) {
			// The newest block: hand its bytes back.
			a->head->next = (char *)p - round_up(sizeof(header));
			a->last = NULL;
			return;
		}
		if (contains(a, p))
			return;
	}
	free(p);
}

static void *arena_realloc(void *p, size_t size) {
	scan_arena *a = current;
	if (p == NULL)
		return arena_malloc(size);
	if (a == NULL || !contains(a, p))
		return heap_realloc(p, size);
	size_t old = ((header *)p)[-1].size;
	if ((char *)p == a->last) {
		// The newest block grows in place when its chunk has room.
		char *end = (char *)p + round_up(size);
		if (end <= a->head->end) {
			((header *)p)[-1].size = size;
			a->head->next = end;
			return p;
		}
	}
	if (size <= old) {
		((header *)p)[-1].size = size;
		return p;
	}
	void *q = arena_malloc(size);
	if (q != NULL)
		memcpy(q, p, old);
	return q;
}

void scan_arena_install(void) {
	if (ts_current_malloc == arena_malloc)
		return;
	heap_malloc = ts_current_malloc;
	heap_calloc = ts_current_calloc;
	heap_realloc = ts_current_realloc;
	ts_set_allocator(arena_malloc, arena_calloc, arena_realloc, arena_free);
}

bool scan_arena_overflowed(const scan_arena *a) { return a->overflow; }

scan_arena *scan_arena_enter(scan_arena *a) {
	scan_arena *prev = current;
	current = a;
	return prev;
}
