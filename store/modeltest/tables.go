package modeltest

import (
	"context"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/store"
	"github.com/workspacekit/workspacekit/workspace"
)

// Table is one host table as the suite drives it: records reduced to an id
// and one text value, reached through the host's store.Repo. TableOf
// builds one from any Repo; a host passes its own tables to run the
// generator over them.
type Table interface {
	// Name names the table in failure messages.
	Name() string
	// Resource is the rbac resource that guards the table: the suite
	// authorizes read/create/update/delete on it as a host would. It must
	// be one of the built-in resources of package rbac's matrix, whose
	// grants the model knows.
	Resource() string
	Get(ctx context.Context, id uuid.UUID) (string, error)
	List(ctx context.Context) ([]Row, error)
	Insert(ctx context.Context, id uuid.UUID, value string) error
	Update(ctx context.Context, id uuid.UUID, value string) error
	Delete(ctx context.Context, id uuid.UUID) error
	Count(ctx context.Context) (int, error)
}

// Row is one record as the suite sees it.
type Row struct {
	ID    uuid.UUID
	Value string
}

// TableOf adapts a store.Repo of T: make builds a record with an id and a
// value (its workspace left zero for the repository to stamp), value reads
// the value back.
func TableOf[T any, PT store.RecordPtr[T]](name, resource string, repo store.Repo[T], make func(id uuid.UUID, value string) T, value func(*T) string) Table {
	return &repoTable[T, PT]{name: name, resource: resource, repo: repo, make: make, value: value}
}

type repoTable[T any, PT store.RecordPtr[T]] struct {
	name, resource string
	repo           store.Repo[T]
	make           func(uuid.UUID, string) T
	value          func(*T) string
}

func (r *repoTable[T, PT]) Name() string     { return r.name }
func (r *repoTable[T, PT]) Resource() string { return r.resource }

func (r *repoTable[T, PT]) Get(ctx context.Context, id uuid.UUID) (string, error) {
	v, err := r.repo.Get(ctx, id)
	if err != nil {
		return "", err
	}
	return r.value(&v), nil
}

func (r *repoTable[T, PT]) List(ctx context.Context) ([]Row, error) {
	vs, err := r.repo.List(ctx, workspace.Page{})
	if err != nil {
		return nil, err
	}
	out := make([]Row, len(vs))
	for i := range vs {
		out[i] = Row{ID: PT(&vs[i]).RecordID(), Value: r.value(&vs[i])}
	}
	return out, nil
}

func (r *repoTable[T, PT]) Insert(ctx context.Context, id uuid.UUID, value string) error {
	v := r.make(id, value)
	return r.repo.Insert(ctx, &v)
}

func (r *repoTable[T, PT]) Update(ctx context.Context, id uuid.UUID, value string) error {
	v := r.make(id, value)
	return r.repo.Update(ctx, &v)
}

func (r *repoTable[T, PT]) Delete(ctx context.Context, id uuid.UUID) error {
	return r.repo.Delete(ctx, id)
}

func (r *repoTable[T, PT]) Count(ctx context.Context) (int, error) { return r.repo.Count(ctx) }
