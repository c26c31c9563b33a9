package fileset_test

import (
	"bytes"
	"errors"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/fileset"
)

func parseAll(t testing.TB, d fileset.Dialect, in string) ([][]string, error) {
	var rows [][]string
	err := d.Parse(strings.NewReader(in), "f.csv", fileset.Limits{RecordBytes: 1 << 10, Fields: 16}, func(line int, f []string) error {
		rows = append(rows, append([]string(nil), f...))
		return nil
	})
	return rows, err
}

// Each dialect reads back what it writes, whatever the values hold.
func TestDialectsRoundTrip(t *testing.T) {
	rows := [][]string{{"id", "name"}, {"1", "Åsa Öberg"}, {"2", `O"Brien, Jr`}, {"3", ` lead`}, {"4", `back\slash`}, {"5", ""}}
	for _, d := range []fileset.Dialect{fileset.RFC4180, fileset.Apple} {
		var b []byte
		for _, r := range rows {
			b = d.AppendRow(b, r)
		}
		got, err := parseAll(t, d, string(b))
		if err != nil {
			t.Fatalf("%s: %v", d.Name, err)
		}
		if diff := cmp.Diff(rows, got); diff != "" {
			t.Errorf("%s: round trip (-want +got):\n%s", d.Name, diff)
		}
	}
}

// Apple's dialect escapes quotes with a backslash and quotes values with spaces or commas;
// RFC 4180 doubles quotes and ends lines with CRLF.
func TestDialectsQuoteAsTheirFormats(t *testing.T) {
	row := []string{"a b", `say "hi"`, "plain"}
	if got, want := string(fileset.Apple.AppendRow(nil, row)), `"a b","say \"hi\"",plain`+"\n"; got != want {
		t.Errorf("Apple: %q, want %q", got, want)
	}
	if got, want := string(fileset.RFC4180.AppendRow(nil, row)), `a b,"say ""hi""",plain`+"\r\n"; got != want {
		t.Errorf("RFC 4180: %q, want %q", got, want)
	}
}

// Malformed input is a *SyntaxError with the line, and limits hold.
func TestParseRefusesMalformedInput(t *testing.T) {
	for _, tc := range []struct{ name, in string }{
		{"unclosed quote", "a,b\r\n\"open,x\r\n"},
		{"quote inside a value", "a,b\r\nx\"y,z\r\n"},
		{"text after a closing quote", "a,b\r\n\"x\"y,z\r\n"},
		{"record too long", "a\r\n" + strings.Repeat("x", 2000) + "\r\n"},
		{"too many fields", "a\r\n" + strings.Repeat(",", 20) + "\r\n"},
	} {
		_, err := parseAll(t, fileset.RFC4180, tc.in)
		var se *fileset.SyntaxError
		if !errors.As(err, &se) || !errors.Is(err, fileset.ErrSyntax) || se.Line != 2 {
			t.Errorf("%s: err %v, want a SyntaxError on line 2", tc.name, err)
		}
	}
}

func FuzzParse(f *testing.F) {
	f.Add([]byte("sourcedId,name\r\n1,\"a \"\"b\"\"\"\r\n"), false)
	f.Add([]byte("\xef\xbb\xbfperson_id,first_name\n1,\"a \\\"b\\\"\"\n"), true)
	f.Add([]byte("a,b\n\"x\ny\",z\r"), false)
	f.Fuzz(func(t *testing.T, in []byte, apple bool) {
		d := fileset.RFC4180
		if apple {
			d = fileset.Apple
		}
		rows, err := parseAll(t, d, string(in))
		if err != nil {
			var se *fileset.SyntaxError
			if !errors.As(err, &se) {
				t.Fatalf("not a SyntaxError: %v", err)
			}
			return
		}
		// What parses, written again and parsed, gives the same rows.
		var b []byte
		for _, r := range rows {
			if slicesHaveLineBreaks(r) {
				return
			}
			b = d.AppendRow(b, r)
		}
		again, err := parseAll(t, d, string(b))
		if err != nil {
			t.Fatalf("rewritten rows do not parse: %v", err)
		}
		if !cmp.Equal(rows, again) && !bytes.Equal(b, nil) {
			t.Fatalf("rows change on a round trip:\n%q\n%q", rows, again)
		}
	})
}

func slicesHaveLineBreaks(r []string) bool {
	for _, v := range r {
		if strings.ContainsAny(v, "\r\n") {
			return true
		}
	}
	return false
}
