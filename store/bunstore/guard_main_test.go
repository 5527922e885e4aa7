package bunstore_test

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/workspacekit/workspacekit/internal/pgtest"
)

// pg is the package's throwaway PostgreSQL cluster (see internal/pgtest).
var pg *pgtest.Cluster

func TestMain(m *testing.M) {
	// workspace.Unscoped logs every use at Warn; fixtures use it a lot.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(pgtest.Run(m, &pg))
}
