package main

import (
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The quickstart is the README's main command: its story must keep working.
func TestQuickstart(t *testing.T) {
	var out strings.Builder
	require.NoError(t, run(context.Background(), &out))
	got := out.String()
	for _, want := range []string{
		`bob can access "Sales" as admin`,
		`bob can access "Support" as viewer`,
		`bob creates an agent in "Support": refused (workspace: forbidden`,
		`bob creates an agent in "Sales": ok`,
		`agents bob sees in "Sales": 1`,
		`agents bob sees in "Support": 0`,
		`bob deletes "Sales": refused (workspace: forbidden`,
		`alice creates workspace "Marketing": ok`,
		`alice creates workspace "Ops": refused (workspace: plan limit reached`,
		`typing "support": refused (workspace: confirmation does not match`,
		`typing "Support": ok`,
		`bob switches to "Support": refused (workspace: not found`,
	} {
		require.Contains(t, got, want)
	}
}
