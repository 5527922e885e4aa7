package bunstore

import (
	"database/sql"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5/pgconn"

	"github.com/workspacekit/workspacekit/workspace"
)

// Sentinel errors of this package; the store otherwise returns the workspace
// package's sentinels, as the contracts say.
var (
	// ErrSerialization: PostgreSQL aborted the transaction (serialization
	// failure or deadlock) more times than Atomic retries it. Retrying the
	// whole operation later is safe.
	ErrSerialization = errors.New("bunstore: transaction aborted by a concurrent one")
	// ErrCommit: COMMIT failed; nothing of the transaction was written.
	ErrCommit = errors.New("bunstore: commit failed")
)

// SQLSTATE codes the store maps to sentinels.
const (
	codeUniqueViolation      = "23505"
	codeForeignKeyViolation  = "23503"
	codeCheckViolation       = "23514"
	codeNotNullViolation     = "23502"
	codeStringTooLong        = "22001"
	codeInvalidText          = "22P02"
	codeSerializationFailure = "40001"
	codeDeadlockDetected     = "40P01"
)

// mapErr turns a driver error into the contract's sentinel, keeping the
// PostgreSQL error in the chain and what (the ids involved) in the text.
func mapErr(err error, what string) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("%w: %s", workspace.ErrNotFound, what)
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		var sentinel error
		switch pe.Code {
		case codeUniqueViolation:
			sentinel = workspace.ErrConflict
		case codeForeignKeyViolation:
			sentinel = workspace.ErrNotFound
		case codeCheckViolation, codeNotNullViolation, codeStringTooLong, codeInvalidText:
			sentinel = workspace.ErrInvalid
		}
		if sentinel != nil {
			return fmt.Errorf("%w: %s: %w", sentinel, what, err)
		}
	}
	return fmt.Errorf("bunstore: %s: %w", what, err)
}

// retryable reports whether err is PostgreSQL aborting a transaction that
// would succeed if run again.
func retryable(err error) bool {
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == codeSerializationFailure || pe.Code == codeDeadlockDetected
	}
	return false
}
