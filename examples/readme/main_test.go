package main

import (
	"io"
	"os"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

// The README shows main's body; this keeps the two from drifting apart.
func TestREADMEQuotesThisProgram(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	require.NoError(t, err)
	src, err := os.ReadFile("main.go")
	require.NoError(t, err)
	start := strings.Index(string(src), "func main() {")
	require.GreaterOrEqual(t, start, 0)
	require.Contains(t, string(readme), string(src[start:]), "README's quickstart must equal examples/readme/main.go from func main")
}

func TestOutput(t *testing.T) {
	r, w, err := os.Pipe()
	require.NoError(t, err)
	stdout := os.Stdout
	os.Stdout = w
	main()
	os.Stdout = stdout
	require.NoError(t, w.Close())
	out, err := io.ReadAll(r)
	require.NoError(t, err)
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	require.Len(t, lines, 4)
	require.Equal(t, "<nil>", lines[0])
	require.True(t, strings.HasPrefix(lines[1], "workspace: forbidden"), lines[1])
	require.True(t, strings.HasPrefix(lines[2], "workspace: confirmation does not match"), lines[2])
	require.Equal(t, "true", lines[3])
}
