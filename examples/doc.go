// Package examples holds runnable programs that show workspacekit end to
// end. Nothing imports it; each subdirectory is a main package:
//
//	go run ./examples/quickstart   # the product doc's flows on the in-memory store
package examples
