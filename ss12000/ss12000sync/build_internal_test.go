package ss12000sync

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000test"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
	"github.com/edusync/edusync/synth"
)

// municipality returns the synth municipality preset as the Source keeps it.
func municipality(tb testing.TB) (*dataset, reconcile.Date) {
	opts, err := synth.PresetOptions(synth.PresetMunicipality)
	if err != nil {
		tb.Fatal(err)
	}
	pop, err := synth.Generate(opts)
	if err != nil {
		tb.Fatal(err)
	}
	ds := ss12000test.FromPopulation(pop)
	d := newDataset()
	for i := range ds.Organisations {
		d.orgs[ds.Organisations[i].ID] = ptr(organisationRecord(&ds.Organisations[i]))
	}
	for i := range ds.Persons {
		p := ss12000.PersonExpanded{ID: ds.Persons[i].ID, GivenName: ds.Persons[i].GivenName, FamilyName: ds.Persons[i].FamilyName,
			SecurityMarking: ds.Persons[i].SecurityMarking, Emails: ds.Persons[i].Emails, Enrolments: ds.Persons[i].Enrolments,
			Responsibles: ds.Persons[i].Responsibles, BirthDate: ds.Persons[i].BirthDate, EduPersonPrincipalNames: ds.Persons[i].EduPersonPrincipalNames}
		d.persons[p.ID] = ptr(personRecord(&p, false))
	}
	for i := range ds.Groups {
		g := ss12000.GroupExpanded{ID: ds.Groups[i].ID, DisplayName: ds.Groups[i].DisplayName, GroupType: ds.Groups[i].GroupType,
			Organisation: ds.Groups[i].Organisation, StartDate: ds.Groups[i].StartDate, EndDate: ds.Groups[i].EndDate,
			GroupMemberships: ds.Groups[i].GroupMemberships}
		d.groups[g.ID] = ptr(groupRecord(&g))
	}
	for i := range ds.Duties {
		x := ss12000.DutyExpanded{ID: ds.Duties[i].ID, Person: ds.Duties[i].Person, DutyAt: ds.Duties[i].DutyAt, DutyRole: ds.Duties[i].DutyRole,
			StartDate: ds.Duties[i].StartDate, EndDate: ds.Duties[i].EndDate, AssignmentRole: ds.Duties[i].AssignmentRole}
		d.duties[x.ID] = ptr(dutyRecord(&x))
	}
	for i := range ds.Activities {
		a := ss12000.ActivityExpanded{ID: ds.Activities[i].ID, Groups: ds.Activities[i].Groups, Teachers: ds.Activities[i].Teachers,
			StartDate: ds.Activities[i].StartDate, EndDate: ds.Activities[i].EndDate}
		d.activities[a.ID] = ptr(activityRecord(&a))
	}
	return d, reconcile.DateOf(pop.Today.Time())
}

func BenchmarkBuildMunicipality(b *testing.B) {
	d, today := municipality(b)
	opts := &Options{Guardians: true, Now: time.Now}
	b.ResetTimer()
	for b.Loop() {
		snap, n := d.snapshot(opts, today)
		if len(snap.Persons) == 0 {
			b.Fatal("empty")
		}
		_ = n
	}
}

// BenchmarkRestoreMunicipality loads the municipality from SQLite as a new process does: kept
// as a base of segments (the layout runs write) and, for comparison, one row per record (the
// layout of formats 1 and 2).
func BenchmarkRestoreMunicipality(b *testing.B) {
	d, _ := municipality(b)
	scope := store.Scope{Flow: "bench"}
	for _, layout := range []string{"segments", "rows"} {
		b.Run(layout, func(b *testing.B) {
			st, err := sqlite.Open(context.Background(), filepath.Join(b.TempDir(), "restore.db"))
			if err != nil {
				b.Fatal(err)
			}
			defer st.Close()
			s := &Source{opts: Options{Store: st, Scope: scope}}
			if layout == "segments" {
				_, err = s.compact(context.Background(), d, &ss12000.SyncState{}, &storedMeta{Format: storeFormat})
			} else {
				c := &changes{orgs: d.orgs, persons: d.persons, groups: d.groups, duties: d.duties, activities: d.activities}
				var batch store.Batch
				c.batch(&batch)
				err = s.write(context.Background(), &batch, &ss12000.SyncState{}, storedMeta{Format: recordFormat})
			}
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for b.Loop() {
				got, n, err := s.load(context.Background())
				if err != nil || len(got.persons) != len(d.persons) {
					b.Fatal(err, n)
				}
			}
		})
	}
}
