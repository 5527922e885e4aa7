package api

import (
	"fmt"
	"net/http"

	"github.com/workspacekit/workspacekit/examples/server/internal/app"
	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

type newWorkspace struct {
	Name        string `json:"name"`
	Description string `json:"description"`
}

// signUp makes an account owned by the caller, with its first workspace:
// POST {"name": "Initech", "plan": "free", "workspace": {"name": "Main"}}.
// The plan is the client's pick only because this is a demo without
// billing; "" means free.
func (s *server) signUp(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name      string       `json:"name"`
		Plan      string       `json:"plan"`
		Workspace newWorkspace `json:"workspace"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if in.Plan == "" {
		in.Plan = app.PlanFree
	}
	acc, ws, err := s.app.Kit.Workspaces.CreateAccount(r.Context(), workspace.NewAccount{Name: in.Name, Owner: userOf(r), Plan: in.Plan,
		Workspace: workspace.NewWorkspace{Name: in.Workspace.Name, Description: in.Workspace.Description}})
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, struct {
		Account   accountView   `json:"account"`
		Workspace workspaceView `json:"workspace"`
	}{viewAccount(acc, nil), viewWorkspace(ws)})
}

// getWorkspace is the workspace of the path with the caller's role there.
func (s *server) getWorkspace(w http.ResponseWriter, r *http.Request) error {
	sc := scopeOf(r)
	ws, err := s.app.Kit.Workspaces.Get(r.Context(), sc.UserID, sc.WorkspaceID)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, accessView{workspaceView: viewWorkspace(ws), Role: sc.Role})
}

// updateWorkspace renames or re-describes it: PATCH {"name": "...",
// "description": "..."}, either optional.
func (s *server) updateWorkspace(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name        *string `json:"name"`
		Description *string `json:"description"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ws, err := s.app.Kit.Workspaces.Update(r.Context(), scopeOf(r).WorkspaceID, workspace.Changes{Name: in.Name, Description: in.Description})
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, viewWorkspace(ws))
}

// deleteWorkspace deletes it with everything it owns: DELETE
// {"confirm": "<the name, typed>"}.
func (s *server) deleteWorkspace(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Confirm string `json:"confirm"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.app.Kit.Workspaces.Delete(r.Context(), scopeOf(r).WorkspaceID, in.Confirm); err != nil {
		return err
	}
	return noContent(w)
}

// switchTo answers the scope the middleware made (the role read fresh, no
// new login) and the cookie it set remembers the workspace.
func (s *server) switchTo(w http.ResponseWriter, r *http.Request) error {
	sc := scopeOf(r)
	ws, err := s.app.Kit.Workspaces.Get(r.Context(), sc.UserID, sc.WorkspaceID)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, struct {
		Scope     scopeView     `json:"scope"`
		Workspace workspaceView `json:"workspace"`
	}{viewScope(sc), viewWorkspace(ws)})
}

// permissions lists what the caller may do here, so clients can hide
// what would be refused (the server refuses it anyway).
func (s *server) permissions(w http.ResponseWriter, r *http.Request) error {
	ps, err := s.app.Kit.Authz.Permissions(r.Context())
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, struct {
		Role        workspace.Role `json:"role"`
		Permissions []string       `json:"permissions"`
	}{scopeOf(r).Role, permissionStrings(ps)})
}

// account is the account of the workspace, with its plan's limits.
func (s *server) account(w http.ResponseWriter, r *http.Request) error {
	acc, err := s.app.Kit.Workspaces.Account(r.Context())
	if err != nil {
		return err
	}
	l, err := s.app.Plans.Limits(r.Context(), acc)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, viewAccount(acc, &l))
}

// createWorkspace adds a workspace to the account of the path's
// workspace, within the plan: POST {"name": "...", "description": "..."}.
func (s *server) createWorkspace(w http.ResponseWriter, r *http.Request) error {
	var in newWorkspace
	if err := decode(w, r, &in); err != nil {
		return err
	}
	ws, err := s.app.Kit.Workspaces.Create(r.Context(), workspace.NewWorkspace{Name: in.Name, Description: in.Description})
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, viewWorkspace(ws))
}

// transfer hands the account to another member: POST {"to": "bob",
// "previous_role": "admin"} ("" keeps the previous owner as admin).
func (s *server) transfer(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		To           workspace.UserID `json:"to"`
		PreviousRole workspace.Role   `json:"previous_role"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	if err := s.app.Kit.Team.TransferOwnership(r.Context(), in.To, in.PreviousRole); err != nil {
		return err
	}
	return noContent(w)
}

// explain says why the caller may or may not do one thing here (GET
// .../permissions/agents:delete): the role, the rule, a sentence. It is
// for showing users why a button is missing, not for every request.
func (s *server) explain(w http.ResponseWriter, r *http.Request) error {
	p, err := rbac.ParsePermission(r.PathValue("permission"))
	if err != nil {
		return fmt.Errorf("%w: %w", workspace.ErrNotFound, err)
	}
	known := false
	for _, q := range s.app.Kit.Authz.RegisteredPermissions() {
		known = known || q == p
	}
	if !known {
		return fmt.Errorf("%w: permission %s", workspace.ErrNotFound, p)
	}
	x, err := s.app.Kit.Authz.Explain(r.Context(), p.Resource, p.Action)
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, struct {
		Permission   string         `json:"permission"`
		Allowed      bool           `json:"allowed"`
		Role         workspace.Role `json:"role"`
		AccountOwner bool           `json:"account_owner"`
		Custom       bool           `json:"custom"`
		Rule         []string       `json:"rule"`
		Reason       string         `json:"reason"`
	}{p.String(), x.Allowed, x.Role, x.AccountOwner, x.Custom, x.Rule, x.Reason})
}
