package kit

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestPrefixEnd(t *testing.T) {
	for _, tc := range []struct {
		in, want string
		ok       bool
	}{
		{"", "", false},
		{"a", "b", true},
		{"stud-1/", "stud-10", true},
		{"a\xff", "b", true},
		{"\xff\xff", "", false},
	} {
		got, ok := PrefixEnd(tc.in)
		if got != tc.want || ok != tc.ok {
			t.Errorf("PrefixEnd(%q) = %q %v, want %q %v", tc.in, got, ok, tc.want, tc.ok)
		}
	}
}

func TestErrorTextMasksAndCaps(t *testing.T) {
	const pnr = "19900101-2389"
	if got := ErrorText(fmt.Errorf("student %s refused", pnr)); strings.Contains(got, pnr) || !strings.Contains(got, "refused") {
		t.Errorf("ErrorText kept the personal number: %q", got)
	}
	long := ErrorText(errors.New(strings.Repeat("ö", MaxErrorText))) // two bytes each
	if len(long) > MaxErrorText || !utf8.ValidString(long) {
		t.Errorf("capped to %d bytes, valid UTF-8 %v", len(long), utf8.ValidString(long))
	}
	if ErrorText(nil) != "" {
		t.Error("ErrorText(nil) not empty")
	}
}

func TestPermanentClasses(t *testing.T) {
	for _, err := range []error{ErrSchemaTooNew, ErrNotStore, ErrCorrupt, ErrUnwritable, ErrNoState,
		fmt.Errorf("store: open %s: %w", "/x", ErrCorrupt)} {
		if !Permanent(err) {
			t.Errorf("%v is not permanent", err)
		}
	}
	for _, err := range []error{ErrNotFound, ErrClosed, ErrInvalid, ErrLeaseHeld, ErrLeaseLost, ErrClaimLost, nil} {
		if Permanent(err) {
			t.Errorf("%v is permanent", err)
		}
	}
	if ErrCorrupt.Error() != "store: database is damaged" {
		t.Errorf("ErrCorrupt reads %q", ErrCorrupt)
	}
}

func TestValidKey(t *testing.T) {
	for _, tc := range []struct {
		k  string
		ok bool
	}{{"a", true}, {"", false}, {"a\x00b", false}, {"ö/ä", true}} {
		if err := ValidKey("key", tc.k); (err == nil) != tc.ok || (err != nil && !errors.Is(err, ErrInvalid)) {
			t.Errorf("ValidKey(%q) = %v", tc.k, err)
		}
	}
	if ValidOptionalKey("key", "") != nil || ValidLimit(-1) == nil || ValidDuration("ttl", 0) == nil {
		t.Error("optional key, limit or duration checks wrong")
	}
}

func TestSeqStopsAndReportsErrors(t *testing.T) {
	boom := errors.New("boom")
	run := func(err error) func(func(int) bool) error {
		return func(emit func(int) bool) error {
			for i := range 5 {
				if !emit(i) {
					return nil
				}
			}
			return err
		}
	}
	var got []int
	var gotErr error
	for v, err := range Seq(run(boom)) {
		if err != nil {
			gotErr = err
			break
		}
		got = append(got, v)
	}
	if len(got) != 5 || gotErr != boom {
		t.Fatalf("got %v, %v", got, gotErr)
	}
	got = nil
	for v := range Seq(run(boom)) {
		got = append(got, v)
		if v == 2 {
			break
		}
	}
	if len(got) != 3 {
		t.Fatalf("after break: %v", got)
	}
	// A run that goes on emitting after the loop stopped, and fails: nothing more reaches
	// the loop (a yield after break would panic).
	careless := func(emit func(int) bool) error {
		for i := range 5 {
			emit(i)
		}
		return boom
	}
	for v := range Seq(careless) {
		if v == 1 {
			break
		}
	}
}
