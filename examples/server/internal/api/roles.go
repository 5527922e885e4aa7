package api

import (
	"context"
	"fmt"
	"net/http"

	"github.com/workspacekit/workspacekit/rbac"
	"github.com/workspacekit/workspacekit/workspace"
)

// roles lists the workspace's custom roles and, for the forms that grant
// them, every permission a role can hold.
func (s *server) roles(w http.ResponseWriter, r *http.Request) error {
	rs, err := s.app.Kit.Authz.ListRoles(r.Context())
	if err != nil {
		return err
	}
	out := make([]roleView, len(rs))
	for i, cr := range rs {
		out[i] = viewRole(cr)
	}
	return reply(w, http.StatusOK, struct {
		Builtin     []workspace.Role `json:"builtin"`
		Custom      []roleView       `json:"custom"`
		Permissions []string         `json:"permissions"`
	}{workspace.BuiltinRoles(), out, permissionStrings(s.app.Kit.Authz.RegisteredPermissions())})
}

// createRole: POST {"name": "support-lead", "permissions":
// ["conversations:read", ...]}.
func (s *server) createRole(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name        workspace.Role `json:"name"`
		Permissions []string       `json:"permissions"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	perms, err := s.parsePermissions(in.Permissions)
	if err != nil {
		return err
	}
	cr, err := s.app.Kit.Authz.CreateRole(r.Context(), in.Name, perms)
	if err != nil {
		return err
	}
	return reply(w, http.StatusCreated, viewRole(cr))
}

// updateRole renames a custom role and/or replaces its permissions: PATCH
// {"name": "new-name", "permissions": [...]}, either optional. Both happen
// or neither: the permissions are parsed before anything changes, and the
// rename and the update run in one transaction, so a refusal of either
// (an unknown permission 422, one beyond the caller's own 403, a name
// taken 409) leaves the role as it was. The rename runs first, so the
// permissions apply to the role under its new name.
func (s *server) updateRole(w http.ResponseWriter, r *http.Request) error {
	var in struct {
		Name        *workspace.Role `json:"name"`
		Permissions *[]string       `json:"permissions"`
	}
	if err := decode(w, r, &in); err != nil {
		return err
	}
	name := workspace.Role(r.PathValue("role"))
	rename := in.Name != nil && *in.Name != name
	if !rename && in.Permissions == nil {
		return fmt.Errorf("%w: nothing to change in role %q", workspace.ErrInvalid, name)
	}
	var perms []rbac.Permission
	if in.Permissions != nil {
		var err error
		if perms, err = s.parsePermissions(*in.Permissions); err != nil {
			return err
		}
	}
	var cr rbac.CustomRole
	err := s.app.Atomic(r.Context(), func(ctx context.Context) error {
		current := name
		if rename {
			var err error
			if cr, err = s.app.Kit.Authz.RenameRole(ctx, current, *in.Name); err != nil {
				return err
			}
			current = *in.Name
		}
		if in.Permissions != nil {
			var err error
			if cr, err = s.app.Kit.Authz.UpdateRole(ctx, current, perms); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return err
	}
	return reply(w, http.StatusOK, viewRole(cr))
}

// deleteRole deletes a custom role; ?reassign_to=<role> moves its holders
// first (without it a role in use is refused).
func (s *server) deleteRole(w http.ResponseWriter, r *http.Request) error {
	err := s.app.Kit.Authz.DeleteRole(r.Context(), workspace.Role(r.PathValue("role")), workspace.Role(r.URL.Query().Get("reassign_to")))
	if err != nil {
		return err
	}
	return noContent(w)
}

// parsePermissions reads "resource:action" strings. A permission that no
// resource registers is the client's invalid input here (422): the
// library answers it as the host's bug (500), which it is when host code
// asks for it, not when a user types it.
func (s *server) parsePermissions(in []string) ([]rbac.Permission, error) {
	known := map[rbac.Permission]bool{}
	for _, p := range s.app.Kit.Authz.RegisteredPermissions() {
		known[p] = true
	}
	out := make([]rbac.Permission, 0, len(in))
	for _, str := range in {
		p, err := rbac.ParsePermission(str)
		if err != nil {
			return nil, err
		}
		if !known[p] {
			return nil, fmt.Errorf("%w: no resource has the permission %s", workspace.ErrInvalid, p)
		}
		out = append(out, p)
	}
	return out, nil
}
