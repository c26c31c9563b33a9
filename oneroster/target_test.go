package oneroster_test

import (
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/fileset/filesettest"
	"github.com/edusync/edusync/internal/golden"
	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/oneroster"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000test"
)

func school() *reconcile.Snapshot { return filesettest.School() }

func TestTargetSuite(t *testing.T) {
	for _, delta := range []bool{false, true} {
		t.Run(map[bool]string{false: "bulk", true: "delta"}[delta], func(t *testing.T) {
			reconciletest.TargetSuite(t, func(t *testing.T) *reconciletest.Fixture {
				clock := testclock.New(time.Date(2026, 8, 17, 7, 0, 0, 0, time.UTC))
				target, err := oneroster.New(t.TempDir(), oneroster.Options{Delta: delta, Now: clock.Now, UsernameTemplate: "{given}.{family}@exempelby.se"})
				if err != nil {
					t.Fatal(err)
				}
				return &reconciletest.Fixture{Target: target, Source: school(), Advance: func(d time.Duration) { clock.Advance(d) },
					Equivalent: func(s *reconcile.Snapshot) {
						s.Organisations[1].Type = "school"
						s.Groups[0].Type = "homeroom"
						s.Persons[0].Contexts[0].Role = "STUDENT"
						s.Memberships[3].Role = "teacher"
					}}
			})
		})
	}
}

// The sample school gives the same set on every run (golden files, bulk); a second run plans
// and writes nothing; a pupil's new family name changes that pupil's row and nothing else.
func TestSampleSchoolSet(t *testing.T) {
	target, err := oneroster.New(t.TempDir(), oneroster.Options{UsernameTemplate: "{given}.{family}@exempelby.se"})
	if err != nil {
		t.Fatal(err)
	}
	p := filesettest.New(t, target, true, filesettest.AllEmails, reconcile.Options{})
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
	if got := filesettest.ChangedLines(files, p.Files(t)); len(got) != 1 || got["users.csv"] != 1 {
		t.Errorf("one changed name changed lines %v, want one line of users.csv", got)
	}
}

// In a delta set every row carries its status and the time this target last wrote it: a
// changed person's row gets the new time, the others keep theirs.
func TestDeltaSetStampsChangedRowsOnly(t *testing.T) {
	clock := testclock.New(filesettest.Day)
	target, err := oneroster.New(t.TempDir(), oneroster.Options{Delta: true, Now: clock.Now, UsernameTemplate: "{given}.{family}@exempelby.se"})
	if err != nil {
		t.Fatal(err)
	}
	p := filesettest.New(t, target, false, nil, reconcile.Options{})
	p.Run(t)
	files := p.Files(t)
	if !strings.Contains(files["manifest.csv"], "file.users,delta") || !strings.Contains(files["users.csv"], ",active,2025-09-15T06:00:00.000Z,true,") {
		t.Fatalf("not a delta set:\n%s", files["manifest.csv"])
	}
	clock.Advance(time.Hour)
	pupil := ss12000test.SampleSchool().Persons[40]
	if _, err := ss12000test.Modify(p.Server, pupil.ID, func(x *ss12000.Person) { x.FamilyName = "Lindqvist" }); err != nil {
		t.Fatal(err)
	}
	p.Run(t)
	after := p.Files(t)
	if got := filesettest.ChangedLines(files, after); got["users.csv"] != 1 || got["roles.csv"] != 1 || len(got) != 2 {
		t.Errorf("one changed name changed lines %v, want the pupil's rows of users.csv and roles.csv", got)
	}
	if !strings.Contains(after["users.csv"], pupil.ID+",active,2025-09-15T07:00:00.000Z,") {
		t.Errorf("the changed row does not carry the time of the change")
	}
}

// Every file holds no identity number, address or private e-mail address, and nothing of the
// persons with protected identity unless the host opts in.
func TestNoPersonalDataReachesTheFiles(t *testing.T) {
	for _, protected := range []bool{false, true} {
		target, err := oneroster.New(t.TempDir(), oneroster.Options{Demographics: true, UsernameTemplate: "{given}.{family}@exempelby.se"})
		if err != nil {
			t.Fatal(err)
		}
		p := filesettest.New(t, target, true, filesettest.AllEmails, reconcile.Options{IncludeProtected: protected})
		p.Run(t)
		files := p.Files(t)
		filesettest.NoPersonalData(t, files, protected)
		for _, person := range ss12000test.SampleSchool().Persons {
			if ss12000.IsProtected(person.SecurityMarking) && strings.Contains(files["demographics.csv"], person.ID) {
				t.Errorf("the birth date of the protected person %s reached demographics.csv", person.ID)
			}
		}
		if again := p.Run(t); again.Counts.Changes() != 0 || len(again.Unconverged) != 0 {
			t.Errorf("protected %v: a second run plans %+v and %d unconverged", protected, again.Counts, len(again.Unconverged))
		}
	}
}

// A person with two e-mail addresses (OneRoster's users.csv keeps one) is planned once, not on
// every run.
func TestSecondAddressConverges(t *testing.T) {
	target, err := oneroster.New(t.TempDir(), oneroster.Options{UsernameTemplate: "{given}.{family}@exempelby.se"})
	if err != nil {
		t.Fatal(err)
	}
	filesettest.SecondAddressConverges(t, filesettest.New(t, target, true, filesettest.AllEmails, reconcile.Options{}))
}
