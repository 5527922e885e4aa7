package memstore

import "github.com/google/uuid"

// Record gives a host type the three methods of store.Record: embed it and
// the type can be kept in a Repo.
//
//	type Agent struct {
//		memstore.Record
//		Name string
//	}
//
// It is the in-memory counterpart of bunstore.Scoped, which holds the
// workspace half only because a bun model declares its own primary key.
type Record struct {
	ID          uuid.UUID
	WorkspaceID uuid.UUID
}

// RecordID returns the record's id (store.Record).
func (r Record) RecordID() uuid.UUID { return r.ID }

// RecordWorkspaceID returns the owning workspace (store.Record).
func (r Record) RecordWorkspaceID() uuid.UUID { return r.WorkspaceID }

// SetRecordWorkspaceID stamps the owning workspace (store.Record).
func (r *Record) SetRecordWorkspaceID(id uuid.UUID) { r.WorkspaceID = id }
