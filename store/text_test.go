package store_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

func TestCheckText(t *testing.T) {
	nul := "a\x00b"
	type inner struct{ Name string }
	type record struct {
		ID    int
		inner // embedded, as bunstore.Scoped-style models are
		Tags  []string
		Note  *string
		Hash  []byte
	}
	cases := []struct {
		name string
		v    any
		bad  bool
	}{
		{"plain string", "alice", false},
		{"named string", workspace.UserID(nul), true},
		{"struct field", workspace.Account{Name: nul}, true},
		{"slice of structs", rbac.CustomRole{Permissions: []rbac.Permission{{Resource: "r", Action: nul}}}, true},
		{"embedded struct", &record{inner: inner{Name: nul}}, true},
		{"slice element", record{Tags: []string{"x", nul}}, true},
		{"pointer to string", record{Note: &nul}, true},
		{"nil pointer", record{}, false},
		{"bytes may hold NUL", record{Hash: []byte{0, 1}}, false},
		{"clean record", &record{inner: inner{Name: "n"}, Tags: []string{"t"}, Note: new(string)}, false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := store.CheckText("test", c.v)
			if c.bad {
				require.ErrorIs(t, err, workspace.ErrInvalid)
			} else {
				require.NoError(t, err)
			}
		})
	}
	require.ErrorIs(t, store.CheckText("test", "ok", workspace.Role(nul)), workspace.ErrInvalid, "every argument is checked")
}
