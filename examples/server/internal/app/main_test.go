package app

import (
	"os"
	"testing"

	"github.com/workspacekit/workspacekit/internal/pgtest"
)

// pg is this package's throwaway PostgreSQL (pgtest): its tests that need
// one skip without it, except under CI=true.
var pg *pgtest.Cluster

func TestMain(m *testing.M) { os.Exit(pgtest.Run(m, &pg)) }
