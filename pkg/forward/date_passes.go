package forward

import "time"

// dateParse is the state parseDate's recognisers share: the tokens and the
// fields found so far (-1 while unknown, except minute and sec, which
// default to 0).
type dateParse struct {
	toks              []dtoken
	hr                bool // Croatian month names
	year, month, day  int
	hour, minute, sec int
	offset            int // minutes east of UTC, when hasZone
	hasZone           bool
	pm                int // 12 for pm, 0 for am, -1 for neither
}

// datePasses are parseDate's recognisers, in the order they run. The order
// matters: CJK units and zones claim their numbers before the time and
// date recognisers can read them as hours or days.
var datePasses = []struct {
	name string
	run  func(*dateParse)
}{
	{"cjk units", (*dateParse).cjkUnits},
	{"zone and am/pm", (*dateParse).zoneAndAmPm},
	{"colon time", (*dateParse).colonTime},
	{"month name", (*dateParse).monthName},
	{"numeric groups", (*dateParse).numericGroups},
	{"loose numbers", (*dateParse).looseNumbers},
}

// cjkUnits reads numbers carrying a CJK unit: "2024年3月5日", "3월 5일",
// "17時55分".
func (p *dateParse) cjkUnits() {
	for i := range p.toks {
		t := &p.toks[i]
		if t.nd == 0 || t.cjk == 0 {
			continue
		}
		switch t.cjk {
		case '年', '년':
			p.year, t.used = t.num, true
		case '月', '월':
			p.month, t.used = t.num, true
		case '日', '일':
			p.day, t.used = t.num, true
		case '時', '시':
			p.hour, t.used = t.num, true
		case '分', '분':
			p.minute, t.used = t.num, true
		case '秒', '초':
			p.sec, t.used = t.num, true
		}
	}
}

// zoneAndAmPm reads the zone ("+0100", "GMT+1", "UTC+02:00", "(CET)"; the
// first one wins) and the AM/PM marker (the last one wins).
func (p *dateParse) zoneAndAmPm() {
	for i := 0; i < len(p.toks); {
		switch t := &p.toks[i]; {
		case t.used:
			i++
		case t.word != "":
			i += p.zoneWord(i)
		case t.sign != 0 && !p.hasZone:
			i += p.numericZone(i)
		default:
			i++
		}
	}
}

// zoneWord reads toks[i], a word: a zone abbreviation, optionally glued to
// an offset ("GMT+1", "UTC-03:00"), or an AM/PM marker. It returns how many
// tokens it stepped over.
func (p *dateParse) zoneWord(i int) int {
	t := &p.toks[i]
	if off, ok := zoneOffsets[t.word]; ok && !p.hasZone {
		t.used = true
		p.offset, p.hasZone = off, true
		if (t.word == "gmt" || t.word == "utc" || t.word == "ut") && i+1 < len(p.toks) && p.toks[i+1].sign != 0 && t.sep != ' ' {
			if off, n, ok := readOffset(p.toks[i+1:], true); ok {
				p.offset = off
				markUsed(p.toks[i+1 : i+1+n])
				return 1 + n
			}
		}
		return 1
	}
	if pm, ok := ampm[t.word]; ok {
		p.pm = pm
		t.used = true
	}
	return 1
}

// numericZone reads a bare signed offset at toks[i]. It must look like one,
// +hhmm or +hh:mm. It returns how many tokens it stepped over.
func (p *dateParse) numericZone(i int) int {
	t := p.toks[i]
	if t.nd == 4 || (t.nd == 2 && t.sep == ':') {
		if off, n, ok := readOffset(p.toks[i:], false); ok {
			p.offset, p.hasZone = off, true
			markUsed(p.toks[i : i+n])
			return n
		}
	}
	return 1
}

// colonTime reads the first h:mm[:ss].
func (p *dateParse) colonTime() {
	toks := p.toks
	for i := 0; i < len(toks) && p.hour < 0; i++ {
		t := &toks[i]
		if t.used || t.nd == 0 || t.nd > 2 || t.sep != ':' || i+1 >= len(toks) || toks[i+1].nd != 2 {
			continue
		}
		p.hour, p.minute = t.num, toks[i+1].num
		t.used, toks[i+1].used = true, true
		if toks[i+1].sep == ':' && i+2 < len(toks) && toks[i+2].nd == 2 {
			p.sec = toks[i+2].num
			toks[i+2].used = true
		}
	}
}

// monthName reads a localized month name, unless a CJK unit gave the
// month. When several words name a month ("mar" is also Tuesday in French
// and Spanish), the one next to a number wins, the last one on a tie.
func (p *dateParse) monthName() {
	if p.month >= 0 {
		return
	}
	toks := p.toks
	best, bestScore := -1, -1
	for i := range toks {
		m, ok := p.monthWord(toks[i])
		if !ok {
			continue
		}
		score := 0
		if i > 0 && toks[i-1].nd > 0 && !toks[i-1].used {
			score++
		}
		if i+1 < len(toks) && toks[i+1].nd > 0 && !toks[i+1].used {
			score++
		}
		if score >= bestScore {
			best, bestScore = i, score
			p.month = m
		}
	}
	if best >= 0 {
		toks[best].used = true
	}
}

// monthWord reports the month an unused word names, in Croatian when p.hr.
func (p *dateParse) monthWord(t dtoken) (int, bool) {
	if t.used || t.word == "" {
		return 0, false
	}
	m, ok := monthNames[t.word]
	if p.hr {
		if hm, hok := croatianMonths[t.word]; hok {
			m, ok = hm, true
		}
	}
	return m, ok
}

// numericGroups reads groups of numbers chained by one separator:
// d/m/y, m/d/y, y-m-d, d.m.y (numericDate) and h.mm[.ss], 14h05
// (groupTime).
func (p *dateParse) numericGroups() {
	for i := 0; i < len(p.toks); {
		if t := p.toks[i]; t.used || t.nd == 0 {
			i++
			continue
		}
		n := groupLen(p.toks[i:])
		if used, ok := p.numericDate(i, n); ok {
			i += used
		} else if used, ok := p.groupTime(i, n); ok {
			i += used
		} else {
			i++
		}
	}
}

// numericDate reads a date of n >= 3 chained numbers at toks[i] while the
// year or month is still missing: y-m-d when the first has four digits,
// else d/m/y or m/d/y by the values, a slash with AM/PM or a North
// American zone, or d/m/y. It does not take "9.31.08" after a month name or
// year for a date. It returns how many tokens it used.
func (p *dateParse) numericDate(i, n int) (int, bool) {
	toks := p.toks
	t := toks[i]
	if n < 3 || (p.year >= 0 && p.month >= 0) || !isDateSep(t.sep) {
		return 0, false
	}
	if t.sep == '.' && t.nd <= 2 && toks[i+1].nd <= 2 && toks[i+2].nd == 2 && (p.month > 0 || p.year > 0) {
		return 0, false
	}
	a, b, c := toks[i], toks[i+1], toks[i+2]
	markUsed(toks[i : i+3])
	if a.nd == 4 {
		p.year, p.month, p.day = a.num, b.num, c.num
		return 3, true
	}
	p.year = fullYear(c.num, c.nd)
	switch {
	case a.num > 12:
		p.day, p.month = a.num, b.num
	case b.num > 12:
		p.month, p.day = a.num, b.num
	case t.sep == '/' && (p.pm >= 0 || usZone(p.offset, p.hasZone)):
		p.month, p.day = a.num, b.num
	default:
		p.day, p.month = a.num, b.num
	}
	return 3, true
}

// groupTime reads a time of n >= 2 chained numbers at toks[i] while the hour
// is missing: h.mm[.ss] ("klo 9.31", "kl. 14.25.08") or 14h05. It returns
// how many tokens it used.
func (p *dateParse) groupTime(i, n int) (int, bool) {
	toks := p.toks
	t := toks[i]
	if n < 2 || p.hour >= 0 {
		return 0, false
	}
	switch {
	case t.sep == '.' && t.nd <= 2 && toks[i+1].nd == 2 && t.num < 24 && toks[i+1].num < 60:
		p.hour, p.minute = t.num, toks[i+1].num
		markUsed(toks[i : i+2])
		if n >= 3 && toks[i+2].nd == 2 {
			p.sec = toks[i+2].num
			toks[i+2].used = true
			return 3, true
		}
		return 2, true
	case t.sep == 'h' && t.num < 24 && toks[i+1].nd == 2:
		p.hour, p.minute = t.num, toks[i+1].num
		markUsed(toks[i : i+2])
		return 2, true
	}
	return 0, false
}

// looseNumbers reads the numbers left: the year (four digits), then the
// day, then (no month name) the month, then an hour after a word ("um 9
// Uhr").
func (p *dateParse) looseNumbers() {
	for i := range p.toks {
		t := &p.toks[i]
		if t.used || t.nd == 0 {
			continue
		}
		switch {
		case t.nd == 4 && p.year < 0:
			p.year, t.used = t.num, true
		case t.nd <= 2 && p.day < 0 && t.num >= 1 && t.num <= 31:
			p.day, t.used = t.num, true
		case t.nd <= 2 && p.month < 0 && t.num >= 1 && t.num <= 12:
			p.month, t.used = t.num, true
		case t.nd <= 2 && p.hour < 0 && t.sep == ' ' && i > 0 && p.toks[i-1].word != "" && t.num < 24:
			p.hour, t.used = t.num, true
		}
	}
}

// result checks the fields found and builds the time: two-digit years,
// 12-hour clocks, range and calendar checks, the zone (UTC wall clock
// without one).
func (p *dateParse) result() dateResult {
	year, month, day, hour := p.year, p.month, p.day, p.hour
	if year < 0 || month < 1 || month > 12 || day < 1 || day > 31 {
		return dateResult{}
	}
	if year < 100 {
		year = fullYear(year, 2)
	}
	if hour < 0 {
		hour = 0
	}
	if p.pm >= 0 && hour <= 12 {
		if p.pm == 12 && hour < 12 {
			hour += 12
		} else if p.pm == 0 && hour == 12 {
			hour = 0
		}
	}
	if hour > 23 || p.minute > 59 || p.sec > 60 || day > daysIn(month, year) {
		return dateResult{}
	}
	loc := time.UTC
	if p.hasZone {
		loc = time.FixedZone(zoneName(p.offset), p.offset*60)
	}
	return dateResult{t: time.Date(year, time.Month(month), day, hour, p.minute, p.sec, 0, loc), hasZone: p.hasZone, ok: true}
}
