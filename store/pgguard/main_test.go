package pgguard

import (
	"io"
	"log/slog"
	"os"
	"testing"

	"github.com/workspacekit/workspacekit/internal/pgtest"
)

// pg is the package's throwaway PostgreSQL cluster (see internal/pgtest),
// for the tests of the connector's begin.
var pg *pgtest.Cluster

func TestMain(m *testing.M) {
	// workspace.Unscoped logs every use at Warn.
	slog.SetDefault(slog.New(slog.NewTextHandler(io.Discard, nil)))
	os.Exit(pgtest.Run(m, &pg))
}
