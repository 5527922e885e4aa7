package apikey_test

import (
	"context"
	"testing"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/workspace"
)

// BenchmarkAuthenticate sets a key's cost next to the session path a
// request takes through workspacehttp (Switch: the membership read and the
// scope), in one run:
//
//	go test -run XXX -bench Authenticate -benchmem ./apikey/
//
// The goal of a cache hit: under 2 µs and 0-1 allocations. "miss" reads
// the key from the store every time (a service whose freshness never
// holds), here the in-memory store; on PostgreSQL that read is one lookup
// by primary key (store/bunstore).
func BenchmarkAuthenticate(b *testing.B) {
	ctx := context.Background()
	e := newEnv(b)
	alice, sales := e.account(b, "alice", "big", "Sales")
	_, secret, err := e.keys.Create(alice, apikey.NewKey{Name: "bench", Role: workspace.RoleMember})
	if err != nil {
		b.Fatal(err)
	}
	b.Run("session: Switch", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.ws.Switch(ctx, "alice", sales.ID); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("key: hit", func(b *testing.B) {
		if _, err := e.keys.Authenticate(ctx, secret); err != nil {
			b.Fatal(err)
		}
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.keys.Authenticate(ctx, secret); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("key: miss", func(b *testing.B) {
		uncached := apikey.New(e.st, e.authz, plans, apikey.WithFreshness(&staleness{}))
		b.ReportAllocs()
		for b.Loop() {
			if _, err := uncached.Authenticate(ctx, secret); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("key: refused", func(b *testing.B) {
		bad := secret[:len(secret)-2] + "AA"
		b.ReportAllocs()
		for b.Loop() {
			if _, err := e.keys.Authenticate(ctx, bad); err == nil {
				b.Fatal("accepted")
			}
		}
	})
}
