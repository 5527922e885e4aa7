// Package workspacehttp carries the active workspace from an HTTP request
// into its context, for hosts on net/http (and routers built on
// http.Handler, such as chi): Middleware authenticates through the host's
// function (the library does no login), reads which workspace the request
// names (a path segment, a header, a cookie remembering the last active
// one: the host picks), calls Switch (the role read fresh from the store,
// no new login) and puts the scope in the request's context. Require
// guards a handler with one permission.
//
// Errors become application/problem+json (RFC 9457) by one documented
// mapping (WriteError): every sentinel of workspace, membership and rbac
// has its status and a stable "code"; the detail is a fixed text per code,
// never the error's own text, so no response tells whether a workspace
// the caller cannot see exists.
package workspacehttp
