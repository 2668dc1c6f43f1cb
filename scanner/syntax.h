// The part of tree-sitter's C API (api.h, ABI version 14, as vendored by
// github.com/smacker/go-tree-sitter) that the scanner calls directly. The
// definitions are linked in from go-tree-sitter and its grammar packages.
#ifndef SCANNER_SYNTAX_H
#define SCANNER_SYNTAX_H

#include <stdbool.h>
#include <stdint.h>
#include <stdlib.h>

typedef struct TSLanguage TSLanguage;
typedef struct TSParser TSParser;
typedef struct TSTree TSTree;

TSParser *ts_parser_new(void);
void ts_parser_delete(TSParser *self);
bool ts_parser_set_language(TSParser *self, const TSLanguage *language);
void ts_parser_set_cancellation_flag(TSParser *self, const size_t *flag);
void ts_parser_reset(TSParser *self);
void ts_tree_delete(TSTree *self);
uint32_t ts_language_symbol_count(const TSLanguage *self);
const char *ts_language_symbol_name(const TSLanguage *self, uint16_t symbol);
uint32_t ts_language_field_count(const TSLanguage *self);
const char *ts_language_field_name_for_id(const TSLanguage *self, uint16_t id);

const TSLanguage *tree_sitter_javascript(void);
const TSLanguage *tree_sitter_typescript(void);
const TSLanguage *tree_sitter_tsx(void);
const TSLanguage *tree_sitter_bash(void);
const TSLanguage *tree_sitter_python(void);

// scan_node is one node of a flattened tree. Indices point into the same
// array; -1 means none. Nodes are stored in document order (pre-order).
typedef struct {
	uint32_t start, end; // byte offsets
	int32_t parent, first, next;
	uint16_t symbol, field; // field: the field id under the parent, 0 for none
	uint8_t flags;
} scan_node;

enum {
	SCAN_NAMED = 1,
	SCAN_MISSING = 2,
	SCAN_HAS_ERROR = 4,
};

// scan_init tunes the C allocator for tree-sitter's trees: at most arenas
// malloc arenas (glibc only), and tree-sitter allocating from a
// scan_arena while a parse runs (arena.c).
void scan_init(int arenas);

// A scan_arena holds the memory of one parse at a time (arena.c). Each
// goroutine that parses has its own.
typedef struct scan_arena scan_arena;
scan_arena *scan_arena_new(size_t max); // at most max bytes; NULL when out of memory
void scan_arena_free(scan_arena *a);
void scan_arena_install(void);
// scan_arena_enter makes tree-sitter on this thread allocate from a (NULL:
// from malloc) and returns the arena it used before. Enter and leave
// within one C call: Go moves goroutines between threads.
scan_arena *scan_arena_enter(scan_arena *a);
bool scan_arena_overflowed(const scan_arena *a);
void scan_arena_reset(scan_arena *a);

// The scanner's arenas grow to at most this many bytes; a parse that needs
// more carries on with malloc. A parse takes about 120 bytes of arena per
// node: the largest file of the npm benchmark corpus, 970,000 nodes, took
// 117 MB.
#define SCAN_ARENA_MAX ((size_t)256 << 20)

// scan_parse parses src with a parser made in arena a for this parse. It
// returns NULL when parsing was cancelled through the flag or the grammar
// does not fit the runtime; *count is the number of nodes scan_flatten will
// write. Call scan_done with the parser and tree, always.
TSTree *scan_parse(scan_arena *a, const TSLanguage *l, const size_t *cancel, const char *src, uint32_t len,
		   uint32_t *count, TSParser **parser);

// scan_done deletes the parser and the tree of count nodes and empties the
// arena.
void scan_done(scan_arena *a, TSParser *p, TSTree *tree, uint32_t count);

// scan_flatten writes the nodes of tree into out (room for cap nodes) and
// returns the number of nodes written: -1 when memory ran out, -2 when the
// tree has more than cap nodes. It reads tree-sitter's subtrees directly
// (flatten.c); scan_flatten_cursor does the same through the public cursor
// API, slower, and is the reference in tests.
int64_t scan_flatten(TSTree *tree, scan_node *out, uint32_t cap);
int64_t scan_flatten_cursor(TSTree *tree, scan_node *out, uint32_t cap);

// A tree of more nodes than this (some 100 bytes each) that did not fit in
// its arena is big enough that glibc should hand its freed memory back to
// the system at once, rather than keep it in the thread's malloc arena
// until the process ends. malloc_trim walks the whole heap, so it is kept
// for the rare giant tree.
#define SCAN_TRIM_NODES 1000000

// scan_grow makes room for at least need elements of size bytes in the
// array *p of *room elements, doubling it; false when memory ran out.
static inline bool scan_grow(void **p, size_t *room, size_t need, size_t size) {
	if (need <= *room)
		return true;
	void *grown = realloc(*p, 2 * *room * size);
	if (grown == NULL)
		return false;
	*p = grown;
	*room *= 2;
	return true;
}

#endif
