package sds_test

import (
	"context"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/golden"
	"github.com/edusync/edusync/internal/leakcheck"
	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/sds"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000sync"
	"github.com/edusync/edusync/ss12000/ss12000test"
)

// day is a Monday in the sample school's autumn term.
var day = time.Date(2025, 9, 15, 6, 0, 0, 0, time.UTC)

// pipeline is the sample school's SS 12000 service, its Source and an SDS target.
type pipeline struct {
	srv     *ss12000test.Server
	source  reconcile.Source
	target  *sds.Target
	history reconcile.History
	opts    reconcile.Options
}

func newPipeline(t *testing.T, guardians bool, emails []ss12000.EmailType, opts reconcile.Options) *pipeline {
	t.Helper()
	clock := testclock.New(day)
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
	target, err := sds.New(t.TempDir(), sds.Options{UsernameTemplate: "{given}.{family}@exempelby.se"})
	if err != nil {
		t.Fatal(err)
	}
	return &pipeline{srv: srv, source: target.Deliverable(src), target: target, opts: opts}
}

// run plans and applies once and returns the plan.
func (p *pipeline) run(t *testing.T) *reconcile.Plan {
	t.Helper()
	ctx := context.Background()
	src, err := reconcile.Load(ctx, p.source)
	if err != nil {
		t.Fatal(err)
	}
	tgt, err := reconcile.Load(ctx, p.target)
	if err != nil {
		t.Fatal(err)
	}
	o := p.opts
	o.Now, o.History = day, p.history
	plan, err := reconcile.NewPlan(src, tgt, o)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := reconcile.Apply(ctx, plan, p.target, reconcile.ApplyOptions{})
	if err != nil {
		t.Fatal(err)
	}
	p.history.Update(rep)
	return plan
}

// files reads the current set.
func (p *pipeline) files(t *testing.T) map[string]string {
	t.Helper()
	dir := p.target.Dir().CurrentPath()
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

// The sample school gives the same set on every run (golden files); a second run plans and
// writes nothing; a pupil's new family name changes that pupil's row and nothing else.
func TestSampleSchoolSet(t *testing.T) {
	p := newPipeline(t, false, nil, reconcile.Options{})
	first := p.run(t)
	if first.Counts.Created == 0 {
		t.Fatalf("the first run created nothing: %+v", first.Counts)
	}
	files := p.files(t)
	for _, spec := range sds.Specs {
		golden.Check(t, filepath.Join("testdata", "golden", spec.Name), []byte(files[spec.Name]))
	}
	commit := p.target.LastCommit()

	again := p.run(t)
	if n := again.Counts.Changes(); n != 0 || len(again.Unconverged) != 0 {
		t.Fatalf("a second run on unchanged data plans %d changes and %d unconverged fields", n, len(again.Unconverged))
	}
	if got := p.target.LastCommit(); got.Set != commit.Set {
		t.Fatalf("a run without changes switched to set %s (was %s)", got.Set, commit.Set)
	}

	pupil := ss12000test.SampleSchool().Persons[40]
	if _, err := ss12000test.Modify(p.srv, pupil.ID, func(x *ss12000.Person) { x.FamilyName = "Lindqvist" }); err != nil {
		t.Fatal(err)
	}
	third := p.run(t)
	if third.Counts.Changes() != 1 || third.Counts.Updated != 1 {
		t.Fatalf("one changed name: the plan has %+v", third.Counts)
	}
	after := p.files(t)
	for name, before := range files {
		a, b := strings.Split(before, "\r\n"), strings.Split(after[name], "\r\n")
		var changed []string
		for i := range max(len(a), len(b)) {
			if i >= len(a) || i >= len(b) || a[i] != b[i] {
				changed = append(changed, name)
			}
		}
		want := 0
		if name == "users.csv" {
			want = 1
		}
		if len(changed) != want {
			t.Errorf("%s: %d lines changed, want %d", name, len(changed), want)
		}
	}
	if !strings.Contains(after["users.csv"], pupil.ID+",") || !strings.Contains(after["users.csv"], ",Lindqvist,") {
		t.Errorf("users.csv lacks the pupil's new name")
	}
}

// uuids matches the ids of the sample school's records (UUIDs, and a few such as elev-1042),
// whose digit runs are no identity numbers.
var uuids = regexp.MustCompile(`[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}|\b(elev|vh)-\d{4}\b`)

// dates matches the dates of the terms written (2025-08-18, term-20250818-20260612), whose
// digits a birth date in a personal number may share.
var dates = regexp.MustCompile(`\d{4}-\d{2}-\d{2}|term-\d{8}-\d{8}`)

// Every file of the set holds no identity number, address or private e-mail address of
// anyone, and nothing of the persons with protected identity unless the host opts in; then
// only their id, name, username and roles.
func TestNoPersonalDataReachesTheFiles(t *testing.T) {
	sample := ss12000test.SampleSchool()
	for _, tc := range []struct {
		name      string
		protected bool
	}{{"default", false}, {"protected persons opted in", true}} {
		t.Run(tc.name, func(t *testing.T) {
			all := []ss12000.EmailType{ss12000.EmailTypePrivat, ss12000.EmailTypeSkolaElev, ss12000.EmailTypeSkolaPersonal}
			p := newPipeline(t, true, all, reconcile.Options{IncludeProtected: tc.protected})
			p.run(t)
			var text strings.Builder
			for _, body := range p.files(t) {
				text.WriteString(body)
			}
			out := text.String()
			ids := dates.ReplaceAllString(uuids.ReplaceAllString(out, ""), "")
			for _, person := range sample.Persons {
				if person.CivicNo.Value != "" && leakcheck.Number(ids, person.CivicNo.Value) != "" {
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
				if !tc.protected && strings.Contains(out, person.ID) {
					t.Errorf("the protected person %s reached the set", person.ID)
				}
			}
			if tc.protected {
				users := p.files(t)["users.csv"]
				for _, person := range sample.Persons {
					if !ss12000.IsProtected(person.SecurityMarking) || len(person.Enrolments) == 0 {
						continue
					}
					lines := strings.Split(users, "\r\n")
					i := slices.IndexFunc(lines, func(l string) bool { return strings.HasPrefix(l, person.ID+",") })
					if i < 0 {
						t.Errorf("the protected pupil %s was opted in but is not in users.csv", person.ID)
						continue
					}
					if f := strings.Split(lines[i], ","); f[6] != "" {
						t.Errorf("the protected pupil %s has an e-mail address in users.csv", person.ID)
					}
				}
				if rel := p.files(t)["relationships.csv"]; slices.ContainsFunc(sample.Persons, func(x ss12000.Person) bool {
					return ss12000.IsProtected(x.SecurityMarking) && strings.Contains(rel, x.ID)
				}) {
					t.Error("a relationship of a protected person reached the set")
				}
				again := p.run(t)
				if again.Counts.Changes() != 0 || len(again.Unconverged) != 0 {
					t.Errorf("with protected persons opted in, a second run plans %+v and %d unconverged", again.Counts, len(again.Unconverged))
				}
			}
		})
	}
}
