// Package store holds the storage contracts of workspacekit.
//
// Store is everything the services and the authorizer need: accounts,
// workspaces, memberships, invitations and custom roles, with one transaction
// carried in the context (Atomic) so that writes of different packages commit
// together. Repo is a workspace-scoped repository for the host's own records
// (agents, channels, conversations...): every method works in the active
// workspace of its context and fails closed without one.
//
// Implementations live in subpackages, one per dependency: store/memstore
// (in memory, what host test suites use) and store/bunstore (PostgreSQL via
// bun). Both pass store/storetest, the executable form of these contracts;
// a new implementation runs it with one call.
package store
