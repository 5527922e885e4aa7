// Package api is the example server's JSON API: every operation of the
// library's three services and the host's resources over plain net/http,
// so that scripts and tests can drive the whole product, and so that what
// the UI hides is shown to be refused by the server too.
//
// # Who and where
//
// Who: the example-only session cookie (POST /api/login), or the header
// X-Example-User: <id> for scripts (example-only as well: anyone can
// claim anyone; see app.Login). No valid user is 401 unauthenticated.
//
// Or a workspace API key, a real credential: "Authorization: Bearer
// <secret>", the secret shown once by POST .../api-keys. A request that
// carries one is the key's whatever else it carries (cookie, header), and
// acts in the key's workspace with the key's current role: a path naming
// another workspace is the same 404 not-found as one that does not exist;
// a bad, revoked or expired key is 401 api-key-unknown, api-key-revoked
// or api-key-expired. Revoking a key or changing its role holds from its
// next request. A key cannot create, change or revoke keys (403), and the
// routes that act for a person across workspaces (/api/me, the selector,
// signing up, accepting, switching) or on a person's place in the account
// (creating another workspace, leaving, transferring the account) refuse
// keys (403).
//
//	curl -H "Authorization: Bearer $KEY" http://127.0.0.1:8080/api/workspaces/$WS/agents
//
// Since a browser sends the cookie by itself, every change (any method
// but GET, HEAD, OPTIONS) is refused 403 cross-origin when the browser
// marks it as coming from another origin (http.CrossOriginProtection:
// Sec-Fetch-Site, Origin), and a change the cookie authenticates must be
// Content-Type: application/json even without a body, which no form can
// send (origin.go). Scripts with the header send neither browser header
// and need no content type on bodiless calls. Requests with a Bearer key
// skip both checks: no browser sends that header on its own.
//
// Where: every call on a workspace's content names it in the path,
// /api/workspaces/{workspace}/...; workspacehttp's middleware switches to
// it on every request (the role read fresh: a demotion holds from the next
// request). A workspace that does not exist, was deleted, or is not the
// caller's is the same 404 not-found on every route, body included.
//
// # Routes
//
//	POST   /api/login                                   {"user"}                      example-only session
//	POST   /api/logout
//	GET    /api/users                                                                 the demo's people
//	GET    /api/resources                                                             the resource kinds
//	GET    /api/me                                                                    user + selector
//	GET    /api/workspaces                                                            selector: workspaces with role
//	POST   /api/accounts                                {"name","plan","workspace":{"name","description"}}
//	POST   /api/invitations/accept                      {"token"}
//	GET    /api/workspaces/{workspace}                                                workspace + caller's role
//	PATCH  /api/workspaces/{workspace}                  {"name"?,"description"?}
//	DELETE /api/workspaces/{workspace}                  {"confirm"}                   typed name
//	POST   /api/workspaces/{workspace}/switch                                         scope; remembers it (cookie)
//	GET    /api/workspaces/{workspace}/permissions                                    what the caller may do
//	GET    /api/workspaces/{workspace}/permissions/{permission}                       why (agents:delete)
//	GET    /api/workspaces/{workspace}/account                                        account + plan limits
//	POST   /api/workspaces/{workspace}/account/workspaces {"name","description"}      create within the plan
//	POST   /api/workspaces/{workspace}/account/transfer {"to","previous_role"}        ownership transfer
//	GET    /api/workspaces/{workspace}/invitations                                    pending + expired
//	POST   /api/workspaces/{workspace}/invitations      {"email","role"}              token + link, shown once
//	POST   /api/workspaces/{workspace}/invitations/{invitation}/resend
//	DELETE /api/workspaces/{workspace}/invitations/{invitation}                       revoke
//	GET    /api/workspaces/{workspace}/team
//	GET    /api/workspaces/{workspace}/team/{user}
//	PATCH  /api/workspaces/{workspace}/team/{user}      {"role"}
//	DELETE /api/workspaces/{workspace}/team/{user}                                    remove
//	POST   /api/workspaces/{workspace}/leave
//	GET    /api/workspaces/{workspace}/roles                                          custom roles
//	POST   /api/workspaces/{workspace}/roles            {"name","permissions"}
//	PATCH  /api/workspaces/{workspace}/roles/{role}     {"name"?,"permissions"?}      rename and/or update
//	DELETE /api/workspaces/{workspace}/roles/{role}?reassign_to=<role>
//	GET    /api/workspaces/{workspace}/api-keys                                       name, prefix, role, creator, times, status
//	POST   /api/workspaces/{workspace}/api-keys         {"name","role","expires_at"?} key + secret, shown once (201)
//	GET    /api/workspaces/{workspace}/api-keys/{key}
//	PATCH  /api/workspaces/{workspace}/api-keys/{key}   {"name"?,"role"?}             rename and/or change role
//	DELETE /api/workspaces/{workspace}/api-keys/{key}                                 revoke (stays listed)
//	GET    /api/workspaces/{workspace}/{kind}                                         agents, squads, channels,
//	POST   /api/workspaces/{workspace}/{kind}           {"name","detail"}             conversations, contacts,
//	GET    /api/workspaces/{workspace}/{kind}/{item}                                  llm_providers, integrations
//	DELETE /api/workspaces/{workspace}/{kind}/{item}
//
// API keys are listed with revoked and expired ones, never with a secret
// or a hash; expires_at is RFC 3339 (null or absent: never). Revoking or
// renaming a revoked key is 409 conflict. The plan's MaxAPIKeys counts a
// workspace's keys that still work: one more is 402 plan-limit.
//
// # Bodies and errors
//
// Bodies are application/json, at most MaxBody bytes, decoded strictly:
// an unknown field, a key repeated in an object (also under another case),
// trailing data or another content type is 400 bad-request, a larger body
// 413 too-large, a cross-origin change 403 cross-origin. Those three are
// the API's own; every other error is written by workspacehttp.WriteError,
// the library's one mapping of its sentinels to application/problem+json
// (403 forbidden, 402 plan-limit, 422 confirmation, 404 not-found, ...).
// An unknown route under /api/ is 404 not-found as well.
package api
