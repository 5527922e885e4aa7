package modeltest

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/google/uuid"

	"github.com/workspacekit/workspacekit/apikey"
	"github.com/workspacekit/workspacekit/membership"
	"github.com/workspacekit/workspacekit/workspace"
)

// A snapshot renders, per workspace, everything the library and the host
// tables keep for it, one line per row. The model renders its own view the
// same way; the system's is read around the services and the Authorizer:
// straight from the store's methods (no scope, no permission check), and
// the host tables through Target.Snapshot (another connection) when the
// harness has one.
type snapshot map[uuid.UUID]string

func (m *model) render(ws uuid.UUID) string {
	w, ok := m.ws[ws]
	if !ok {
		return "gone\n"
	}
	var b strings.Builder
	acc := m.accounts[w.account]
	fmt.Fprintf(&b, "ws account=%s name=%q desc=%q\n", w.account, w.name, w.desc)
	var siblings []string
	for _, x := range m.accountWorkspaces(w.account) {
		siblings = append(siblings, x.id.String())
	}
	fmt.Fprintf(&b, "account owner=%s v=%d workspaces=%s\n", acc.owner, acc.version, strings.Join(siblings, ","))
	users := make([]string, 0, len(w.members))
	for u := range w.members {
		users = append(users, string(u))
	}
	slices.Sort(users)
	for _, u := range users {
		mm := w.members[workspace.UserID(u)]
		fmt.Fprintf(&b, "member %s %s v=%d\n", u, mm.role, mm.version)
	}
	for _, id := range sortedIDs(w.invites) {
		inv := w.invites[id]
		fmt.Fprintf(&b, "invite %s %s %s %s %s token=%s\n", id, inv.email, inv.role, inv.status, inv.expires.UTC().Format("2006-01-02T15:04"), tokenDigest(inv.token))
	}
	names := make([]string, 0, len(w.roles))
	for r := range w.roles {
		names = append(names, string(r))
	}
	slices.Sort(names)
	for _, n := range names {
		fmt.Fprintf(&b, "role %s %s\n", n, strings.Join(w.roles[workspace.Role(n)], ","))
	}
	for _, id := range sortedIDs(w.keys) {
		b.WriteString("key " + w.keys[id].line() + "\n")
	}
	for i := range w.records {
		for _, r := range m.rows(ws, i) {
			fmt.Fprintf(&b, "t%d %s=%q\n", i, r.ID, r.Value)
		}
	}
	return b.String()
}

// tokenDigest is the start of the SHA-256 under which membership stores an
// invitation token (its base64 decoded), so that the rendering shows which
// of the tokens handed out is the current one.
func tokenDigest(token string) string {
	raw, err := base64.RawURLEncoding.DecodeString(token)
	if err != nil {
		return "?"
	}
	sum := sha256.Sum256(raw)
	return hex.EncodeToString(sum[:6])
}

func inviteLine(inv membership.Invitation) string {
	h := inv.TokenHash
	if len(h) > 6 {
		h = h[:6]
	}
	return fmt.Sprintf("invite %s %s %s %s %s token=%s\n", inv.ID, inv.Email, inv.Role, inv.Status, inv.ExpiresAt.UTC().Format("2006-01-02T15:04"), hex.EncodeToString(h))
}

// read renders the system's view of the given workspaces. inviteIDs gives
// the invitations the model holds for a workspace, to find those no longer
// pending (the store lists only pending ones; an extra pending one shows).
func (s *system) read(ctx context.Context, wss []uuid.UUID, inviteIDs func(uuid.UUID) []uuid.UUID) (snapshot, error) {
	st := s.t.Store
	var tables map[int]map[uuid.UUID]map[uuid.UUID]string
	if s.t.Snapshot != nil {
		var err error
		if tables, err = s.t.Snapshot(ctx, wss); err != nil {
			return nil, fmt.Errorf("target snapshot: %w", err)
		}
	}
	out := snapshot{}
	for _, ws := range wss {
		w, err := st.GetWorkspace(ctx, ws)
		if errors.Is(err, workspace.ErrNotFound) {
			out[ws] = "gone\n"
			if err := s.goneIsEmpty(ctx, ws, tables); err != nil {
				return nil, err
			}
			continue
		}
		if err != nil {
			return nil, err
		}
		var b strings.Builder
		acc, err := st.GetAccount(ctx, w.AccountID)
		if err != nil {
			return nil, err
		}
		fmt.Fprintf(&b, "ws account=%s name=%q desc=%q\n", w.AccountID, w.Name, w.Description)
		sib, err := st.ListAccountWorkspaces(ctx, w.AccountID)
		if err != nil {
			return nil, err
		}
		var ids []string
		for _, x := range sib {
			ids = append(ids, x.ID.String())
		}
		fmt.Fprintf(&b, "account owner=%s v=%d workspaces=%s\n", acc.OwnerID, acc.Version, strings.Join(ids, ","))
		ms, err := st.ListMemberships(ctx, ws, "", workspace.MaxPageSize)
		if err != nil {
			return nil, err
		}
		for _, mm := range ms {
			fmt.Fprintf(&b, "member %s %s v=%d\n", mm.UserID, mm.Role, mm.Version)
		}
		pending, err := st.ListPendingInvitations(ctx, ws)
		if err != nil {
			return nil, err
		}
		var lines []string
		seen := map[uuid.UUID]bool{}
		for _, inv := range pending {
			seen[inv.ID] = true
			lines = append(lines, inviteLine(inv))
		}
		for _, id := range inviteIDs(ws) {
			if seen[id] {
				continue
			}
			inv, err := st.GetInvitation(ctx, ws, id)
			if errors.Is(err, workspace.ErrNotFound) {
				continue
			}
			if err != nil {
				return nil, err
			}
			seen[id] = true
			lines = append(lines, inviteLine(inv))
		}
		slices.Sort(lines) // by id: the line starts with it
		b.WriteString(strings.Join(lines, ""))
		roles, err := st.ListRoles(ctx, ws)
		if err != nil {
			return nil, err
		}
		for _, r := range roles {
			fmt.Fprintf(&b, "role %s %s\n", r.Name, permString(r.Permissions))
		}
		if s.keys != nil {
			ks, err := st.(apikey.Store).ListKeys(ctx, ws, uuid.Nil, workspace.MaxPageSize)
			if err != nil {
				return nil, err
			}
			for _, k := range ks {
				b.WriteString("key " + sysKeyLine(k) + "\n")
			}
		}
		for i, t := range s.t.Tables {
			rows, err := s.tableRows(ctx, i, t, w, tables)
			if err != nil {
				return nil, err
			}
			for _, r := range rows {
				fmt.Fprintf(&b, "t%d %s=%q\n", i, r.ID, r.Value)
			}
		}
		out[ws] = b.String()
	}
	return out, nil
}

// tableRows reads one table's rows of w: from the harness's independent
// snapshot, else through the Repo with a scope made here.
func (s *system) tableRows(ctx context.Context, i int, t Table, w workspace.Workspace, tables map[int]map[uuid.UUID]map[uuid.UUID]string) ([]Row, error) {
	if tables != nil {
		byID := tables[i][w.ID]
		var out []Row
		for _, id := range sortedIDs(byID) {
			out = append(out, Row{ID: id, Value: byID[id]})
		}
		return out, nil
	}
	sc := workspace.WithScope(ctx, workspace.Scope{AccountID: w.AccountID, WorkspaceID: w.ID, UserID: "modeltest-reader"})
	return t.List(sc)
}

// goneIsEmpty checks that a deleted workspace left nothing behind.
func (s *system) goneIsEmpty(ctx context.Context, ws uuid.UUID, tables map[int]map[uuid.UUID]map[uuid.UUID]string) error {
	st := s.t.Store
	ms, err := st.ListMemberships(ctx, ws, "", 10)
	if err != nil {
		return err
	}
	inv, err := st.ListPendingInvitations(ctx, ws)
	if err != nil {
		return err
	}
	roles, err := st.ListRoles(ctx, ws)
	if err != nil {
		return err
	}
	n := len(ms) + len(inv) + len(roles)
	if s.keys != nil {
		ks, err := st.(apikey.Store).ListKeys(ctx, ws, uuid.Nil, 10)
		if err != nil {
			return err
		}
		n += len(ks)
	}
	for i := range s.t.Tables {
		if tables != nil {
			n += len(tables[i][ws])
			continue
		}
		rows, err := s.t.Tables[i].List(workspace.WithScope(ctx, workspace.Scope{AccountID: uuid.New(), WorkspaceID: ws, UserID: "modeltest-reader"}))
		if err != nil {
			return err
		}
		n += len(rows)
	}
	if n != 0 {
		return fmt.Errorf("deleted workspace %s still has %d rows", ws, n)
	}
	return nil
}
