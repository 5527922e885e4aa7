package workspace_test

import (
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/workspacekit/workspacekit/workspace"
)

// Names are compared (uniqueness ignoring case) and echoed back to users, so
// normalization must be stable and never let through what validation refuses.
func FuzzNormalizeName(f *testing.F) {
	for _, s := range []string{"Sales", "  Sales  ", "", "\x00", strings.Repeat("é", 64), strings.Repeat("a", 65), "İstanbul", "ǅ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := workspace.NormalizeName(in)
		if err != nil {
			return
		}
		if n := utf8.RuneCountInString(out); n < 1 || n > workspace.MaxNameLen {
			t.Fatalf("accepted %q with %d characters", out, n)
		}
		if out != strings.TrimSpace(out) {
			t.Fatalf("accepted untrimmed %q", out)
		}
		again, err := workspace.NormalizeName(out)
		if err != nil || again != out {
			t.Fatalf("not idempotent: %q -> %q, %v", out, again, err)
		}
		if k := workspace.NameKey(out); workspace.NameKey(k) != k {
			t.Fatalf("name key of %q is not stable", out)
		}
	})
}

func FuzzRoleValidate(f *testing.F) {
	for _, s := range []string{"owner", "support-agent", "", "Owner", "1x", "a_b", strings.Repeat("r", 65)} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		if workspace.Role(in).Validate() != nil {
			return
		}
		if len(in) == 0 || len(in) > workspace.MaxRoleLen || in != strings.ToLower(in) || strings.ContainsAny(in, " :,*") {
			t.Fatalf("accepted role name %q", in)
		}
	})
}
