package membership

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
)

// tokenBytes is the entropy of an invitation token: 256 bits, so that tokens
// cannot be guessed and their hashes need no salt.
const tokenBytes = 32

// newToken returns a fresh token as shown to the invitee (URL-safe base64)
// and the SHA-256 under which it is stored.
func newToken(random io.Reader) (string, []byte, error) {
	raw := make([]byte, tokenBytes)
	if _, err := io.ReadFull(random, raw); err != nil {
		return "", nil, fmt.Errorf("membership: reading random token: %w", err)
	}
	sum := sha256.Sum256(raw)
	return base64.RawURLEncoding.EncodeToString(raw), sum[:], nil
}

// hashToken returns the stored form of a token shown to an invitee, or
// ErrTokenUnknown when it cannot be one of ours.
func hashToken(token string) ([]byte, error) {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil || len(raw) != tokenBytes {
		return nil, ErrTokenUnknown
	}
	sum := sha256.Sum256(raw)
	return sum[:], nil
}
