package workspace

import (
	"fmt"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
)

// Workspace is an isolated environment of an account: everything it owns
// (agents, channels, conversations, keys...) is visible only inside it.
type Workspace struct {
	ID          uuid.UUID
	AccountID   uuid.UUID
	Name        string
	Description string
	CreatedAt   time.Time
	UpdatedAt   time.Time
}

// Name and description bounds, in characters.
const (
	MaxNameLen        = 64
	MaxDescriptionLen = 500
)

// NormalizeName trims a workspace name and checks its length (1-64
// characters), that it is valid UTF-8 and that it holds no control
// characters. Uniqueness ignores
// case; see NameKey.
func NormalizeName(name string) (string, error) {
	return NormalizeLabel("workspace name", name, MaxNameLen)
}

// NormalizeLabel is the rule of every short name a person types (a
// workspace's, an API key's): trimmed, 1-max characters, valid UTF-8, no
// control characters. what names it in the ErrInvalid message.
func NormalizeLabel(what, name string, max int) (string, error) {
	name = strings.TrimSpace(name)
	n := len([]rune(name))
	if n == 0 || n > max {
		return "", fmt.Errorf("%w: %s must be 1-%d characters, got %d", ErrInvalid, what, max, n)
	}
	if err := printable(what, name); err != nil {
		return "", err
	}
	return name, nil
}

// printable refuses invalid UTF-8 (PostgreSQL would store U+FFFD instead, so
// the name typed to confirm a deletion could never match) and control
// characters (NUL cannot be stored at all).
func printable(what, s string) error {
	if !utf8.ValidString(s) {
		return fmt.Errorf("%w: %s is not valid UTF-8", ErrInvalid, what)
	}
	if strings.IndexFunc(s, unicode.IsControl) >= 0 {
		return fmt.Errorf("%w: %s must not contain control characters", ErrInvalid, what)
	}
	return nil
}

// NameKey is the form in which names are compared for uniqueness within an
// account: "Sales" and "sales" collide. Stores index this value.
func NameKey(name string) string { return strings.ToLower(name) }

// NormalizeDescription trims a description and checks its length (0-500),
// that it is valid UTF-8, and that its only control characters are line
// breaks and tabs.
func NormalizeDescription(d string) (string, error) {
	d = strings.TrimSpace(d)
	if n := len([]rune(d)); n > MaxDescriptionLen {
		return "", fmt.Errorf("%w: description must be at most %d characters, got %d", ErrInvalid, MaxDescriptionLen, n)
	}
	// Line breaks and tabs are fine in a description; other control
	// characters are not.
	if err := printable("description", strings.NewReplacer("\n", " ", "\r", " ", "\t", " ").Replace(d)); err != nil {
		return "", err
	}
	return d, nil
}

// Membership is one user's role in one workspace, as stored. The account
// owner has no stored membership: their ownership is derived from the
// account, so it cannot drift (see Access).
type Membership struct {
	WorkspaceID uuid.UUID
	UserID      UserID
	Role        Role
	// Version grows with every change of this membership, so a scope or a
	// queued job can tell that the role it was given is no longer current.
	Version   int64
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Access is what a user may use a workspace as: the stored membership, or
// owner when the user owns the workspace's account.
type Access struct {
	Workspace    Workspace
	Role         Role
	Version      int64
	AccountOwner bool
}
