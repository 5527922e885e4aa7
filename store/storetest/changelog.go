package storetest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"

	"github.com/workspacekit/workspacekit/workspace"
)

// The change log's cases assume that nothing else appends while one runs
// (the suite's tests run one at a time, also on a shared store): each reads
// the log after the last id it saw before it started. What other tests left
// in the log is never assumed absent, nor present (a case may prune it).

func runChangeLog(t *testing.T, h Harness) { runTests(t, h, changeLogTests) }

// change returns a change of a fresh account and workspace of this test.
func (e *env) change(kind workspace.ChangeKind, payload string) workspace.Change {
	c := workspace.Change{At: e.now, AccountID: uuid.New(), WorkspaceID: uuid.New(), Kind: kind, Actor: e.user("actor")}
	if payload != "" {
		c.Payload = json.RawMessage(payload)
	}
	return c
}

func (e *env) lastChange() int64 {
	e.t.Helper()
	last, err := e.s.LastChange(e.ctx)
	require.NoError(e.t, err)
	return last
}

// appendCommitted appends cs in one transaction and returns them as
// AppendChange returned them.
func (e *env) appendCommitted(cs ...workspace.Change) []workspace.Change {
	e.t.Helper()
	out := make([]workspace.Change, 0, len(cs))
	require.NoError(e.t, e.atomic(func(ctx context.Context) error {
		out = out[:0]
		for _, c := range cs {
			got, err := e.s.AppendChange(ctx, c)
			if err != nil {
				return err
			}
			out = append(out, got)
		}
		return nil
	}))
	return out
}

// changesAfter reads every change after id, a page of up to 1000 at a time.
func (e *env) changesAfter(after int64) []workspace.Change {
	e.t.Helper()
	var out []workspace.Change
	for {
		page, err := e.s.ChangesAfter(e.ctx, after, workspace.MaxChangesPage)
		require.NoError(e.t, err)
		if len(page) == 0 {
			return out
		}
		out = append(out, page...)
		after = page[len(page)-1].ID
	}
}

// requireChanges compares changes as the contract defines them: times in
// UTC, payloads as JSON (PostgreSQL's jsonb reorders keys and spacing).
func requireChanges(t *testing.T, want, got []workspace.Change) {
	t.Helper()
	require.Len(t, got, len(want))
	for i := range want {
		w, g := want[i], got[i]
		if len(w.Payload) == 0 {
			require.Empty(t, g.Payload, "change %d", w.ID)
		} else {
			require.JSONEq(t, string(w.Payload), string(g.Payload), "change %d", w.ID)
		}
		w.Payload, g.Payload = nil, nil
		w.At, g.At = w.At.UTC(), g.At.UTC()
		require.Equal(t, w, g)
	}
}

func changeIDs(cs []workspace.Change) []int64 {
	out := make([]int64, 0, len(cs))
	for _, c := range cs {
		out = append(out, c.ID)
	}
	return out
}

// span returns the ids from+1 .. from+n.
func span(from int64, n int) []int64 {
	out := make([]int64, 0, n)
	for i := range n {
		out = append(out, from+1+int64(i))
	}
	return out
}

var changeLogTests = []test{
	{"AppendChange outside a transaction is ErrNoTransaction and writes nothing", func(t *testing.T, e *env) {
		base := e.lastChange()
		_, err := e.s.AppendChange(e.ctx, e.change(workspace.ChangeWorkspaceCreated, ""))
		require.ErrorIs(t, err, workspace.ErrNoTransaction)
		require.Equal(t, base, e.lastChange())
		require.Empty(t, e.changesAfter(base))
	}},
	{"appended changes come back in id order, as written", func(t *testing.T, e *env) {
		base := e.lastChange()
		account := e.change(workspace.ChangeOwnershipTransferred, `{"From": "a", "To": "b", "nested": {"z": [1, 2.5, null, true], "a": "é\u00e9 \"q\""}}`)
		account.WorkspaceID = uuid.Nil // account-wide
		bare := e.change(workspace.ChangeWorkspaceDeleted, "")
		bare.Actor = ""
		want := []workspace.Change{
			e.change(workspace.ChangeWorkspaceCreated, `{"Workspace":{"Name":"Sales"}}`),
			account,
			bare,
			e.change("host.custom-kind", `[]`),
		}
		want[0].ID = 12345 // ignored: the store assigns ids
		got := e.appendCommitted(want...)
		require.Equal(t, span(base, len(want)), changeIDs(got))
		for i := range want {
			want[i].ID = got[i].ID
		}
		requireChanges(t, want, got)
		requireChanges(t, want, e.changesAfter(base))
		require.Equal(t, base+int64(len(want)), e.lastChange())
		requireChanges(t, want[2:], e.changesAfter(base+2))
		require.Empty(t, e.changesAfter(base+int64(len(want))))
		require.Empty(t, e.changesAfter(base+1000))
	}},
	{"changes are copied in and out", func(t *testing.T, e *env) {
		base := e.lastChange()
		c := e.change(workspace.ChangeRoleCreated, `{"k":"v"}`)
		got := e.appendCommitted(c)[0]
		c.Payload[2] = 'X' // the caller's buffer changes after the write
		got.Payload[2] = 'Y'
		read, err := e.s.ChangesAfter(e.ctx, base, 10)
		require.NoError(t, err)
		require.Len(t, read, 1)
		require.JSONEq(t, `{"k":"v"}`, string(read[0].Payload))
		read[0].Payload[2] = 'Z'
		require.JSONEq(t, `{"k":"v"}`, string(e.changesAfter(base)[0].Payload))
	}},
	{"ChangesAfter pages by id", func(t *testing.T, e *env) {
		base := e.lastChange()
		var want []workspace.Change
		for i := range 5 {
			c := e.appendCommitted(e.change(workspace.ChangeMemberJoined, fmt.Sprintf(`{"n":%d}`, i)))
			want = append(want, c...)
		}
		var pages [][]int64
		for after := base; ; {
			page, err := e.s.ChangesAfter(e.ctx, after, 2)
			require.NoError(t, err)
			if len(page) == 0 {
				break
			}
			pages = append(pages, changeIDs(page))
			after = page[len(page)-1].ID
		}
		require.Equal(t, [][]int64{span(base, 2), span(base+2, 2), span(base+4, 1)}, pages)
		one, err := e.s.ChangesAfter(e.ctx, base+3, 1)
		require.NoError(t, err)
		requireChanges(t, want[3:4], one)
		all, err := e.s.ChangesAfter(e.ctx, -1, workspace.MaxChangesPage)
		require.NoError(t, err)
		require.NotEmpty(t, all, "a negative cursor reads from the start")
	}},
	{"ChangesAfter with a limit outside 1-1000 is ErrInvalid", func(t *testing.T, e *env) {
		base := e.lastChange()
		e.appendCommitted(e.change(workspace.ChangeMemberJoined, ""))
		for _, limit := range []int{0, -1, workspace.MaxChangesPage + 1, 1 << 40} {
			_, err := e.s.ChangesAfter(e.ctx, base, limit)
			require.ErrorIs(t, err, workspace.ErrInvalid, "limit %d", limit)
		}
		for _, limit := range []int{1, workspace.MaxChangesPage} {
			got, err := e.s.ChangesAfter(e.ctx, base, limit)
			require.NoError(t, err, "limit %d", limit)
			require.Len(t, got, 1)
		}
	}},
	{"AppendChange refuses what the log cannot store, with ErrInvalid, and takes no id", func(t *testing.T, e *env) {
		base := e.lastChange()
		for _, tc := range []struct {
			name string
			edit func(c *workspace.Change)
		}{
			{"empty kind", func(c *workspace.Change) { c.Kind = "" }},
			{"NUL in kind", func(c *workspace.Change) { c.Kind = "member.\x00joined" }},
			{"NUL in actor", func(c *workspace.Change) { c.Actor = "bob\x00" }},
			{"payload not JSON", func(c *workspace.Change) { c.Payload = json.RawMessage(`{"a":`) }},
			{"payload two values", func(c *workspace.Change) { c.Payload = json.RawMessage(`{} {}`) }},
			{"payload with \\u0000", func(c *workspace.Change) { c.Payload = json.RawMessage(`{"a":"x\u0000y"}`) }},
			{"payload with a lone high surrogate", func(c *workspace.Change) { c.Payload = json.RawMessage(`["\ud83d"]`) }},
			{"payload with a lone low surrogate", func(c *workspace.Change) { c.Payload = json.RawMessage(`["\ude00x"]`) }},
			{"payload with two high surrogates", func(c *workspace.Change) { c.Payload = json.RawMessage(`["\ud83d\ud83d"]`) }},
			{"payload not UTF-8", func(c *workspace.Change) { c.Payload = json.RawMessage("[\"\xff\"]") }},
			{"payload with a number above numeric's range", func(c *workspace.Change) { c.Payload = json.RawMessage(`{"n":[1e131072]}`) }},
			{"payload with a number of too many decimals", func(c *workspace.Change) { c.Payload = json.RawMessage(`[1.5e-16383]`) }},
			{"payload with a huge exponent", func(c *workspace.Change) { c.Payload = json.RawMessage(`0e1073741823`) }},
		} {
			t.Run(tc.name, func(t *testing.T) {
				c := e.change(workspace.ChangeMemberJoined, `{"ok":true}`)
				tc.edit(&c)
				var next workspace.Change
				require.NoError(t, e.atomic(func(ctx context.Context) error {
					_, err := e.s.AppendChange(ctx, c)
					require.ErrorIs(t, err, workspace.ErrInvalid)
					// The transaction goes on, and the next change takes
					// the id the refused one did not.
					next, err = e.s.AppendChange(ctx, e.change(workspace.ChangeMemberJoined, `{"ok":true}`))
					return err
				}))
				require.Equal(t, base+1, next.ID)
				base = next.ID
			})
		}
		// What jsonb stores: a paired surrogate escape, an escaped backslash
		// before "u0000" (text, not an escape), a NUL-free unicode escape,
		// numbers at numeric's limits.
		ok := e.appendCommitted(
			e.change(workspace.ChangeMemberJoined, `["\ud83d\ude00"]`),
			e.change(workspace.ChangeMemberJoined, `["\\u0000"]`),
			e.change(workspace.ChangeMemberJoined, `{"a":"\u00e9\u0001"}`),
		)
		require.Equal(t, span(base, 3), changeIDs(ok))
		requireChanges(t, ok, e.changesAfter(base))
		// numeric's limits, exactly (PostgreSQL writes them out in full).
		nums := e.appendCommitted(e.change(workspace.ChangeMemberJoined, `[1e131071, -12345e131067, 1e-16383, 0e-16383, 0e1073741822, -0]`))
		require.Equal(t, base+4, nums[0].ID)
		read := e.changesAfter(base + 3)
		require.Len(t, read, 1)
		var back []json.Number
		dec := json.NewDecoder(bytes.NewReader(read[0].Payload))
		dec.UseNumber()
		require.NoError(t, dec.Decode(&back))
		require.Len(t, back, 6)
	}},
	{"a rolled-back transaction writes no change and takes no id", func(t *testing.T, e *env) {
		base := e.lastChange()
		err := e.atomic(func(ctx context.Context) error {
			for range 3 {
				if _, err := e.s.AppendChange(ctx, e.change(workspace.ChangeMemberRemoved, `{}`)); err != nil {
					return err
				}
			}
			return errBoom
		})
		require.ErrorIs(t, err, errBoom)
		require.PanicsWithValue(t, "storetest: boom", func() {
			_ = e.atomic(func(ctx context.Context) error {
				_, err := e.s.AppendChange(ctx, e.change(workspace.ChangeMemberRemoved, `{}`))
				require.NoError(t, err)
				panic("storetest: boom")
			})
		})
		require.Equal(t, base, e.lastChange())
		require.Empty(t, e.changesAfter(base))
		got := e.appendCommitted(e.change(workspace.ChangeMemberRemoved, `{}`))
		require.Equal(t, base+1, got[0].ID, "no gap where the rolled-back ids were")
	}},
	{"a transaction sees its own changes; others see them when it commits", func(t *testing.T, e *env) {
		base := e.lastChange()
		c := e.change(workspace.ChangeMemberJoined, `{"x":1}`)
		require.NoError(t, e.atomic(func(ctx context.Context) error {
			got, err := e.s.AppendChange(ctx, c)
			require.NoError(t, err)
			c.ID = got.ID
			last, err := e.s.LastChange(ctx)
			require.NoError(t, err)
			require.Equal(t, base+1, last)
			mine, err := e.s.ChangesAfter(ctx, base, 10)
			require.NoError(t, err)
			requireChanges(t, []workspace.Change{c}, mine)
			return nil
		}))
		requireChanges(t, []workspace.Change{c}, e.changesAfter(base))
	}},
	{"concurrent appends take ids in commit order: no gap, and no lower id after a higher one", func(t *testing.T, e *env) {
		base := e.lastChange()
		want := base + racers
		// A reader polls the log while racers transactions append, each
		// then waiting a little before it commits: a store whose ids do not
		// follow commit order lets the reader see an id before a lower one.
		readerErr := make(chan error, 1)
		ctx, cancel := context.WithTimeout(e.ctx, time.Minute)
		defer cancel()
		go func() {
			readerErr <- func() error {
				cursor := base
				for cursor < want {
					if err := ctx.Err(); err != nil {
						return fmt.Errorf("the reader saw up to %d of %d: %w", cursor, want, err)
					}
					page, err := e.s.ChangesAfter(ctx, cursor, workspace.MaxChangesPage)
					if err != nil {
						return err
					}
					for _, c := range page {
						if c.ID != cursor+1 {
							return fmt.Errorf("after id %d the reader saw id %d", cursor, c.ID)
						}
						cursor = c.ID
					}
					last, err := e.s.LastChange(ctx)
					if err != nil {
						return err
					}
					if last < cursor {
						return fmt.Errorf("LastChange %d is below the id %d already read", last, cursor)
					}
				}
				return nil
			}()
		}()
		ids := make([]int64, racers)
		errs := raceAll(func(i int) error {
			return e.atomic(func(ctx context.Context) error {
				c, err := e.s.AppendChange(ctx, e.change(workspace.ChangeMemberRoleChanged, fmt.Sprintf(`{"i":%d}`, i)))
				if err != nil {
					return err
				}
				ids[i] = c.ID
				// Work after the append, of varying length, before the commit.
				if _, err := e.s.GetWorkspace(ctx, uuid.New()); err == nil {
					return fmt.Errorf("a random workspace exists")
				}
				time.Sleep(time.Duration(i%4) * time.Millisecond)
				return nil
			})
		})
		for _, err := range errs {
			require.NoError(t, err)
		}
		require.NoError(t, <-readerErr)
		require.ElementsMatch(t, span(base, racers), ids)
		got := e.changesAfter(base)
		require.Equal(t, span(base, racers), changeIDs(got))
		require.Equal(t, want, e.lastChange())
	}},
	{"PruneChanges deletes up to an id, and ids go on from the last one", func(t *testing.T, e *env) {
		e.appendCommitted(e.change(workspace.ChangeMemberJoined, ``))
		base := e.lastChange()
		// Whatever earlier tests left goes first, so that counts are ours.
		n, err := e.s.PruneChanges(e.ctx, base)
		require.NoError(t, err)
		require.GreaterOrEqual(t, n, 1)
		require.Empty(t, e.changesAfter(-1))
		cs := e.appendCommitted(
			e.change(workspace.ChangeMemberJoined, `{"n":1}`),
			e.change(workspace.ChangeMemberJoined, `{"n":2}`),
			e.change(workspace.ChangeMemberJoined, `{"n":3}`),
			e.change(workspace.ChangeMemberJoined, `{"n":4}`),
		)
		require.Equal(t, span(base, 4), changeIDs(cs))

		// A prune that rolls back deletes nothing.
		require.ErrorIs(t, e.atomic(func(ctx context.Context) error {
			n, err := e.s.PruneChanges(ctx, base+4)
			require.NoError(t, err)
			require.Equal(t, 4, n)
			return errBoom
		}), errBoom)
		requireChanges(t, cs, e.changesAfter(0))

		n, err = e.s.PruneChanges(e.ctx, base+2)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		requireChanges(t, cs[2:], e.changesAfter(0))
		n, err = e.s.PruneChanges(e.ctx, base+2)
		require.NoError(t, err)
		require.Zero(t, n, "nothing left to prune there")
		n, err = e.s.PruneChanges(e.ctx, -5)
		require.NoError(t, err)
		require.Zero(t, n)
		require.Equal(t, base+4, e.lastChange())

		n, err = e.s.PruneChanges(e.ctx, base+4)
		require.NoError(t, err)
		require.Equal(t, 2, n)
		require.Empty(t, e.changesAfter(0))
		require.Equal(t, base+4, e.lastChange(), "pruning everything keeps the last id")
		next := e.appendCommitted(e.change(workspace.ChangeMemberJoined, `{}`))
		require.Equal(t, base+5, next[0].ID, "ids are never reused")
	}},
}
