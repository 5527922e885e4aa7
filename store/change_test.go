package store_test

import (
	"encoding/json"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

func TestCheckChange(t *testing.T) {
	ok := workspace.Change{Kind: workspace.ChangeMemberJoined, Actor: "ada"}
	cases := []struct {
		name    string
		kind    workspace.ChangeKind
		actor   workspace.UserID
		payload string
		bad     bool
	}{
		{"no payload", "k", "a", "", false},
		{"no actor", "k", "", "{}", false},
		{"empty kind", "", "a", "", true},
		{"NUL in kind", "k\x00", "a", "", true},
		{"NUL in actor", "k", "\x00", "", true},
		{"object", "k", "a", `{"a":[1,2.5e3,null,true,"x"]}`, false},
		{"scalar", "k", "a", `"just text"`, false},
		{"truncated", "k", "a", `{"a":1`, true},
		{"two values", "k", "a", `1 2`, true},
		{"not UTF-8", "k", "a", "\"\xff\"", true},
		{"NUL escape", "k", "a", `"a\u0000"`, true},
		{"NUL escape in a key", "k", "a", `{"\u0000":1}`, true},
		{"escaped backslash then u0000", "k", "a", `"\\u0000"`, false},
		{"escaped quote then u0000", "k", "a", `"\"u0000"`, false},
		{"other control escape", "k", "a", `"\u0001\u001f"`, false},
		{"surrogate pair", "k", "a", `"\uD83D\uDE00"`, false},
		{"lone high surrogate at the end", "k", "a", `"\ud83d"`, true},
		{"high surrogate then text", "k", "a", `"\ud83dx"`, true},
		{"high surrogate then another escape", "k", "a", `"\ud83d\n"`, true},
		{"two high surrogates", "k", "a", `"\ud83d\ud83d"`, true},
		{"lone low surrogate", "k", "a", `"\ude00"`, true},
		{"numeric's largest power", "k", "a", `[1e131071, 12345e131067, -9.99e131071]`, false},
		{"a power beyond it", "k", "a", `[1e131072]`, true},
		{"a power beyond it by the fraction", "k", "a", `[0.00001e131077]`, true},
		{"numeric's smallest scale", "k", "a", `[1e-16383, 0e-16383]`, false},
		{"a scale beyond it", "k", "a", `[1.5e-16383]`, true},
		{"a scale beyond it written out", "k", "a", "[0." + strings.Repeat("0", 16384) + "]", true},
		{"zero with a large exponent", "k", "a", `[0e1073741822, -0, 0.0]`, false},
		{"an exponent past INT_MAX/2", "k", "a", `[0e1073741823]`, true},
		{"an exponent with many digits", "k", "a", `[1e-000000000000000000001]`, false},
		{"a huge exponent", "k", "a", `[1e99999999999999999999]`, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := ok
			c.Kind, c.Actor = tc.kind, tc.actor
			if tc.payload != "" {
				c.Payload = json.RawMessage(tc.payload)
			}
			err := store.CheckChange(c)
			if tc.bad {
				require.ErrorIs(t, err, workspace.ErrInvalid)
			} else {
				require.NoError(t, err)
			}
		})
	}
}

// FuzzCheckChange: any payload is either refused as ErrInvalid or is one
// JSON value in UTF-8; the check never panics.
func FuzzCheckChange(f *testing.F) {
	for _, s := range []string{`{}`, `"\ud83d\ude00"`, `"\u0000"`, `[1e131071]`, `"\\u0000"`, `"\ud83d`, `1e-16384`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, payload []byte) {
		err := store.CheckChange(workspace.Change{Kind: "k", Payload: payload})
		if err != nil {
			require.ErrorIs(t, err, workspace.ErrInvalid)
			return
		}
		if len(payload) > 0 {
			require.True(t, json.Valid(payload) && utf8.Valid(payload), "%q", payload)
		}
	})
}
