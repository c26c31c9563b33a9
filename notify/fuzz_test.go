package notify_test

import (
	"encoding/json"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/edusync/edusync/notify"
)

const redactedMark = "[redacted]…"

var elevenDigits = regexp.MustCompile(`(^|[^0-9])[0-9]{11}([^0-9]|$)`)

// FuzzRedacted feeds hostile texts (error messages from the network) through an alert: what
// leaves is valid UTF-8, bounded, free of eleven-digit numbers and of the personal values.
func FuzzRedacted(f *testing.F) {
	f.Add("refused 01019912345", "734521", "personlopenr", "734521")
	f.Add("\x00\xff<!channel>\r\nBcc: x", "ab", "fnr", strings.Repeat("9", 40))
	f.Fuzz(func(t *testing.T, msg, personal, fieldName, fieldValue string) {
		a := notify.Alert{Module: "m", Message: msg + " " + personal, Personal: []string{personal},
			Fields: []notify.Field{{Name: fieldName, Value: fieldValue + personal}}}
		r := a.Redacted()
		b, err := json.Marshal(notify.ChatMessageFor(r))
		if err != nil {
			t.Fatal(err)
		}
		out := r.Message + r.Fields[0].Value
		if !utf8.ValidString(out) || len(r.Message) > 1100 || len(r.Fields[0].Value) > 400 {
			t.Fatalf("unbounded or invalid: %q", out)
		}
		if elevenDigits.MatchString(r.Message) {
			t.Fatalf("an identity number survived: %q", r.Message)
		}
		if p := strings.TrimSpace(personal); len(p) >= 3 && !strings.Contains(redactedMark, p) && strings.Contains(out, p) {
			t.Fatalf("the personal value %q survived: %q", p, out)
		}
		_ = b
		if strings.ContainsAny(r.Message, "\r\n\x00") {
			t.Fatalf("control characters survived: %q", r.Message)
		}
	})
}
