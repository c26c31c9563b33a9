package canvas

import (
	"testing"

	"github.com/google/go-cmp/cmp"
)

func TestRefPathSegment(t *testing.T) {
	cases := []struct {
		name string
		ref  Ref
		seg  string
		hex  string
	}{
		{"canvas id", ID(42), "42", "42"},
		{"self", Self, "self", "self"},
		{"plain SIS id", SISCourse("BENCH"), "sis_course_id:BENCH", "hex:sis_course_id:42454e4348"},
		{"slash", SISUser("a/b"), "sis_user_id:a%2Fb", "hex:sis_user_id:612f62"},
		{"dot", SISSection("HIST.101"), "sis_section_id:HIST%2E101", "hex:sis_section_id:484953542e313031"},
		{"dot at the end", SISTerm("VT26."), "sis_term_id:VT26%2E", "hex:sis_term_id:565432362e"},
		{"space, percent, query and hash", SISLogin("a b%c?d#e"), "sis_login_id:a%20b%25c%3Fd%23e", "hex:sis_login_id:61206225633f642365"},
		{"plus, colon and at stay", SISIntegration("x+y:z@w"), "sis_integration_id:x+y:z@w", "hex:sis_integration_id:782b793a7a4077"},
		{"unicode", SISAccount("Ämne/Ø"), "sis_account_id:%C3%84mne%2F%C3%98", "hex:sis_account_id:c3846d6e652fc398"},
		{"unknown form is escaped whole", Ref("a/b.c"), "a%2Fb%2Ec", "a%2Fb%2Ec"},
		{"hex form passes", Ref("hex:sis_user_id:6162"), "hex:sis_user_id:6162", "hex:sis_user_id:6162"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if got := c.ref.PathSegment(); got != c.seg {
				t.Errorf("PathSegment() = %q, want %q", got, c.seg)
			}
			if got := c.ref.HexPathSegment(); got != c.hex {
				t.Errorf("HexPathSegment() = %q, want %q", got, c.hex)
			}
		})
	}
}

func TestParseRef(t *testing.T) {
	cases := []struct {
		in      string
		want    Ref
		wantErr bool
	}{
		{"123", ID(123), false},
		{" self ", Self, false},
		{"sis_course_id:BENCH", SISCourse("BENCH"), false},
		{"sis_user_id:a/b.c", SISUser("a/b.c"), false},
		{"sis_user_id:with:colon", SISUser("with:colon"), false},
		{"hex:sis_user_id:612f62", SISUser("a/b"), false},
		{"", "", true},
		{"BENCH", "", true},
		{"course_id:1", "", true},
		{"sis_course_id:", "", true},
		{"hex:sis_user_id:zz", "", true},
		{"hex:nope:6162", "", true},
		{"99999999999999999999", "", true}, // too long for an id
	}
	for _, c := range cases {
		got, err := ParseRef(c.in)
		if (err != nil) != c.wantErr || got != c.want {
			t.Errorf("ParseRef(%q) = %q, %v; want %q, error %v", c.in, got, err, c.want, c.wantErr)
		}
	}
}

func TestRefAccessors(t *testing.T) {
	type info struct {
		IsSIS bool
		ID    int64
		HasID bool
		Str   string
	}
	got := map[Ref]info{}
	for _, r := range []Ref{ID(7), Self, SISUser("u/1")} {
		id, ok := r.CanvasID()
		got[r] = info{r.IsSIS(), id, ok, r.String()}
	}
	want := map[Ref]info{
		"7":               {false, 7, true, "7"},
		"self":            {false, 0, false, "self"},
		"sis_user_id:u/1": {true, 0, false, "sis_user_id:u/1"},
	}
	if d := cmp.Diff(want, got); d != "" {
		t.Fatalf("accessors (-want +got):\n%s", d)
	}
}

func TestPathJoin(t *testing.T) {
	got := path("/courses/", SISCourse("A.1"), "/enrollments/", int64(9))
	if want := "/courses/sis_course_id:A%2E1/enrollments/9"; got != want {
		t.Fatalf("path() = %q, want %q", got, want)
	}
}
