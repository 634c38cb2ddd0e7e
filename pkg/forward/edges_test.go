package forward

import "testing"

// Blocks that the label tables used to miss (issue 12, detection edges).
func TestParseEdgeBlocks(t *testing.T) {
	tests := []struct {
		name    string
		subject string
		body    string
		want    want
	}{
		{
			name:    "mail.ru russian block with end marker",
			subject: "Fwd: Коммерческое предложение",
			body: "Посмотри, пожалуйста.\n\n-------- Пересылаемое сообщение --------\n" +
				"От кого: Иван Петров <ivan@prospect.example>\nКому: alice@example.com\n" +
				"Дата: Понедельник, 2 марта 2026, 10:15 +03:00\nТема: Коммерческое предложение\n\n" +
				"Добрый день! Пришлите цены.\n\n-------- Конец пересылаемого сообщения --------\n",
			want: want{
				note:     "Посмотри, пожалуйста.",
				from:     mb("Иван Петров", "ivan@prospect.example"),
				to:       []Mailbox{mb("", "alice@example.com")},
				subject:  "Коммерческое предложение",
				dateText: "Понедельник, 2 марта 2026, 10:15 +03:00",
				date:     "2026-03-02T10:15:00+03:00",
				hasZone:  true,
				body:     "Добрый день! Пришлите цены.",
			},
		},
		{
			name:    "blank lines between the fields and a date without a zone",
			subject: "Fwd: Pricing",
			body: "FYI\n\n-----Original Message-----\nFrom: Dana Smith <dana@prospect.example>\n\n" +
				"Sent: Tuesday, March 3, 2026 10:12 AM\n\nTo: alice@example.com\n\nSubject: Pricing for 50 seats\n\n" +
				"What would 50 seats cost?\n",
			want: want{
				note:     "FYI",
				from:     mb("Dana Smith", "dana@prospect.example"),
				to:       []Mailbox{mb("", "alice@example.com")},
				subject:  "Pricing for 50 seats",
				dateText: "Tuesday, March 3, 2026 10:12 AM",
				date:     "2026-03-03T10:12:00Z",
				body:     "What would 50 seats cost?",
			},
		},
		{
			name:    "a blank line then a field seen already is the body",
			subject: "Fwd: Pricing",
			body: "---------- Forwarded message ---------\nFrom: Dana <dana@prospect.example>\nSubject: Pricing\n\n" +
				"From: the sales desk\nWe can do 10% off.\n",
			want: want{
				from:    mb("Dana", "dana@prospect.example"),
				subject: "Pricing",
				body:    "From: the sales desk\nWe can do 10% off.",
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Parse(tt.subject, tt.body)
			if !ok {
				t.Fatal("Parse found no forward")
			}
			checkForward(t, got, tt.want)
		})
	}
}
