package forward

// This file holds the localized vocabularies the parser looks up: header
// labels, separator phrases, "wrote" verbs, subject prefixes. They are built
// once, at package initialisation, and never modified afterwards.

// field is the meaning of a header label in a forwarded block.
type field uint8

const (
	fieldNone    field = iota
	fieldFrom          // From, Von, De, От, 差出人 ...
	fieldTo            // To, An, À, Кому, 宛先 ...
	fieldCc            // Cc, Kopie, Copie à ...
	fieldBcc           // Bcc, Cci ...
	fieldDate          // Date, Sent, Gesendet, Envoyé ...
	fieldSubject       // Subject, Betreff, Objet, 件名 ...
	fieldOther         // a label that belongs to a header block but is not extracted (Reply-To, Importance ...)
)

// headerLabels maps a normalised label (lower case, single spaces, no
// colon, no '*' markup) to its field. Labels of every common locale.
var headerLabels = buildLabels(map[field][]string{
	fieldFrom: {
		// en de fr es it pt nl
		"from", "von", "de", "da", "mittente", "van", "afzender",
		// nordic
		"från", "fra", "avsändare", "afsender", "lähettäjä",
		// slavic, baltic
		"od", "nadawca", "odesílatel", "odosielateľ", "от", "от кого", "від", "від кого", "отправитель", "šalje",
		"pošiljatelj", "pošiljalac", "nuo", "siuntėjas", "sūtītājs",
		// others
		"feladó", "de la", "expeditorul", "expeditor", "kimden", "gönderen", "saatja", "από", "αποστολέας",
		"מאת", "من", "ผู้ส่ง", "từ", "dari", "pengirim",
		// CJK
		"差出人", "送信者", "送信元", "发件人", "發件人", "寄件者", "寄件人", "보낸 사람", "보낸사람",
	},
	fieldTo: {
		"to", "an", "à", "a", "pour", "para", "destinatario", "destinatari", "aan", "ontvanger",
		"till", "til", "mottagare", "modtager", "vastaanottaja",
		"do", "adresat", "odbiorca", "komu", "pre", "кому", "prima", "za", "primatelj", "kam", "kellele", "saaja",
		"címzett", "către", "catre", "pentru", "destinatarul", "destinatar", "kime", "alıcı", "προς", "אל", "إلى", "ถึง",
		"đến", "kepada",
		"宛先", "送信先", "受信者", "收件人", "收件者", "받는 사람", "받는사람",
	},
	fieldCc: {
		"cc", "kopie", "kopie (cc)", "copie", "copie à", "copia", "con copia", "cópia", "kopij",
		"kopia", "kopi", "kopio", "dw", "kópia", "копия", "копія", "kopija", "másolat", "másolatot kap",
		"bilgi", "koopia", "κοιν", "κοιν.", "עותק", "نسخة",
		"抄送", "副本", "抄送人", "참조",
	},
	fieldBcc: {
		"bcc", "cci", "cco", "ccn", "bkopie", "blindkopie", "blindkopia", "dold kopia", "udw", "skrytá kopie",
		"skrytá kópia", "скрытая копия", "titkos másolat", "密件抄送", "密送", "숨은 참조",
	},
	fieldDate: {
		"date", "sent", "datum", "gesendet", "envoyé", "envoyé le", "fecha", "enviado", "enviado el", "enviada em",
		"enviado em", "data", "inviato", "verzonden", "skickat", "skickades", "sendt", "dato", "lähetetty",
		"päivämäärä", "päiväys", "wysłano", "wysłane", "odesláno", "odoslané", "dátum", "elküldve", "küldve",
		"dată", "trimis", "отправлено", "дата", "надіслано", "відправлено", "poslano", "poslato", "tarih",
		"gönderildi", "gönderilen", "gönderim", "kuupäev", "saadetud", "išsiųsta", "nosūtīts", "ημερομηνία",
		"στάλθηκε", "נשלח", "التاريخ", "تاريخ", "ngày", "tanggal", "dikirim",
		"送信日時", "日付", "日時", "发送时间", "發送時間", "发送日期", "日期", "时间", "時間", "寄件日期", "傳送日期", "傳送時間", "날짜", "보낸 날짜",
	},
	fieldSubject: {
		"subject", "betreff", "objet", "sujet", "asunto", "oggetto", "assunto", "onderwerp", "ämne", "emne",
		"aihe", "otsikko", "temat", "předmět", "predmet", "tárgy", "subiect", "subiectul", "тема", "naslov",
		"konu", "teema", "tema", "tēma", "θέμα", "נושא", "الموضوع", "เรื่อง", "chủ đề", "perihal", "subjek",
		"件名", "主题", "主旨", "主題", "제목",
	},
	fieldOther: {
		"reply-to", "reply to", "antwort an", "répondre à", "responder a", "rispondi a", "antwoord aan",
		"svara till", "svar til", "vastausosoite", "odpowiedź do", "ответить", "importance", "wichtigkeit",
		"priorité", "importancia", "priorità", "prioridade", "urgence", "attachments", "anlagen", "pièces jointes",
		"adjuntos", "allegati", "anexos", "bijlagen", "bilagor", "vedlegg", "liitteet", "załączniki", "přílohy",
		"вложения", "sender", "message-id", "organization", "organisation", "tags", "categories",
	},
})

func buildLabels(in map[field][]string) map[string]field {
	m := make(map[string]field, 512)
	for f, labels := range in {
		for _, l := range labels {
			k := normLabel(l)
			if k == "" {
				continue
			}
			if _, dup := m[k]; !dup {
				m[k] = f
			}
		}
	}
	return m
}

// croatianLabels are labels only Croatian clients write. They select the
// Croatian month names, which differ from the Czech and Polish ones
// ("listopad" is October in Croatian, November in Czech and Polish).
var croatianLabels = buildSet("šalje", "prima", "primatelj", "pošiljatelj")

// glueLabels lists, for the one-line Yahoo block, the labels as the clients
// capitalise them; they are matched case-sensitively when glued to the
// preceding value without a separator ("...CETEmne: ...").
var glueLabels = buildGlue(headerLabels)

// glueMaxWords is the most words a label of glueLabels has.
const glueMaxWords = 3

func buildGlue(m map[string]field) map[string]field {
	g := make(map[string]field, len(m))
	for k, f := range m {
		g[titleFirst(k)] = f
		g[k] = f
	}
	// Upper-case spellings that clients use.
	g["CC"] = fieldCc
	g["BCC"] = fieldBcc
	g["DW"] = fieldCc
	return g
}

// separatorKind tells what a separator line announces.
type separatorKind uint8

const (
	sepNone separatorKind = iota
	// sepForward is an explicit forward marker ("Forwarded message",
	// "Begin forwarded message:"): a forward whatever the subject.
	sepForward
	// sepOriginal is "Original Message", which Outlook also writes above
	// quoted replies: a forward unless the subject marks a reply.
	sepOriginal
)

// separatorPhrases maps a normalised separator phrase (lower case, without
// the surrounding dashes and final colon) to its kind.
// notesForwardedBy are the normalised openings of Lotus Notes (HCL Notes)
// forward separators, which go on with the forwarder's name and a date.
var notesForwardedBy = []string{"forwarded by ", "weitergeleitet von ", "transféré par ", "inoltrato da ", "reenviado por "}

var separatorPhrases = buildPhrases(map[separatorKind][]string{
	sepForward: {
		// en
		"forwarded message", "forwarded message follows", "begin forwarded message", "forwarded mail",
		"forwarded email", "forwarded e-mail", "fwd.msg", "fwd msg", "forward message", "message forwarded",
		// de
		"weitergeleitete nachricht", "anfang der weitergeleiteten nachricht", "weitergeleitete e-mail",
		// fr
		"message transféré", "message transmis", "début du message réexpédié", "début du message transféré",
		"message réexpédié", "courriel transféré",
		// es, ca
		"mensaje reenviado", "inicio del mensaje reenviado", "correo reenviado", "missatge reenviat",
		// it
		"messaggio inoltrato", "inizio messaggio inoltrato", "e-mail inoltrata",
		// pt
		"mensagem encaminhada", "mensagem reencaminhada", "início da mensagem encaminhada",
		"início da mensagem reencaminhada", "e-mail encaminhado",
		// nl
		"doorgestuurd bericht", "begin doorgestuurd bericht", "doorgestuurde e-mail",
		// sv no da
		"vidarebefordrat meddelande", "vidarebefordrat mejl", "vidarebefordrat e-postmeddelande",
		"början på vidarebefordrat meddelande", "videresendt melding", "videresendt meddelelse",
		"start på videresendt besked", "videresendt besked", "videresendt e-post", "start på videresendt melding",
		// fi et
		"välitetty viesti", "välitetty viesti alkaa", "edelleenlähetetty viesti", "edastatud kiri",
		"edasi saadetud kiri", "edastatud sõnum",
		// pl cs sk
		"przekazana wiadomość", "wiadomość przekazana dalej", "początek przekazywanej wiadomości",
		"treść przekazanej wiadomości", "wiadomość przesłana dalej", "przesłana wiadomość", "přeposlaná zpráva", "začátek přeposílané zprávy",
		"přeposlaný e-mail", "preposlaná správa", "začiatok preposlanej správy", "preposlaný e-mail",
		// hu ro
		"továbbított üzenet", "továbbított levél kezdete", "továbbított levél", "mesaj redirecționat",
		"mesaj redirecţionat", "începe mesajul redirecționat", "începutul mesajului redirecționat",
		"mesaj transmis", "mesaj înaintat",
		// ru uk bg
		"пересылаемое сообщение", "пересланное сообщение", "начало переадресованного сообщения",
		"переадресованное сообщение", "перенаправленное сообщение", "пересылаемое письмо", "перенаправлене повідомлення", "переслане повідомлення",
		"пересланий лист", "початок листа, що пересилається", "початок пересланого повідомлення",
		"препратено съобщение", "препратено писмо",
		// hr sr sl
		"proslijeđena poruka", "započni proslijeđenu poruku", "početak proslijeđene poruke",
		"prosleđena poruka", "posredovano sporočilo", "začetek posredovanega sporočila",
		// tr el
		"iletilen ileti", "iletilmiş mesaj", "iletilen mesaj", "ileti başlangıcı", "yönlendirilmiş ileti",
		"προωθημένο μήνυμα", "αρχή προωθημένου μηνύματος",
		// lt lv
		"persiųstas laiškas", "pārsūtīta ziņa", "pārsūtītā ziņojuma sākums",
		// CJK
		"メッセージを転送", "転送されたメッセージ", "転送メッセージ", "转发的邮件", "转发邮件", "轉寄的郵件",
		"轉寄郵件", "已转发邮件", "전달된 메시지", "전달 메시지",
	},
	sepOriginal: {
		"original message", "original e-mail", "ursprüngliche nachricht", "originalnachricht",
		"message d'origine", "message original", "mensaje original", "messaggio originale",
		"mensagem original", "oorspronkelijk bericht", "origineel bericht", "ursprungligt meddelande",
		"originalmeddelande", "opprinnelig melding", "oprindelig meddelelse", "alkuperäinen viesti",
		"oryginalna wiadomość", "wiadomość oryginalna", "původní zpráva", "pôvodná správa", "eredeti üzenet",
		"mesaj original", "mesajul original", "исходное сообщение", "оригинальное сообщение",
		"оригінальне повідомлення", "вихідне повідомлення", "izvorna poruka", "originalna poruka",
		"özgün ileti", "orijinal mesaj", "özgün mesaj", "αρχικό μήνυμα", "algne kiri", "algne sõnum",
		"元のメッセージ", "原始邮件", "原始郵件", "원본 메시지", "원래 메시지",
	},
})

func buildPhrases(in map[separatorKind][]string) map[string]separatorKind {
	m := make(map[string]separatorKind, 256)
	for k, ps := range in {
		for _, p := range ps {
			m[normLabel(p)] = k
		}
	}
	return m
}

// wroteVerbs are the verbs of reply attribution lines ("On <date>, <name>
// wrote:"), lower case. A line is an attribution when one of its words is in
// this set and it ends with a colon.
var wroteVerbs = buildSet(
	"wrote", "writes", "schrieb", "schreef", "geschreven", "écrit", "escribió", "escribio", "scritto",
	"escreveu", "skrev", "skriver", "kirjoitti", "napsal", "napsal(a)", "napsala", "napísal", "napísal(a)",
	"napisał", "napisała", "napisał(a)", "написал", "написала", "написал(а)", "написав", "написала(а)",
	"írta", "yazdı", "scrise", "scris", "napisao", "napisala", "je napisal", "rašė", "rakstīja", "kirjutas",
	"έγραψε", "escrigué", "escriure", "kirjoittanut", "følgende", "följande",
)

// cjkWroteSuffixes end attribution lines of CJK clients.
var cjkWroteSuffixes = []string{"写道", "寫道", "書きました", "のメッセージ", "작성", "썼습니다"}

// behalfPhrases introduce the real sender in Outlook's "X on behalf of Y".
var behalfPhrases = []string{
	" on behalf of ", " im auftrag von ", " de la part de ", " en nombre de ", " per conto di ",
	" em nome de ", " namens ", " för ", " på vegne av ", " på vegne af ", " puolesta ", " w imieniu ",
	" jménem ", " v mene ", " nevében ", " от имени ",
}

// forwardPrefixes are subject prefixes that mark a forward, lower case,
// without the colon or any "[2]" counter.
var forwardPrefixes = buildSet(
	"fwd", "fw", "fwrd", "fwds", "forward", "wg", "wtr", "tr", "trs", "transf", "rv", "reenv", "i", "inoltro",
	"enc", "encam", "doorst", "vs", "vl", "vb", "vid", "pd", "pdalej", "přepos", "tov", "továbbítás", "ilt",
	"i̇lt", "ilet", "videresend", "vidarebefordra", "redir", "redirecționat", "пересл", "переслать",
	"пересылка", "fs", "prosl", "proslijeđeno", "edasi", "pārs", "prsn", "πρθ", "转发", "轉寄", "转寄", "転送",
	"전달",
)

// replyPrefixes are subject prefixes that mark a reply.
var replyPrefixes = buildSet(
	"re", "aw", "antw", "sv", "odp", "r", "ris", "rif", "res", "rép", "rép.", "ynt", "vá", "odg", "ats",
	"atb", "απ", "σχετ", "ответ", "отв", "otv", "回复", "答复", "回覆", "返信", "답장", "re.",
)

func buildSet(words ...string) map[string]struct{} {
	m := make(map[string]struct{}, len(words))
	for _, w := range words {
		m[w] = struct{}{}
	}
	return m
}
