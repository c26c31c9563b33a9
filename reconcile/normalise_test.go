package reconcile

import (
	"slices"
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
		{"vietnamese precomposed and decomposed", "Nguy\u1ec5n", "Nguye\u0302\u0303n", true},
		{"vietnamese upper case", "NGUYỄN", "Nguyễn", true},
		{"cyrillic short i decomposed", "Андре\u0439", "Андре\u0438\u0306", true},
		{"greek final sigma", "ΟΔΥΣΣΕΑΣ", "οδυσσεας", true},
		{"greek tonos decomposed", "Σοφι\u0301α", "Σοφία", true},
		{"ligature", "Hoﬀmann", "Hoffmann", true},
		{"fullwidth letters", "Ｍüller", "Müller", true},
		{"capital I with dot above", "İnce", "i\u0307nce", true},
		{"dotless i stays", "Işık", "Isik", false},
		{"n preceded by apostrophe", "\u0149", "'n", true},
		{"acute accent typed as apostrophe", "O\u00b4Brien", "O'Brien", true},
		{"direction marks dropped", "\u200fMüller\u200e", "Müller", true},
		{"zero-width joiner dropped", "Mül\u200dler", "Müller", true},
		{"long s", "Gro\u017fe", "Grose", true},
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

// TestFoldIsNFC checks that folded forms are composed: a precomposed letter stays one.
func TestFoldIsNFC(t *testing.T) {
	for in, want := range map[string]string{
		"Mu\u0308ller": "müller",
		"NGUYỄN":       "nguyễn",
		"STRAẞE":       "strasse",
		"  Anna-Maria": "anna maria",
		"O`Brien":      "o'brien",
		"A\tB\u00a0C":  "a b c",
	} {
		if got := Fold(in); got != want {
			t.Errorf("Fold(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestFoldSimpleAgreesWithGeneral checks the fast path of Fold against the general one on every
// character the fast path takes, alone and between others, and on sample names.
func TestFoldSimpleAgreesWithGeneral(t *testing.T) {
	var inputs []string
	for r := rune(0); r < 0x180; r++ {
		inputs = append(inputs, string(r), "A"+string(r)+"b", string(r)+"-"+string(r)+" ", " x"+string(r))
	}
	inputs = append(inputs, "Müller-Lüdenscheidt", "  ÅSA  ÖBERG ", "Ødegård", "Łukasz Żółć", "Ďurovič", "O`Brien", "Æbeltoft")
	simple := 0
	for _, in := range inputs {
		got, ok := foldSimple(in)
		if !ok {
			continue
		}
		simple++
		if want := foldGeneral(in); got != want {
			t.Errorf("foldSimple(%q) = %q, general path %q", in, got, want)
		}
	}
	if simple < 1000 {
		t.Errorf("only %d inputs took the fast path", simple)
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
		{"alias chain", PlaceRules{Aliases: map[string]string{"Karl-Marx-Stadt": "Chemnitz (alt)", "Chemnitz (alt)": "Chemnitz"}}, "Karl-Marx-Stadt", "Chemnitz", true},
		{"alias cycle", PlaceRules{Aliases: map[string]string{"A-Stadt": "B-Stadt", "B-Stadt": "A-Stadt"}}, "A-Stadt", "B-Stadt", true},
		{"function", PlaceRules{Func: frankfurt}, "Frankfurt a. M.", "Frankfurt am Main, Deutschland", true},
		{"function after aliases", PlaceRules{Aliases: map[string]string{"Ffm": "Frankfurt a.M."}, Func: frankfurt}, "FFM", "Frankfurt am Main", true},
		{"function keeps other places apart", PlaceRules{Func: frankfurt}, "Frankfurt (Oder)", "Frankfurt am Main", false},
		{"aliases after the function", PlaceRules{Aliases: map[string]string{"Frankfurt am Main": "Frankfurt/M"}, Func: frankfurt}, "Frankfurt a. M.", "Frankfurt am Main", true},
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

// frankfurt is a host's place normaliser: it knows the spellings of Frankfurt am Main.
func frankfurt(place string) string {
	switch strings.ReplaceAll(place, " ", "") {
	case "frankfurta.m.", "frankfurtam main", "frankfurtammain", "frankfurt/main", "frankfurt(main)":
		return "Frankfurt am Main"
	}
	return place
}

func TestPlaceRulesIdempotent(t *testing.T) {
	rules := PlaceRules{Aliases: map[string]string{"a": "b", "b": "c", "x": "y", "y": "x", "p": "p", "Frankfurt am Main": "Frankfurt/M"}, Func: frankfurt}
	for _, place := range []string{"a", "b", "c", "x", "y", "p", "Frankfurt a. M.", "Frankfurt am Main", "Erfurt, Deutschland"} {
		once := rules.Normalise(place)
		if twice := rules.Normalise(once); twice != once {
			t.Errorf("Normalise(%q) = %q, then %q", place, once, twice)
		}
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
		{"family name alone is not enough", personAttrs{family: "müller"}, full, false, false},
		{"given names missing on one side, birth date shared", personAttrs{family: "müller", date: "2010-05-01"}, full, true, false},
		{"family name and birth place alone are not enough", personAttrs{family: "müller", place: "erfurt"}, full, false, false},
		{"given names missing on one side, birth date differs", personAttrs{family: "müller", date: "2011-05-01"}, full, false, false},
		{"given names differ", personAttrs{family: "müller", given: "eva", date: "2010-05-01"}, full, false, false},
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
	for _, s := range []string{"MÜLLER", "Mu\u0308ller", "  a--b  ", "O’Brien", "STRAẞE", "a\u0328\u0301", "\u212Bsa", "x\xffy",
		"NGUYỄN", "Hoﬀmann", "\u0149", "İnce", "Erfurt, Deutschland", "Frankfurt a. M."} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		once := Fold(s)
		if f, ok := foldSimple(s); ok && f != foldGeneral(s) {
			t.Fatalf("fast path %q, general path %q for %q", f, foldGeneral(s), s)
		}
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
		for _, rules := range []PlaceRules{{}, {DefaultCountries: []string{"Sverige", s}, Aliases: map[string]string{s: "x", "x": s, "Erfurt": s}, Func: frankfurt}} {
			p := rules.Normalise(s)
			if rules.Normalise(p) != p {
				t.Fatalf("place normalisation is not idempotent for %q: %q -> %q", s, p, rules.Normalise(p))
			}
		}
		g := foldGivenNames(s)
		if foldGivenNames(g) != g {
			t.Fatalf("foldGivenNames is not idempotent for %q: %q -> %q", s, g, foldGivenNames(g))
		}
		// Any one of the names, and the names in another order, are compatible with the whole
		// list, whichever side they are on.
		if names := strings.Fields(g); len(names) > 0 {
			reversed := slices.Clone(names)
			slices.Reverse(reversed)
			for _, other := range []string{names[0], names[len(names)-1], strings.Join(reversed, " ")} {
				if !givenNamesCompatible(g, other) || !givenNamesCompatible(other, g) {
					t.Fatalf("given names %q are not compatible with %q", g, other)
				}
			}
		}
	})
}
