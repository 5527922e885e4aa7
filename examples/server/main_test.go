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
// API at /api/ (an API key made there works as a Bearer token) and the UI
// at /, and stops cleanly when its context ends (what SIGINT does),
// the API keys' last-use writer included.
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

	// An API key made through the API works as a Bearer token.
	var ws []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	}
	req, err = http.NewRequestWithContext(t.Context(), "GET", base+"/api/workspaces", nil)
	require.NoError(t, err)
	req.Header.Set("X-Example-User", "alice")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, json.NewDecoder(res.Body).Decode(&ws))
	require.NoError(t, res.Body.Close())
	keys := base + "/api/workspaces/" + ws[0].ID + "/api-keys"
	req, err = http.NewRequestWithContext(t.Context(), "POST", keys, strings.NewReader(`{"name":"smoke","role":"viewer"}`))
	require.NoError(t, err)
	req.Header.Set("X-Example-User", "alice")
	req.Header.Set("Content-Type", "application/json")
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	var made struct {
		Secret string `json:"secret"`
	}
	require.NoError(t, json.NewDecoder(res.Body).Decode(&made))
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusCreated, res.StatusCode)
	req, err = http.NewRequestWithContext(t.Context(), "GET", keys, nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+made.Secret)
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusForbidden, res.StatusCode, "a viewer key may not read keys")
	req, err = http.NewRequestWithContext(t.Context(), "GET", base+"/api/workspaces/"+ws[0].ID+"/agents", nil)
	require.NoError(t, err)
	req.Header.Set("Authorization", "Bearer "+made.Secret)
	res, err = http.DefaultClient.Do(req)
	require.NoError(t, err)
	require.NoError(t, res.Body.Close())
	require.Equal(t, http.StatusOK, res.StatusCode, "the key reads its workspace's agents")

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
