// Package membership manages who belongs to a workspace and with which role:
// invitations by email with the role chosen at invitation, the team list
// (Settings > Team), role changes, removal, leaving, and the transfer of an
// account's ownership.
//
// The same user may hold different roles in different workspaces. The
// account owner is owner of every workspace of the account: derived from the
// account, never stored, so it cannot be demoted or removed per workspace,
// and it moves with TransferOwnership. Because the account owner always owns
// every workspace, a workspace always keeps at least one owner, whatever
// demotions run concurrently.
//
// Invitation tokens are 32 bytes from crypto/rand, shown once, stored only
// as a SHA-256, single use, and expire after 7 days by default. A pending
// invitation holds a seat against the plan's member limit.
//
// Errors wrap this package's sentinels or the workspace package's; match
// them with errors.Is.
package membership
