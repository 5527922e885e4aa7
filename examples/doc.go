// Package examples holds runnable programs that show workspacekit end to
// end. Nothing imports it; each subdirectory is a main package. It is its
// own module (joined to the library by the repository's go.work) so that
// the examples' dependencies, chromedp and River, stay out of the
// library's go.mod.
//
//	go run ./examples/server                 # a small SaaS on the library: JSON API and web UI, in-memory store
//	go run ./examples/server -dsn postgres://...   # the same on PostgreSQL, strict mode
//	go run ./examples/worker -dsn postgres://...   # per-workspace jobs on River, each re-checked when it runs
//	go run ./examples/quickstart             # the product doc's flows as a command-line story
package examples
