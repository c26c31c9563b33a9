package schulconnexsync_test

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnexsync"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
)

const school = "NI_12345" // the fake's default organisation

func srcPerson(key, family, given, born, place string, role string, extra ...func(*reconcile.Person)) reconcile.Person {
	p := reconcile.Person{Keys: reconcile.Keys{SourceKey: key}, FamilyName: family, GivenNames: given, BirthPlace: place,
		Contexts: []reconcile.Context{{Organisation: school, Role: role}}, Attributes: map[string]string{schulconnexsync.AttrGeschlecht: "x"}}
	if born != "" {
		p.BirthDate, _ = reconcile.ParseDate(born)
	}
	for _, f := range extra {
		f(&p)
	}
	return p
}

// caseOf returns the actions of a plan by kind and Schulconnex case.
func actionsByCase(plan *reconcile.Plan, kind reconcile.Kind) map[int][]reconcile.Action {
	out := map[int][]reconcile.Action{}
	for _, a := range plan.Actions {
		if a.Kind == kind {
			out[a.Case] = append(out[a.Case], a)
		}
	}
	return out
}

func options() reconcile.Options {
	return reconcile.Options{Now: time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC), IncludeProtected: true}
}

// TestPersonAndGroupCases plays the Schulconnex matching cases through the real client against
// the fake: persons 1 to 6, groups 1 to 4, their writes and imports, and a second plan that
// finds nothing left to do.
func TestPersonAndGroupCases(t *testing.T) {
	s := newFake(t)
	c := client(t, s)
	org := s.Organisation().ID
	x := schulconnex.GeschlechtX
	seed := func(p schulconnex.Person) schulconnex.Person { p.Geschlecht = x; return p }
	a, ak := addPerson(t, s, seed(person("Alt", "Anna", "2010-01-01", "Kiel", "s1")), schulconnex.RolleLern)
	b, _ := addPerson(t, s, seed(person("Braun", "Bea", "2010-01-02", "Kiel", "")), schulconnex.RolleLern)
	cc, _ := addPerson(t, s, seed(person("Clausen", "Carl", "2011-02-02", "", "")), schulconnex.RolleLern)
	d, _ := addPerson(t, s, seed(person("Dorn", "Dora", "2009-03-03", "Ulm", "s9")), schulconnex.RolleLern)
	e, _ := addPerson(t, s, seed(person("Ernst", "Emil", "1980-04-04", "Bonn", "")), schulconnex.RolleLehr)
	var g1, g2, g3 schulconnex.Gruppe
	err := s.Edit(func(ed *schulconnextest.Editor) error {
		var err error
		if g1, err = ed.AddGruppe(org, schulconnex.Gruppe{Referrer: "g1", Bezeichnung: "7a", Typ: schulconnex.GruppentypKlasse}); err != nil {
			return err
		}
		if _, err = ed.AddZugehoerigkeit(g1.ID, schulconnex.Gruppenzugehoerigkeit{Ktid: ak[0].ID, Rollen: []schulconnex.Gruppenrolle{schulconnex.GruppenrolleLern}}); err != nil {
			return err
		}
		if g2, err = ed.AddGruppe(org, schulconnex.Gruppe{Referrer: "g2", Bezeichnung: "6b", Typ: schulconnex.GruppentypKlasse}); err != nil {
			return err
		}
		g3, err = ed.AddGruppe(org, schulconnex.Gruppe{Bezeichnung: "AG Chor", Typ: schulconnex.GruppentypSonstig})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}

	source := &reconcile.Snapshot{
		Persons: []reconcile.Person{
			srcPerson("s1", "Neu", "Anna", "2010-01-01", "Kiel", "Lern"),                    // case 1: by referrer, renamed
			srcPerson("s2", "Braun", "Bea", "2010-01-02", "Kiel", "Lern"),                   // case 2: all four attributes
			srcPerson("s3", "Clausen", "Carl", "2011-02-02", "Erfurt, Deutschland", "Lern"), // case 3: no birth place in Schulconnex
			srcPerson("s6", "Sommer", "Sina", "2012-06-06", "Jena", "Lern", func(p *reconcile.Person) { // case 6: new
				p.Emails = []string{"sina.sommer@schule.example.de"}
				p.Attributes[schulconnexsync.AttrJahrgangsstufe] = "05"
			}),
		},
		Groups: []reconcile.Group{
			{Keys: reconcile.Keys{SourceKey: "g1"}, Name: "8a", Type: "Klasse", Organisation: school}, // case 1
			{Keys: reconcile.Keys{SourceKey: "g4"}, Name: "5c", Type: "Klasse", Organisation: school, // case 4
				Attributes: map[string]string{schulconnexsync.AttrJahrgangsstufen: "05", schulconnexsync.AttrFaecher: "MA,Darstellendes Spiel"}},
		},
		Memberships: []reconcile.Membership{
			{Person: "s1", Group: "g1", Role: "Lern"},
			{Person: "s6", Group: "g4", Role: "Lern"},
		},
	}
	dir := t.TempDir()
	if err := schulconnexsync.WriteCSV(dir, source, schulconnexsync.CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	src, err := schulconnexsync.OpenCSV(dir, schulconnexsync.CSVOptions{})
	if err != nil {
		t.Fatal(err)
	}
	target := schulconnexsync.NewTarget(c, schulconnexsync.TargetOptions{})
	load := func() (*reconcile.Snapshot, *reconcile.Snapshot) {
		t.Helper()
		sn, err := reconcile.Load(ctx, src)
		if err != nil {
			t.Fatal(err)
		}
		tg, err := reconcile.Load(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		return sn, tg
	}
	sn, tg := load()
	plan, err := reconcile.NewPlan(sn, tg, options())
	if err != nil {
		t.Fatal(err)
	}
	persons := actionsByCase(plan, reconcile.KindPerson)
	check := func(kind reconcile.Kind, cs int, op reconcile.Op, targetID string, pending bool) {
		t.Helper()
		list := actionsByCase(plan, kind)[cs]
		i := slices.IndexFunc(list, func(a reconcile.Action) bool { return a.TargetID == targetID || (targetID == "" && a.Op == op) })
		if i < 0 {
			t.Fatalf("%s case %d: no action for %q in %+v", kind, cs, targetID, list)
		}
		if list[i].Op != op || (list[i].Confirm == reconcile.Pending) != pending {
			t.Errorf("%s case %d: %s confirm %q, want %s pending %v", kind, cs, list[i].Op, list[i].Confirm, op, pending)
		}
	}
	check(reconcile.KindPerson, 1, reconcile.OpUpdate, a.ID, false)
	check(reconcile.KindPerson, 2, reconcile.OpUpdate, b.ID, false)
	check(reconcile.KindPerson, 3, reconcile.OpUpdate, cc.ID, true)
	check(reconcile.KindPerson, 4, reconcile.OpImport, d.ID, true)
	check(reconcile.KindPerson, 5, reconcile.OpImport, e.ID, true)
	check(reconcile.KindPerson, 6, reconcile.OpCreate, "", false)
	check(reconcile.KindGroup, 1, reconcile.OpUpdate, g1.ID, false)
	check(reconcile.KindGroup, 2, reconcile.OpImport, g2.ID, true)
	check(reconcile.KindGroup, 3, reconcile.OpImport, g3.ID, true)
	check(reconcile.KindGroup, 4, reconcile.OpCreate, "", false)
	if len(persons) != 6 {
		t.Errorf("person cases %v", persons)
	}

	answered, err := plan.Answer(func(*reconcile.Action) reconcile.Verdict { return reconcile.Approve })
	if err != nil {
		t.Fatal(err)
	}
	im := &schulconnexsync.Importer{Source: src, Target: target}
	rep, err := reconcile.Apply(ctx, answered, target, reconcile.ApplyOptions{Importer: im})
	if err != nil || !rep.OK() {
		t.Fatalf("apply: %v %+v", err, rep.Results)
	}

	get := func(id string) *schulconnex.Personendatensatz {
		t.Helper()
		d, err := c.GetPerson(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		return d
	}
	if p := get(a.ID).Person; p.Name.Familienname != "Neu" {
		t.Errorf("case 1: %+v", p.Name)
	}
	if p := get(b.ID).Person; p.Referrer != "s2" {
		t.Errorf("case 2: referrer %q", p.Referrer)
	}
	if p := get(cc.ID).Person; p.Referrer != "s3" || p.Geburt.Geburtsort != "Erfurt, Deutschland" {
		t.Errorf("case 3: %+v", p)
	}
	if p := get(e.ID).Person; p.Referrer != "sc-"+e.ID {
		t.Errorf("case 5: the imported record's referrer is %q", p.Referrer)
	}
	created, err := c.FindPersonByReferrer(ctx, "s6")
	if err != nil || len(created.Personenkontexte) != 1 {
		t.Fatalf("case 6: %+v %v", created, err)
	}
	k := created.Personenkontexte[0]
	if k.Rolle != schulconnex.RolleLern || k.Jahrgangsstufe != "05" || k.Referrer != "s6/Lern" ||
		len(k.Erreichbarkeiten) != 1 || k.Erreichbarkeiten[0].Kennung != "sina.sommer@schule.example.de" {
		t.Errorf("case 6 context %+v", k)
	}
	g, err := c.GetGruppe(ctx, g1.ID)
	if err != nil || g.Gruppe.Bezeichnung != "8a" || len(g.Gruppenzugehoerigkeiten) != 1 {
		t.Errorf("group case 1: %+v %v", g, err)
	}
	if g, err := c.FindGruppeByReferrer(ctx, "g4"); err != nil || len(g.Gruppenzugehoerigkeiten) != 1 ||
		g.Gruppenzugehoerigkeiten[0].Ktid != k.ID || !slices.Equal(g.Gruppe.Jahrgangsstufen, []schulconnex.Jahrgangsstufe{"05"}) {
		t.Errorf("group case 4: %+v %v", g, err)
	}
	if g, _ := c.GetGruppe(ctx, g3.ID); g.Gruppe.Referrer != "sc-"+g3.ID {
		t.Errorf("group case 3: referrer %q", g.Gruppe.Referrer)
	}

	// The imports are in the export now; a new plan has nothing to do.
	sn, tg = load()
	if len(sn.Persons) != 6 || len(sn.Groups) != 4 {
		t.Fatalf("export after imports: %d persons, %d groups", len(sn.Persons), len(sn.Groups))
	}
	again, err := reconcile.NewPlan(sn, tg, options())
	if err != nil {
		t.Fatal(err)
	}
	if again.Counts.Changes() != 0 {
		t.Fatalf("second plan: %+v %+v", again.Counts, again.Actions)
	}
}

// TestTargetRefusesStaleActions: a person changed by another writer after planning is not
// written; the other writer's change stays.
func TestTargetRefusesStaleActions(t *testing.T) {
	for _, trust := range []bool{false, true} {
		s := newFake(t)
		c := client(t, s)
		p, ks := addPerson(t, s, person("Alt", "Anna", "2010-01-01", "Kiel", "s1"), schulconnex.RolleLern)
		target := schulconnexsync.NewTarget(c, schulconnexsync.TargetOptions{})
		tg, err := reconcile.Load(ctx, target)
		if err != nil {
			t.Fatal(err)
		}
		src := &reconcile.Snapshot{Persons: []reconcile.Person{srcPerson("s1", "Neu", "Anna", "2010-01-01", "Kiel", "Lern")}}
		plan, err := reconcile.NewPlan(src, tg, options())
		if err != nil {
			t.Fatal(err)
		}
		// Another writer changes the person and, without TrustRevisions, its context (the
		// person's revision alone would not show that).
		_ = s.Edit(func(e *schulconnextest.Editor) error {
			if !trust {
				return e.EditKontext(ks[0].ID, func(k *schulconnex.Personenkontext) { k.Jahrgangsstufe = "09" })
			}
			return e.EditPerson(p.ID, func(x *schulconnex.Person) { x.Name.Rufname = "Anni" })
		})
		rep, err := reconcile.Apply(ctx, plan, target, reconcile.ApplyOptions{TrustRevisions: trust})
		if err != nil {
			t.Fatal(err)
		}
		if rep.Stale != 1 || rep.Results[0].Status != reconcile.StatusStale {
			t.Fatalf("trust %v: %+v", trust, rep.Results)
		}
		d, _ := c.GetPerson(ctx, p.ID)
		if d.Person.Name.Familienname != "Alt" || (!trust && d.Personenkontexte[0].Jahrgangsstufe != "09") ||
			(trust && d.Person.Name.Rufname != "Anni") {
			t.Fatalf("trust %v: overwritten: %+v", trust, d)
		}
	}
}

func applyOne(t *testing.T, target *schulconnexsync.Target, src *reconcile.Snapshot, opts reconcile.Options) *reconcile.Report {
	t.Helper()
	tg, err := reconcile.Load(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	plan, err := reconcile.NewPlan(src, tg, opts)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := reconcile.Apply(ctx, plan, target, reconcile.ApplyOptions{Clock: func() time.Time { return opts.Now }})
	if err != nil {
		t.Fatal(err)
	}
	return rep
}

// TestRoleChangeAndLifecycle: a role change creates the new context before deleting the old;
// deactivation gives the contexts a deletion time; a person that returns is restored; after the
// grace period the person is deleted, or scheduled when services used its contexts.
func TestRoleChangeAndLifecycle(t *testing.T) {
	clk := testclock.New(time.Date(2026, 9, 14, 10, 0, 0, 0, time.UTC))
	s := newFake(t, schulconnextest.WithClock(clk.Now))
	c := client(t, s, schulconnex.WithClock(clk.Now))
	rita := person("Rolle", "Rita", "1990-01-01", "Kiel", "r1")
	rita.Geschlecht = schulconnex.GeschlechtX
	p, _ := addPerson(t, s, rita, schulconnex.RolleNLehr)
	target := schulconnexsync.NewTarget(c, schulconnexsync.TargetOptions{Grace: 30 * 24 * time.Hour})
	opts := options()
	opts.Now = clk.Now()
	opts.Removals = reconcile.Removals{Enabled: true, GraceDays: 30}

	// Role change NLehr -> Lehr.
	s.ResetStats()
	teacher := &reconcile.Snapshot{Persons: []reconcile.Person{srcPerson("r1", "Rolle", "Rita", "1990-01-01", "Kiel", "Lehr")}}
	if rep := applyOne(t, target, teacher, opts); !rep.OK() {
		t.Fatalf("%+v", rep.Results)
	}
	st := s.Stats()
	if st.Requests["createPersonenkontext"] != 1 || st.Requests["deletePersonenkontext"] != 1 || st.Writes != 2 {
		t.Fatalf("role change writes %v", st.Requests)
	}
	d, _ := c.GetPerson(ctx, p.ID)
	if len(d.Personenkontexte) != 1 || d.Personenkontexte[0].Rolle != schulconnex.RolleLehr {
		t.Fatalf("contexts %+v", d.Personenkontexte)
	}
	kid := d.Personenkontexte[0].ID
	s.MarkUsed(kid)

	// The person leaves: deactivated, its context gets a deletion time 30 days ahead.
	var h reconcile.History
	rep := applyOne(t, target, &reconcile.Snapshot{}, opts)
	h.Update(rep)
	d, _ = c.GetPerson(ctx, p.ID)
	want := schulconnex.NewLoeschzeitpunkt(clk.Now().Add(30 * 24 * time.Hour))
	if got := d.Personenkontexte[0].Loeschung.Zeitpunkt; got != want {
		t.Fatalf("deletion time %v, want %v", got, want)
	}
	// It comes back: restored, the deletion time is gone.
	clk.Advance(24 * time.Hour)
	opts.Now, opts.History = clk.Now(), h
	rep = applyOne(t, target, teacher, opts)
	h.Update(rep)
	if rep.Counts.Updated != 1 {
		t.Fatalf("restore: %+v", rep.Counts)
	}
	d, _ = c.GetPerson(ctx, p.ID)
	if !d.Personenkontexte[0].Loeschung.IsZero() {
		t.Fatalf("deletion time kept: %+v", d.Personenkontexte[0].Loeschung)
	}
	// It leaves for good. Here the service keeps the contexts longer than the pipeline's grace
	// period (the deletion time is 60 days ahead): when the pipeline deletes the person after 30
	// days, the used context cannot be deleted directly and gets the deletion time now; once
	// the service deleted it, the person goes. (With equal periods the service deletes the
	// contexts itself first, as TestWriteMinimality's leavers show.)
	target = schulconnexsync.NewTarget(c, schulconnexsync.TargetOptions{Grace: 60 * 24 * time.Hour})
	opts.History = h
	rep = applyOne(t, target, &reconcile.Snapshot{}, opts)
	h.Update(rep)
	clk.Advance(31 * 24 * time.Hour)
	opts.Now, opts.History = clk.Now(), h
	rep = applyOne(t, target, &reconcile.Snapshot{}, opts)
	if rep.Failed != 1 || !errors.Is(rep.Results[0].Err, schulconnexsync.ErrDeletionScheduled) {
		t.Fatalf("delete: %+v", rep.Results)
	}
	clk.Advance(2 * time.Minute)
	opts.Now = clk.Now()
	rep = applyOne(t, target, &reconcile.Snapshot{}, opts)
	if rep.Counts.Deleted != 1 || !rep.OK() {
		t.Fatalf("delete after the deletion time: %+v %+v", rep.Counts, rep.Results)
	}
	if _, err := c.GetPerson(ctx, p.ID); !errors.Is(err, schulconnex.ErrNotFound) {
		t.Fatalf("person still there: %v", err)
	}
}

// TestTargetLeavesOtherOrganisationsAlone: contexts and persons of other organisations, released
// or not, are not in the target's records, and a plan cannot create contexts elsewhere.
func TestTargetLeavesOtherOrganisationsAlone(t *testing.T) {
	s := newFake(t)
	c := client(t, s)
	own := s.Organisation().ID
	other, _ := s.AddOrganisation(schulconnex.Organisation{Kennung: "NI_2"})
	err := s.Edit(func(e *schulconnextest.Editor) error {
		p, _ := e.AddPerson(other.ID, person("Fremd", "F", "", "", "f1"))
		k, _ := e.AddKontext(p.ID, other.ID, schulconnex.Personenkontext{Rolle: schulconnex.RolleLehr})
		_, err := e.Release(k.ID, schulconnex.Sichtfreigabe{Orgid: own, Von: date("2000-01-01"), Bis: date("2999-01-01")})
		if err != nil {
			return err
		}
		// A person with contexts at both schools: only the own one counts.
		q, _ := e.AddPerson(own, person("Beide", "B", "", "", "b1"))
		if _, err := e.AddKontext(q.ID, own, schulconnex.Personenkontext{Rolle: schulconnex.RolleLern}); err != nil {
			return err
		}
		k2, _ := e.AddKontext(q.ID, other.ID, schulconnex.Personenkontext{Rolle: schulconnex.RolleLehr})
		_, err = e.Release(k2.ID, schulconnex.Sichtfreigabe{Orgid: own, Von: date("2000-01-01"), Bis: date("2999-01-01")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	target := schulconnexsync.NewTarget(c, schulconnexsync.TargetOptions{})
	tg, err := reconcile.Load(ctx, target)
	if err != nil {
		t.Fatal(err)
	}
	if len(tg.Persons) != 1 || tg.Persons[0].Keys.Referrer != "b1" || len(tg.Persons[0].Contexts) != 1 ||
		tg.Persons[0].Contexts[0] != (reconcile.Context{Organisation: school, Role: "Lern"}) {
		t.Fatalf("target persons %+v", tg.Persons)
	}
	src := &reconcile.Snapshot{Persons: []reconcile.Person{srcPerson("n1", "Neu", "N", "", "", "Lern", func(p *reconcile.Person) {
		p.Contexts[0].Organisation = "NI_2"
	})}}
	plan, _ := reconcile.NewPlan(src, tg, options())
	rep, _ := reconcile.Apply(ctx, plan, target, reconcile.ApplyOptions{})
	var failed []error
	for _, r := range rep.Results {
		if r.Err != nil {
			failed = append(failed, r.Err)
		}
	}
	if len(failed) != 1 || !errors.Is(failed[0], schulconnexsync.ErrForeignOrganisation) {
		t.Fatalf("results %+v", rep.Results)
	}
	if !strings.Contains(failed[0].Error(), "NI_2") {
		t.Fatalf("error %v", failed[0])
	}
}

// TestCreateAfterLostAnswer: the service created the person but the answer was lost; the target
// finds it by its referrer instead of creating it twice.
func TestCreateAfterLostAnswer(t *testing.T) {
	s := newFake(t)
	c := client(t, s)
	target := schulconnexsync.NewTarget(c, schulconnexsync.TargetOptions{})
	s.SetFaults(schulconnextest.Faults{Rules: []schulconnextest.Rule{{Method: "POST", Path: "/personen", AfterWrite: true, Times: 1}}})
	rep := applyOne(t, target, &reconcile.Snapshot{Persons: []reconcile.Person{srcPerson("s1", "Neu", "Nele", "2012-01-01", "Kiel", "Lern")}}, options())
	if !rep.OK() || rep.Counts.Created != 1 {
		t.Fatalf("%+v", rep.Results)
	}
	page, _ := c.ListPersonenPage(ctx, nil)
	if len(page.Items) != 1 || len(page.Items[0].Personenkontexte) != 1 {
		t.Fatalf("persons %+v", page.Items)
	}
}
