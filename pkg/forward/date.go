package forward

import (
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Dates in forwarded blocks are display strings in the client's locale:
// "Wed, Oct 27, 2021 at 9:31 AM", "26. Oktober 2021 um 14:25:08 OESZ",
// "2021. okt. 27., Sze, 9:31", "28/10/2021 12:46", "2022年9月19日月曜日
// 17:55:44 -0400". parseDate reads them with one tokenising pass and a few
// rules instead of a layout per locale: it finds the time (h:mm[:ss], or
// h.mm[.ss] after the date), the zone (numeric offset, GMT/UTC±n, or a known
// abbreviation), the month (a localized name, or the middle of a numeric
// date), the year (four digits) and the day.

// monthNames maps localized month names, genitive forms and abbreviations
// (lower case, without a final dot) to the month number.
var monthNames = buildMonths([12][]string{
	{"january", "jan", "janv", "janvier", "janeiro", "enero", "ene", "gennaio", "gen", "januar", "jänner", "januari",
		"tammikuu", "tammikuuta", "tammik", "styczeń", "stycznia", "sty", "leden", "ledna", "január", "januára",
		"ianuarie", "ian", "январь", "января", "янв", "січень", "січня", "січ", "siječanj", "siječnja", "sij",
		"ocak", "oca", "jaanuar", "jaan", "sausis", "sausio", "janvāris", "ιανουάριος", "ιανουαρίου", "ιαν"},
	{"february", "feb", "février", "févr", "fevereiro", "fev", "febrero", "febbraio", "febr", "februar", "februari",
		"helmikuu", "helmikuuta", "helmik", "luty", "lutego", "lut", "únor", "února", "február", "februára",
		"februarie", "февраль", "февраля", "фев", "февр", "лютий", "лютого", "лют", "veljača", "veljače", "velj",
		"şubat", "şub", "veebruar", "veebr", "vasaris", "vasario", "februāris", "φεβρουάριος", "φεβρουαρίου", "φεβ"},
	{"march", "mar", "mars", "março", "marzo", "märz", "mär", "mrz", "maart", "mrt", "maaliskuu", "maaliskuuta",
		"maalisk", "marzec", "marca", "březen", "března", "marec", "március", "márc", "martie", "mart", "март",
		"марта", "мар", "березень", "березня", "бер", "ožujak", "ožujka", "ožu", "märts", "kovas", "kovo",
		"marts", "μάρτιος", "μαρτίου", "μαρ"},
	{"april", "apr", "avril", "avr", "abril", "abr", "aprile", "huhtikuu", "huhtikuuta", "huhtik", "kwiecień",
		"kwietnia", "kwi", "duben", "dubna", "apríl", "apríla", "április", "ápr", "aprilie", "апрель", "апреля",
		"апр", "квітень", "квітня", "квіт", "travanj", "travnja", "tra", "nisan", "nis", "aprill", "balandis",
		"balandžio", "aprīlis", "απρίλιος", "απριλίου", "απρ"},
	{"may", "mai", "mayo", "maggio", "mag", "maio", "mei", "maj", "toukokuu", "toukokuuta", "toukok", "maja",
		"květen", "května", "máj", "mája", "május", "май", "мая", "травень", "травня", "трав", "svibanj",
		"svibnja", "svi", "mayıs", "gegužė", "gegužės", "maijs", "μάιος", "μαΐου", "μαΐ", "μαϊ"},
	{"june", "jun", "juin", "junho", "junio", "giugno", "giu", "juni", "kesäkuu", "kesäkuuta", "kesäk",
		"czerwiec", "czerwca", "cze", "červen", "června", "jún", "júna", "június", "iunie", "iun", "июнь",
		"июня", "июн", "червень", "червня", "черв", "lipanj", "lipnja", "haziran", "haz", "juuni", "birželis",
		"birželio", "jūnijs", "ιούνιος", "ιουνίου", "ιουν"},
	{"july", "jul", "juillet", "juil", "julho", "julio", "luglio", "lug", "juli", "heinäkuu", "heinäkuuta",
		"heinäk", "lipiec", "lipca", "lip", "červenec", "července", "júl", "júla", "július", "iulie", "iul",
		"июль", "июля", "июл", "липень", "липня", "лип", "srpanj", "srpnja", "srp", "temmuz", "tem", "juuli",
		"liepa", "liepos", "jūlijs", "ιούλιος", "ιουλίου", "ιουλ"},
	{"august", "aug", "août", "agosto", "ago", "augustus", "augusti", "elokuu", "elokuuta", "elok", "sierpień",
		"sierpnia", "sie", "srpen", "srpna", "augusta", "augusztus", "август", "августа", "авг", "серпень",
		"серпня", "серп", "kolovoz", "kolovoza", "kol", "ağustos", "ağu", "rugpjūtis", "rugpjūčio", "augusts",
		"αύγουστος", "αυγούστου", "αυγ"},
	{"september", "sep", "sept", "septembre", "setembro", "set", "septiembre", "settembre", "syyskuu",
		"syyskuuta", "syysk", "wrzesień", "września", "wrz", "září", "septembra", "szeptember", "szept",
		"septembrie", "сентябрь", "сентября", "сен", "сент", "вересень", "вересня", "вер", "rujan", "rujna",
		"ruj", "eylül", "eyl", "rugsėjis", "rugsėjo", "septembris", "σεπτέμβριος", "σεπτεμβρίου", "σεπ"},
	{"october", "oct", "octobre", "outubro", "out", "octubre", "ottobre", "ott", "oktober", "okt", "lokakuu",
		"lokakuuta", "lokak", "październik", "października", "paź", "říjen", "října", "október", "októbra",
		"octombrie", "октябрь", "октября", "окт", "жовтень", "жовтня", "жовт", "ekim", "eki", "oktoober",
		"spalis", "spalio", "oktobris", "οκτώβριος", "οκτωβρίου", "οκτ"},
	{"november", "nov", "novembre", "novembro", "noviembre", "marraskuu", "marraskuuta", "marrask", "listopad",
		"listopada", "listopadu", "lis", "novembra", "noiembrie", "ноябрь", "ноября", "ноя", "нояб", "листопад",
		"листопада", "лист", "studeni", "studenog", "studenoga", "stu", "kasım", "kas", "lapkritis", "lapkričio",
		"novembris", "νοέμβριος", "νοεμβρίου", "νοε"},
	{"december", "dec", "décembre", "déc", "dezembro", "dez", "diciembre", "dic", "dicembre", "dezember",
		"desember", "des", "joulukuu", "joulukuuta", "jouluk", "grudzień", "grudnia", "gru", "prosinec",
		"prosince", "decembra", "decembrie", "декабрь", "декабря", "дек", "грудень", "грудня", "груд",
		"prosinac", "prosinca", "pro", "aralık", "ara", "detsember", "dets", "gruodis", "gruodžio", "decembris",
		"δεκέμβριος", "δεκεμβρίου", "δεκ"},
})

func buildMonths(in [12][]string) map[string]int {
	m := make(map[string]int, 600)
	for i, names := range in {
		for _, n := range names {
			m[n] = i + 1
		}
	}
	return m
}

// weekdayNames are localized weekday names and abbreviations, used to find
// where a date starts in an attribution line.
var weekdayNames = buildSet(
	"monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday",
	"mon", "tue", "tues", "wed", "thu", "thur", "thurs", "fri", "sat", "sun",
	"montag", "dienstag", "mittwoch", "donnerstag", "freitag", "samstag", "sonntag", "mo", "di", "mi", "do", "fr", "sa", "so",
	"lundi", "mardi", "mercredi", "jeudi", "vendredi", "samedi", "dimanche", "lun", "mer", "jeu", "ven", "sam", "dim",
	"lunes", "martes", "miércoles", "jueves", "viernes", "sábado", "domingo", "mié", "jue", "vie", "sáb", "dom",
	"lunedì", "martedì", "mercoledì", "giovedì", "venerdì", "sabato", "domenica", "gio",
	"segunda-feira", "terça-feira", "quarta-feira", "quinta-feira", "sexta-feira", "seg", "ter", "qua", "qui", "sex",
	"maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag", "ma", "wo", "vr", "za", "zo",
	"måndag", "tisdag", "onsdag", "torsdag", "fredag", "lördag", "söndag", "mandag", "tirsdag", "lørdag", "søndag",
	"ons", "tors", "tor", "fre", "lör", "lør", "sön", "søn", "mån", "tis",
	"maanantai", "tiistai", "keskiviikko", "torstai", "perjantai", "lauantai", "sunnuntai", "ke", "to", "pe", "la", "su", "ti",
	"poniedziałek", "wtorek", "środa", "czwartek", "piątek", "sobota", "niedziela", "śr", "pon", "wt", "czw", "pt", "sob", "niedz",
	"pondělí", "úterý", "středa", "čtvrtek", "pátek", "neděle", "st", "út", "čt", "pá", "ne", "po",
	"hétfő", "kedd", "szerda", "csütörtök", "péntek", "szombat", "vasárnap", "sze",
	"понедельник", "вторник", "среда", "четверг", "пятница", "суббота", "воскресенье", "пн", "вт", "ср", "чт", "пт", "сб", "вс",
	"pazartesi", "salı", "çarşamba", "perşembe", "cuma", "cumartesi", "pazar", "çar",
)

// zoneOffsets maps zone abbreviations (lower case) to their offset in
// minutes east of UTC. Ambiguous abbreviations take their most common
// meaning in mail (IST = India, CST = US Central).
var zoneOffsets = map[string]int{
	"gmt": 0, "utc": 0, "ut": 0, "wet": 0, "west": 60, "bst": 60, "ist": 330,
	"cet": 60, "cest": 120, "met": 60, "mest": 120, "eet": 120, "eest": 180, "msk": 180,
	"mez": 60, "mesz": 120, "oez": 120, "oesz": 180, "wez": 0, "wesz": 60,
	"seč": 60, "selč": 120, "sec": 60, "selc": 120,
	"hnec": 60, "hnee": 120, "hec": 60, "hae": -240, "hne": -300, "hnc": -360, "hap": -420, "hnp": -480,
	"est": -300, "edt": -240, "cst": -360, "cdt": -300, "mst": -420, "mdt": -360, "pst": -480, "pdt": -420,
	"akst": -540, "akdt": -480, "hst": -600, "ast": -240, "adt": -180, "nst": -210, "ndt": -150,
	"jst": 540, "kst": 540, "hkt": 480, "sgt": 480, "awst": 480, "acst": 570, "acdt": 630, "aest": 600,
	"aedt": 660, "nzst": 720, "nzdt": 780, "wib": 420, "ict": 420, "pht": 480, "pkt": 300,
	"brt": -180, "art": -180, "sast": 120, "cat": 120, "eat": 180, "wat": 60, "trt": 180,
}

// ampm maps 12-hour markers to +12 (pm) or 0 (am).
var ampm = map[string]int{
	"am": 0, "a.m": 0, "a.m.": 0, "vorm": 0, "午前": 0, "上午": 0, "오전": 0, "πμ": 0, "π.μ": 0,
	"pm": 12, "p.m": 12, "p.m.": 12, "nachm": 12, "午後": 12, "下午": 12, "오후": 12, "μμ": 12, "μ.μ": 12,
}

// cjkAmPm are the AM/PM markers that CJK dates glue to other characters.
var cjkAmPm = []string{"午前", "午後", "上午", "下午", "오전", "오후"}

// dtoken is one token of a date string.
type dtoken struct {
	word string // lower-case word, or "" for a number
	num  int    // the number's value
	nd   int    // the number's digit count (0 for a word)
	sep  byte   // the byte right after the token (0 at the end, ' ' for any space)
	sign byte   // '+' or '-' immediately before a number
	cjk  rune   // CJK unit right after a number: 年 月 日 時 分 秒 년 월 일 시 분 초
	used bool
}

// maxDateLen bounds the date strings parsed; longer values are not dates.
const maxDateLen = 256

// dateResult is a parsed date.
type dateResult struct {
	t       time.Time
	hasZone bool
	ok      bool
}

// croatianMonths override monthNames for Croatian dates.
var croatianMonths = map[string]int{"listopad": 10, "listopada": 10, "lis": 10, "lipanj": 6, "lipnja": 6, "lip": 6}

// parseDate parses a forwarded block's localized date. It returns ok false
// when it finds no year, month and day. hr selects Croatian month names.
//
// It tokenises s once and runs the recognisers of datePasses over the
// tokens in order; each claims the tokens it reads (dtoken.used), so a
// later pass only sees what the earlier ones left.
func parseDate(s string, hr bool) dateResult {
	s = trim(s)
	if s == "" || len(s) > maxDateLen {
		return dateResult{}
	}
	var arr [48]dtoken
	p := dateParse{
		toks: tokenizeDate(s, arr[:0]), hr: hr,
		year: -1, month: -1, day: -1, hour: -1, pm: -1,
	}
	for _, pass := range datePasses {
		pass.run(&p)
	}
	return p.result()
}

// tokenizeDate splits a date string into words and numbers.
func tokenizeDate(s string, toks []dtoken) []dtoken {
	var sign byte
	for i := 0; i < len(s); {
		if len(toks) == cap(toks) && cap(toks) >= 48 {
			break
		}
		c := s[i]
		switch {
		case c >= '0' && c <= '9':
			j, v := i, 0
			for j < len(s) && s[j] >= '0' && s[j] <= '9' {
				if j-i < 9 {
					v = v*10 + int(s[j]-'0')
				}
				j++
			}
			t := dtoken{num: v, nd: j - i, sign: sign}
			sign = 0
			if j < len(s) {
				r, n := utf8.DecodeRuneInString(s[j:])
				switch r {
				case '年', '月', '日', '時', '分', '秒', '년', '월', '일', '시', '분', '초':
					t.cjk = r
					j += n
				case 'h', 'H':
					if j+1 < len(s) && s[j+1] >= '0' && s[j+1] <= '9' {
						t.sep = 'h'
						j++
					}
				default:
					if c := s[j]; c == ' ' || c == '\t' || r == 0xA0 || r == 0x202F {
						t.sep = ' '
					} else if c < utf8.RuneSelf {
						t.sep = c
					}
				}
			}
			if t.sep != 'h' && j < len(s) && (s[j] == '/' || s[j] == '-' || s[j] == '.' || s[j] == ':') {
				j++
			}
			toks = append(toks, t)
			i = j
		case c == '+' || c == '-':
			if i+1 < len(s) && s[i+1] >= '0' && s[i+1] <= '9' {
				sign = c
			}
			i++
		default:
			r, n := utf8.DecodeRuneInString(s[i:])
			if r == 0x2212 { // minus sign
				if i+n < len(s) && s[i+n] >= '0' && s[i+n] <= '9' {
					sign = '-'
				}
				i += n
				continue
			}
			if !unicode.IsLetter(r) {
				sign = 0
				i += n
				continue
			}
			// A word: letters and inner dots ("a.m.").
			j := i
			for j < len(s) {
				r, n := utf8.DecodeRuneInString(s[j:])
				if unicode.IsLetter(r) || (r == '.' && j+n < len(s) && isLetterAt(s, j+n)) {
					j += n
					continue
				}
				break
			}
			w := strings.ToLower(s[i:j])
			if w == "a.m" || w == "p.m" {
				w += "."
			}
			t := dtoken{word: w}
			if j < len(s) {
				switch s[j] {
				case ' ', '\t':
					t.sep = ' '
				default:
					t.sep = s[j]
				}
			}
			// CJK runs: split the known markers out of a run like "月曜日".
			toks = append(toks, fixCJKWord(t))
			sign = 0
			i = j
		}
	}
	return toks
}

func isLetterAt(s string, i int) bool {
	r, _ := utf8.DecodeRuneInString(s[i:])
	return unicode.IsLetter(r)
}

// fixCJKWord recognises the AM/PM markers inside a run of CJK characters
// ("星期一下午" carries 下午).
func fixCJKWord(t dtoken) dtoken {
	if len(t.word) > 6 && t.word[0] >= utf8.RuneSelf {
		for _, m := range cjkAmPm {
			if strings.Contains(t.word, m) {
				t.word = m
				break
			}
		}
	}
	return t
}

// readOffset reads a numeric UTC offset from toks[0] (which carries the
// sign): "+0100", "+01:00", "+1", "+5:30". short allows one or two digit
// hours ("GMT+1"). It returns the offset in minutes and how many tokens it
// used.
func readOffset(toks []dtoken, short bool) (int, int, bool) {
	t := toks[0]
	if t.sign == 0 {
		return 0, 0, false
	}
	var h, m, n int
	switch {
	case t.nd == 4:
		h, m, n = t.num/100, t.num%100, 1
	case t.nd <= 2 && t.sep == ':' && len(toks) > 1 && toks[1].nd == 2:
		h, m, n = t.num, toks[1].num, 2
	case t.nd <= 2 && short:
		h, n = t.num, 1
	default:
		return 0, 0, false
	}
	if h > 14 || m > 59 {
		return 0, 0, false
	}
	off := h*60 + m
	if t.sign == '-' {
		off = -off
	}
	return off, n, true
}

func markUsed(toks []dtoken) {
	for i := range toks {
		toks[i].used = true
	}
}

// groupLen counts the numbers of a numeric group starting at toks[0]: the
// numbers chained by the same separator ("28/10/2021" is 3, "14.25.08" is 3).
func groupLen(toks []dtoken) int {
	sep := toks[0].sep
	if sep == 0 || sep == ' ' {
		return 1
	}
	n := 1
	for n < len(toks) && toks[n].nd > 0 && !toks[n].used {
		n++
		if toks[n-1].sep != sep {
			break
		}
	}
	return n
}

func isDateSep(c byte) bool { return c == '/' || c == '-' || c == '.' }

// usZone reports whether the offset is a North American one, where numeric
// dates put the month first.
func usZone(offset int, has bool) bool { return has && offset <= -180 && offset >= -600 }

func fullYear(v, nd int) int {
	if nd > 2 {
		return v
	}
	if v < 70 {
		return 2000 + v
	}
	return 1900 + v
}

func daysIn(month, year int) int {
	return time.Date(year, time.Month(month)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// zoneName formats an offset as "+hhmm" for the time.Location name.
func zoneName(off int) string {
	sign := byte('+')
	if off < 0 {
		sign, off = '-', -off
	}
	h, m := off/60, off%60
	return string([]byte{sign, byte('0' + h/10), byte('0' + h%10), byte('0' + m/10), byte('0' + m%10)})
}
