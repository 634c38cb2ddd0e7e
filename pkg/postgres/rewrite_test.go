package postgres

import "testing"

func TestRewrite(t *testing.T) {
	for in, want := range map[string]string{
		`SELECT id FROM t WHERE a = ? AND b IN (?, ?)`:                              `SELECT id FROM t WHERE a = $1 AND b IN ($2, $3)`,
		`SELECT 1 FROM intake WHERE +mailbox = ? AND +d.status = 'open'`:            `SELECT 1 FROM intake WHERE mailbox = $1 AND d.status = 'open'`,
		`SELECT a + b, x+1 FROM t`:                                                  `SELECT a + b, x+1 FROM t`,
		`WHERE c.name LIKE ? ESCAPE '\'`:                                            `WHERE c.name ILIKE $1 ESCAPE '\'`,
		`SELECT 'what? LIKE +x' , "odd?col" FROM t WHERE v = ?`:                     `SELECT 'what? LIKE +x' , "odd?col" FROM t WHERE v = $1`,
		`SELECT 'it''s ?' , ?`:                                                      `SELECT 'it''s ?' , $1`,
		"-- why? LIKE\nSELECT ?":                                                    "-- why? LIKE\nSELECT $1",
		`CREATE FUNCTION f() AS $$ SELECT x LIKE '?' + y $$ LANGUAGE sql; SELECT ?`: `CREATE FUNCTION f() AS $$ SELECT x LIKE '?' + y $$ LANGUAGE sql; SELECT $1`,
		`SELECT $body$ ? $body$, ?`:                                                 `SELECT $body$ ? $body$, $1`,
		`SELECT group_concat(name, ', '), unliked, LIKEWISE FROM t`:                 `SELECT string_agg(name, ', '), unliked, LIKEWISE FROM t`,
		"FROM a CROSS JOIN b ON b.id = a.b_id cross\n\tjoin c ON c.id = b.c_id":     "FROM a JOIN b ON b.id = a.b_id join c ON c.id = b.c_id",
		`SELECT crossing, 'CROSS JOIN' FROM t CROSS APPLY x`:                        `SELECT crossing, 'CROSS JOIN' FROM t CROSS APPLY x`,
		`ORDER BY c.name = '', c.name COLLATE NOCASE, c.address LIMIT ?`:            `ORDER BY c.name = '', lower(c.name) , c.address LIMIT $1`,
		"ORDER BY name collate nocase\n":                                            "ORDER BY lower(name) \n",
		`ORDER BY f(x) COLLATE NOCASE, "q" COLLATE NOCASE`:                          `ORDER BY f(x) COLLATE NOCASE, "q" COLLATE NOCASE`,
	} {
		if got := rewrite(in); got != want {
			t.Errorf("rewrite(%q)\n = %q\nwant %q", in, got, want)
		}
	}
}

// Text PostgreSQL's text type refuses (NUL, invalid UTF-8) is stored with
// U+FFFD in their place; valid text is passed as it is.
func TestValidText(t *testing.T) {
	for in, want := range map[string]string{
		"plain":             "plain",
		"Grüße, 東京":         "Grüße, 東京",
		"nul\x00in":         "nul\uFFFDin",
		"bad \xff\xfe byte": "bad \uFFFD byte",
	} {
		if got := validText(in); got != want {
			t.Errorf("validText(%q) = %q, want %q", in, got, want)
		}
	}
}
