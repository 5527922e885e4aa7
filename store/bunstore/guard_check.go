package bunstore

import (
	"database/sql/driver"
	"fmt"
	"strconv"

	"github.com/google/uuid"
)

// The guard's rule, applied to the final SQL text of every statement: each
// reference to a registered table must be proven to stay inside the active
// workspace at its own query level, by a top-level AND-ed condition of that
// level:
//
//   - alias.workspace_id = '<active id>' (or unqualified workspace_id, or a
//     $n parameter holding the id) in the WHERE clause or an INNER JOIN's ON;
//   - alias.workspace_id = other.workspace_id where other is already proven
//     (composite joins), in WHERE, INNER JOIN ON, or the LEFT JOIN ON of the
//     joined table itself;
//   - for INSERT: a column list naming workspace_id and VALUES rows that all
//     hold the active id, and an ON CONFLICT DO UPDATE only when its conflict
//     target includes workspace_id or its WHERE proves the table;
//   - UPDATE may set workspace_id only to the active id; UPDATE and DELETE
//     need a condition besides the workspace one (bun itself refuses an
//     UPDATE or DELETE without WHERE; a scoped model's hook must not turn
//     such a mistake into "change the whole workspace").
//
// Everything else that touches a registered table is refused: OR at the top
// of a WHERE, MERGE, TRUNCATE, COPY, DDL, INSERT ... SELECT, correlated
// proofs across levels. Refusing is always safe; a false refusal shows up as
// an error in the host's tests, never as a leak.

// scan holds one statement being checked.
type scan struct {
	toks   []token
	tables map[string]struct{}
	ws     uuid.UUID
	args   []driver.NamedValue
	err    error
}

func (s *scan) fail(table, format string, a ...any) {
	if s.err == nil {
		s.err = fmt.Errorf("%w: table %q: %s", ErrUnscopedQuery, table, fmt.Sprintf(format, a...))
	}
}

// checkSQL applies the rule to query for workspace ws. tables holds the
// registered table names (lower case).
func checkSQL(query string, tables map[string]struct{}, ws uuid.UUID, args []driver.NamedValue) error {
	toks, err := lex(query, make([]token, 0, 64))
	if err != nil {
		return fmt.Errorf("%w: cannot read the statement: %v", ErrUnscopedQuery, err)
	}
	s := &scan{toks: toks, tables: tables, ws: ws, args: args}
	s.rangeCheck(0, len(toks))
	return s.err
}

// level returns the indices of the tokens in [lo,hi) that are not inside a
// nested group; a group is represented by its opening parenthesis.
func (s *scan) level(lo, hi int) []int {
	out := make([]int, 0, hi-lo)
	for i := lo; i < hi; i++ {
		out = append(out, i)
		if s.toks[i].kind == tkOpen {
			i = s.toks[i].match
		}
	}
	return out
}

// rangeCheck checks the statements in [lo,hi), then every nested group.
func (s *scan) rangeCheck(lo, hi int) {
	lv := s.level(lo, hi)
	start := 0
	for k := 0; k <= len(lv); k++ {
		if k < len(lv) {
			t := s.toks[lv[k]]
			if !(t.kind == tkSemi || t.is("UNION") || t.is("INTERSECT") || t.is("EXCEPT")) {
				continue
			}
		}
		if k > start {
			s.segment(lv[start:k])
		}
		start = k + 1
	}
	for _, i := range lv {
		if s.toks[i].kind == tkOpen && s.err == nil {
			s.rangeCheck(i+1, s.toks[i].match)
		}
	}
}

// ref is one reference to a registered table at a query level.
type ref struct {
	table string
	alias string
	pos   int // index into the level slice
	role  string
}

func (s *scan) isTable(k int, lv []int) bool {
	t := s.toks[lv[k]]
	if t.kind != tkWord && t.kind != tkQuoted {
		return false
	}
	if _, ok := s.tables[t.name()]; !ok {
		return false
	}
	// A qualifier (agents.id) is not a table reference.
	return k+1 >= len(lv) || s.toks[lv[k+1]].kind != tkDot
}

var stmtKinds = map[string]bool{"SELECT": true, "INSERT": true, "UPDATE": true, "DELETE": true, "MERGE": true, "VALUES": true, "TABLE": true}

var notAlias = map[string]bool{
	"WHERE": true, "JOIN": true, "LEFT": true, "RIGHT": true, "FULL": true, "INNER": true, "CROSS": true,
	"NATURAL": true, "ON": true, "USING": true, "SET": true, "GROUP": true, "ORDER": true, "LIMIT": true,
	"OFFSET": true, "FETCH": true, "RETURNING": true, "FOR": true, "WINDOW": true, "HAVING": true,
	"VALUES": true, "DEFAULT": true, "SELECT": true, "OVERRIDING": true, "TABLESAMPLE": true, "FROM": true,
	"OUTER": true, "LATERAL": true, "DO": true,
}

func upper(t token) string {
	if t.kind != tkWord {
		return ""
	}
	b := []byte(t.text)
	for i, c := range b {
		if c >= 'a' && c <= 'z' {
			b[i] = c - 32
		}
	}
	return string(b)
}

// segment checks one SELECT/INSERT/UPDATE/DELETE at one level.
func (s *scan) segment(lv []int) {
	var refs []ref
	for k := range lv {
		if !s.isTable(k, lv) {
			continue
		}
		r := ref{table: s.toks[lv[k]].name(), pos: k}
		r.alias = r.table
		if k+1 < len(lv) {
			n := s.toks[lv[k+1]]
			switch {
			case n.is("AS") && k+2 < len(lv):
				r.alias = s.toks[lv[k+2]].name()
			case (n.kind == tkWord && !notAlias[upper(n)]) || n.kind == tkQuoted:
				r.alias = n.name()
			}
		}
		p := k - 1
		if p >= 1 && s.toks[lv[p]].kind == tkDot {
			p -= 2 // schema.table
		}
		if p >= 0 && s.toks[lv[p]].is("ONLY") {
			p--
		}
		if p >= 0 {
			r.role = upper(s.toks[lv[p]])
			if s.toks[lv[p]].kind == tkComma {
				r.role = "FROM"
			}
		}
		refs = append(refs, r)
	}
	if len(refs) == 0 {
		return
	}
	kind := upper(s.toks[lv[0]])
	if kind == "WITH" {
		for _, i := range lv {
			if u := upper(s.toks[i]); stmtKinds[u] {
				kind = u
				break
			}
		}
	}
	switch kind {
	case "SELECT", "UPDATE", "DELETE":
		s.filtered(kind, lv, refs)
	case "INSERT":
		s.insert(lv, refs)
	default:
		s.fail(refs[0].table, "%s statements are refused on workspace-scoped tables", kind)
	}
}

// fact is one workspace condition: alias.workspace_id = active id (other
// empty), or alias.workspace_id = other.workspace_id. only restricts what a
// LEFT JOIN's ON may prove.
type fact struct {
	alias, other string
	any          bool // unqualified workspace_id = active id
	only         string
}

// conjuncts returns the top-level AND-ed parts of the tokens lv, flattening
// parenthesized conjunctions; nil when an OR sits at the top.
func (s *scan) conjuncts(lv []int, out [][]int) ([][]int, bool) {
	start := 0
	between := false
	var parts [][]int
	for k := 0; k <= len(lv); k++ {
		if k < len(lv) {
			t := s.toks[lv[k]]
			switch {
			case t.is("OR"):
				return out, false
			case t.is("BETWEEN"):
				between = true
				continue
			case t.is("AND") && between:
				between = false
				continue
			case !t.is("AND"):
				continue
			}
		}
		parts = append(parts, lv[start:k])
		start = k + 1
	}
	for _, p := range parts {
		if len(p) == 1 && s.toks[p[0]].kind == tkOpen {
			inner := s.level(p[0]+1, s.toks[p[0]].match)
			var ok bool
			sub, ok := s.conjuncts(inner, nil)
			if ok {
				out = append(out, sub...)
			} else {
				// An OR inside parentheses makes that part a plain
				// condition: it filters, it proves nothing.
				out = append(out, p)
			}
			continue
		}
		out = append(out, p)
	}
	return out, true
}

// wsColumn matches "q.workspace_id" or "workspace_id" at c[k:], returning the
// qualifier ("" if none) and the tokens used.
func (s *scan) wsColumn(c []int, k int) (string, int) {
	if k+2 < len(c) && s.toks[c[k+1]].kind == tkDot && s.toks[c[k+2]].ident(ColumnWorkspaceID) {
		q := s.toks[c[k]]
		if q.kind == tkWord || q.kind == tkQuoted {
			return q.name(), 3
		}
		return "", 0
	}
	if k < len(c) && s.toks[c[k]].ident(ColumnWorkspaceID) {
		return "", 1
	}
	return "", 0
}

// wsValue matches the active workspace id at c[k:] ('id', 'id'::uuid, $n).
func (s *scan) wsValue(c []int, k int) int {
	if k >= len(c) || s.ws == uuid.Nil {
		return 0
	}
	t := s.toks[c[k]]
	n := 0
	switch t.kind {
	case tkString:
		id, err := uuid.Parse(t.value())
		if err != nil || id != s.ws || len(t.text) != 36 {
			return 0
		}
		n = 1
	case tkParam:
		i, err := strconv.Atoi(t.text)
		if err != nil || i < 1 || i > len(s.args) || !argIs(s.args[i-1].Value, s.ws) {
			return 0
		}
		n = 1
	default:
		return 0
	}
	if k+2 < len(c) && s.toks[c[k+1]].kind == tkOp && s.toks[c[k+1]].text == "::" && s.toks[c[k+2]].is("UUID") {
		n += 2
	}
	return n
}

func argIs(v any, ws uuid.UUID) bool {
	switch v := v.(type) {
	case string:
		id, err := uuid.Parse(v)
		return err == nil && id == ws && len(v) == 36
	case []byte:
		if len(v) == 16 {
			return uuid.UUID(v) == ws
		}
		id, err := uuid.ParseBytes(v)
		return err == nil && id == ws && len(v) == 36
	case uuid.UUID:
		return v == ws
	case [16]byte:
		return uuid.UUID(v) == ws
	}
	return false
}

func (s *scan) isEq(c []int, k int) bool {
	return k < len(c) && s.toks[c[k]].kind == tkOp && s.toks[c[k]].text == "="
}

// parseFact reads a conjunct as a workspace fact.
func (s *scan) parseFact(c []int) (fact, bool) {
	q1, n1 := s.wsColumn(c, 0)
	if n1 > 0 && s.isEq(c, n1) {
		if n := s.wsValue(c, n1+1); n > 0 && n1+1+n == len(c) {
			return fact{alias: q1, any: q1 == ""}, true
		}
		if q2, n2 := s.wsColumn(c, n1+1); n2 == 3 && q1 != "" && n1+1+n2 == len(c) {
			return fact{alias: q1, other: q2}, true
		}
	}
	if n := s.wsValue(c, 0); n > 0 && s.isEq(c, n) {
		if q, m := s.wsColumn(c, n+1); m > 0 && n+1+m == len(c) {
			return fact{alias: q, any: q == ""}, true
		}
	}
	return fact{}, false
}

// clause returns the level tokens after the keyword at lv[k] up to the next
// depth-0 keyword in stops (or a comma when commaStops).
func (s *scan) clause(lv []int, k int, commaStops bool, stops ...string) []int {
	for j := k + 1; j < len(lv); j++ {
		t := s.toks[lv[j]]
		if commaStops && t.kind == tkComma {
			return lv[k+1 : j]
		}
		if t.kind != tkWord {
			continue
		}
		for _, st := range stops {
			if t.is(st) {
				return lv[k+1 : j]
			}
		}
	}
	return lv[k+1:]
}

var afterWhere = []string{"GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "FETCH", "RETURNING", "FOR", "WINDOW"}
var afterOn = []string{"JOIN", "LEFT", "RIGHT", "FULL", "INNER", "CROSS", "NATURAL", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "OFFSET", "FETCH", "RETURNING", "FOR", "WINDOW"}

// filtered checks a SELECT, UPDATE or DELETE level.
func (s *scan) filtered(kind string, lv []int, refs []ref) {
	var facts []fact
	other := false // a WHERE condition besides workspace facts
	for k := range lv {
		t := s.toks[lv[k]]
		switch {
		case t.is("WHERE"):
			cs, ok := s.conjuncts(s.clause(lv, k, false, afterWhere...), nil)
			if !ok {
				continue
			}
			for _, c := range cs {
				if f, ok := s.parseFact(c); ok {
					facts = append(facts, f)
				} else {
					other = true
				}
			}
		case t.is("ON"):
			// Which join does this ON belong to? Walk back to JOIN.
			jt, joined := "", ""
			for j := k - 1; j >= 0; j-- {
				if s.toks[lv[j]].is("JOIN") {
					jt = "INNER"
					if j >= 1 {
						switch p := upper(s.toks[lv[j-1]]); p {
						case "LEFT", "RIGHT", "FULL":
							jt = p
						case "OUTER":
							if j >= 2 {
								jt = upper(s.toks[lv[j-2]])
							}
						}
					}
					for _, r := range refs {
						if r.pos > j && r.pos < k {
							joined = r.alias
						}
					}
					if joined == "" && j+1 < k {
						// A join of an unregistered table: remember its
						// alias so LEFT JOIN ON cannot prove others.
						joined = "\x00"
					}
					break
				}
			}
			if jt == "" || jt == "RIGHT" || jt == "FULL" {
				continue
			}
			cs, ok := s.conjuncts(s.clause(lv, k, true, afterOn...), nil)
			if !ok {
				continue
			}
			for _, c := range cs {
				if f, ok := s.parseFact(c); ok {
					if jt == "LEFT" {
						if f.any {
							continue
						}
						f.only = joined
					}
					facts = append(facts, f)
				}
			}
		}
	}
	proven := map[string]bool{}
	all := false
	for changed := true; changed; {
		changed = false
		for _, f := range facts {
			switch {
			case f.any:
				if !all {
					all, changed = true, true
				}
			case f.other == "":
				if (f.only == "" || f.only == f.alias) && !proven[f.alias] {
					proven[f.alias], changed = true, true
				}
			default:
				for _, p := range [2][2]string{{f.alias, f.other}, {f.other, f.alias}} {
					if (proven[p[1]] || (all && s.refAlias(refs, p[1]))) && !proven[p[0]] && (f.only == "" || f.only == p[0]) {
						proven[p[0]], changed = true, true
					}
				}
			}
		}
	}
	for _, r := range refs {
		if !all && !proven[r.alias] {
			s.fail(r.table, "%s does not restrict %q to the active workspace at this level (add %s.workspace_id = the active id as a top-level AND condition)", kind, r.alias, r.alias)
			return
		}
	}
	if kind == "SELECT" {
		return
	}
	target := refs[0]
	if (kind == "UPDATE" && target.role != "UPDATE") || (kind == "DELETE" && target.role != "FROM") {
		return // a registered table only read by an UPDATE/DELETE of another table
	}
	if !other {
		s.fail(target.table, "%s with no condition besides the workspace would change every row of the workspace (use WherePK or an explicit Where)", kind)
		return
	}
	if kind == "UPDATE" {
		for k := range lv {
			if s.toks[lv[k]].is("SET") {
				s.checkSet(target, s.clause(lv, k, false, "FROM", "WHERE", "RETURNING"), false)
				break
			}
		}
	}
}

func (s *scan) refAlias(refs []ref, alias string) bool {
	for _, r := range refs {
		if r.alias == alias {
			return true
		}
	}
	return false
}

// checkSet refuses assignments of workspace_id to anything but the active
// id (or, in ON CONFLICT DO UPDATE, EXCLUDED.workspace_id, which the VALUES
// check already proved).
func (s *scan) checkSet(target ref, set []int, excludedOK bool) {
	start := 0
	for k := 0; k <= len(set); k++ {
		if k < len(set) && s.toks[set[k]].kind != tkComma {
			continue
		}
		item := set[start:k]
		start = k + 1
		if len(item) == 0 {
			continue
		}
		first := s.toks[item[0]]
		if first.kind == tkOpen {
			for _, i := range s.level(item[0]+1, first.match) {
				if s.toks[i].ident(ColumnWorkspaceID) {
					s.fail(target.table, "a row-valued SET of workspace_id is refused")
					return
				}
			}
			continue
		}
		q, n := s.wsColumn(item, 0)
		if n == 0 || (q != "" && q != target.alias) {
			continue
		}
		if !s.isEq(item, n) {
			continue
		}
		if v := s.wsValue(item, n+1); v > 0 && n+1+v == len(item) {
			continue
		}
		if excludedOK {
			if eq, m := s.wsColumn(item, n+1); m == 3 && eq == "excluded" && n+1+m == len(item) {
				continue
			}
		}
		s.fail(target.table, "SET workspace_id to anything but the active workspace is refused")
		return
	}
}

// insert checks INSERT INTO t (cols) VALUES (...), ... [ON CONFLICT ...].
func (s *scan) insert(lv []int, refs []ref) {
	var target *ref
	for i := range refs {
		if refs[i].role == "INTO" {
			target = &refs[i]
			break
		}
	}
	if target == nil {
		s.fail(refs[0].table, "INSERT reading a workspace-scoped table is refused")
		return
	}
	k := target.pos + 1
	if k < len(lv) && s.toks[lv[k]].is("AS") {
		k += 2
	} else if k < len(lv) && target.alias != target.table {
		k++
	}
	if k >= len(lv) || s.toks[lv[k]].kind != tkOpen {
		s.fail(target.table, "INSERT without a column list is refused")
		return
	}
	col := -1
	for n, c := range s.items(lv[k]) {
		if len(c) == 1 && s.toks[c[0]].ident(ColumnWorkspaceID) {
			col = n
		}
	}
	if col < 0 {
		s.fail(target.table, "INSERT must set workspace_id")
		return
	}
	k++
	if k >= len(lv) || !s.toks[lv[k]].is("VALUES") {
		s.fail(target.table, "only INSERT ... VALUES is allowed on a workspace-scoped table")
		return
	}
	k++
	rows := 0
	for ; k < len(lv); k++ {
		t := s.toks[lv[k]]
		if t.kind == tkComma {
			continue
		}
		if t.kind != tkOpen {
			break
		}
		rows++
		row := s.items(lv[k])
		if col >= len(row) {
			s.fail(target.table, "VALUES row shorter than the column list")
			return
		}
		if v := s.wsValue(row[col], 0); v == 0 || v != len(row[col]) {
			s.fail(target.table, "an inserted row's workspace_id is not the active workspace")
			return
		}
	}
	if rows == 0 {
		// PostgreSQL would reject it too; the rule must not depend on that.
		s.fail(target.table, "INSERT ... VALUES without a row")
		return
	}
	switch {
	case k >= len(lv) || s.toks[lv[k]].is("RETURNING"):
	case s.toks[lv[k]].is("ON") && k+1 < len(lv) && s.toks[lv[k+1]].is("CONFLICT"):
		s.onConflict(*target, lv[k+2:])
	default:
		s.fail(target.table, "unexpected text after INSERT ... VALUES rows")
	}
}

// items splits the group opened at toks[open] at its top-level commas.
func (s *scan) items(open int) [][]int {
	inner := s.level(open+1, s.toks[open].match)
	var out [][]int
	start := 0
	for k := 0; k <= len(inner); k++ {
		if k < len(inner) && s.toks[inner[k]].kind != tkComma {
			continue
		}
		out = append(out, inner[start:k])
		start = k + 1
	}
	return out
}

func (s *scan) onConflict(target ref, lv []int) {
	targetHasWS := false
	doAt := -1
	for k, i := range lv {
		if s.toks[i].kind == tkOpen && doAt < 0 && k == 0 {
			for _, c := range s.items(i) {
				if len(c) == 1 && s.toks[c[0]].ident(ColumnWorkspaceID) {
					targetHasWS = true
				}
			}
		}
		if s.toks[i].is("DO") {
			doAt = k
			break
		}
	}
	if doAt < 0 || doAt+1 >= len(lv) || s.toks[lv[doAt+1]].is("NOTHING") {
		return
	}
	rest := lv[doAt+2:] // after DO UPDATE
	proven := targetHasWS
	for k := range rest {
		if s.toks[rest[k]].is("WHERE") {
			cs, ok := s.conjuncts(s.clause(rest, k, false, "RETURNING"), nil)
			if !ok {
				break
			}
			for _, c := range cs {
				if f, ok := s.parseFact(c); ok && f.other == "" && (f.any || f.alias == target.alias) {
					proven = true
				}
			}
		}
	}
	if !proven {
		s.fail(target.table, "ON CONFLICT DO UPDATE could update another workspace's row (put workspace_id in the conflict target)")
		return
	}
	for k := range rest {
		if s.toks[rest[k]].is("SET") {
			s.checkSet(target, s.clause(rest, k, false, "WHERE", "RETURNING"), true)
			break
		}
	}
}
