package synth

import (
	"flag"
	"testing"
)

var updateGolden = flag.Bool("update-golden", false, "print the golden hashes of TestGoldenHashes instead of checking them")

// TestGoldenHashes pins the output of a few small populations, so a change that makes output
// differ between machines, Go versions or runs (map order, the clock, floating-point
// contraction) fails here. An intended change of the generator changes these hashes: run
//
//	go test ./synth -run GoldenHashes -update-golden -v
//
// and paste the printed values.
func TestGoldenHashes(t *testing.T) {
	golden := map[string]string{
		"school-SE":        "e62cbe69c12f0296f07f92ae10062a91d3542d69e25a0fcca33017f56eb035a2",
		"school-DE":        "e2279e7c3a6e1ae500c8878a5963654b9e0eb590db75aea40d03d1fcc6af781e",
		"school-NO":        "0098d8479339d16365e35067553c2a83c50cdd85ef411187c845ce1d3c4a8759",
		"university":       "2593833dc77b046c5cdd2e94188e86387232c07ed53525692c8355f00730f264",
		"school-SE+1d":     "8a266ef95378aefa8909f4608f750fddf5da6ff4c0177c116b00ab35d18fbdb2",
		"university-no":    "7ee25522885af7bbf77ed2e4a8c53b9e8ef4df6a8988f908c1b40bb76681e48b",
		"university-no+1d": "0d47754f1ae5350295791d5b10bcb538c4f80a8604b1bc69bb339771523deaa1",
	}
	got := map[string]string{}
	for _, c := range []Country{Sweden, Germany, Norway} {
		got["school-"+string(c)] = generate(t, PresetSchool, func(o *Options) { o.Country = c; o.Seed = 2026 }).Hash()
	}
	u := generate(t, PresetUniversity, func(o *Options) {
		o.Seed = 2026
		o.UniversityStudents, o.UniversityStaff, o.CourseOfferings, o.Registrations = 500, 50, 60, 2000
	})
	got["university"] = u.Hash()
	s := generate(t, PresetSchool, func(o *Options) { o.Seed = 2026 })
	next, _, err := NextDay(s, 9, 0.02)
	if err != nil {
		t.Fatal(err)
	}
	got["school-SE+1d"] = next.Hash()
	no := smallExams(t, func(o *Options) { o.Seed = 2026 })
	got["university-no"] = no.Hash()
	if next, _, err = NextDay(no, 9, 0.02); err != nil {
		t.Fatal(err)
	}
	got["university-no+1d"] = next.Hash()
	for _, k := range []string{"school-SE", "school-DE", "school-NO", "university", "school-SE+1d", "university-no", "university-no+1d"} {
		if *updateGolden {
			t.Logf("%q: %q,", k, got[k])
			continue
		}
		if got[k] != golden[k] {
			t.Errorf("%s: hash %s, want %s (see the comment of TestGoldenHashes)", k, got[k], golden[k])
		}
	}
}
