package insperatest_test

import (
	"context"
	"testing"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/synth"
)

func population(t testing.TB) *synth.Population {
	t.Helper()
	o, err := synth.PresetOptions(synth.PresetUniversityNO)
	if err != nil {
		t.Fatal(err)
	}
	o.Seed = 17
	o.UniversityStudents, o.UniversityStaff, o.Departments = 600, 80, 4
	o.CourseOfferings, o.Programmes, o.ProgrammeOfferings, o.Registrations = 40, 4, 8, 2000
	o.ExamCandidates, o.Theses, o.FileScale = 800, 40, 0.0001
	pop, err := synth.Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return pop
}

// Every Inspera exam of the population is a test with its vurdId, committees and candidates,
// and every explanation and appeal is where synth left it.
func TestLoadPopulationHoldsTheInsperaExams(t *testing.T) {
	pop := population(t)
	srv := insperatest.NewServer()
	defer srv.Close()
	res := srv.LoadPopulation(pop, insperatest.LoadOptions{})
	ix := synth.NewIndex(pop)
	var want insperatest.LoadResult
	for _, u := range pop.ExamUnits {
		if u.System != synth.Inspera {
			continue
		}
		want.Tests++
		test, ok := srv.Test(inspera.ID(u.SystemID))
		if !ok || test.ExternalTestInfo.ExternalTestID != u.VurdID || test.GeneralInfo.Title != u.Name {
			t.Fatalf("unit %s: test %+v", u.VurdID, test.GeneralInfo)
		}
		if len(test.AppealCommittees()) != 1 {
			t.Errorf("unit %s has %d appeal committees", u.VurdID, len(test.AppealCommittees()))
		}
		for sc := range ix.UnitCandidates(u.ID) {
			want.Candidates++
			c, ok := test.Candidate(sc.CandidateNo)
			if !ok || c.UserID != inspera.ID(sc.UserID) {
				t.Fatalf("candidate %s missing from %s", sc.CandidateNo, u.VurdID)
			}
			rounds := srv.Rounds(test.AssessmentRunID, sc.CandidateNo)
			if g := sc.Grade.String(); rounds[0].Grade != g {
				t.Errorf("candidate %s: ordinary grade %q, synth %q", sc.CandidateNo, rounds[0].Grade, g)
			}
			if th, ok := ix.ThesisOf(sc.ID); ok {
				want.Theses++
				if len(c.AssetsDownloadInfo) != len(th.Files) {
					t.Errorf("thesis of %s: %d files, synth %d", sc.CandidateNo, len(c.AssetsDownloadInfo), len(th.Files))
				}
			}
			if e, ok := ix.ExplanationOf(sc.ID); ok {
				want.Explanations++
				status := srv.ExplanationStatus(test.AssessmentRunID, sc.CandidateNo)
				wantStatus := map[synth.ExplanationState]string{synth.ExplanationRequested: "REQUESTED", synth.ExplanationAssigned: "REQUESTED",
					synth.ExplanationGiven: "READY", synth.ExplanationPublished: "PUBLISHED"}[e.State]
				if status != wantStatus || !test.Options.ExplanationAdministration() {
					t.Errorf("explanation of %s: %q, synth %s", sc.CandidateNo, status, e.State)
				}
			}
			if a, ok := ix.AppealOf(sc.ID); ok {
				want.Appeals++
				last := rounds[len(rounds)-1]
				if len(rounds) != 2 || last.Cause != "APPEAL" || last.Withdrawn != (a.Status == synth.AppealWithdrawn) ||
					(a.Status == synth.AppealDecided) != (last.Grade != "") {
					t.Errorf("appeal of %s (%s): rounds %+v", sc.CandidateNo, a.Status, rounds)
				}
			}
		}
	}
	if res != want || want.Tests == 0 || want.Explanations == 0 || want.Appeals == 0 || want.Theses == 0 {
		t.Errorf("loaded %+v, want %+v", res, want)
	}
}

// The published explanations of a loaded test are what the API lists.
func TestLoadedExplanationsAreListed(t *testing.T) {
	srv := insperatest.NewServer()
	defer srv.Close()
	srv.LoadPopulation(population(t), insperatest.LoadOptions{})
	c, err := srv.Client()
	if err != nil {
		t.Fatal(err)
	}
	published := 0
	for _, id := range srv.TestIDs() {
		list, err := c.GetExplanations(context.Background(), inspera.TestID(id))
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range list {
			if srv.ExplanationStatus(id, e.CandidateID) != "PUBLISHED" || e.Document.URL == "" {
				t.Errorf("listed %+v", e)
			}
			published++
		}
	}
	if published == 0 {
		t.Error("no published explanation in the population")
	}
}
