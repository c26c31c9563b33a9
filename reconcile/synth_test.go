package reconcile_test

import (
	"context"
	"strconv"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/synth"
)

// side says which key space a converted snapshot uses.
type side int

const (
	sourceSide side = iota // source keys; references by source key
	targetSide             // target ids ("T-" + UUID), referrers = source keys; references by target id
)

// converter turns synth populations into reconcile snapshots. It interns UUID strings and the few
// distinct attribute maps, so that two snapshots of a municipality share what they can (planning
// never modifies a snapshot).
type converter struct {
	keys       map[synth.ID]string
	targetIDs  map[synth.ID]string
	personAttr map[[2]string]map[string]string
}

func newConverter() *converter {
	return &converter{keys: map[synth.ID]string{}, targetIDs: map[synth.ID]string{}, personAttr: map[[2]string]map[string]string{}}
}

func (c *converter) key(id synth.ID) string {
	if s, ok := c.keys[id]; ok {
		return s
	}
	s := id.String()
	c.keys[id] = s
	return s
}

func (c *converter) targetID(id synth.ID) string {
	if s, ok := c.targetIDs[id]; ok {
		return s
	}
	s := "T-" + c.key(id)
	c.targetIDs[id] = s
	return s
}

// ref is how a record of this side refers to another record.
func (c *converter) ref(id synth.ID, s side) string {
	if s == targetSide {
		return c.targetID(id)
	}
	return c.key(id)
}

func (c *converter) keysOf(id synth.ID, s side) reconcile.Keys {
	if s == targetSide {
		return reconcile.Keys{TargetID: c.targetID(id), Referrer: c.key(id)}
	}
	return reconcile.Keys{SourceKey: c.key(id)}
}

func civil(d synth.Date) reconcile.Date {
	if d.IsZero() {
		return reconcile.Date{}
	}
	return reconcile.NewDate(d.Year(), d.Month(), d.Day())
}

// snapshot converts a population. The mapping (also the basis of the write table in
// TestWriteMinimality): organisations (name, type, code); persons (names, birth date and place,
// e-mail, EPPN, protected identity, contexts from enrolments and duties, roles and security
// marking as attributes); groups (name, type, organisation, validity, code, school type, school
// year and subject as attributes); memberships (person, group, role, period). Guardianships and
// university records are not part of the canonical model.
func (c *converter) snapshot(pop *synth.Population, s side) *reconcile.Snapshot {
	out := &reconcile.Snapshot{
		Organisations: make([]reconcile.Organisation, 0, len(pop.Organisations)),
		Persons:       make([]reconcile.Person, 0, len(pop.Persons)),
		Groups:        make([]reconcile.Group, 0, len(pop.Groups)),
		Memberships:   make([]reconcile.Membership, 0, len(pop.Memberships)),
	}
	for i := range pop.Organisations {
		o := &pop.Organisations[i]
		out.Organisations = append(out.Organisations, reconcile.Organisation{Keys: c.keysOf(o.ID, s), Revision: revision(s),
			Name: o.Name, Type: o.Type.String(), Attributes: map[string]string{"code": o.Code}})
	}
	contexts := map[synth.ID][]reconcile.Context{}
	for i := range pop.Enrolments {
		e := &pop.Enrolments[i]
		contexts[e.Person] = append(contexts[e.Person], reconcile.Context{Organisation: c.ref(e.SchoolUnit, s), Role: "student"})
	}
	for i := range pop.Duties {
		d := &pop.Duties[i]
		contexts[d.Person] = append(contexts[d.Person], reconcile.Context{Organisation: c.ref(d.Organisation, s), Role: string(d.Role)})
	}
	for i := range pop.Persons {
		p := &pop.Persons[i]
		x := reconcile.Person{Keys: c.keysOf(p.ID, s), Revision: revision(s), FamilyName: p.FamilyName, GivenNames: p.GivenName,
			BirthDate: civil(p.BirthDate), BirthPlace: p.BirthPlace, Protected: p.Security.IsProtected(),
			Contexts: contexts[p.ID], Attributes: c.personAttributes(p)}
		if p.Email != "" {
			x.Emails = []string{p.Email}
		}
		if p.EPPN != "" {
			x.EPPNs = []string{p.EPPN}
		}
		out.Persons = append(out.Persons, x)
	}
	for i := range pop.Groups {
		g := &pop.Groups[i]
		out.Groups = append(out.Groups, reconcile.Group{Keys: c.keysOf(g.ID, s), Revision: revision(s), Name: g.Name,
			Type: g.Type.String(), Organisation: c.ref(g.Organisation, s), Valid: reconcile.Period{From: civil(g.Start), To: civil(g.End)},
			Attributes: map[string]string{"code": g.Code, "schoolType": string(g.SchoolType),
				"schoolYear": strconv.Itoa(int(g.SchoolYear)), "subject": g.Subject}})
	}
	for i := range pop.Memberships {
		m := &pop.Memberships[i]
		x := reconcile.Membership{Person: c.ref(m.Person, s), Group: c.ref(m.Group, s), Role: m.Role.String(),
			Period: reconcile.Period{From: civil(m.Start), To: civil(m.End)}}
		if s == targetSide {
			x.ID, x.Revision = m.ID.String(), "1"
		}
		out.Memberships = append(out.Memberships, x)
	}
	return out
}

func revision(s side) string {
	if s == targetSide {
		return "1"
	}
	return ""
}

func (c *converter) personAttributes(p *synth.Person) map[string]string {
	k := [2]string{p.Roles.String(), p.Security.String()}
	if m, ok := c.personAttr[k]; ok {
		return m
	}
	m := map[string]string{"roles": k[0], "securityMarking": k[1]}
	c.personAttr[k] = m
	return m
}

// scenario is a population on day 0 (what the target holds after the previous sync) and the
// next day with its true changes (what the source holds now).
type scenario struct {
	source, target *reconcile.Snapshot
	changes        []synth.Change
	pop, next      *synth.Population
}

func newScenario(t testing.TB, opts synth.Options, rate float64) *scenario {
	t.Helper()
	pop, err := synth.Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	next, changes, err := synth.NextDay(pop, 7, rate)
	if err != nil {
		t.Fatal(err)
	}
	c := newConverter()
	return &scenario{target: c.snapshot(pop, targetSide), source: c.snapshot(next, sourceSide), changes: changes, pop: pop, next: next}
}

// syncOptions are the options of a pipeline allowed to hold protected persons, with removals on
// and no holds (minimality is measured on whatever the day brings).
func syncOptions() reconcile.Options {
	return reconcile.Options{Now: day0, IncludeProtected: true, Holds: []reconcile.Hold{},
		Removals: reconcile.Removals{Enabled: true, GraceDays: 30}}
}

type kindOp struct {
	Kind reconcile.Kind
	Op   reconcile.Op
}

// minimumWrites is the least a sync must write for synth's true changes, per the mapping of
// converter.snapshot:
//
//	Organisation create/update/delete  -> 1 organisation create/update/deactivate
//	Person create/delete               -> 1 person create/deactivate
//	Person update                      -> 1 person update if a mapped field changed (not Sex, CivicNo, CivicNoKind)
//	Group create/update/delete         -> 1 group create/update/deactivate
//	Membership create/update           -> 1 membership create/update
//	Membership delete                  -> 1 membership delete, or 0 when its person or group is
//	                                      deleted the same day (it stays with that record through
//	                                      the grace period and goes when the record is deleted)
//	Enrolment/Duty create/delete       -> 0 with its person created/deleted, else 1 person update
//	Enrolment/Duty update              -> 1 person update if the organisation changed, else 0
//	Guardianship, university records   -> 0 (not in the canonical model)
//
// Person updates from several changes of one person count once.
func minimumWrites(s *scenario) map[kindOp]int {
	deleted := map[synth.ID]bool{}
	created := map[synth.ID]bool{}
	for _, ch := range s.changes {
		switch ch.Op {
		case synth.Delete:
			deleted[ch.ID] = true
		case synth.Create:
			created[ch.ID] = true
		}
	}
	oldMember := map[synth.ID]*synth.Membership{}
	for i := range s.pop.Memberships {
		oldMember[s.pop.Memberships[i].ID] = &s.pop.Memberships[i]
	}
	personOf := map[synth.ID]synth.ID{}
	for _, p := range []*synth.Population{s.pop, s.next} {
		for i := range p.Enrolments {
			personOf[p.Enrolments[i].ID] = p.Enrolments[i].Person
		}
		for i := range p.Duties {
			personOf[p.Duties[i].ID] = p.Duties[i].Person
		}
	}
	unmapped := map[string]bool{"Sex": true, "CivicNo": true, "CivicNoKind": true}
	updatedPersons := map[synth.ID]bool{}
	want := map[kindOp]int{}
	removal := map[synth.Op]reconcile.Op{synth.Create: reconcile.OpCreate, synth.Update: reconcile.OpUpdate, synth.Delete: reconcile.OpDeactivate}
	for _, ch := range s.changes {
		switch ch.Entity {
		case synth.EntityOrganisation:
			want[kindOp{reconcile.KindOrganisation, removal[ch.Op]}]++
		case synth.EntityGroup:
			want[kindOp{reconcile.KindGroup, removal[ch.Op]}]++
		case synth.EntityPerson:
			if ch.Op != synth.Update {
				want[kindOp{reconcile.KindPerson, removal[ch.Op]}]++
				continue
			}
			for _, f := range ch.Fields {
				if !unmapped[f.Field] {
					updatedPersons[ch.ID] = true
				}
			}
		case synth.EntityMembership:
			switch ch.Op {
			case synth.Create:
				want[kindOp{reconcile.KindMembership, reconcile.OpCreate}]++
			case synth.Update:
				want[kindOp{reconcile.KindMembership, reconcile.OpUpdate}]++
			case synth.Delete:
				if m := oldMember[ch.ID]; !deleted[m.Person] && !deleted[m.Group] {
					want[kindOp{reconcile.KindMembership, reconcile.OpDelete}]++
				}
			}
		case synth.EntityEnrolment, synth.EntityDuty:
			p := personOf[ch.ID]
			if created[p] || deleted[p] {
				continue
			}
			switch ch.Op {
			case synth.Create, synth.Delete:
				updatedPersons[p] = true
			case synth.Update:
				for _, f := range ch.Fields {
					if f.Field == "SchoolUnit" || f.Field == "Organisation" || f.Field == "Role" {
						updatedPersons[p] = true
					}
				}
			}
		}
	}
	for p := range updatedPersons {
		if !created[p] && !deleted[p] {
			want[kindOp{reconcile.KindPerson, reconcile.OpUpdate}]++
		}
	}
	return want
}

// smallMunicipality is the municipality preset at about 1/100 of its size.
func smallMunicipality(t testing.TB) synth.Options {
	o, err := synth.PresetOptions(synth.PresetMunicipality)
	if err != nil {
		t.Fatal(err)
	}
	o.SchoolUnits, o.Students, o.Staff, o.Guardians, o.Groups, o.Memberships = 12, 1100, 150, 1800, 250, 12000
	return o
}

// TestWriteMinimality applies the plan for synth's next day to an in-memory target and compares
// the writes with the minimum the true changes need: the ratio must be exactly 1.
func TestWriteMinimality(t *testing.T) {
	busy := smallMunicipality(t)
	yearChange := smallMunicipality(t)
	// The day before the school year starts: NextDay renames and ends groups, final grades leave.
	yearChange.Today = synth.SchoolYearStart(synth.Sweden, synth.NewDate(2026, 9, 14)).AddDays(-1)
	for name, opts := range map[string]synth.Options{"busy day": busy, "school-year change": yearChange} {
		t.Run(name, func(t *testing.T) {
			s := newScenario(t, opts, 0.01)
			target := reconciletest.NewTarget(s.target)
			plan := mustPlan(t, s.source, target.Snapshot(), syncOptions())
			if plan.Counts.Pending != 0 || plan.Counts.Skipped != 0 {
				t.Fatalf("plan asks questions or skips: %+v", plan.Counts)
			}
			rep, err := reconcile.Apply(context.Background(), plan, target, reconcile.ApplyOptions{})
			if err != nil || !rep.OK() {
				t.Fatalf("apply: %v %+v", err, rep)
			}
			got := map[kindOp]int{}
			total := 0
			for _, w := range target.Writes() {
				got[kindOp{w.Kind, w.Op}]++
				total++
			}
			want := minimumWrites(s)
			minimum := 0
			for _, n := range want {
				minimum += n
			}
			if diff := cmp.Diff(want, got); diff != "" {
				t.Errorf("writes per kind and op (-minimum +actual):\n%s", diff)
			}
			if minimum == 0 {
				t.Fatal("the day brought no changes; the test measures nothing")
			}
			ratio := float64(total) / float64(minimum)
			t.Logf("%d true changes, %d minimum writes, %d actual writes: ratio %.2f; per kind and op: %v", len(s.changes), minimum, total, ratio, got)
			if ratio != 1 {
				t.Errorf("write ratio %.4f, want exactly 1.00", ratio)
			}

			// Planning again on the applied state yields no changes.
			var h reconcile.History
			h.Update(rep)
			o := syncOptions()
			o.History = h
			o.Now = day0.Add(24 * time.Hour)
			again := mustPlan(t, s.source, target.Snapshot(), o)
			if again.Counts.Changes() != 0 {
				t.Errorf("second plan has changes: %+v", again.Counts)
			}
		})
	}
}

// TestFirstSyncNeverGuesses plans a first synchronisation: the target holds the same persons
// but no referrers, so everything is matched by attributes. No automatic match may pair two
// different persons; twins, persons without a birth place and other hard cases become questions.
func TestFirstSyncNeverGuesses(t *testing.T) {
	opts := smallMunicipality(t)
	opts.HardShare = 0.2
	pop, err := synth.Generate(opts)
	if err != nil {
		t.Fatal(err)
	}
	c := newConverter()
	source := c.snapshot(pop, sourceSide)
	target := c.snapshot(pop, targetSide)
	for i := range target.Persons {
		target.Persons[i].Keys.Referrer = ""
	}
	plan := mustPlan(t, &reconcile.Snapshot{Persons: source.Persons}, &reconcile.Snapshot{Persons: target.Persons}, syncOptions())
	flags := map[string]synth.Flag{}
	for i := range pop.Persons {
		flags[pop.Persons[i].ID.String()] = pop.Persons[i].Flags
	}
	auto, pending := 0, 0
	for _, a := range plan.Actions {
		switch {
		case a.Confirm == reconcile.Pending:
			pending++
			if f := flags[a.SourceKey]; f&(synth.FlagTwin|synth.FlagMissingBirthPlace) == 0 {
				t.Errorf("%s (flags %b) asks a question although its attributes are complete and unique", a.ID, f)
			}
		case a.Op == reconcile.OpUpdate:
			auto++
			if a.Case != 2 || a.TargetID != "T-"+a.SourceKey {
				t.Errorf("%s: automatic match case %d with %s", a.ID, a.Case, a.TargetID)
			}
		default:
			t.Errorf("%s: unexpected %s", a.ID, a.Op)
		}
	}
	if auto+plan.Counts.Pending == 0 || pending == 0 {
		t.Fatalf("nothing matched automatically or nothing asked: %+v", plan.Counts)
	}
	// Approving every case-3 question pairs each person with their own record; whatever stays
	// pending is a twin (two candidates that only a person can tell apart).
	answered, err := plan.Answer(reconcile.ApproveCase(reconcile.KindPerson, 3))
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range answered.Actions {
		if a.Confirm == reconcile.Approved && a.TargetID != "T-"+a.SourceKey {
			t.Errorf("%s: approved match with %s", a.ID, a.TargetID)
		}
		if a.Confirm == reconcile.Pending && flags[a.SourceKey]&synth.FlagTwin == 0 {
			t.Errorf("%s (flags %b) still pending", a.ID, flags[a.SourceKey])
		}
	}
	t.Logf("%d persons: %d matched automatically, %d questions; after approving case 3: %+v",
		len(pop.Persons), auto, pending, answered.Counts)
}
