package bunstore_test

import (
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/require"
	"github.com/workspacekit/workspacekit/store/bunstore"
)

// The guard is only as good as its reading of SQL: a table name inside a
// literal or a comment is not a reference, and anything ambiguous is an
// error (the guard then refuses the statement).
func TestLex(t *testing.T) {
	tests := []struct {
		name, sql string
		want      []string
	}{
		{"words and qualifiers", `SELECT a.b FROM t`, []string{"w:SELECT", "w:a", ".", "w:b", "w:FROM", "w:t"}},
		{"quoted identifier keeps case and undoubles", `"Ag""ents"`, []string{`q:Ag"ents`}},
		{"string undoubles", `'it''s'`, []string{"s:it's"}},
		{"string hides a table name", `'agents'`, []string{"s:agents"}},
		{"E string: backslash-quote does not end it", `E'a\'b' x`, []string{"s:\x00", "w:x"}},
		{"identifier ending in e before a string is a word", `se'x'`, []string{"w:se", "s:x"}},
		{"dollar quoting", `$$a 'b' agents$$ x`, []string{"s:a 'b' agents", "w:x"}},
		{"tagged dollar quoting", `$t$ $$ $t$`, []string{"s: $$ "}},
		{"parameter", `id = $12`, []string{"w:id", "o:=", "$:12"}},
		{"dollar inside identifier", `a$1 b`, []string{"w:a$1", "w:b"}},
		{"nested block comment", `/* a /* agents */ b */ SELECT`, []string{"w:SELECT"}},
		{"line comment", "SELECT -- agents\n1", []string{"w:SELECT", "n:1"}},
		{"operator stops before a comment", "a <-- c\nb", []string{"w:a", "o:<", "w:b"}},
		{"cast", `x::uuid`, []string{"w:x", "o:::", "w:uuid"}},
		{"number with dot and exponent", `1.5e10 .5`, []string{"n:1.5e10", ".", "n:5"}},
		{"parentheses match", `(a(b))`, []string{"(5", "w:a", "(4", "w:b", ")", ")"}},
		{"punctuation", `a,b;`, []string{"w:a", ",", "w:b", ";"}},
		{"non-ASCII identifier", `café x`, []string{"w:café", "w:x"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := bunstore.LexForTest(tt.sql)
			require.NoError(t, err)
			require.Equal(t, tt.want, got)
		})
	}
}

func TestLexRefusesWhatItCannotRead(t *testing.T) {
	for _, sql := range []string{
		`'unterminated`,
		`"unterminated`,
		`E'unterminated\'`,
		`/* unterminated /* */`,
		`$$unterminated`,
		`$t$ x $u$`,
		`a $ b`,
		`(a`,
		`a)`,
		`U&"\0061gents"`,
		`u&'x'`,
	} {
		t.Run(sql, func(t *testing.T) {
			_, err := bunstore.LexForTest(sql)
			require.Error(t, err)
		})
	}
}

// The verdict cache's key: literals replaced by what the checker asks of
// them, everything else kept, and text it cannot represent exactly sent
// to the full check.
func TestShape(t *testing.T) {
	ws := uuid.MustParse("0196b4a2-7c3e-7000-8000-00000000000a")
	other := "0196b4a2-7c3e-7000-8000-00000000000b"
	tests := []struct {
		name, sql string
		ws        uuid.UUID
		want      string // "" means: not cacheable
	}{
		{"active id", `workspace_id = '` + ws.String() + `'`, ws, `workspace_id = 'W'`},
		{"active id in upper case", `workspace_id = '0196B4A2-7C3E-7000-8000-00000000000A'`, ws, `workspace_id = 'W'`},
		{"another id", `workspace_id = '` + other + `'`, ws, `workspace_id = '?'`},
		{"no scope: even the nil id is not the active one", `workspace_id = '00000000-0000-0000-0000-000000000000'`, uuid.Nil, `workspace_id = '?'`},
		{"the id with braces is not it", `x = '{` + ws.String() + `}'`, ws, `x = '?'`},
		{"doubled quotes", `x = 'it''s'`, ws, `x = '?'`},
		{"numbers become 0", `x = 12 AND y > 1.5e3 LIMIT 10`, ws, `x = 0 AND y > 0 LIMIT 0`},
		{"digits in names stay", `SELECT host_1.v1, "t2" FROM host_1`, ws, `SELECT host_1.v1, "t2" FROM host_1`},
		{"number then dollar", `x = 1$2`, ws, `x = 0$2`},
		{"parameters stay", `x = $1 AND a$1 = 2`, ws, `x = $1 AND a$1 = 0`},
		{"quoted names hide quotes", `"a'b" = 'c'`, ws, `"a'b" = '?'`},
		{"identifier ending in e before a string", `se'x'`, ws, `se'?'`},
		{"U& inside a quoted name is a name", `"u&x"`, ws, `"u&x"`},
		{"E string", `x = E'a'`, ws, ""},
		{"line comment", "x -- c\n", ws, ""},
		{"block comment", `x /* c */`, ws, ""},
		{"dollar quoting", `x = $$a$$`, ws, ""},
		{"U& literal", `U&"\0061gents"`, ws, ""},
		{"unterminated string", `x = 'a`, ws, ""},
		{"unterminated name", `"a`, ws, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := bunstore.ShapeForTest(tt.sql, tt.ws)
			if tt.want == "" {
				require.False(t, ok, "shape %q", got)
				return
			}
			require.True(t, ok)
			require.Equal(t, tt.want, got)
		})
	}
}
