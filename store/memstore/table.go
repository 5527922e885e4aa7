package memstore

import (
	"cmp"
	"encoding/binary"
	"slices"

	"github.com/google/uuid"
)

// table is a map whose writes are undone when their transaction rolls back.
// Read it only while holding a tx (the store lock); the values it holds must
// not share memory with callers (clone slices on the way in and out).
type table[K comparable, V any] struct{ rows map[K]V }

func newTable[K comparable, V any]() *table[K, V] { return &table[K, V]{rows: map[K]V{}} }

func (tb *table[K, V]) get(k K) (V, bool) {
	v, ok := tb.rows[k]
	return v, ok
}

func (tb *table[K, V]) has(k K) bool {
	_, ok := tb.rows[k]
	return ok
}

// put inserts or replaces the row at k.
func (tb *table[K, V]) put(t *tx, k K, v V) {
	old, had := tb.rows[k]
	tb.rows[k] = v
	t.onRollback(func() {
		if had {
			tb.rows[k] = old
		} else {
			delete(tb.rows, k)
		}
	})
}

// del removes the row at k and reports whether there was one.
func (tb *table[K, V]) del(t *tx, k K) bool {
	old, had := tb.rows[k]
	if !had {
		return false
	}
	delete(tb.rows, k)
	t.onRollback(func() { tb.rows[k] = old })
	return true
}

// index groups keys of a table (the members of a workspace, the workspaces
// of an account...) so that lists need not scan every row.
type index[G, K comparable] struct{ sets map[G]map[K]struct{} }

func newIndex[G, K comparable]() *index[G, K] { return &index[G, K]{sets: map[G]map[K]struct{}{}} }

func (ix *index[G, K]) add(t *tx, g G, k K) {
	if ix.insert(g, k) {
		t.onRollback(func() { ix.remove(g, k) })
	}
}

func (ix *index[G, K]) del(t *tx, g G, k K) {
	if ix.remove(g, k) {
		t.onRollback(func() { ix.insert(g, k) })
	}
}

func (ix *index[G, K]) insert(g G, k K) bool {
	set := ix.sets[g]
	if set == nil {
		set = map[K]struct{}{}
		ix.sets[g] = set
	}
	if _, ok := set[k]; ok {
		return false
	}
	set[k] = struct{}{}
	return true
}

func (ix *index[G, K]) remove(g G, k K) bool {
	set := ix.sets[g]
	if _, ok := set[k]; !ok {
		return false
	}
	delete(set, k)
	if len(set) == 0 {
		delete(ix.sets, g) // so that deleted groups do not leak
	}
	return true
}

func (ix *index[G, K]) count(g G) int { return len(ix.sets[g]) }

// keys returns the group's keys in no particular order.
func (ix *index[G, K]) keys(g G) []K {
	set := ix.sets[g]
	out := make([]K, 0, len(set))
	for k := range set {
		out = append(out, k)
	}
	return out
}

// compareIDs orders uuids as PostgreSQL does: byte by byte, here as two
// big-endian words (lists sort thousands of ids per page).
func compareIDs(a, b uuid.UUID) int {
	if c := cmp.Compare(binary.BigEndian.Uint64(a[:8]), binary.BigEndian.Uint64(b[:8])); c != 0 {
		return c
	}
	return cmp.Compare(binary.BigEndian.Uint64(a[8:]), binary.BigEndian.Uint64(b[8:]))
}

func sortIDs(ids []uuid.UUID) { slices.SortFunc(ids, compareIDs) }

// sortStrings orders by bytes, as COLLATE "C" does.
func sortStrings[S ~string](s []S) { slices.SortFunc(s, cmp.Compare[S]) }

// pageIDs returns, in order, the ids after after (uuid.Nil: all), at most
// limit of them (limit <= 0: no limit). It may reorder ids in place.
func pageIDs(ids []uuid.UUID, after uuid.UUID, limit int) []uuid.UUID {
	if after != uuid.Nil {
		ids = slices.DeleteFunc(ids, func(id uuid.UUID) bool { return compareIDs(id, after) <= 0 })
	}
	if limit <= 0 || len(ids) <= limit {
		sortIDs(ids)
		return ids
	}
	// A page of a user in thousands of workspaces: keep the smallest limit
	// ids in a sorted buffer instead of sorting them all. Ids in random
	// order rarely enter it, so this is about one comparison per id.
	page := make([]uuid.UUID, 0, limit+1)
	for _, id := range ids {
		if len(page) == limit && compareIDs(id, page[limit-1]) >= 0 {
			continue
		}
		i, _ := slices.BinarySearchFunc(page, id, compareIDs)
		page = slices.Insert(page, i, id)
		if len(page) > limit {
			page = page[:limit]
		}
	}
	return page
}
