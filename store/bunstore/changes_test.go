package bunstore_test

import (
	"context"
	"database/sql"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/store/bunstore"
	"github.com/workspacekit/workspacekit/workspace"
)

// listen opens a connection of its own that listens on the change log's
// channel.
func listen(t *testing.T, dsn string) *pgx.Conn {
	t.Helper()
	c, err := pgx.Connect(t.Context(), dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close(context.Background()) })
	_, err = c.Exec(t.Context(), "LISTEN "+bunstore.ChangesChannel)
	require.NoError(t, err)
	return c
}

// nextNotification waits up to d for a notification; nil if none came.
func nextNotification(t *testing.T, c *pgx.Conn, d time.Duration) *pgconn.Notification {
	t.Helper()
	ctx, cancel := context.WithTimeout(t.Context(), d)
	defer cancel()
	n, err := c.WaitForNotification(ctx)
	if errors.Is(err, context.DeadlineExceeded) {
		return nil
	}
	require.NoError(t, err)
	return n
}

func testChange() workspace.Change {
	return workspace.Change{At: t0, AccountID: uuid.New(), WorkspaceID: uuid.New(), Kind: workspace.ChangeMemberRoleChanged, Actor: "ada", Payload: []byte(`{"x":1}`)}
}

// A listener hears of an appended change when its transaction commits, and
// never of one that rolled back: the notification is sent by pg_notify in
// the appending transaction, with the id as its payload.
func TestAppendChangeNotifiesOnCommitOnly(t *testing.T) {
	dsn := migratedDSN(t)
	db, err := bunstore.Open(dsn)
	require.NoError(t, err)
	t.Cleanup(func() { _ = db.Close() })
	s := bunstore.New(db)
	l := listen(t, dsn)

	err = s.Atomic(t.Context(), func(ctx context.Context) error {
		if _, err := s.AppendChange(ctx, testChange()); err != nil {
			return err
		}
		return errors.New("roll back")
	})
	require.Error(t, err)
	require.Nil(t, nextNotification(t, l, 200*time.Millisecond), "a rolled-back change is never announced")

	var ids []int64
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Atomic(context.Background(), func(ctx context.Context) error {
			for range 2 {
				c, err := s.AppendChange(ctx, testChange())
				if err != nil {
					return err
				}
				ids = append(ids, c.ID)
			}
			<-release
			return nil
		})
	}()
	require.Nil(t, nextNotification(t, l, 200*time.Millisecond), "nothing is announced before the commit")
	close(release)
	require.NoError(t, <-done)
	require.Equal(t, []int64{1, 2}, ids, "the rolled-back id was given back")
	for _, id := range ids {
		n := nextNotification(t, l, 5*time.Second)
		require.NotNil(t, n, "change %d announced after the commit", id)
		require.Equal(t, bunstore.ChangesChannel, n.Channel)
		require.Equal(t, strconv.FormatInt(id, 10), n.Payload)
	}
}

var sqlRepeatableRead = sql.TxOptions{Isolation: sql.LevelRepeatableRead}

// Under REPEATABLE READ, an appending transaction that waited for another
// one's counter lock fails with a serialization error, and Atomic runs it
// again: both changes are written, in commit order.
func TestAppendChangeRepeatableReadRetries(t *testing.T) {
	db := migratedDB(t)
	s := bunstore.New(db, bunstore.WithTxOptions(&sqlRepeatableRead))
	first := make(chan struct{})
	release := make(chan struct{})
	done := make(chan error, 1)
	go func() {
		done <- s.Atomic(context.Background(), func(ctx context.Context) error {
			if _, err := s.AppendChange(ctx, testChange()); err != nil {
				return err
			}
			select {
			case <-first:
			default:
				close(first)
			}
			<-release
			return nil
		})
	}()
	<-first
	attempts := 0
	second := make(chan error, 1)
	go func() {
		second <- s.Atomic(context.Background(), func(ctx context.Context) error {
			attempts++
			if attempts == 1 {
				// Take the snapshot, then let the first commit while this
				// one waits for the counter.
				if _, err := s.LastChange(ctx); err != nil {
					return err
				}
				time.AfterFunc(100*time.Millisecond, func() { close(release) })
			}
			_, err := s.AppendChange(ctx, testChange())
			return err
		})
	}()
	require.NoError(t, <-done)
	require.NoError(t, <-second)
	require.Equal(t, 2, attempts, "the waiting transaction was run again")
	cs, err := s.ChangesAfter(t.Context(), 0, 10)
	require.NoError(t, err)
	require.Len(t, cs, 2)
	require.Equal(t, []int64{1, 2}, []int64{cs[0].ID, cs[1].ID})
}

// In strict mode the change log is the library's: its role appends (the
// services ran on it), and the app role can neither read nor write the
// log, nor read it if a grant is added by mistake (the isolation policy
// admits no row of it).
func TestStrictChangeLogIsTheLibrarys(t *testing.T) {
	s := newStrictLib(t)
	a := s.tenant(t, "alpha")
	require.NotEmpty(t, ownerRows(t, s, "SELECT kind FROM "+bunstore.ChangesTable+" ORDER BY id"), "the library role appended the tenant's changes")
	for _, stmt := range []string{
		"SELECT count(*) FROM " + bunstore.ChangesTable,
		"SELECT last FROM " + bunstore.ChangeCounterTable,
		"UPDATE " + bunstore.ChangeCounterTable + " SET last = last + 1",
		"DELETE FROM " + bunstore.ChangesTable,
		"INSERT INTO " + bunstore.ChangesTable + " (id, at, account_id, kind) VALUES (999999, now(), gen_random_uuid(), 'forged')",
	} {
		err := s.rawApp.Atomic(a.ctx, func(ctx context.Context) error {
			tx, _ := bunstore.TxFrom(ctx)
			_, err := tx.ExecContext(ctx, stmt)
			return err
		})
		var pe *pgconn.PgError
		require.ErrorAs(t, err, &pe, stmt)
		require.Equal(t, "42501", pe.Code, "insufficient privilege: %s", stmt)
	}
	var appRole string
	require.NoError(t, s.rawAppDB.QueryRowContext(t.Context(), "SELECT current_user").Scan(&appRole))
	_, err := s.owner.ExecContext(unscoped(), "GRANT SELECT ON "+bunstore.ChangesTable+", "+bunstore.ChangeCounterTable+" TO "+appRole)
	require.NoError(t, err)
	require.Empty(t, s.raw(t, a.ctx, "SELECT kind FROM "+bunstore.ChangesTable), "the policy shows the app role no change")
	require.Empty(t, s.raw(t, a.ctx, "SELECT last::text FROM "+bunstore.ChangeCounterTable))
	require.NoError(t, s.reg.VerifyStrict(t.Context(), s.app, bunstore.LibraryTables()...))
}
