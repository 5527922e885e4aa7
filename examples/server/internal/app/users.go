package app

import "github.com/workspacekit/workspacekit/workspace"

// User is a person of the host. The library knows users only by id; names
// and emails are the host's.
type User struct {
	ID    workspace.UserID `json:"id"`
	Name  string           `json:"name"`
	Email string           `json:"email"`
}

// DemoUsers are the people of the demo. erin belongs to no workspace at
// first: invitations (or signing up) are how she gets one.
func DemoUsers() []User {
	return []User{
		{ID: "alice", Name: "Alice Anders", Email: "alice@example.com"},
		{ID: "bob", Name: "Bob Brandt", Email: "bob@example.com"},
		{ID: "carol", Name: "Carol Cho", Email: "carol@example.com"},
		{ID: "dave", Name: "Dave Dumont", Email: "dave@example.com"},
		{ID: "erin", Name: "Erin Eze", Email: "erin@example.com"},
	}
}

// User returns the demo user with id.
func (a *App) User(id workspace.UserID) (User, bool) {
	for _, u := range a.Users {
		if u.ID == id {
			return u, true
		}
	}
	return User{}, false
}
