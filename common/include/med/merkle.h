/*
 * med/merkle.h - RFC 6962 / RFC 9162 Merkle tree hashing, proofs and their
 * verification, shared by the audit service and the auditverify tool.
 *
 * Hashing (RFC 9162 section 2.1.1): leaf = SHA-256(0x00 || entry), interior
 * node = SHA-256(0x01 || left || right); a tree of n leaves splits at the
 * largest power of two below n; the empty tree is SHA-256("").
 *
 * Storage model: the hash of every complete ("perfect") subtree is addressed
 * by (level, index): level 0 holds the leaf hashes, and node (l, i) covers
 * leaves [i << l, (i + 1) << l).  Proof generation asks a caller-supplied
 * function for the nodes it needs, O(log n) of them, so the same code runs
 * over a database, an array or an export file.
 */
#ifndef MED_MERKLE_H
#define MED_MERKLE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <med/err.h>

#define MED_MERKLE_HASH_LEN 32
/* The longest proof: a tree of 2^64 leaves needs at most 64 + 64 hashes. */
#define MED_MERKLE_MAX_PROOF 130
#define MED_MERKLE_MAX_LEVEL 64

/* med_merkle_leaf_hash computes SHA-256(0x00 || entry). */
void med_merkle_leaf_hash(const uint8_t *entry, size_t len,
			  uint8_t out[MED_MERKLE_HASH_LEN]);

/* med_merkle_node_hash computes SHA-256(0x01 || left || right). */
void med_merkle_node_hash(const uint8_t left[MED_MERKLE_HASH_LEN],
			  const uint8_t right[MED_MERKLE_HASH_LEN],
			  uint8_t out[MED_MERKLE_HASH_LEN]);

/* med_merkle_empty_root writes the root of the empty tree, SHA-256(""). */
void med_merkle_empty_root(uint8_t out[MED_MERKLE_HASH_LEN]);

/*
 * med_merkle_node_fn writes the stored hash of perfect subtree (level,
 * index) to out.  A non-OK return stops the computation and is returned.
 */
typedef med_err (*med_merkle_node_fn)(void *ctx, unsigned level, uint64_t index,
				      uint8_t out[MED_MERKLE_HASH_LEN]);

/*
 * med_merkle_root computes the root of the tree of the first size leaves
 * (O(log size) node reads).  size 0 gives the empty root.
 */
med_err med_merkle_root(uint64_t size, med_merkle_node_fn get, void *ctx,
			uint8_t out[MED_MERKLE_HASH_LEN]) MED_MUST_CHECK;

/*
 * med_merkle_inclusion_proof writes the audit path of leaf index in the tree
 * of size leaves (RFC 6962 PATH, deepest sibling first) to path[0..*n).
 * path holds MED_MERKLE_MAX_PROOF hashes.  Errors: MED_ERR_INVALID (index
 * >= size), or the node function's error.
 */
med_err med_merkle_inclusion_proof(uint64_t index, uint64_t size,
				   med_merkle_node_fn get, void *ctx,
				   uint8_t (*path)[MED_MERKLE_HASH_LEN],
				   size_t *n) MED_MUST_CHECK;

/*
 * med_merkle_consistency_proof writes the proof that the tree of size first
 * is a prefix of the tree of size second (RFC 6962 PROOF) to path[0..*n).
 * Errors: MED_ERR_INVALID unless 0 < first <= second.
 */
med_err med_merkle_consistency_proof(uint64_t first, uint64_t second,
				     med_merkle_node_fn get, void *ctx,
				     uint8_t (*path)[MED_MERKLE_HASH_LEN],
				     size_t *n) MED_MUST_CHECK;

/*
 * med_merkle_verify_inclusion checks an audit path (RFC 9162 2.1.3.2): true
 * when leaf_hash at index is in the tree of size leaves with root.
 */
bool med_merkle_verify_inclusion(uint64_t index, uint64_t size,
				 const uint8_t leaf_hash[MED_MERKLE_HASH_LEN],
				 const uint8_t (*path)[MED_MERKLE_HASH_LEN],
				 size_t n,
				 const uint8_t root[MED_MERKLE_HASH_LEN]);

/*
 * med_merkle_verify_consistency checks a consistency proof (RFC 9162
 * 2.1.4.2): true when the tree of size first with root first_root is a
 * prefix of the tree of size second with root second_root.
 */
bool
med_merkle_verify_consistency(uint64_t first, uint64_t second,
			      const uint8_t first_root[MED_MERKLE_HASH_LEN],
			      const uint8_t second_root[MED_MERKLE_HASH_LEN],
			      const uint8_t (*path)[MED_MERKLE_HASH_LEN],
			      size_t n);

/*
 * med_merkle_frontier - the right edge of a growing tree: node[l] is the
 * hash of the last complete subtree of level l, meaningful where bit l of
 * size is set.  Enough to append leaves and compute the root without
 * reading anything else.
 */
typedef struct med_merkle_frontier {
	uint64_t size;
	uint8_t node[MED_MERKLE_MAX_LEVEL][MED_MERKLE_HASH_LEN];
} med_merkle_frontier;

/* med_merkle_emit_fn receives each subtree that an append completes. */
typedef med_err (*med_merkle_emit_fn)(void *ctx, unsigned level, uint64_t index,
				      const uint8_t hash[MED_MERKLE_HASH_LEN]);

/*
 * med_merkle_frontier_load fills f for a tree of size leaves from stored
 * nodes (one read per set bit of size).
 */
med_err med_merkle_frontier_load(med_merkle_frontier *f, uint64_t size,
				 med_merkle_node_fn get,
				 void *ctx) MED_MUST_CHECK;

/*
 * med_merkle_frontier_append adds one leaf: emit gets the leaf (level 0)
 * and every subtree it completes, lowest first (emit may be NULL).  f is
 * unchanged when emit fails.
 */
med_err med_merkle_frontier_append(med_merkle_frontier *f,
				   const uint8_t leaf_hash[MED_MERKLE_HASH_LEN],
				   med_merkle_emit_fn emit,
				   void *ctx) MED_MUST_CHECK;

/* med_merkle_frontier_root writes the root of the tree f describes. */
void med_merkle_frontier_root(const med_merkle_frontier *f,
			      uint8_t out[MED_MERKLE_HASH_LEN]);

/* med_merkle_node - one subtree hash by its address (level, index). */
typedef struct med_merkle_node {
	unsigned level;
	uint64_t index;
	uint8_t hash[MED_MERKLE_HASH_LEN];
} med_merkle_node;

/* med_merkle_node_list - subtree hashes collected from frontier appends,
 * in the caller's storage items[0..cap). */
typedef struct med_merkle_node_list {
	med_merkle_node *items;
	size_t n, cap;
} med_merkle_node_list;

/*
 * med_merkle_node_list_add is a med_merkle_emit_fn over a node list (ctx):
 * it keeps the subtrees of level >= 1 (leaf hashes are stored with their
 * entries).  Errors: MED_ERR_LIMIT when the list is full.
 */
med_err med_merkle_node_list_add(void *ctx, unsigned level, uint64_t index,
				 const uint8_t hash[MED_MERKLE_HASH_LEN]);

/*
 * med_merkle_range_fn calls found(found_ctx, level, index, hash) for each
 * stored node of level whose index is in [first, last], in index order.
 * A non-OK return of found stops the read and is returned.
 */
typedef med_err (*med_merkle_range_fn)(void *ctx, unsigned level,
				       uint64_t first, uint64_t last,
				       med_merkle_emit_fn found,
				       void *found_ctx);

/*
 * med_merkle_nodes_check compares every node of list (as appends emit them:
 * within a level, consecutive indexes in order) with the stored node at
 * its address, one range read per level.  MED_ERR_DATA_LOSS when one is
 * missing or differs: *bad is the first such (lowest level first) with the
 * computed hash, *missing says which.  Otherwise the reader's error.
 */
med_err med_merkle_nodes_check(const med_merkle_node_list *list,
			       med_merkle_range_fn read, void *ctx,
			       med_merkle_node *bad,
			       bool *missing) MED_MUST_CHECK;

/* med_merkle_hex writes 64 lowercase hex digits and a NUL to out. */
void med_merkle_hex(const uint8_t h[MED_MERKLE_HASH_LEN],
		    char out[2 * MED_MERKLE_HASH_LEN + 1]);

/* med_merkle_unhex parses 64 hex digits; false when s is not exactly that. */
bool med_merkle_unhex(const char *s, uint8_t out[MED_MERKLE_HASH_LEN]);

#endif
