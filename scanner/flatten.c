// scan_flatten: the syntax tree copied into a flat array by walking
// tree-sitter's own subtrees, without the public cursor API.
//
// The cursor (ts_tree_cursor_goto_first_child and friends, plus one call
// per node property) costs about 125 ns a node, a quarter of the parse
// itself on npm code; this walk about half as much. This walk reads the same structures the cursor reads
// (internal/tsabi holds go-tree-sitter's own copies of tree-sitter's
// internal headers, for the version go.mod pins) and produces exactly what
// the cursor walk produces: TestFlattenMatchesCursor and FuzzFlatten
// compare it, node for node, with scan_flatten_cursor in syntax.c, so a
// tree-sitter upgrade that changes these structures fails the tests.
#include <stdlib.h>

#include "internal/tsabi/language.h"
#include "internal/tsabi/tree.h"
#include "syntax.h"

// A frame iterates the children of one subtree. Children of a hidden
// subtree (a rule whose name starts with "_", say) belong to the nearest
// visible ancestor, as the cursor presents them.
typedef struct {
	Subtree parent;
	const TSSymbol *aliases;
	const TSFieldMapEntry *fields, *fields_end;
	uint32_t pos;      // byte offset of the next child, padding included
	uint32_t child;    // index of the next child
	uint32_t structural; // index of the next non-extra child
	int32_t vparent;   // the visible node that receives the children
	uint32_t vdepth;   // depth of vparent among visible nodes
	uint16_t inherited; // field of a hidden parent, for children without one
} frame;

static inline uint16_t public_symbol(const TSLanguage *l, TSSymbol s) {
	return s == ts_builtin_sym_error ? s : l->public_symbol_map[s];
}

static inline void frame_init(frame *f, const TSLanguage *l, Subtree parent, uint32_t pos, int32_t vparent, uint32_t vdepth, uint16_t inherited) {
	uint32_t production = parent.ptr->production_id;
	f->parent = parent;
	f->aliases = ts_language_alias_sequence(l, production);
	ts_language_field_map(l, production, &f->fields, &f->fields_end);
	f->pos = pos;
	f->child = 0;
	f->structural = 0;
	f->vparent = vparent;
	f->vdepth = vdepth;
	f->inherited = inherited;
}

int64_t scan_flatten(TSTree *tree, scan_node *out, uint32_t cap) {
	const TSLanguage *l = tree->language;
	Subtree root = tree->root;
	int64_t n = -1;
	size_t room = 64, vroom = 64, depth = 0;
	frame *stack = malloc(room * sizeof(frame));
	int32_t *vlast = malloc(vroom * sizeof(int32_t)); // last child so far, per visible depth
	if (stack == NULL || vlast == NULL || cap == 0)
		goto done;

	uint32_t start = ts_subtree_padding(root).bytes;
	out[0] = (scan_node){
		.start = start,
		.end = start + ts_subtree_size(root).bytes,
		.parent = -1,
		.first = -1,
		.next = -1,
		.symbol = public_symbol(l, ts_subtree_symbol(root)),
		.field = 0,
		.flags = (ts_subtree_named(root) ? SCAN_NAMED : 0) | (ts_subtree_missing(root) ? SCAN_MISSING : 0) |
			 (ts_subtree_error_cost(root) > 0 ? SCAN_HAS_ERROR : 0),
	};
	n = 1;
	if (ts_subtree_visible_child_count(root) == 0)
		goto done;
	frame_init(&stack[0], l, root, start, 0, 0, 0);
	vlast[0] = -1;
	depth = 1;

	while (depth > 0) {
		frame *f = &stack[depth - 1];
		uint32_t count = f->parent.ptr->child_count;
		if (f->child == count) {
			depth--;
			continue;
		}
		const Subtree *children = ts_subtree_children(f->parent);
		Subtree child = children[f->child];
		uint32_t pos = f->pos;
		bool extra = ts_subtree_extra(child);
		TSSymbol alias = 0;
		uint16_t field = 0;
		if (!extra) {
			if (f->aliases)
				alias = f->aliases[f->structural];
			for (const TSFieldMapEntry *m = f->fields; m < f->fields_end; m++) {
				if (!m->inherited && m->child_index == f->structural) {
					field = m->field_id;
					break;
				}
			}
			if (field == 0)
				field = f->inherited;
			f->structural++;
		}
		f->pos += ts_subtree_size(child).bytes;
		f->child++;
		if (f->child < count)
			f->pos += ts_subtree_padding(children[f->child]).bytes;

		bool visible = ts_subtree_visible(child) || alias != 0;
		bool descend = ts_subtree_visible_child_count(child) > 0;
		if (!visible && !descend)
			continue;
		if (!scan_grow((void **)&stack, &room, depth + 1, sizeof(frame))) {
			n = -1;
			goto done;
		}
		f = &stack[depth - 1];
		if (!visible) {
			// A hidden node: its children join the current visible parent.
			frame_init(&stack[depth], l, child, pos, f->vparent, f->vdepth, field);
			depth++;
			continue;
		}
		if ((uint64_t)n >= cap) {
			n = -2; // more nodes than the tree said it has
			goto done;
		}
		bool named = alias ? ts_language_symbol_metadata(l, alias).named : ts_subtree_named(child);
		out[n] = (scan_node){
			.start = pos,
			.end = pos + ts_subtree_size(child).bytes,
			.parent = f->vparent,
			.first = -1,
			.next = -1,
			.symbol = public_symbol(l, alias ? alias : ts_subtree_symbol(child)),
			.field = field,
			.flags = (named ? SCAN_NAMED : 0) | (ts_subtree_missing(child) ? SCAN_MISSING : 0) |
				 (ts_subtree_error_cost(child) > 0 ? SCAN_HAS_ERROR : 0),
		};
		int32_t prev = vlast[f->vdepth];
		if (prev >= 0)
			out[prev].next = (int32_t)n;
		else
			out[f->vparent].first = (int32_t)n;
		vlast[f->vdepth] = (int32_t)n;
		if (descend) {
			uint32_t vd = f->vdepth + 1;
			if (!scan_grow((void **)&vlast, &vroom, vd + 1, sizeof(int32_t))) {
				n = -1;
				goto done;
			}
			vlast[vd] = -1;
			frame_init(&stack[depth], l, child, pos, (int32_t)n, vd, 0);
			depth++;
		}
		n++;
	}
done:
	free(stack);
	free(vlast);
	return n;
}
