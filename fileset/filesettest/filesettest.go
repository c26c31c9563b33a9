package filesettest

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/fileset"
	"github.com/edusync/edusync/internal/leakcheck"
	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000sync"
	"github.com/edusync/edusync/ss12000/ss12000test"
)

// Day is a Monday in the sample school's autumn term.
var Day = time.Date(2025, 9, 15, 6, 0, 0, 0, time.UTC)

// Target is what the tests need of a file-set target.
type Target interface {
	reconcile.Target
	Dir() *fileset.Dir
	Deliverable(src reconcile.Source) *fileset.Deliverable
}

// Pipeline is the sample school's SS 12000 service, its Source (through the target's
// Deliverable) and a target, with what reconcile keeps between runs.
type Pipeline struct {
	Server  *ss12000test.Server
	Source  reconcile.Source
	Target  Target
	History reconcile.History
	Options reconcile.Options
}

// New starts the sample school's service and returns its pipeline into target. guardians and
// emails configure ss12000sync (nil emails: its default, no private addresses).
func New(t testing.TB, target Target, guardians bool, emails []ss12000.EmailType, opts reconcile.Options) *Pipeline {
	t.Helper()
	clock := testclock.New(Day)
	srv := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.SampleSchool()), ss12000test.WithClock(clock.Now))
	t.Cleanup(srv.Close)
	c, err := ss12000.New(srv.URL(), ss12000.WithBearerToken(srv.Token()))
	if err != nil {
		t.Fatal(err)
	}
	src, err := ss12000sync.New(c, ss12000sync.Options{Guardians: guardians, EmailTypes: emails, Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	return &Pipeline{Server: srv, Source: target.Deliverable(src), Target: target, Options: opts}
}

// Run plans and applies once and returns the plan.
func (p *Pipeline) Run(t testing.TB) *reconcile.Plan {
	t.Helper()
	ctx := context.Background()
	src, err := reconcile.Load(ctx, p.Source)
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := reconcile.Load(ctx, p.Target)
	if err != nil {
		t.Fatal(err)
	}
	o := p.Options
	o.Now, o.History = Day, p.History
	plan, err := reconcile.NewPlan(src, tgt, o)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := reconcile.Apply(ctx, plan, p.Target, reconcile.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.History.Update(rep)
	return plan
}

// Files reads the current set, by file name.
func (p *Pipeline) Files(t testing.TB) map[string]string {
	t.Helper()
	dir := p.Target.Dir().CurrentPath()
	es, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		out[e.Name()] = string(b)
	}
	return out
}

// ChangedLines returns, per file, how many lines differ between two sets.
func ChangedLines(before, after map[string]string) map[string]int {
	out := map[string]int{}
	for name := range merge(before, after) {
		a, b := lines(before[name]), lines(after[name])
		n := 0
		for i := range max(len(a), len(b)) {
			if i >= len(a) || i >= len(b) || a[i] != b[i] {
				n++
			}
		}
		if n > 0 {
			out[name] = n
		}
	}
	return out
}

func merge(a, b map[string]string) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func lines(s string) []string { return strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") }

// ids matches the sample school's ids (UUIDs, and a few such as elev-1042) and the dates of
// terms, whose digit runs are no identity numbers.
var ids = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b(elev|vh)-\d{4}\b|\d{4}-\d{2}-\d{2}|term-\d{8}-\d{8}|\d{4}-\d{2}-\d{2}T[0-9:.]+Z`)

// NoPersonalData fails t when the files hold digits of any sample person's identity number,
// any address, a private e-mail address of a person with protected identity, or, unless
// protected is set, anything of a person with protected identity.
func NoPersonalData(t testing.TB, files map[string]string, protected bool) {
	t.Helper()
	var b strings.Builder
	for _, body := range files {
		b.WriteString(body)
	}
	out := b.String()
	stripped := ids.ReplaceAllString(out, "")
	for _, person := range ss12000test.SampleSchool().Persons {
		if person.CivicNo.Value != "" && leakcheck.Number(stripped, person.CivicNo.Value) != "" {
			t.Errorf("digits of %s's identity number reached the set", person.ID)
		}
		for _, a := range person.Addresses {
			for _, v := range []string{a.StreetAddress, a.PostalCode} {
				if v != "" && strings.Contains(out, v) {
					t.Errorf("an address of %s reached the set", person.ID)
				}
			}
		}
		if !ss12000.IsProtected(person.SecurityMarking) {
			continue
		}
		for _, e := range person.Emails {
			if e.Type == ss12000.EmailTypePrivat && strings.Contains(out, e.Value) {
				t.Errorf("a private e-mail address of a protected person (%s) reached the set", person.ID)
			}
		}
		if !protected && strings.Contains(out, person.ID) {
			t.Errorf("the protected person %s reached the set", person.ID)
		}
	}
}

// AllEmails are every e-mail type, private addresses included.
var AllEmails = []ss12000.EmailType{ss12000.EmailTypePrivat, ss12000.EmailTypeSkolaElev, ss12000.EmailTypeSkolaPersonal}

// School is a small source in SS 12000's vocabulary for TargetSuite fixtures: a principal and
// a school unit (with its parent and school unit code), three pupils and a teacher with school
// e-mail addresses and EPPNs, a class and a teaching group for the autumn term, and their
// memberships (the teacher is the class's mentor).
func School() *reconcile.Snapshot {
	term := reconcile.Period{From: reconcile.NewDate(2025, 8, 18), To: reconcile.NewDate(2026, 6, 12)}
	person := func(key, given, family, role string) reconcile.Person {
		return reconcile.Person{Keys: reconcile.Keys{SourceKey: key}, GivenNames: given, FamilyName: family,
			Emails: []string{key + "@exempelby.se"}, EPPNs: []string{key + "@exempelby.se"},
			Contexts: []reconcile.Context{{Organisation: "unit-1", Role: role}}}
	}
	return &reconcile.Snapshot{
		Organisations: []reconcile.Organisation{{Keys: reconcile.Keys{SourceKey: "kommun"}, Name: "Exempelby kommun", Type: "Huvudman"},
			{Keys: reconcile.Keys{SourceKey: "unit-1"}, Name: "Exempelbyskolan", Type: "Skolenhet",
				Attributes: map[string]string{"parent": "kommun", "schoolUnitCode": "19283746"}}},
		Persons: []reconcile.Person{person("p-1", "Åsa", "Öberg", "Elev"), person("p-2", "Noah", "Andersson", "Elev"),
			person("p-3", "Elsa", "Lind", "Elev"), person("t-1", "Karin", "Berg", "Lärare")},
		Groups: []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "7a"}, Name: "7A", Type: "Klass", Organisation: "unit-1", Valid: term},
			{Keys: reconcile.Keys{SourceKey: "ma7"}, Name: "Matematik 7", Type: "Undervisning", Organisation: "unit-1", Valid: term}},
		Memberships: []reconcile.Membership{{Person: "p-1", Group: "7a", Role: "Elev"}, {Person: "p-2", Group: "7a", Role: "Elev"},
			{Person: "p-3", Group: "ma7", Role: "Elev"}, {Person: "t-1", Group: "ma7", Role: "Lärare"}, {Person: "t-1", Group: "7a", Role: "Mentor"}},
	}
}

// SecondAddressConverges gives a pupil of the sample school a private e-mail address beside its
// school address (p's source must read private addresses: AllEmails), then runs twice: the
// first run may update the pupil, the second must plan nothing and report nothing unconverged,
// as a format that writes one address per person must not rewrite that person on every run.
func SecondAddressConverges(t testing.TB, p *Pipeline) {
	t.Helper()
	p.Run(t)
	pupil := ss12000test.SampleSchool().Persons[40]
	if _, err := ss12000test.Modify(p.Server, pupil.ID, func(x *ss12000.Person) {
		x.Emails = append(x.Emails, ss12000.Email{Type: ss12000.EmailTypePrivat, Value: "Aaa.private@example.org"})
	}); err != nil {
		t.Fatal(err)
	}
	if changed := p.Run(t); changed.Counts.Updated != 1 {
		t.Fatalf("the second address updated %d records, want the pupil", changed.Counts.Updated)
	}
	if again := p.Run(t); again.Counts.Changes() != 0 || len(again.Unconverged) != 0 {
		t.Fatalf("with two e-mail addresses a run on unchanged data plans %+v and %d unconverged fields", again.Counts, len(again.Unconverged))
	}
}
