package api

import (
	"errors"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// A key may appear once per object, compared as encoding/json matches
// keys to fields (unescaped, case-folded), at every depth.
func TestNoRepeatedKeys(t *testing.T) {
	for _, body := range []string{
		`{"role":"viewer"}`,
		`{"name":"x","detail":"y"}`,
		`{"name":"a","workspace":{"name":"b","description":"c"}}`, // one key per object
		`{"permissions":["agents:read","agents:read"]}`,           // values may repeat
		`[{"a":1},{"a":1}]`,
		`"x"`, `1`, `null`, `{}`, `[]`,
	} {
		require.NoError(t, noRepeatedKeys([]byte(body)), body)
	}
	for _, body := range []string{
		`{"role":"viewer","role":"admin"}`,
		`{"role":"viewer","ROLE":"admin"}`,
		`{"role":"viewer","Role":"admin"}`,
		`{"role":"viewer","\u0072ole":"admin"}`,
		`{"kind":"a","\u212aind":"b"}`, // the Kelvin sign folds to k, as encoding/json matches it
		`{"name":"a","workspace":{"name":"b","NAME":"c"}}`,
		`{"x":[{"a":1,"A":2}]}`,
		`{"a":1} {"a":2}`,
		`{"a":1`,
		`{"a" 1}`,
		strings.Repeat("[", maxDepth+1) + strings.Repeat("]", maxDepth+1),
	} {
		err := noRepeatedKeys([]byte(body))
		require.True(t, errors.Is(err, errBadRequest), "%s: %v", body, err)
	}
	require.NoError(t, noRepeatedKeys([]byte(strings.Repeat("[", maxDepth)+strings.Repeat("]", maxDepth))))
}
