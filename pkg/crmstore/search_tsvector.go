package crmstore

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"

	"github.com/poller-crm/poller/pkg/view"
)

// Full-text search over PostgreSQL's tsvector columns (Dialect.FullText
// TSVector): the search columns of emails, contacts and companies, kept
// by the triggers of pkg/postgres's schema from the text as its
// search_words() function makes it (unaccented, ß as ss, lower-case,
// letters and digits only), with GIN indexes. The queries are
// PostgreSQL's own; they still use ? placeholders (the connector rebinds
// them).

// Rank weights of ts_rank_cd, for the weights D, C, B and A: emails'
// subject (A) 4, sender (B) 2, body (C) and note (D) 1; contacts' and
// companies' name (A) 2, address or domain (B) 1, as SQLite's email_rank
// and party_rank. Normalization 1 divides by 1 + the log of the length,
// as BM25 favours the shorter of two texts saying the same.
const (
	emailRankWeights = `'{0.25, 0.25, 0.5, 1.0}'`
	partyRankWeights = `'{0.1, 0.2, 0.5, 1.0}'`
)

// Snippet lengths in words (search_headline's max_words), as the FTS4
// version's snippet() tokens.
const (
	emailSnippetWords = 24
	partySnippetWords = 12
)

// searchTerms turns what a person typed into search terms, as ftsQuery
// does: each whitespace-separated word lower-cased, what is not a letter,
// digit or mark a separator between its tokens ("o'brien" is "o brien",
// searched as a phrase), at most maxSearchWords of them, all required.
// Diacritics and ß are folded by search_words() in the database, as the
// index was. None when nothing is left to search for.
func searchTerms(input string) []string {
	var terms []string
	for _, w := range strings.Fields(strings.ToLower(input)) {
		w = strings.Map(func(r rune) rune {
			if unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r) {
				return r
			}
			return ' '
		}, w)
		if w = strings.Join(strings.Fields(w), " "); w == "" {
			continue
		}
		terms = append(terms, w)
		if len(terms) == maxSearchWords {
			break
		}
	}
	return terms
}

// searchTSVector is Search on tsvector columns: the same results, ranked
// by ts_rank_cd, snippets by ts_headline (search_headline()).
func (s *Store) searchTSVector(ctx context.Context, v view.Viewer, query string, p view.Page) (view.SearchResult, error) {
	res := view.SearchResult{Hits: []view.Hit{}}
	terms := searchTerms(query)
	if len(terms) == 0 {
		return res, nil
	}
	err := s.Snapshot(ctx, func(q Querier) error {
		tsq, err := tsQuery(ctx, q, terms)
		if err != nil || tsq == "" {
			return err
		}
		if p.Offset <= 0 {
			if err := searchPartiesTS(ctx, q, tsq, &res); err != nil {
				return err
			}
		}
		return searchEmailsTS(ctx, q, v, tsq, p, &res)
	})
	if err != nil {
		return res, fmt.Errorf("search %q: %w", query, s.describe(err))
	}
	return res, nil
}

// tsQuery makes the terms a tsquery, in its text form for the queries
// after (as ?::tsquery): each term's words a phrase, all terms required.
// It is built by the database from the terms as arguments, so that no
// input is a syntax error or an operator. "" when the words fold to
// nothing.
func tsQuery(ctx context.Context, q Querier, terms []string) (string, error) {
	parts := make([]string, len(terms))
	a := make([]any, len(terms))
	for i, t := range terms {
		parts[i], a[i] = `phraseto_tsquery('simple', search_words(?))`, t
	}
	var tsq string
	if err := q.QueryRowContext(ctx, `SELECT (`+strings.Join(parts, ` && `)+`)::text`, a...).Scan(&tsq); err != nil {
		return "", fmt.Errorf("query: %w", err)
	}
	return tsq, nil
}

// searchPartiesTS adds the best contacts and companies that match.
func searchPartiesTS(ctx context.Context, q Querier, tsq string, res *view.SearchResult) error {
	for _, t := range []struct {
		kind, table, key string
	}{
		{view.HitContact, "contacts", "address"},
		{view.HitCompany, "companies", "domain"},
	} {
		err := each(ctx, q, `SELECT p.`+t.key+`, p.name, search_headline(p.name, ?::tsquery, ?), search_headline(p.`+t.key+`, ?::tsquery, ?)
			FROM `+t.table+` p WHERE p.search @@ ?::tsquery
			ORDER BY ts_rank_cd(`+partyRankWeights+`, p.search, ?::tsquery, 1) DESC, p.id LIMIT ?`,
			func(rows *sql.Rows) error {
				h := view.Hit{Kind: t.kind}
				var key, name, nameSnippet, keySnippet string
				if err := rows.Scan(&key, &name, &nameSnippet, &keySnippet); err != nil {
					return err
				}
				if t.kind == view.HitContact {
					h.Address = key
				} else {
					h.Domain = key
				}
				h.Title = name
				if h.Title == "" {
					h.Title = key
				}
				h.Snippet = bestSnippet(partySnippetWords, nameSnippet, keySnippet)
				res.Hits = append(res.Hits, h)
				return nil
			}, tsq, partySnippetWords, tsq, partySnippetWords, tsq, tsq, maxPartyHits)
		if err != nil {
			return fmt.Errorf("%s: %w", t.table, err)
		}
	}
	return nil
}

// searchEmailsTS adds one page of the emails that match, best first, and
// counts them all the viewer may see: one query counts, one ranks, one
// makes the page's snippets. As in the FTS4 version, ranking is bounded:
// the matches ranked are the newest rankWindow (by id), or as many as the
// page reaches.
func searchEmailsTS(ctx context.Context, q Querier, v view.Viewer, tsq string, p view.Page, res *view.SearchResult) error {
	where, a := `e.search @@ ?::tsquery`, []any{tsq}
	if !v.Admin { // theirs only, or not the private emails of others
		vis, va := emailVisible(v)
		where, a = where+` AND `+vis, append(a, va...)
	}
	if err := q.QueryRowContext(ctx, `SELECT count(*) FROM emails e WHERE `+where, a...).Scan(&res.Total); err != nil {
		return fmt.Errorf("count emails: %w", err)
	}
	if res.Total == 0 {
		return nil
	}
	window := max(rankWindow, max(p.Offset, 0)+p.Size())
	var ids []any
	err := each(ctx, q, `SELECT m.id FROM (SELECT e.id, e.search FROM emails e WHERE `+where+` ORDER BY e.id DESC LIMIT ?) AS m
		ORDER BY ts_rank_cd(`+emailRankWeights+`, m.search, ?::tsquery, 1) DESC, m.id DESC LIMIT ? OFFSET ?`,
		func(rows *sql.Rows) error {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			ids = append(ids, id)
			return nil
		}, args(a, []any{window, tsq}, pageArgs(p))...)
	if err != nil {
		return fmt.Errorf("emails: %w", err)
	}
	if len(ids) == 0 {
		return nil
	}
	// Each column's headline, in FTS4's column order: bestSnippet makes
	// the snippet of them.
	hits := make(map[int64]view.Hit, len(ids))
	headline := func(col string) string { return `search_headline(e.` + col + `, ?::tsquery, ?)` }
	err = each(ctx, q, `SELECT e.id, e.kind, e.subject, `+emailDate+`, `+headline("subject")+`, `+headline("body_text")+`,
		`+headline("note")+`, `+headline("from_name")+`, `+headline("from_address")+`
		FROM emails e WHERE e.id IN (`+placeholders(len(ids))+`)`, func(rows *sql.Rows) error {
		h := view.Hit{Kind: view.HitEmail}
		var date string
		var snippets [5]string
		if err := rows.Scan(&h.EmailID, &h.EmailKind, &h.Title, &date,
			&snippets[0], &snippets[1], &snippets[2], &snippets[3], &snippets[4]); err != nil {
			return err
		}
		var err error
		if h.Date, err = parseStoreTime(date); err != nil {
			return fmt.Errorf("email %d: %w", h.EmailID, err)
		}
		h.Snippet = bestSnippet(emailSnippetWords, snippets[:]...)
		hits[h.EmailID] = h
		return nil
	}, append(slices.Repeat([]any{tsq, emailSnippetWords}, 5), ids...)...)
	if err != nil {
		return fmt.Errorf("email snippets: %w", err)
	}
	for _, id := range ids {
		if h, ok := hits[id.(int64)]; ok {
			res.Hits = append(res.Hits, h)
		}
	}
	return nil
}

// bestSnippet makes a row's snippet of its columns' headlines (in FTS4's
// column order), as FTS4's snippet() with column -1 does: the headline
// that marks the most different words (then the most marks; the first of
// equals), and, when others mark words it lacks, up to three more of
// them, the one that adds the most first, all shortened to share the
// words (at most maxWords in all, about). A row whose headlines mark
// nothing gets its first non-empty one.
func bestSnippet(maxWords int, headlines ...string) string {
	marked := make([]map[string]int, len(headlines))
	for i, h := range headlines {
		marked[i] = markedWords(h)
	}
	covered := map[string]bool{}
	var chosen []int
	for len(chosen) < 4 {
		best, bestScore := -1, 0
		for i, h := range headlines {
			if h == "" || slices.Contains(chosen, i) {
				continue
			}
			score := 0
			for w, n := range marked[i] {
				if !covered[w] {
					score += 1000 + n
				}
			}
			if score > bestScore {
				best, bestScore = i, score
			}
		}
		if best < 0 {
			break
		}
		chosen = append(chosen, best)
		for w := range marked[best] {
			covered[w] = true
		}
	}
	switch len(chosen) {
	case 0:
		for _, h := range headlines {
			if h != "" {
				return h
			}
		}
		return ""
	case 1:
		return headlines[chosen[0]]
	}
	words := (maxWords + len(chosen) - 1) / len(chosen)
	var b strings.Builder
	for _, i := range chosen {
		part := trimSnippet(headlines[i], words)
		if b.Len() > 0 { // one ellipsis between two fragments
			if !strings.HasPrefix(part, ellipsis) {
				part = ellipsis + part
			}
			if strings.HasSuffix(b.String(), ellipsis) {
				part = strings.TrimPrefix(part, ellipsis)
			}
		}
		b.WriteString(part)
	}
	return b.String()
}

// ellipsis marks text left out of a snippet, as the FTS4 version's.
const ellipsis = "…"

// markedWords counts the marks of a headline by the word marked, folded
// (foldWord) so that "Jürgen" and "jurgen" are one word.
func markedWords(h string) map[string]int {
	words := map[string]int{}
	for rest := h; ; {
		i := strings.Index(rest, view.SnippetStart)
		if i < 0 {
			break
		}
		rest = rest[i+len(view.SnippetStart):]
		j := strings.Index(rest, view.SnippetEnd)
		if j < 0 {
			break
		}
		words[foldWord(rest[:j])]++
		rest = rest[j+len(view.SnippetEnd):]
	}
	return words
}

// foldWord is a word in lower case without its diacritics, ß as ss,
// about as search_words() folds it in the database.
func foldWord(w string) string {
	var b strings.Builder
	for _, r := range norm.NFD.String(strings.ToLower(w)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r == 'ß':
			b.WriteString("ss")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// trimSnippet shortens a headline to n words (runs of letters, digits
// and marks), from the word before its first mark, with an ellipsis where
// words were cut.
func trimSnippet(h string, n int) string {
	type span struct{ start, end int }
	var words []span
	first, mark, in := -1, false, false
	for i, r := range h {
		switch {
		case string(r) == view.SnippetStart || string(r) == view.SnippetEnd:
			mark, in = string(r) == view.SnippetStart, false
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.IsMark(r):
			if !in {
				if mark && first < 0 {
					first = len(words)
				}
				words = append(words, span{start: i})
				in = true
			}
			words[len(words)-1].end = i + utf8.RuneLen(r)
		default:
			in = false
		}
	}
	if n <= 0 || len(words) <= n {
		return h
	}
	start := min(max(first-1, 0), len(words)-n)
	last := start + n - 1
	from, to := 0, len(h)
	if start > 0 {
		from = words[start].start
		if strings.HasSuffix(h[:from], view.SnippetStart) {
			from -= len(view.SnippetStart)
		}
	}
	if last < len(words)-1 {
		to = words[last].end
		if strings.HasPrefix(h[to:], view.SnippetEnd) {
			to += len(view.SnippetEnd)
		}
	}
	out := h[from:to]
	if start > 0 {
		out = ellipsis + out
	}
	if last < len(words)-1 {
		out += ellipsis
	}
	return out
}
