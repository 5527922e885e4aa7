// Package kit wires the library's services together in one call: the
// lifecycle service (package workspace), the membership service, the
// Authorizer (package rbac) and the API key service (package apikey), over
// one store, one plan catalog, one event publisher and one clock.
//
// Each package can still be wired by hand (its own New and options); kit
// only saves a host from passing the same plans, publisher and clock three
// times and from getting one of them wrong.
package kit
