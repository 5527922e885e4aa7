package membership_test

import (
	"strings"
	"testing"

	"github.com/workspacekit/workspacekit/membership"
)

// Emails are matched for duplicate invitations after normalization, so the
// normal form must be a fixed point and never contain what parsing refused.
func FuzzNormalizeEmail(f *testing.F) {
	for _, s := range []string{"bob@example.com", " Bob@Example.COM ", "bob", "Bob <bob@example.com>", "a@b", "\"q\"@x.y", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := membership.NormalizeEmail(in)
		if err != nil {
			return
		}
		if out != strings.ToLower(out) || out != strings.TrimSpace(out) || len(out) > membership.MaxEmailLen || !strings.Contains(out, "@") {
			t.Fatalf("bad normal form %q of %q", out, in)
		}
		again, err := membership.NormalizeEmail(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q, %v", out, again, err)
		}
	})
}
