package workspace

import (
	"strings"
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

// keyUserPrefix starts the user id of every API key's scope. Person ids
// may not start with it (ValidateUser), so no member can hold a key's
// role by choosing its id, and a key is told apart from a person in
// events, the change log and decisions.
const keyUserPrefix = "apikey:"

// KeyUser is the user id an API key acts as: "apikey:" and the key's id.
func KeyUser(keyID uuid.UUID) UserID { return UserID(keyUserPrefix + keyID.String()) }

// KeyID reports whether u is an API key's user id, and which key.
func (u UserID) KeyID() (uuid.UUID, bool) {
	s, ok := strings.CutPrefix(string(u), keyUserPrefix)
	if !ok {
		return uuid.Nil, false
	}
	id, err := uuid.Parse(s)
	if err != nil || s != id.String() {
		return uuid.Nil, false
	}
	return id, true
}
