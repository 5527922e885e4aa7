package store

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/workspacekit/workspacekit/workspace"
)

// CheckText is for store implementations: it returns workspace.ErrInvalid
// when a string in vs holds a NUL byte, which PostgreSQL text cannot store
// and which bun, writing values into the SQL text, turns into an error
// marker that the server reports as a syntax error. Both stores call it on
// every caller-supplied value before use, so they refuse the same input,
// reads and cursors included, with the same sentinel. vs may be strings
// (of any named string type), structs and pointers to them, and slices of
// these; it looks into struct fields, slice elements and pointers to
// strings, not into other pointers, maps or interfaces (bun stores those
// as JSON or relations). what names the call for the error.
func CheckText(what string, vs ...any) error {
	for _, v := range vs {
		rv := reflect.ValueOf(v)
		if rv.Kind() == reflect.Pointer && !rv.IsNil() {
			rv = rv.Elem()
		}
		if s, ok := nulText(rv); ok {
			return fmt.Errorf("%w: %s: %q holds a NUL byte, which PostgreSQL text cannot store", workspace.ErrInvalid, what, s)
		}
	}
	return nil
}

// nulText returns the first string in v that holds a NUL byte.
func nulText(v reflect.Value) (string, bool) {
	switch v.Kind() {
	case reflect.String:
		s := v.String()
		return s, strings.IndexByte(s, 0) >= 0
	case reflect.Struct:
		for i := range v.NumField() {
			if s, ok := nulText(v.Field(i)); ok {
				return s, true
			}
		}
	case reflect.Slice, reflect.Array:
		if k := v.Type().Elem().Kind(); k != reflect.String && k != reflect.Struct {
			return "", false // []byte is bytea, where NUL is fine
		}
		for i := range v.Len() {
			if s, ok := nulText(v.Index(i)); ok {
				return s, true
			}
		}
	case reflect.Pointer:
		if !v.IsNil() && v.Elem().Kind() == reflect.String {
			return nulText(v.Elem())
		}
	}
	return "", false
}

// CheckMember is what a store checks of a membership before writing it:
// its text (CheckText), and that its user is not an API key's
// (workspace.KeyUser): keys act through their own grants, never as
// members, so a membership row for one would outlive the key.
func CheckMember(m workspace.Membership) error {
	if err := CheckText("CreateMembership", m); err != nil {
		return err
	}
	if _, isKey := m.UserID.KeyID(); isKey {
		return fmt.Errorf("%w: %s is an API key, not a member", workspace.ErrInvalid, m.UserID)
	}
	return nil
}
