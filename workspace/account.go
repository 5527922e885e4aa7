package workspace

import (
	"context"
	"fmt"
	"strings"
	"time"
	"unicode"

	"github.com/google/uuid"
)

// Account is the billing and ownership unit: it owns workspaces, and its owner
// is owner in every one of them.
type Account struct {
	ID      uuid.UUID
	Name    string
	OwnerID UserID
	// Plan is the host's name for the account's plan, handed to Plans.
	Plan string
	// Version grows with every ownership transfer; the account owner's scopes
	// carry it as their membership version.
	Version   int64
	CreatedAt time.Time
}

// Limits are what a plan allows. Unlimited (-1) lifts a limit; zero allows none.
type Limits struct {
	MaxWorkspaces int
	// MaxMembers counts every seat of one workspace: the account owner,
	// members, and pending invitations.
	MaxMembers int
	// MaxAPIKeys counts one workspace's API keys that can still act (not
	// revoked, not expired); package apikey enforces it.
	MaxAPIKeys int
}

// Unlimited lifts a limit. It is explicit so that a forgotten field (zero)
// closes rather than opens.
const Unlimited = -1

// Plans tells the limits of an account's plan. Hosts implement it from their
// billing system; it is called inside the transaction that enforces the limit,
// so it should be fast and must not write to the store.
type Plans interface {
	Limits(ctx context.Context, account Account) (Limits, error)
}

// FixedPlans maps plan names to limits. Accounts on a plan that is not in the
// map get the limits of the "" key, or ErrInvalid when there is none.
type FixedPlans map[string]Limits

// Limits implements Plans.
func (p FixedPlans) Limits(_ context.Context, a Account) (Limits, error) {
	if l, ok := p[a.Plan]; ok {
		return l, nil
	}
	if l, ok := p[""]; ok {
		return l, nil
	}
	return Limits{}, fmt.Errorf("%w: unknown plan %q of account %s", ErrInvalid, a.Plan, a.ID)
}

// Allows reports whether a limit admits one more when used are taken.
func allows(limit, used int) bool { return limit == Unlimited || used < limit }

// MaxAccountNameLen bounds account names.
const MaxAccountNameLen = 128

func normalizeAccountName(name string) (string, error) {
	name = strings.TrimSpace(name)
	if name == "" || len([]rune(name)) > MaxAccountNameLen {
		return "", fmt.Errorf("%w: account name must be 1-%d characters", ErrInvalid, MaxAccountNameLen)
	}
	if err := printable("account name", name); err != nil {
		return "", err
	}
	return name, nil
}

// MaxUserIDLen bounds user ids, in bytes.
const MaxUserIDLen = 256

// ValidateUser reports whether u can identify a person: 1-256 bytes of valid
// UTF-8, not only spaces, without control or invisible format characters
// (U+200B, U+FEFF...: two ids that print alike must not be two people in an
// audit trail), and not starting with "apikey:" in any case, which names API
// keys (KeyUser): a person can never be, or pass for, a key.
func ValidateUser(u UserID) error {
	if strings.TrimSpace(string(u)) == "" || len(u) > MaxUserIDLen {
		return fmt.Errorf("%w: user id must be 1-%d bytes", ErrInvalid, MaxUserIDLen)
	}
	if len(u) >= len(keyUserPrefix) && strings.EqualFold(string(u[:len(keyUserPrefix)]), keyUserPrefix) {
		return fmt.Errorf("%w: user ids starting with %q name API keys", ErrInvalid, keyUserPrefix)
	}
	if err := printable("user id", string(u)); err != nil {
		return err
	}
	if strings.IndexFunc(string(u), func(r rune) bool { return unicode.Is(unicode.Cf, r) }) >= 0 {
		return fmt.Errorf("%w: user id must not contain invisible format characters", ErrInvalid)
	}
	return nil
}
