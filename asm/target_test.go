package asm_test

import (
	"path/filepath"
	"testing"

	"github.com/edusync/edusync/asm"
	"github.com/edusync/edusync/fileset/filesettest"
	"github.com/edusync/edusync/internal/golden"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000test"
)

func school() *reconcile.Snapshot { return filesettest.School() }

func TestTargetSuite(t *testing.T) {
	reconciletest.TargetSuite(t, func(t *testing.T) *reconciletest.Fixture {
		target, err := asm.New(t.TempDir(), asm.Options{})
		if err != nil {
			t.Fatal(err)
		}
		return &reconciletest.Fixture{Target: target, Source: school(), Equivalent: func(s *reconcile.Snapshot) {
			s.Persons[0].Contexts[0].Role = "student"
			s.Persons[3].Contexts[0].Role = "Rektor"
			s.Persons[1].FamilyName = "Andersson\t"
		}}
	})
}

// The sample school gives the same upload on every run (golden files); a second run plans
// and writes nothing; a pupil's new family name changes that pupil's row and nothing else.
func TestSampleSchoolSet(t *testing.T) {
	target, err := asm.New(t.TempDir(), asm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := filesettest.New(t, target, true, nil, reconcile.Options{})
	p.Run(t)
	files := p.Files(t)
	for name, body := range files {
		golden.Check(t, filepath.Join("testdata", "golden", name), []byte(body))
	}
	if again := p.Run(t); again.Counts.Changes() != 0 || len(again.Unconverged) != 0 {
		t.Fatalf("a second run on unchanged data plans %+v and %d unconverged fields", again.Counts, len(again.Unconverged))
	}
	pupil := ss12000test.SampleSchool().Persons[40]
	if _, err := ss12000test.Modify(p.Server, pupil.ID, func(x *ss12000.Person) { x.FamilyName = "Lindqvist" }); err != nil {
		t.Fatal(err)
	}
	if third := p.Run(t); third.Counts.Changes() != 1 {
		t.Fatalf("one changed name: the plan has %+v", third.Counts)
	}
	if got := filesettest.ChangedLines(files, p.Files(t)); len(got) != 1 || got["students.csv"] != 1 {
		t.Errorf("one changed name changed lines %v, want one line of students.csv", got)
	}
}

// Every file holds no identity number, address or private e-mail address, and nothing of the
// persons with protected identity unless the host opts in.
func TestNoPersonalDataReachesTheFiles(t *testing.T) {
	for _, protected := range []bool{false, true} {
		target, err := asm.New(t.TempDir(), asm.Options{})
		if err != nil {
			t.Fatal(err)
		}
		p := filesettest.New(t, target, true, filesettest.AllEmails, reconcile.Options{IncludeProtected: protected})
		p.Run(t)
		filesettest.NoPersonalData(t, p.Files(t), protected)
		if again := p.Run(t); again.Counts.Changes() != 0 || len(again.Unconverged) != 0 {
			t.Errorf("protected %v: a second run plans %+v and %d unconverged", protected, again.Counts, len(again.Unconverged))
		}
	}
}

// A person with two e-mail addresses (Apple School Manager keeps one) is planned once, not on
// every run.
func TestSecondAddressConverges(t *testing.T) {
	target, err := asm.New(t.TempDir(), asm.Options{})
	if err != nil {
		t.Fatal(err)
	}
	filesettest.SecondAddressConverges(t, filesettest.New(t, target, true, filesettest.AllEmails, reconcile.Options{}))
}
