package sds_test

import (
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/edusync/edusync/fileset/filesettest"
	"github.com/edusync/edusync/internal/golden"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/sds"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000test"
)

func newPipeline(t *testing.T, guardians bool, emails []ss12000.EmailType, opts reconcile.Options) *filesettest.Pipeline {
	t.Helper()
	target, err := sds.New(t.TempDir(), sds.Options{UsernameTemplate: "{given}.{family}@exempelby.se"})
	if err != nil {
		t.Fatal(err)
	}
	return filesettest.New(t, target, guardians, emails, opts)
}

// The sample school gives the same set on every run (golden files); a second run plans and
// writes nothing; a pupil's new family name changes that pupil's row and nothing else.
func TestSampleSchoolSet(t *testing.T) {
	p := newPipeline(t, false, nil, reconcile.Options{})
	if first := p.Run(t); first.Counts.Created == 0 {
		t.Fatalf("the first run created nothing: %+v", first.Counts)
	}
	files := p.Files(t)
	for _, spec := range sds.Specs {
		golden.Check(t, filepath.Join("testdata", "golden", spec.Name), []byte(files[spec.Name]))
	}
	commit := p.Target.(*sds.Target).LastCommit()
	if again := p.Run(t); again.Counts.Changes() != 0 || len(again.Unconverged) != 0 {
		t.Fatalf("a second run on unchanged data plans %+v and %d unconverged fields", again.Counts, len(again.Unconverged))
	}
	if got := p.Target.(*sds.Target).LastCommit(); got.Set != commit.Set {
		t.Fatalf("a run without changes switched to set %s (was %s)", got.Set, commit.Set)
	}
	pupil := ss12000test.SampleSchool().Persons[40]
	if _, err := ss12000test.Modify(p.Server, pupil.ID, func(x *ss12000.Person) { x.FamilyName = "Lindqvist" }); err != nil {
		t.Fatal(err)
	}
	if third := p.Run(t); third.Counts.Changes() != 1 || third.Counts.Updated != 1 {
		t.Fatalf("one changed name: the plan has %+v", third.Counts)
	}
	after := p.Files(t)
	if got := filesettest.ChangedLines(files, after); len(got) != 1 || got["users.csv"] != 1 {
		t.Errorf("one changed name changed lines %v, want one line of users.csv", got)
	}
	if !strings.Contains(after["users.csv"], pupil.ID+",") || !strings.Contains(after["users.csv"], ",Lindqvist,") {
		t.Errorf("users.csv lacks the pupil's new name")
	}
}

// Every file of the set holds no identity number, address or private e-mail address of
// anyone, and nothing of the persons with protected identity unless the host opts in; then
// only their id, name, username and roles, and a second run still plans nothing.
func TestNoPersonalDataReachesTheFiles(t *testing.T) {
	sample := ss12000test.SampleSchool()
	for _, protected := range []bool{false, true} {
		p := newPipeline(t, true, filesettest.AllEmails, reconcile.Options{IncludeProtected: protected})
		p.Run(t)
		files := p.Files(t)
		filesettest.NoPersonalData(t, files, protected)
		if !protected {
			continue
		}
		lines := strings.Split(files["users.csv"], "\r\n")
		for _, person := range sample.Persons {
			if !ss12000.IsProtected(person.SecurityMarking) {
				continue
			}
			if strings.Contains(files["relationships.csv"], person.ID) {
				t.Errorf("a relationship of the protected person %s reached the set", person.ID)
			}
			if len(person.Enrolments) == 0 {
				continue
			}
			i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, person.ID+",") })
			if i < 0 {
				t.Errorf("the protected pupil %s was opted in but is not in users.csv", person.ID)
			} else if strings.Split(lines[i], ",")[6] != "" {
				t.Errorf("the protected pupil %s has an e-mail address in users.csv", person.ID)
			}
		}
		if again := p.Run(t); again.Counts.Changes() != 0 || len(again.Unconverged) != 0 {
			t.Errorf("with protected persons opted in, a second run plans %+v and %d unconverged", again.Counts, len(again.Unconverged))
		}
	}
}

// A person with two e-mail addresses (SDS keeps one) is planned once, not on every run.
func TestSecondAddressConverges(t *testing.T) {
	filesettest.SecondAddressConverges(t, newPipeline(t, false, filesettest.AllEmails, reconcile.Options{}))
}
