package pgtest

import (
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// binDir returns the directory holding initdb and postgres, or "" with the
// places it looked.
func binDir() (string, string) {
	if d := os.Getenv("WORKSPACEKIT_PG_BIN"); d != "" {
		if hasServer(d) {
			return d, ""
		}
		return "", "WORKSPACEKIT_PG_BIN=" + d + " has no initdb/postgres"
	}
	dirs, _ := filepath.Glob("/usr/lib/postgresql/*/bin")
	// Newest major version first; the glob sorts "9.6" after "15".
	sort.Slice(dirs, func(i, j int) bool { return majorOf(dirs[i]) > majorOf(dirs[j]) })
	for _, d := range dirs {
		if hasServer(d) {
			return d, ""
		}
	}
	if p, err := exec.LookPath("initdb"); err == nil {
		d := filepath.Dir(p)
		if hasServer(d) {
			return d, ""
		}
	}
	return "", "no initdb/postgres in $WORKSPACEKIT_PG_BIN, /usr/lib/postgresql/*/bin or $PATH"
}

func majorOf(dir string) float64 {
	v := filepath.Base(filepath.Dir(dir))
	f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
	if err != nil {
		return -1
	}
	return f
}

func hasServer(dir string) bool {
	for _, name := range []string{"initdb", "postgres"} {
		st, err := os.Stat(filepath.Join(dir, name))
		if err != nil || st.IsDir() || st.Mode()&0o111 == 0 {
			return false
		}
	}
	return true
}
