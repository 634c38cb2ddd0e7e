package forward

import "strings"

// maxPrefixes bounds how many prefixes a subject is read for; a subject
// made of thousands of "Fwd:" stays linear anyway, the bound only keeps the
// work small.
const maxPrefixes = 64

// subjectPrefix reads one "Prefix:" at the start of s (after white space).
// It returns the kind of prefix (forward, reply, or neither) and the rest of
// s after the colon. Counters such as "Fwd[2]:", "RE(3):", "AW 2:" and a
// space before the colon ("TR :") are accepted; so are "[Fwd: ...]" and
// full-width colons.
func subjectPrefix(s string) (fwd, reply bool, rest string) {
	s = trim(s)
	i, w := colonIndex(s, 32)
	if i <= 0 {
		return false, false, s
	}
	p := s[:i]
	// Drop a counter: "[2]", "(2)", " 2".
	if j := strings.IndexAny(p, "[("); j > 0 {
		p = p[:j]
	}
	p = strings.TrimRight(trim(p), "0123456789 .")
	p = trim(p)
	if p == "" || len(p) > 24 {
		return false, false, s
	}
	var buf [normBufSize + 8]byte
	k, ok := appendNorm(buf[:0], p)
	if !ok {
		return false, false, s
	}
	rest = s[i+w:]
	if _, ok := forwardPrefixes[string(k)]; ok {
		return true, false, rest
	}
	if _, ok := replyPrefixes[string(k)]; ok {
		return false, true, rest
	}
	return false, false, s
}

// StripSubjectPrefix removes forward prefixes (Fwd:, FWD:, Fw:, WG:, TR:,
// "TR :", RV:, I:, Enc:, Doorst:, VS:, PD:, 转发:, 転送:, Rv:, Fwd[2]:,
// nested "Fwd: Fw: ..." etc. of every common locale) from subject and
// reports whether there was one.
//
// Prefixes are read left to right and only forward prefixes are removed: a
// forward of a reply ("Fwd: RE: Offer") becomes "RE: Offer". A subject that
// starts with a reply prefix is a reply, even when a forward prefix follows
// ("RE: Fwd: Offer" is a reply to a forward): it is returned unchanged with
// false. The old "[Fwd: Offer]" form is unwrapped.
func StripSubjectPrefix(subject string) (string, bool) {
	s := trim(subject)
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		if fwd, _, rest := subjectPrefix(s[1 : len(s)-1]); fwd {
			inner, _ := StripSubjectPrefix(rest)
			return inner, true
		}
	}
	found := false
	for n := 0; n < maxPrefixes; n++ {
		fwd, _, rest := subjectPrefix(s)
		if !fwd {
			break
		}
		found = true
		s = trim(rest)
	}
	if !found {
		return trim(subject), false
	}
	return s, true
}

// subjectKind classifies the outer subject: whether it announces a forward
// and whether it announces a reply (its first prefix is a reply prefix).
func subjectKind(subject string) (fwd, reply bool) {
	f, r, _ := subjectPrefix(subject)
	if r {
		return false, true
	}
	if f {
		return true, false
	}
	s := trim(subject)
	if strings.HasPrefix(s, "[") {
		f, _, _ = subjectPrefix(s[1:])
	}
	return f, false
}

// NormaliseSubject is the subject by which copies of one email are
// compared: every reply and forward prefix of any locale removed (the
// same prefix list as detection reads), lower-cased, whitespace folded.
// "RE: Fwd: AW:  Offer" gives "offer".
func NormaliseSubject(subject string) string {
	s := trim(subject)
	for n := 0; n < maxPrefixes; n++ {
		if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
			if fwd, _, _ := subjectPrefix(s[1 : len(s)-1]); fwd {
				s = trim(s[1 : len(s)-1])
				continue
			}
		}
		fwd, reply, rest := subjectPrefix(s)
		if !fwd && !reply {
			break
		}
		s = trim(rest)
	}
	return strings.Join(strings.Fields(strings.ToLower(s)), " ")
}
