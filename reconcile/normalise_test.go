package reconcile

import (
	"strings"
	"testing"
	"unicode/utf8"
)

func TestFold(t *testing.T) {
	tests := []struct {
		name, a, b string
		equal      bool
	}{
		{"case", "MÜLLER", "Müller", true},
		{"decomposed umlaut", "Mu\u0308ller", "Müller", true},
		{"ångström sign", "\u212Bsa", "Åsa", true},
		{"sharp s", "STRASSE", "Straße", true},
		{"capital sharp s", "STRAẞE", "strasse", true},
		{"whitespace", "  von   der\tHeide ", "von der Heide", true},
		{"no-break space", "von\u00a0der Heide", "von der Heide", true},
		{"hyphen as space", "Müller-Lüdenscheidt", "Müller Lüdenscheidt", true},
		{"en dash", "Müller–Lüdenscheidt", "müller-lüdenscheidt", true},
		{"soft hyphen dropped", "Mül\u00adler", "Müller", true},
		{"apostrophe variants", "O’Brien", "O'Brien", true},
		{"mark order", "a\u0328\u0301", "a\u0301\u0328", true},
		{"slashed o stays", "Ødegård", "odegard", false},
		{"diacritics kept", "Müller", "Muller", false},
		{"nordic letters differ", "Åsa", "Äsa", false},
		{"different names", "Anna", "Hanna", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			fa, fb := Fold(tt.a), Fold(tt.b)
			if (fa == fb) != tt.equal {
				t.Errorf("Fold(%q) = %q, Fold(%q) = %q; equal = %v, want %v", tt.a, fa, tt.b, fb, fa == fb, tt.equal)
			}
		})
	}
}

func TestFoldPlainASCIIDoesNotAllocate(t *testing.T) {
	allocs := testing.AllocsPerRun(100, func() { _ = Fold("anna maria") })
	if allocs != 0 {
		t.Errorf("Fold of a folded ASCII name allocates %v times", allocs)
	}
}

func TestFoldGivenNames(t *testing.T) {
	tests := []struct {
		a, b  string
		equal bool
	}{
		{"Anna Maria", "Maria Anna", true},
		{"Anna-Maria", "anna maria", true},
		{"Anna Maria", "Anna", false},
	}
	for _, tt := range tests {
		if got := foldGivenNames(tt.a) == foldGivenNames(tt.b); got != tt.equal {
			t.Errorf("given names %q and %q: equal = %v, want %v", tt.a, tt.b, got, tt.equal)
		}
	}
}

func TestGivenNamesCompatible(t *testing.T) {
	tests := []struct {
		a, b string
		want bool
	}{
		{"anna maria", "anna maria", true},
		{"anna", "anna maria", true},
		{"anna maria", "maria", true},
		{"anna", "eva", false},
		{"", "anna", false},
		{"anna eva", "anna maria", false},
	}
	for _, tt := range tests {
		if got := givenNamesCompatible(tt.a, tt.b); got != tt.want {
			t.Errorf("givenNamesCompatible(%q, %q) = %v, want %v", tt.a, tt.b, got, tt.want)
		}
	}
}

func TestPlaceRules(t *testing.T) {
	tests := []struct {
		name  string
		rules PlaceRules
		a, b  string
		equal bool
	}{
		{"default country dropped", PlaceRules{}, "Erfurt", "Erfurt, Deutschland", true},
		{"case and spacing", PlaceRules{}, "erfurt ,DEUTSCHLAND", "Erfurt", true},
		{"other country kept", PlaceRules{}, "Eindhoven, Niederlande", "Eindhoven", false},
		{"other country spacing", PlaceRules{}, "Eindhoven,Niederlande", "Eindhoven, Niederlande", true},
		{"trailing comma", PlaceRules{}, "Erfurt,", "Erfurt", true},
		{"configured countries", PlaceRules{DefaultCountries: []string{"Sverige", "Sweden"}}, "Göteborg, Sweden", "Göteborg", true},
		{"configured countries replace Deutschland", PlaceRules{DefaultCountries: []string{"Sverige"}}, "Erfurt, Deutschland", "Erfurt", false},
		{"alias", PlaceRules{Aliases: map[string]string{"Gothenburg": "Göteborg"}}, "GOTHENBURG, Deutschland", "göteborg", true},
		{"different places", PlaceRules{}, "Erfurt", "Weimar", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			na, nb := tt.rules.Normalise(tt.a), tt.rules.Normalise(tt.b)
			if (na == nb) != tt.equal {
				t.Errorf("Normalise(%q) = %q, Normalise(%q) = %q; equal = %v, want %v", tt.a, na, tt.b, nb, na == nb, tt.equal)
			}
		})
	}
}

func TestCompareAttrs(t *testing.T) {
	full := personAttrs{family: "müller", given: "anna", date: "2010-05-01", place: "erfurt"}
	tests := []struct {
		name          string
		a, b          personAttrs
		match, isFull bool
	}{
		{"all four equal", full, full, true, true},
		{"birth place missing on one side", full, personAttrs{family: "müller", given: "anna", date: "2010-05-01"}, true, false},
		{"birth date differs", full, personAttrs{family: "müller", given: "anna", date: "2010-05-02", place: "erfurt"}, false, false},
		{"given names a subset", full, personAttrs{family: "müller", given: "anna maria", date: "2010-05-01", place: "erfurt"}, true, false},
		{"family name differs", full, personAttrs{family: "muller", given: "anna", date: "2010-05-01", place: "erfurt"}, false, false},
		{"no family name", personAttrs{given: "anna"}, personAttrs{given: "anna"}, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m, f := compareAttrs(tt.a, tt.b)
			if m != tt.match || f != tt.isFull {
				t.Errorf("compareAttrs = (%v, %v), want (%v, %v)", m, f, tt.match, tt.isFull)
			}
		})
	}
}

func TestDate(t *testing.T) {
	d, err := ParseDate("2010-05-01")
	if err != nil {
		t.Fatal(err)
	}
	if d.String() != "2010-05-01" || d.Year() != 2010 || d.Month() != 5 || d.Day() != 1 || !d.Valid() {
		t.Errorf("ParseDate gave %v", d)
	}
	if _, err := ParseDate("2010-13-01"); err == nil {
		t.Error("ParseDate accepted month 13")
	}
	if z, err := ParseDate(""); err != nil || !z.IsZero() || z.String() != "" {
		t.Errorf("ParseDate(\"\") = %v, %v", z, err)
	}
	if NewDate(2024, 2, 30).Valid() {
		t.Error("2024-02-30 reported valid")
	}
	if !NewDate(2024, 1, 31).Before(NewDate(2024, 2, 1)) || NewDate(2024, 2, 1).Before(NewDate(2024, 2, 1)) {
		t.Error("Before is wrong")
	}
}

func FuzzFold(f *testing.F) {
	for _, s := range []string{"MÜLLER", "Mu\u0308ller", "  a--b  ", "O’Brien", "STRAẞE", "a\u0328\u0301", "\u212Bsa", "x\xffy"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Fold(s)
		if !utf8.ValidString(once) {
			t.Fatalf("Fold(%q) = %q is not valid UTF-8", s, once)
		}
		if twice := Fold(once); twice != once {
			t.Fatalf("Fold is not idempotent: %q -> %q -> %q", s, once, twice)
		}
		if strings.HasPrefix(once, " ") || strings.HasSuffix(once, " ") || strings.Contains(once, "  ") {
			t.Fatalf("Fold(%q) = %q has stray spaces", s, once)
		}
		if Fold(strings.ToUpper(s)) != Fold(strings.ToUpper(once)) {
			t.Fatalf("Fold disagrees on upper-cased forms of %q", s)
		}
		var rules PlaceRules
		p := rules.Normalise(s)
		if rules.Normalise(p) != p {
			t.Fatalf("place normalisation is not idempotent for %q: %q -> %q", s, p, rules.Normalise(p))
		}
		_ = foldGivenNames(s)
	})
}
