package archive

import (
	"strings"
	"testing"
)

// FuzzDecide feeds cover-sheet answers and grades as an exam system might send them: the
// decision is open only when the rule written apart from Decide allows it.
func FuzzDecide(f *testing.F) {
	f.Add(true, "no", "yes", "none", "B", false)
	f.Add(true, "nei", "ja", "NONE", "bestått", false)
	f.Add(false, "", "", "", "", true)
	f.Add(true, "no", "yes", "none", "F", false)
	f.Fuzz(func(t *testing.T, present bool, conf, publish, delay, grade string, protected bool) {
		in := AccessInput{Cover: CoverSheet{Present: present, Confidential: ParseAnswer(conf), Publish: ParseAnswer(publish),
			Delay: Delay(strings.ToLower(strings.TrimSpace(delay)))}, Grade: grade, Protected: protected}
		d := DefaultAccessPolicy().Decide(in)
		if !d.Restricted && mustBeRestricted(in) {
			t.Fatalf("%+v decided open", in)
		}
		if d.Restricted && d.Code == "" {
			t.Fatalf("restricted without a code: %+v", d)
		}
	})
}

// FuzzLoadMapping reads mapping documents: a mapping either loads and maps a thesis, or is
// refused with an error; it never panics.
func FuzzLoadMapping(f *testing.F) {
	f.Add(`{"caseFile":"course-term","caseFileTitle":"Masteroppgaver {{.CourseCode}} {{.Term}} {{.Year}}"}`)
	f.Add(`{"registrationTitle":"{{.Nope}}"}`)
	f.Add(`{"caseFile":"student","registrationPublicTitle":"{{template \"x\"}}"}`)
	f.Fuzz(func(t *testing.T, doc string) {
		m, err := LoadMapping(strings.NewReader(doc))
		if err != nil {
			return
		}
		th := &Thesis{Key: Key{System: Inspera, Exam: "185_INF5990_1_MOPPG_2026_VÅR", Candidate: "1"}, Author: "A B", Files: []File{{Name: "a"}}}
		if _, err := m.Map(th, DefaultAccessPolicy().Decide(AccessInput{})); err != nil {
			t.Fatalf("a mapping that loaded cannot map: %v", err)
		}
	})
}
