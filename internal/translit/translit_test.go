package translit

import "testing"

func TestASCII(t *testing.T) {
	cases := []struct {
		in    string
		style Style
		want  string
	}{
		{"Åsa Öberg", Plain, "Asa Oberg"},
		{"Jörg Müller-Lüdenscheidt", German, "Joerg Mueller-Luedenscheidt"},
		{"Jörg Müller-Lüdenscheidt", Plain, "Jorg Muller-Ludenscheidt"},
		{"Ødegård", Plain, "Odegard"},
		{"Strauß", Plain, "Strauss"},
		{"Ærø", Plain, "AEro"},
		{"Éloïse Çelik", Plain, "Eloise Celik"},
		{"Łukasz Wałęsa", Plain, "Lukasz Walesa"},
		{"O\u2019Brien", Plain, "O'Brien"},
		{"漢字abc", Plain, "abc"},
		{"plain", German, "plain"},
	}
	for _, c := range cases {
		if got := ASCII(c.in, c.style); got != c.want {
			t.Errorf("ASCII(%q, %d) = %q, want %q", c.in, c.style, got, c.want)
		}
	}
}

func FuzzASCII(f *testing.F) {
	f.Add("Åsa Ødegård-Strauß")
	f.Fuzz(func(t *testing.T, s string) {
		for _, st := range []Style{Plain, German} {
			out := ASCII(s, st)
			for i := 0; i < len(out); i++ {
				if out[i] >= 0x80 {
					t.Fatalf("non-ASCII byte in %q", out)
				}
			}
		}
	})
}
