package leakcheck

import "testing"

func TestNumbersAreValid(t *testing.T) {
	if !Valid() {
		t.Fatal("a fixture number fails its check digits")
	}
}

func TestNumberFindsRuns(t *testing.T) {
	for _, tc := range []struct {
		out, number, want string
		ignore            []string
	}{
		{"person 19850729-2384", "198507292384", "1985", nil},
		{"cannot parse \"0729-2384\"", "198507292384", "0729", nil},
		{"[redacted] at 2026-01-01", "198507292384", "", nil},
		{"dial 127.0.0.1:50729", "198507292384", "", []string{"127.0.0.1:50729"}},
		{"dial 127.0.0.1:50729", "198507292384", "5072", nil},
		{"", "198507292384", "", nil},
	} {
		if got := Number(tc.out, tc.number, tc.ignore...); got != tc.want {
			t.Errorf("Number(%q, %q) = %q, want %q", tc.out, tc.number, got, tc.want)
		}
	}
}
