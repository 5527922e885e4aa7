//go:build cgo

package pgguard

import pgquery "github.com/pganalyze/pg_query_go/v6"

// ParserName says which build of libpg_query decides (benchmarks print it).
const ParserName = "pg_query_go (cgo)"

// parseToJSON is libpg_query's raw parse tree of query as JSON. With cgo
// the C library runs natively: measured ~6 µs for a bun PK select.
func parseToJSON(query string) (string, error) { return pgquery.ParseToJSON(query) }
