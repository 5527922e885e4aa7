package apikey

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"

	"github.com/google/uuid"
)

// A secret reads "wsk_<id>_<random>": the library's tag, the key's id as 32
// hex digits, and 32 random bytes from crypto/rand in unpadded base64url
// (43 characters): 80 characters in all, matched by
//
//	wsk_[0-9a-f]{32}_[A-Za-z0-9_-]{43}
//
// The id makes a lookup one read by primary key and lets whoever finds a
// leaked secret name the key; the random part is the credential.
const (
	secretPrefix = "wsk_"
	randomBytes  = 32
	idHexLen     = 32
	randomLen    = 43 // base64.RawURLEncoding.EncodedLen(randomBytes)
	SecretLen    = len(secretPrefix) + idHexLen + 1 + randomLen
)

var strictBase64 = base64.RawURLEncoding.Strict()

// newSecret draws the random part for key id and returns the secret and
// the hash to store.
func newSecret(random io.Reader, id uuid.UUID) (string, [sha256.Size]byte, error) {
	var raw [randomBytes]byte
	if _, err := io.ReadFull(random, raw[:]); err != nil {
		return "", [sha256.Size]byte{}, fmt.Errorf("apikey: read random secret: %w", err)
	}
	secret := prefixOf(id) + "_" + base64.RawURLEncoding.EncodeToString(raw[:])
	return secret, hashOf(id, &raw), nil
}

// hashOf binds the random bytes to the key's id, so a stored hash cannot
// be replayed under another id. The random part is 256 bits, so a plain
// SHA-256 suffices (a password hash's stretching guards low-entropy input).
func hashOf(id uuid.UUID, raw *[randomBytes]byte) [sha256.Size]byte {
	var buf [16 + randomBytes]byte
	copy(buf[:16], id[:])
	copy(buf[16:], raw[:])
	return sha256.Sum256(buf[:])
}

// parseSecret splits a secret into its key id and random bytes without
// allocating; ok is false for anything not shaped like a secret.
func parseSecret(secret string, raw *[randomBytes]byte) (id uuid.UUID, ok bool) {
	if len(secret) != SecretLen || secret[:len(secretPrefix)] != secretPrefix || secret[len(secretPrefix)+idHexLen] != '_' {
		return uuid.Nil, false
	}
	hexID := secret[len(secretPrefix) : len(secretPrefix)+idHexLen]
	for i := 0; i < idHexLen; i += 2 {
		hi, ok1 := unhex(hexID[i])
		lo, ok2 := unhex(hexID[i+1])
		if !ok1 || !ok2 {
			return uuid.Nil, false
		}
		id[i/2] = hi<<4 | lo
	}
	enc := secret[len(secretPrefix)+idHexLen+1:]
	// Decode into a stack buffer: DecodeString would allocate. Strict
	// decoding refuses non-canonical trailing bits, so one key has exactly
	// one secret text.
	var src [randomLen]byte
	copy(src[:], enc)
	n, err := strictBase64.Decode(raw[:], src[:])
	if err != nil || n != randomBytes {
		return uuid.Nil, false
	}
	return id, true
}

// unhex reads one lower-case hex digit: the form prefixOf writes, so a key
// has one secret text (hex.DecodeString would also take upper case).
func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	}
	return 0, false
}
