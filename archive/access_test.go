package archive

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/fs/fsrules"
)

func cover(conf, publish Answer, delay Delay) CoverSheet {
	return CoverSheet{Present: true, Title: "Om arkiv", Confidential: conf, Publish: publish, Delay: delay}
}

func TestDecideFollowsTheDecisionTable(t *testing.T) {
	ann := fsrules.NewDate(2026, 6, 20)
	cases := []struct {
		name  string
		in    AccessInput
		rule  Rule
		code  string
		until string
	}{
		{"confidential", AccessInput{Cover: cover(Yes, No, DelayNever), Grade: "B"}, RuleConfidential, "13", ""},
		{"confidential and failed", AccessInput{Cover: cover(Yes, No, DelayNever), Grade: "F"}, RuleConfidential, "13", ""},
		{"passed, delayed two years", AccessInput{Cover: cover(No, Yes, Delay2Years), Grade: "C", Announced: ann}, RuleDelayed, "5", "2028-06-20"},
		{"passed, never published", AccessInput{Cover: cover(No, No, DelayNever), Grade: "A"}, RuleDelayed, "5", ""},
		{"failed", AccessInput{Cover: cover(No, Yes, DelayNone), Grade: "F"}, RuleFailed, "26", ""},
		{"failed pass/fail", AccessInput{Cover: cover(No, Yes, DelayNone), Grade: "ikke bestått"}, RuleFailed, "26", ""},
		{"open", AccessInput{Cover: cover(No, Yes, DelayNone), Grade: "B"}, RuleOpen, "", ""},
		{"open pass/fail", AccessInput{Cover: cover(No, Yes, DelayNone), Grade: "Bestått"}, RuleOpen, "", ""},
		{"no cover sheet", AccessInput{Grade: "B"}, RuleUnclear, "13", ""},
		{"confidentiality missing", AccessInput{Cover: cover(Unanswered, Yes, DelayNone), Grade: "B"}, RuleUnclear, "13", ""},
		{"an answer not known", AccessInput{Cover: cover("kanskje", Yes, DelayNone), Grade: "B"}, RuleUnclear, "13", ""},
		{"publish yes, delay never", AccessInput{Cover: cover(No, Yes, DelayNever), Grade: "B"}, RuleUnclear, "13", ""},
		{"publish no with a delay", AccessInput{Cover: cover(No, No, Delay1Year), Grade: "B"}, RuleUnclear, "13", ""},
		{"confidential yet published", AccessInput{Cover: cover(Yes, Yes, DelayNone), Grade: "B"}, RuleConfidential, "13", ""},
		{"grade unknown", AccessInput{Cover: cover(No, Yes, DelayNone), Grade: "7.5"}, RuleUnclear, "13", ""},
		{"protected author", AccessInput{Cover: cover(No, Yes, DelayNone), Grade: "B", Protected: true}, RuleProtected, "13", ""},
		{"delay from a leap day", AccessInput{Cover: cover(No, Yes, Delay1Year), Grade: "B", Announced: fsrules.NewDate(2028, 2, 29)}, RuleDelayed, "5", "2029-03-01"},
	}
	p := DefaultAccessPolicy()
	for _, tc := range cases {
		d := p.Decide(tc.in)
		if d.Rule != tc.rule || d.Code != tc.code || d.EmbargoUntil.String() != tc.until || d.Restricted != (tc.rule != RuleOpen) {
			t.Errorf("%s: %+v, want rule %s code %q until %q", tc.name, d, tc.rule, tc.code, tc.until)
		}
		if d.Restricted && d.LegalBasis == "" {
			t.Errorf("%s: restricted without a legal basis", tc.name)
		}
	}
}

func TestPolicyWithoutCodeOrBasisIsRefused(t *testing.T) {
	p := DefaultAccessPolicy()
	p.Failed.LegalBasis = " "
	if err := p.Validate(); err == nil {
		t.Fatal("a rule without legal basis passed")
	}
	p = DefaultAccessPolicy()
	p.Unclear.Code = ""
	if err := p.Validate(); err == nil {
		t.Fatal("a rule without code passed")
	}
}

// mustBeRestricted is the rule written independently of Decide: anything but a present cover
// sheet saying no confidentiality, publish yes and no delay, a pass and an unprotected author.
func mustBeRestricted(in AccessInput) bool {
	c := in.Cover
	return !c.Present || c.Confidential != No || c.Publish != Yes || c.Delay != DelayNone ||
		OutcomeOf(in.Grade) != Passed || in.Protected
}

var (
	answers = []Answer{Yes, No, Unanswered, "ja", "maybe", "YES", " no", "\x00"}
	delays  = []Delay{DelayNone, Delay1Year, Delay2Years, Delay3Years, DelayNever, DelayUnanswered, "5y", "NONE", "-1"}
	grades  = []string{"A", "B", "C", "D", "E", "F", "bestått", "Bestått", "ikke bestått", "", "G", "IB", "7", "A+", "passed", "fail", "\u00a0B"}
)

func randomInput(r *rand.Rand) AccessInput {
	pick := func(n int) int { return r.IntN(n) }
	in := AccessInput{
		Cover: CoverSheet{Present: pick(5) != 0, Title: []string{"", "T", "Ola Nordmann"}[pick(3)],
			Confidential: answers[pick(len(answers))], Publish: answers[pick(len(answers))], Delay: delays[pick(len(delays))]},
		Grade:     grades[pick(len(grades))],
		Protected: pick(6) == 0,
	}
	if pick(2) == 0 {
		in.Announced = fsrules.NewDate(2000+pick(40), time.Month(1+pick(12)), 1+pick(31)) // some do not exist
	}
	return in
}

func randomPolicy(r *rand.Rand) AccessPolicy {
	p := DefaultAccessPolicy()
	if r.IntN(2) == 0 {
		code := func() AccessCode {
			return AccessCode{Code: "L" + string(rune('A'+r.IntN(26))), LegalBasis: "lokal hjemmel"}
		}
		p = AccessPolicy{Confidential: code(), Delayed: code(), Failed: code(), Unclear: code(), Protected: code()}
	}
	return p
}

// TestNothingRestrictedIsDeliveredAsOpen: whatever the cover sheet, grade, author and policy,
// a thesis that should be restricted is never decided open, and what is delivered for it (the
// records that go to the archive) carries a screening with a code and legal basis and no
// name in a public title.
func TestNothingRestrictedIsDeliveredAsOpen(t *testing.T) {
	r := rand.New(rand.NewPCG(25, 2026))
	m := DefaultMapping()
	opened := 0
	for i := range 200000 {
		in := randomInput(r)
		p := randomPolicy(r)
		d := p.Decide(in)
		if !d.Restricted {
			opened++
		}
		if mustBeRestricted(in) && !d.Restricted {
			t.Fatalf("case %d: %+v decided open", i, in)
		}
		if d.Restricted && (d.Code == "" || d.LegalBasis == "") {
			t.Fatalf("case %d: restricted without code or basis: %+v", i, d)
		}
		if i%50 != 0 {
			continue
		}
		th := &Thesis{Key: Key{System: Inspera, Exam: "185_INF5990_1_MOPPG_2026_VÅR", Candidate: "101"}, Author: "Kari Nordmann",
			Protected: in.Protected, Grade: in.Grade, Cover: in.Cover, Files: []File{{Name: "a.pdf"}, {Name: "b.pdf"}}}
		rec, err := m.Map(th, d)
		if err != nil {
			t.Fatal(err)
		}
		if d.Restricted {
			if rec.Screening == nil || rec.Screening.Code == "" || rec.Screening.LegalBasis == "" {
				t.Fatalf("case %d: restricted records without screening: %+v", i, rec)
			}
			for _, s := range []string{rec.CaseFilePublicTitle, rec.RegistrationPublicTitle, rec.Documents[0].Title, rec.Documents[1].Title} {
				if strings.Contains(s, "Kari") {
					t.Fatalf("case %d: public title %q names the author", i, s)
				}
			}
			if sc := screening(rec.Screening); sc.Tilgangsrestriksjon == nil || sc.Tilgangsrestriksjon.Kode == "" {
				t.Fatalf("case %d: the Noark screening lost its code", i)
			}
		} else if rec.Screening != nil {
			t.Fatalf("case %d: open records carry a screening", i)
		}
		if in.Protected && (strings.Contains(rec.CaseFileTitle, "Kari") || strings.Contains(rec.RegistrationTitle, "Kari")) {
			t.Fatalf("case %d: a protected author named in a title", i)
		}
	}
	if opened == 0 {
		t.Fatal("no input was decided open: the property was not exercised")
	}
}
