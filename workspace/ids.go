package workspace

import (
	"time"

	"github.com/google/uuid"
)

// UserID identifies a person in the host's identity system. workspacekit does
// not manage logins; it only needs a stable, non-empty id.
type UserID string

// IDFunc returns a new unique id. The default is UUIDv7, whose time prefix
// keeps ids in creation order (and B-tree indexes compact).
type IDFunc func() uuid.UUID

// NewID returns a UUIDv7. It panics only if the system's random source fails,
// which crypto/rand documents as unrecoverable.
func NewID() uuid.UUID { return uuid.Must(uuid.NewV7()) }

// Clock returns the current time; injected so tests can control time.
type Clock func() time.Time

// UTCClock is the default clock. Times are truncated to microseconds because
// PostgreSQL stores no more, and both stores must return equal values.
func UTCClock() time.Time { return time.Now().UTC().Truncate(time.Microsecond) }
