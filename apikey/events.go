package apikey

import (
	"time"

	"github.com/workspacekit/workspacekit/workspace"
)

// Created: a key was created. The actor is the person (or key) who made it.
type Created struct {
	workspace.EventMeta
	KeyID     string
	Name      string
	Role      workspace.Role
	ExpiresAt time.Time `json:",omitzero"` // zero for never
}

// Revoked: a key was revoked; it stops working at once.
type Revoked struct {
	workspace.EventMeta
	KeyID string
	Name  string
}

// RoleChanged: a key's role changed.
type RoleChanged struct {
	workspace.EventMeta
	KeyID    string
	From, To workspace.Role
}

// Renamed: a key's name changed.
type Renamed struct {
	workspace.EventMeta
	KeyID    string
	From, To string
}
