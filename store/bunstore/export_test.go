package bunstore

// AccessQueriesForTest exposes the SQL of GetAccess and ListAccess (with
// $n parameters: user, workspace id / user, after, limit) to the external
// tests that EXPLAIN them.
var AccessQueriesForTest = [2]string{getAccessQuery.pg, listAccessQuery.pg}
