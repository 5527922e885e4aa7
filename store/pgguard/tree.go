package pgguard

import (
	"encoding/json"
	"strings"
)

// The parse tree comes from libpg_query as JSON and is walked generically:
// a node is a JSON object with one key, its type name ({"RangeVar": {...}}),
// while fields typed as one struct in PostgreSQL's headers (an UPDATE's
// relation, a WITH clause) are objects of fields without that wrapper. Only
// the node types the rule reasons about are read by name; every other part
// of the tree is still walked, so a table reference anywhere is seen.

type obj = map[string]any

func decodeTree(js string) ([]obj, error) {
	var tree struct {
		Stmts []struct {
			Stmt obj `json:"stmt"`
		} `json:"stmts"`
	}
	if err := json.Unmarshal([]byte(js), &tree); err != nil {
		return nil, err
	}
	out := make([]obj, len(tree.Stmts))
	for i, s := range tree.Stmts {
		out[i] = s.Stmt
	}
	return out, nil
}

// node returns the type name and fields of a wrapped node, or "" when v
// is not one.
func node(v any) (string, obj) {
	m, ok := v.(obj)
	if !ok || len(m) != 1 {
		return "", nil
	}
	for k, f := range m {
		if k == "" || k[0] < 'A' || k[0] > 'Z' {
			return "", nil
		}
		fields, _ := f.(obj)
		if fields == nil {
			fields = obj{}
		}
		return k, fields
	}
	return "", nil
}

// field returns f[key] as an object (a struct-typed field), or nil.
func field(f obj, key string) obj {
	m, _ := f[key].(obj)
	return m
}

func list(f obj, key string) []any {
	l, _ := f[key].([]any)
	return l
}

func str(f obj, key string) string {
	s, _ := f[key].(string)
	return s
}

func flag(f obj, key string) bool {
	b, _ := f[key].(bool)
	return b
}

// names returns a list of String nodes (a qualified name, a ColumnRef's
// fields) as strings; ok is false when an element is not a String (A_Star).
func names(l []any) ([]string, bool) {
	out := make([]string, 0, len(l))
	for _, v := range l {
		k, f := node(v)
		if k != "String" {
			return out, false
		}
		out = append(out, str(f, "sval"))
	}
	return out, true
}

// lastName is the unqualified name of a qualified name list.
func lastName(l []any) string {
	n, _ := names(l)
	if len(n) == 0 {
		return ""
	}
	return n[len(n)-1]
}

// isRangeVar reports whether m is a RangeVar's fields, wrapped or not: the
// only node type with a relname.
func isRangeVar(m obj) bool {
	_, ok := m["relname"]
	return ok
}

func refName(rv obj) string {
	if a := field(rv, "alias"); a != nil {
		return str(a, "aliasname")
	}
	return str(rv, "relname")
}

func lower(s string) string { return strings.ToLower(s) }
