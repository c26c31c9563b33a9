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
		"school-SE":    "0d3bc3561687bbb578ddbfba0d4c7bc8d063ec41447d3cf73e2292bed77b9619",
		"school-DE":    "013381fd38bd89abc70a314e8168fc73efa40162aa56ee958fe8e83583d94ab8",
		"school-NO":    "3cf0a59962463fc812452fe2bcc6710987440cc50f817aa92b9ec1ac2fa8b702",
		"university":   "2593833dc77b046c5cdd2e94188e86387232c07ed53525692c8355f00730f264",
		"school-SE+1d": "1b0fd247b6b894910acabc419fa1b76d8d23820353c7955f89eab31721f8235b",
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
	for _, k := range []string{"school-SE", "school-DE", "school-NO", "university", "school-SE+1d"} {
		if *updateGolden {
			t.Logf("%q: %q,", k, got[k])
			continue
		}
		if got[k] != golden[k] {
			t.Errorf("%s: hash %s, want %s (see the comment of TestGoldenHashes)", k, got[k], golden[k])
		}
	}
}
