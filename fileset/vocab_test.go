package fileset_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/edusync/edusync/fileset"
	"github.com/edusync/edusync/internal/redact"
)

// Clean makes one line of a value and masks identity numbers a source put in a text field;
// it is idempotent, and leaves clean values (with non-ASCII letters) as they are.
func TestCleanMakesOneLineAndMasksIdentityNumbers(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"Åsa Öberg", "Åsa Öberg"},
		{" Noah\r\n  Lind\t", "Noah Lind"},
		{"Elev 19850729-2384", "Elev " + strings.Repeat("", 0)},
	} {
		got := fileset.Clean(tc.in)
		if tc.in == "Elev 19850729-2384" {
			if strings.Contains(got, "2384") || strings.Contains(got, "850729") {
				t.Errorf("Clean(%q) = %q keeps the identity number", tc.in, got)
			}
		} else if got != tc.want {
			t.Errorf("Clean(%q) = %q, want %q", tc.in, got, tc.want)
		}
		if again := fileset.Clean(got); again != got {
			t.Errorf("Clean is not idempotent: %q -> %q", got, again)
		}
	}
}

// A value longer than a reader takes is refused when the set is written, so that a target can
// always read its own set again.
func TestOverlongValuesAreRefused(t *testing.T) {
	d, err := fileset.OpenDir(t.TempDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	_, err = writeSet(t, d, []string{"u1", "o1", "student"}, []string{strings.Repeat("x", fileset.MaxValueBytes+1), "o1", "student"})
	if err == nil || !strings.Contains(err.Error(), "longer than") {
		t.Fatalf("err %v, want an overlong value refused", err)
	}
}

// A problem names its row by its id cut short, identity numbers masked, so that a refused
// set's error stays short whatever ids the source sent.
func TestProblemsNameRowsByAShortID(t *testing.T) {
	d, err := fileset.OpenDir(t.TempDir(), 1)
	if err != nil {
		t.Fatal(err)
	}
	long := "19900101-1234-" + strings.Repeat("x", fileset.MaxValueBytes)
	_, err = writeSet(t, d, []string{long, "o2", "admin"})
	var ve *fileset.ValidationError
	if !errors.As(err, &ve) || ve.Total != 3 {
		t.Fatalf("err %v, want a ValidationError with 3 problems", err)
	}
	for _, p := range ve.Problems {
		if len(p.ID) > 256+len("…") || !strings.HasPrefix(p.ID, redact.Mask) {
			t.Errorf("a problem names its row by %d bytes starting %.20q, want at most 256 starting with the mask", len(p.ID), p.ID)
		}
	}
	if n := len(err.Error()); n > 2048 {
		t.Errorf("the error is %d bytes long", n)
	}
}

func TestRolesMapsSortsAndDropsRepeats(t *testing.T) {
	upper := func(v string) string {
		if v == "drop" {
			return ""
		}
		return strings.ToUpper(v)
	}
	for _, tt := range []struct{ in, want string }{
		{"", ""},
		{"lärare", "LÄRARE"},
		{" elev ", "ELEV"},
		{"drop", ""},
		{"mentor,elev", "ELEV,MENTOR"},
		{"elev, elev,drop", "ELEV"},
	} {
		if got := fileset.Roles(tt.in, upper); got != tt.want {
			t.Errorf("Roles(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}
