package storegen

// The vocabulary the generator draws from: names, companies and sentences
// in several languages, with diacritics, so that search and rendering meet
// the text a European sales team really has.

var firstNames = []string{
	"Paul", "Maria", "James", "Linda", "Robert", "Sarah", "Michael", "Emma", "David", "Olivia",
	"José", "Lucía", "Javier", "Begoña", "Iñaki", "Nuria", "Álvaro", "Inés",
	"François", "Hélène", "Jérôme", "Élodie", "Cédric", "Amélie", "Benoît", "Gaëlle",
	"Jürgen", "Jörg", "Björn", "Ursula", "Käthe", "Lukas", "Sören", "Anneliese",
	"Giulia", "Niccolò", "Lorenzo", "Chiara", "Matteo", "Francesca", "Davide", "Martina",
	"Łukasz", "Małgorzata", "Paweł", "Agnieszka", "Wojciech", "Zofia",
	"Jiří", "Tomáš", "Kateřina", "Lenka", "Ondřej", "Šárka",
	"Søren", "Åsa", "Mikael", "Ingrid", "Ørjan", "Liv",
	"João", "Conceição", "Gonçalo", "Inês", "Zoë", "Noémie", "Ömer", "Ayşe", "Çağla", "Eda",
}

var lastNames = []string{
	"Smith", "Johnson", "Brown", "Taylor", "Wilson", "Clarke", "Walker", "Hughes", "Moore", "Wright",
	"García", "Núñez", "Muñoz", "Rodríguez", "Pérez", "Ibáñez", "Gómez", "Martín",
	"Dubois", "Lefèvre", "Moreau", "Girard", "Bénard", "Château", "Fournier", "Lemaître",
	"Müller", "Schröder", "Weiß", "Günther", "Köhler", "Bäcker", "Hoffmann", "Krüger",
	"Rossi", "Bianchi", "Esposito", "Ricci", "Colombo", "De Luca", "Mancini", "Conti",
	"Kowalski", "Wiśniewski", "Wójcik", "Łęcki", "Zieliński", "Dąbrowska",
	"Dvořák", "Novák", "Černý", "Procházka", "Kučera", "Svoboda",
	"Ødegaard", "Sørensen", "Åberg", "Lindqvist", "Håkansson", "Nyström",
	"Gonçalves", "Simões", "Magalhães", "Yılmaz", "Öztürk", "Şahin",
}

var userNames = []struct{ first, last string }{
	{"Alice", "Rossi"}, {"Bob", "Marsh"}, {"Chiara", "Neri"}, {"Dev", "Patel"},
	{"Erin", "O'Brien"}, {"Farid", "Haddad"}, {"Greta", "Lindström"}, {"Hugo", "Lefèvre"},
	{"Ines", "Carvalho"}, {"Jonas", "Weber"}, {"Kasia", "Nowak"}, {"Luca", "Ferrari"},
	{"Mia", "Jensen"}, {"Noah", "Fischer"}, {"Olga", "Petrova"}, {"Pedro", "Alves"},
}

var companyFirst = []string{
	"Acme", "Nordwind", "Blue", "Alpine", "Castello", "Delta", "Evergreen", "Falken", "Granite", "Helios",
	"Iberia", "Jade", "Kestrel", "Lumen", "Meridian", "Nimbus", "Orchid", "Polaris", "Quartz", "Riviera",
	"Sierra", "Tundra", "Umbra", "Vortex", "Willow", "Zephyr", "Aurora", "Borealis", "Cobalt", "Dune",
	"Ember", "Fjord", "Glacier", "Harbor", "Indigo", "Juniper", "Kobalt", "Lagoon", "Monarch", "Nova",
	"Olympus", "Pioneer", "Quantum", "Redwood", "Saffron", "Titan", "Unity", "Vanguard", "Westwind", "Yukon",
	"Bärenstein", "Größlinger", "Château Vert", "Soleil", "Montaña", "Città Alta", "Złoty", "Český Les", "Østerby", "Åkerlund",
}

var companySecond = []string{
	"Robotics", "Logistics", "Systems", "Foods", "Analytics", "Energy", "Textiles", "Pharma", "Motors", "Software",
	"Consulting", "Labs", "Freight", "Packaging", "Foundry", "Optics", "Media", "Bio", "Solar", "Instruments",
	"Holding", "Werke", "Industrie", "Technik", "Maschinenbau", "Spedizioni", "Servicios", "Bâtiment", "Distribución", "Handel",
}

var companySuffix = []string{"", "", "", " GmbH", " S.p.A.", " SAS", " S.L.", " Ltd", " Inc.", " AB", " Sp. z o.o.", " s.r.o."}

var freeMailDomains = []string{"gmail.com", "outlook.com", "yahoo.com", "gmx.de", "web.de", "libero.it", "orange.fr", "seznam.cz", "wp.pl"}

var dealStages = []string{"Qualification", "Discovery", "Proposal", "Negotiation", "Contract sent", "Closed"}

var dealProducts = []string{
	"fleet renewal", "annual licence", "pilot project", "support contract", "warehouse automation",
	"Q3 rollout", "framework agreement", "Wartungsvertrag", "contratto quadro", "déploiement régional",
	"ampliación de planta", "onboarding", "data migration", "expansion 2027", "Rahmenvertrag", "renouvellement",
}

var topics = []string{
	"quote", "proposal", "invoice", "delivery schedule", "contract renewal", "pricing", "demo",
	"onboarding", "kickoff meeting", "purchase order", "technical specs", "site visit", "trial licence",
	"Angebot", "Lieferung", "Rechnung", "offerta", "preventivo", "consegna", "devis", "facture",
	"livraison", "presupuesto", "pedido", "entrega", "zamówienie", "nabídka", "faktura", "leverans",
}

var subjectForms = []string{
	"%s for %s", "Re %s: next steps", "Updated %s", "Your %s (%s)", "%s — follow-up", "Question about the %s",
	"%s: revised figures", "Draft %s attached", "%s und Termin", "%s per %s", "Votre %s", "Su %s",
	"%s / %s", "Meeting notes: %s", "Quick question on the %s", "%s – Rückfrage",
}

var greetings = []string{
	"Hi %s,", "Hello %s,", "Dear %s,", "Ciao %s,", "Hallo %s,", "Bonjour %s,", "Hola %s,",
	"Guten Tag %s,", "Buongiorno %s,", "Dzień dobry %s,", "Dobrý den %s,", "Hej %s,",
}

var sentences = []string{
	"Thanks for the call this morning, it was good to go through the numbers together.",
	"Please find the updated figures below; the volume discount now starts at 500 units.",
	"Could you confirm the delivery address for the first shipment?",
	"Our legal team has reviewed the draft and has two small comments on clause 7.",
	"I have attached the specification sheet you asked for.",
	"Let me know if Thursday at 10:00 works for a short follow-up.",
	"We can offer a twelve-month trial with full support included.",
	"The invoice was sent to accounts payable last Friday.",
	"Our engineers will be on site during the week of the installation.",
	"The pricing assumes a three-year commitment with quarterly billing.",
	"I spoke with procurement and they are happy with the revised terms.",
	"As discussed, the warranty covers parts and labour for twenty-four months.",
	"Vielen Dank für Ihre Rückmeldung, wir prüfen die Änderungen gerne.",
	"Die Lieferung erfolgt voraussichtlich Anfang nächster Woche.",
	"Anbei finden Sie das überarbeitete Angebot mit den gewünschten Stückzahlen.",
	"Könnten Sie mir bitte die Bestellnummer für die Rechnung schicken?",
	"Grazie per la disponibilità, ci sentiamo giovedì per i dettagli.",
	"In allegato trovi il preventivo aggiornato con lo sconto concordato.",
	"La consegna è prevista entro la fine del mese, salvo imprevisti.",
	"Perché non fissiamo una riunione la prossima settimana?",
	"Merci pour votre retour rapide, nous préparons le devis définitif.",
	"La livraison est prévue à Besançon le 14, comme convenu.",
	"Pourriez-vous me préciser les quantités pour le deuxième trimestre ?",
	"Nous avons bien reçu votre bon de commande, merci beaucoup.",
	"Gracias por la reunión de ayer, fue muy útil para entender sus necesidades.",
	"Le adjunto el presupuesto revisado con el descuento por volumen.",
	"¿Podría confirmarme la dirección de entrega en Logroño?",
	"La instalación se hará en la planta de Málaga durante el próximo mes.",
	"Dziękuję za spotkanie, przesyłam zaktualizowaną ofertę.",
	"Děkuji za zprávu, fakturu pošleme do konce týdne.",
	"Tack för mötet, vi återkommer med en offert på måndag.",
	"Obrigado pela reunião, segue a proposta com as condições de pagamento.",
	"Toplantı için teşekkürler, teklifi ekte bulabilirsiniz.",
	"The shipment to Kraków cleared customs this morning.",
	"We also need the certificate of conformity for the Zürich site.",
	"Our CFO approved the budget for the naïve-forecast replacement project.",
	"The crème de la crème of our integrations is the ERP connector.",
	"I will be out of the office until Monday; Bob will cover in the meantime.",
	"Could we move the kickoff to the Tuesday after the trade fair in Köln?",
	"The SLA guarantees a four-hour response time for priority one incidents.",
}

var refForms = []string{
	"Our reference is PO-%06d.", "Quote number Q-%06d.", "Angebot Nr. %06d.", "Offerta n. %06d.",
	"Devis n° %06d.", "Presupuesto nº %06d.", "Ticket #%06d.", "Order %06d.",
}

var closings = []string{
	"Best regards,", "Kind regards,", "Cheers,", "Mit freundlichen Grüßen,", "Cordiali saluti,",
	"Bien cordialement,", "Un saludo,", "Pozdrawiam,", "S pozdravem,", "Med vänliga hälsningar,",
}

var forwardNotes = []string{
	"FYI, logging this one.", "See below, this is the request from last week.",
	"Please log — they asked for a revised quote.", "Forwarding for the record.",
	"Customer reply, worth a look before Monday.", "Per favore registrare.", "Zur Info.",
	"", "", "Pour info, réponse du client.",
}

var attachmentKinds = []struct{ name, ctype string }{
	{"quote-%d.pdf", "application/pdf"},
	{"Angebot_%d.pdf", "application/pdf"},
	{"specs-%d.docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
	{"figures-%d.csv", "text/csv"},
	{"site-photo-%d.png", "image/png"},
	{"preventivo %d.pdf", "application/pdf"},
	{"Präsentation-%d.pptx", "application/vnd.openxmlformats-officedocument.presentationml.presentation"},
}
