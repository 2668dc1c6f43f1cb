#include <stdlib.h>
#ifdef __GLIBC__
#include <malloc.h>
#endif

#include "syntax.h"


void scan_init(int arenas) {
#ifdef __GLIBC__
	// Go runs the scanner's workers on whichever OS threads it likes, and
	// glibc gives every thread that calls malloc an arena of its own, up to
	// eight per CPU: tree-sitter's trees end up spread over many half-empty
	// arenas. One arena per CPU keeps them dense. Only C code (tree-sitter)
	// uses malloc in a Go program; an operator's MALLOC_ARENA_MAX wins.
	if (arenas > 0 && getenv("MALLOC_ARENA_MAX") == NULL)
		mallopt(M_ARENA_MAX, arenas);
#endif
	scan_arena_install();
}

// Types and functions of api.h that only this file uses.
typedef struct {
	uint32_t context[4];
	const void *id;
	const TSTree *tree;
} TSNode;

typedef struct {
	const void *tree;
	const void *id;
	uint32_t context[3];
} TSTreeCursor;

TSTree *ts_parser_parse_string(TSParser *self, const TSTree *old_tree, const char *string, uint32_t length);
TSNode ts_tree_root_node(const TSTree *self);
uint32_t ts_node_descendant_count(TSNode self);
uint32_t ts_node_start_byte(TSNode self);
uint32_t ts_node_end_byte(TSNode self);
uint16_t ts_node_symbol(TSNode self);
bool ts_node_is_named(TSNode self);
bool ts_node_is_missing(TSNode self);
bool ts_node_has_error(TSNode self);
TSTreeCursor ts_tree_cursor_new(TSNode node);
void ts_tree_cursor_delete(TSTreeCursor *self);
TSNode ts_tree_cursor_current_node(const TSTreeCursor *self);
uint16_t ts_tree_cursor_current_field_id(const TSTreeCursor *self);
bool ts_tree_cursor_goto_first_child(TSTreeCursor *self);
bool ts_tree_cursor_goto_next_sibling(TSTreeCursor *self);
bool ts_tree_cursor_goto_parent(TSTreeCursor *self);

TSTree *scan_parse(scan_arena *a, const TSLanguage *l, const size_t *cancel, const char *src, uint32_t len,
		   uint32_t *count, TSParser **parser) {
	scan_arena *outer = scan_arena_enter(a);
	TSParser *p = ts_parser_new();
	TSTree *tree = NULL;
	if (ts_parser_set_language(p, l)) {
		ts_parser_set_cancellation_flag(p, cancel);
		tree = ts_parser_parse_string(p, NULL, src, len);
	}
	*count = tree ? ts_node_descendant_count(ts_tree_root_node(tree)) : 0;
	*parser = p;
	scan_arena_enter(outer);
	return tree;
}

void scan_done(scan_arena *a, TSParser *p, TSTree *tree, uint32_t count) {
	scan_arena *outer = scan_arena_enter(a);
	bool overflow = scan_arena_overflowed(a);
	// Blocks in the arena go with it; only blocks that had to come from
	// malloc need the tree walked and freed.
	if (overflow && tree != NULL)
		ts_tree_delete(tree);
	ts_parser_delete(p);
	scan_arena_enter(outer);
	scan_arena_reset(a);
#ifdef __GLIBC__
	if (overflow && count > SCAN_TRIM_NODES)
		malloc_trim(0);
#endif
}

// One level of the walk: the node at that depth and its last child so far.
typedef struct {
	int32_t node, last;
} level;

static void put(scan_node *out, int32_t i, int32_t parent, TSNode n, uint16_t field) {
	uint8_t flags = 0;
	if (ts_node_is_named(n))
		flags |= SCAN_NAMED;
	if (ts_node_is_missing(n))
		flags |= SCAN_MISSING;
	if (ts_node_has_error(n))
		flags |= SCAN_HAS_ERROR;
	out[i] = (scan_node){
		.start = ts_node_start_byte(n),
		.end = ts_node_end_byte(n),
		.parent = parent,
		.first = -1,
		.next = -1,
		.symbol = ts_node_symbol(n),
		.field = field,
		.flags = flags,
	};
}

// scan_flatten_cursor walks the tree once with tree-sitter's public cursor:
// the reference that scan_flatten (flatten.c) is tested against.
int64_t scan_flatten_cursor(TSTree *tree, scan_node *out, uint32_t cap) {
	int64_t n = -1;
	size_t depth = 0, room = 64;
	level *stack = malloc(room * sizeof(level));
	TSTreeCursor c = ts_tree_cursor_new(ts_tree_root_node(tree));
	if (stack == NULL || cap == 0)
		goto done;
	put(out, 0, -1, ts_tree_cursor_current_node(&c), 0);
	stack[0] = (level){0, -1};
	n = 1;
	for (;;) {
		if (ts_tree_cursor_goto_first_child(&c)) {
			depth++;
		} else {
			while (!ts_tree_cursor_goto_next_sibling(&c)) {
				if (!ts_tree_cursor_goto_parent(&c))
					goto done;
				depth--;
			}
		}
		if ((uint64_t)n >= cap) {
			n = -2; // more nodes than the tree said it has
			goto done;
		}
		if (!scan_grow((void **)&stack, &room, depth + 1, sizeof(level))) {
			n = -1;
			goto done;
		}
		level *up = &stack[depth - 1];
		put(out, (int32_t)n, up->node, ts_tree_cursor_current_node(&c), ts_tree_cursor_current_field_id(&c));
		if (up->last >= 0)
			out[up->last].next = (int32_t)n;
		else
			out[up->node].first = (int32_t)n;
		up->last = (int32_t)n;
		stack[depth] = (level){(int32_t)n, -1};
		n++;
	}
done:
	ts_tree_cursor_delete(&c);
	free(stack);
	return n;
}
