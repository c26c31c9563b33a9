package archive_test

import (
	"fmt"
	"strings"

	"github.com/edusync/edusync/archive"
	"github.com/edusync/edusync/fs/fsrules"
)

// The default decision table on a few cover sheets.
func ExampleAccessPolicy_Decide() {
	p := archive.DefaultAccessPolicy()
	announced := fsrules.NewDate(2026, 6, 20)
	for _, in := range []archive.AccessInput{
		{Cover: archive.CoverSheet{Present: true, Confidential: archive.No, Publish: archive.Yes, Delay: archive.DelayNone}, Grade: "B"},
		{Cover: archive.CoverSheet{Present: true, Confidential: archive.Yes, Publish: archive.No, Delay: archive.DelayNever}, Grade: "A"},
		{Cover: archive.CoverSheet{Present: true, Confidential: archive.No, Publish: archive.Yes, Delay: archive.Delay3Years}, Grade: "C", Announced: announced},
		{Cover: archive.CoverSheet{Present: true, Confidential: archive.No, Publish: archive.Yes, Delay: archive.DelayNone}, Grade: "F"},
		{Cover: archive.CoverSheet{Present: true, Publish: archive.Yes, Delay: archive.DelayNone}, Grade: "B"},
	} {
		d := p.Decide(in)
		fmt.Printf("%s %q %q: %s\n", d.Rule, d.Code, d.EmbargoUntil, strings.Join(d.Reasons, ", "))
	}
	// Output:
	// open "" "": passed, no confidentiality, published without delay
	// confidential "13" "": confidential material
	// delayed "5" "2029-06-20": publication delayed
	// failed "26" "": failed
	// unclear "13" "": confidentiality not answered
}

// A screened thesis's public titles do not name the student.
func ExampleMapping_Map() {
	th := &archive.Thesis{Key: archive.Key{System: archive.WISEflow, Exam: "185_INF5990_1_MOPPG_2026_VÅR", Candidate: "4711"},
		Author: "Kari Nordmann", Grade: "B", Cover: archive.CoverSheet{Present: true, Title: "Arkiv og algoritmer", Confidential: archive.Yes},
		Files: []archive.File{{Name: "oppgave.pdf"}, {Name: "data.zip"}}}
	d := archive.DefaultAccessPolicy().Decide(archive.AccessInput{Cover: th.Cover, Grade: th.Grade})
	r, _ := archive.DefaultMapping().Map(th, d)
	fmt.Println(r.CaseFileTitle)
	fmt.Println(r.CaseFilePublicTitle)
	fmt.Println(r.RegistrationPublicTitle, "|", r.Screening.Code, r.Documents[1].Role.Name)
	// Output:
	// Masteroppgave - Kari Nordmann - INF5990 VÅR 2026
	// Masteroppgave - kandidat 4711 - INF5990 VÅR 2026
	// Masteroppgave - kandidat 4711 | 13 Vedlegg
}
