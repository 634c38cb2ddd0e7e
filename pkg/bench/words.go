package bench

// The vocabulary of the generated mail: the team of config.example.yaml,
// prospects at external companies and free-mail providers, and the
// sentences of sales mail.

// identity is an address a team member sends from.
type identity struct {
	addr, name string
	user       string // the primary address of the user credited
	mailer     mailer
}

// mailer is the client that wrote a message: how it is laid out.
type mailer int

const (
	gmail   mailer = iota // multipart/alternative, quoted-printable, Gmail forward block
	outlook               // multipart/alternative, quoted-printable, Outlook forward block
	plain                 // text/plain only, 8bit, "-----Original Message-----" forward
)

// senders are the team's identities (config.example.yaml's users and team
// inbox), the most common first.
var senders = []identity{
	{"alice@example.com", "Alice Rossi", "alice@example.com", gmail},
	{"bob@example.com", "Bob Marsh", "bob@example.com", plain},
	{"chiara@example-labs.com", "Chiara Neri", "chiara@example-labs.com", outlook},
	{"a.rossi@example.com", "Alice Rossi", "alice@example.com", plain},
	{"bob@example.com", "Bob Marsh", "bob@example.com", outlook},
	{"chiara@example-labs.com", "Chiara Neri", "chiara@example-labs.com", gmail},
	{"sales@example.com", "Example Sales", "alice@example.com", gmail},
}

// colleagues are internal addresses put in Cc (never logged).
var colleagues = []struct{ addr, name string }{
	{"bob@example.com", "Bob Marsh"}, {"chiara@example-labs.com", "Chiara Neri"},
	{"support@example.com", "Example Support"}, {"ops@example-labs.com", "Example Labs Ops"},
}

var companies = []struct{ domain, name string }{
	{"ferrotech.example", "Ferrotech"}, {"quantaloop.example", "Quantaloop"}, {"nordwind-logistik.example", "Nordwind Logistik GmbH"},
	{"castello-foods.example", "Castello Foods S.p.A."}, {"alpine-robotics.example", "Alpine Robotics AG"},
	{"delta-freight.example", "Delta Freight Ltd"}, {"helios-energy.example", "Helios Energy"},
	{"iberia-pack.example", "Iberia Packaging S.L."}, {"kestrel-optics.example", "Kestrel Optics"},
	{"lumen-analytics.example", "Lumen Analytics"}, {"meridian-pharma.example", "Meridian Pharma"},
	{"nimbus-software.example", "Nimbus Software"}, {"polaris-motors.example", "Polaris Motors"},
	{"quartz-instruments.example", "Quartz Instruments"}, {"riviera-textiles.example", "Riviera Textiles SAS"},
	{"sierra-bio.example", "Sierra Bio"}, {"tundra-solar.example", "Tundra Solar AB"},
	{"vortex-media.example", "Vortex Media"}, {"willow-labs.example", "Willow Labs"},
	{"zephyr-systems.example", "Zephyr Systems Inc."}, {"baerenstein-werke.example", "Bärenstein Werke"},
	{"zloty-handel.example", "Złoty Handel Sp. z o.o."}, {"cesky-les.example", "Český Les s.r.o."},
	{"osterby-foundry.example", "Østerby Foundry"}, {"montana-servicios.example", "Montaña Servicios"},
	{"cobalt-consulting.example", "Cobalt Consulting"}, {"granite-holding.example", "Granite Holding"},
	{"harbor-distribution.example", "Harbor Distribución"}, {"juniper-technik.example", "Juniper Technik"},
	{"saffron-batiment.example", "Saffron Bâtiment"},
}

var freeMail = []string{"gmail.com", "outlook.com", "yahoo.com", "gmx.de", "libero.it", "orange.fr", "web.de"}

var firstNames = []string{
	"Marco", "Hannah", "Olivia", "James", "Sarah", "David", "Emma", "Lukas", "Giulia", "Matteo",
	"José", "Lucía", "Javier", "Inés", "François", "Hélène", "Jérôme", "Élodie", "Jürgen", "Björn",
	"Ursula", "Sören", "Łukasz", "Agnieszka", "Jiří", "Kateřina", "Søren", "Åsa", "João", "Zoë",
	"Paul", "Maria", "Ingrid", "Tomáš", "Francesca", "Noémie", "Ömer", "Ayşe", "Liv", "Davide",
}

var lastNames = []string{
	"Bellini", "Weiss", "Grant", "Smith", "Clarke", "Walker", "Hughes", "Müller", "Schröder", "Köhler",
	"García", "Núñez", "Pérez", "Dubois", "Lefèvre", "Moreau", "Rossi", "Bianchi", "Conti", "Kowalski",
	"Wiśniewski", "Dvořák", "Novák", "Sørensen", "Lindqvist", "Gonçalves", "Yılmaz", "Öztürk", "Fischer", "Brown",
}

var titles = []string{
	"Operations Manager", "Head of Procurement", "CTO", "Plant Manager", "Purchasing Lead",
	"IT Director", "Facilities Manager", "Managing Director", "Supply Chain Analyst", "Project Engineer",
}

var topics = []string{
	"vibration sensor pilot", "warehouse sensors", "platform subscription", "annual licence", "support contract",
	"gateway firmware", "Q3 rollout", "framework agreement", "site survey", "loading-bay monitoring",
	"temperature logging", "data migration", "onboarding plan", "renewal quote", "trial extension",
	"Angebot Sensorik", "offerta gateway", "devis capteurs", "presupuesto piloto", "nabídka senzorů",
}

var subjectForms = []string{
	"%s - next steps", "Pricing for the %s", "Question about the %s", "Updated proposal: %s", "%s: revised figures",
	"Follow-up on the %s", "Draft agreement for the %s", "Meeting notes: %s", "%s timeline", "Re-sending the %s details",
}

var greetings = []string{"Hi %s,", "Hello %s,", "Dear %s,", "Ciao %s,", "Hallo %s,", "Bonjour %s,", "Hola %s,"}

var sentences = []string{
	"Thanks for walking me through the line this morning.",
	"As discussed, we can ship six sensors and one gateway for a four-week pilot.",
	"I have attached the figures we went through on the call.",
	"Could you confirm who on your side will handle the network setup?",
	"The platform subscription includes updates, support and the dashboards you saw.",
	"We would like to decide before the end of the quarter.",
	"Our finance team asked whether the price includes installation.",
	"Delivery takes about three weeks from the purchase order.",
	"I'll send the pilot agreement by Thursday.",
	"Let me know if a call on Monday afternoon works for you.",
	"The gateway runs on mains power and has a battery backup for eight hours.",
	"We are comparing two other offers, so a quick answer would help.",
	"Please find the revised figures below; the discount applies to orders above forty units.",
	"Our IT department needs the data-processing agreement before they can approve the trial.",
	"The sensors report every five minutes and keep a week of readings offline.",
	"Can you extend the trial by two weeks? We have not finished testing.",
	"I spoke to our plant manager and she is keen to start in April.",
	"Wir würden gerne einen Termin für die Installation vereinbaren.",
	"Vi confermo che la consegna può avvenire entro fine mese.",
	"Nous avons besoin d'un devis détaillé avant vendredi.",
	"¿Podrían enviarnos el contrato en español?",
	"The warranty covers three years of replacement parts.",
	"Thanks again for your patience while we sorted out the budget.",
	"Attached is the signed order form; please confirm receipt.",
}

var closings = []string{"Best regards,", "Kind regards,", "Thanks,", "Cheers,", "Best,", "Viele Grüße,", "Cordiali saluti,", "Cordialement,"}

var forwardNotes = []string{
	"", "", "FYI", "Please log this one.", "Forwarding for the record.", "See below - new lead from the trade fair.",
	"Logging this conversation.", "For the CRM.", "They are asking about pricing again.",
}

// smallFiles are the attachments of the small set.
var smallFiles = []struct {
	name, ctype, magic string
	min, max           int
}{
	{"Quote %d.pdf", "application/pdf", "%PDF-1.7\n", 4_000, 10_000},
	{"logo-%d.png", "image/png", "\x89PNG\r\n\x1a\n", 2_000, 6_000},
	{"figures-%d.xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "PK\x03\x04", 3_000, 8_000},
}
