package workspace_test

import (
	"testing"

	"github.com/workspacekit/workspacekit/internal/testenv"
	"github.com/workspacekit/workspacekit/workspace"
)

var unlimited = testenv.Unlimited

func newEnv(t *testing.T, plans workspace.Plans) *testenv.Env { return testenv.New(t, plans) }

func last[T workspace.Event](t *testing.T, r *testenv.Recorder) T { return testenv.Last[T](t, r) }

func ptr[T any](v T) *T { return &v }
