package main

import (
	"bufio"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

// The server starts on memory with the seed, prints its URL, serves the
// API at /api/ and the UI at /, and stops cleanly when its context ends
// (what SIGINT does).
func TestServerStartsServesAndStops(t *testing.T) {
	ctx, cancel := context.WithCancel(t.Context())
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		done <- run(ctx, "127.0.0.1:0", "", pw)
		_ = pw.Close()
	}()
	line, err := bufio.NewReader(pr).ReadString('\n')
	require.NoError(t, err)
	go func() { _, _ = io.Copy(io.Discard, pr) }()
	require.True(t, strings.HasPrefix(line, "workspacekit example server: http://127.0.0.1:"), line)
	require.True(t, strings.HasSuffix(line, " (example-only login: pick a user)\n"), line)
	base := strings.Fields(line)[3]

	req, err := http.NewRequestWithContext(t.Context(), "GET", base+"/api/workspaces", nil)
	require.NoError(t, err)
	req.Header.Set("X-Example-User", "bob")
	res, err := http.DefaultClient.Do(req)
	require.NoError(t, err)
	var list []struct {
		Name string `json:"name"`
		Role string `json:"role"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&list))
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusOK, res.StatusCode)
	require.Len(t, list, 2, "the seed is loaded")

	res, err = http.Get(base + "/login")
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusOK, res.StatusCode, "the UI is mounted")
	require.Contains(t, res.Header.Get("Content-Type"), "text/html")

	cancel()
	select {
	case err := <-done:
		require.NoError(t, err)
	case <-time.After(15 * time.Second):
		t.Fatal("the server did not stop")
	}
	_, err = http.Get(base + "/api/users")
	require.Error(t, err, "the listener is closed")
}
