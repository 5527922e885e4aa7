package membership

import (
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/workspace"
)

// Status of an invitation. Expiry is not a status: a pending invitation whose
// ExpiresAt has passed is expired.
type Status string

// Invitation statuses.
const (
	StatusPending  Status = "pending"
	StatusAccepted Status = "accepted"
	StatusRevoked  Status = "revoked"
)

// Invitation asks someone, by email, to join one workspace with the role
// chosen at invitation. The token itself is never stored: only its SHA-256.
type Invitation struct {
	ID          uuid.UUID
	WorkspaceID uuid.UUID
	Email       string
	Role        workspace.Role
	InvitedBy   workspace.UserID
	TokenHash   []byte
	Status      Status
	// AcceptedBy is the user who accepted (set with StatusAccepted).
	AcceptedBy workspace.UserID
	CreatedAt  time.Time
	UpdatedAt  time.Time
	ExpiresAt  time.Time
}

// Expired reports whether a pending invitation's time has run out at now.
func (i Invitation) Expired(now time.Time) bool {
	return i.Status == StatusPending && !now.Before(i.ExpiresAt)
}

// MaxEmailLen is the longest address RFC 5321 allows in a path.
const MaxEmailLen = 254

// NormalizeEmail checks that s is one bare address (no display name) and
// returns it trimmed and lower-cased, the form invitations are matched in.
func NormalizeEmail(s string) (string, error) {
	s = strings.TrimSpace(s)
	if s == "" || len(s) > MaxEmailLen {
		return "", fmt.Errorf("%w: email must be 1-%d characters", workspace.ErrInvalid, MaxEmailLen)
	}
	if !utf8.ValidString(s) || strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return "", fmt.Errorf("%w: email must be valid UTF-8 without control characters", workspace.ErrInvalid)
	}
	a, err := mail.ParseAddress(s)
	if err != nil || a.Address != s || a.Name != "" {
		return "", fmt.Errorf("%w: %q is not a bare email address", workspace.ErrInvalid, s)
	}
	return strings.ToLower(s), nil
}
