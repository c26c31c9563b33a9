package ss12000sync

import (
	"context"
	"encoding/binary"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/store"
)

// firstForm writes records in the first stored form (format 1), as edusync wrote them before
// the second: stores kept since then must still load.
type firstForm struct{ b []byte }

func (e *firstForm) uint(n uint64) { e.b = appendUvarint(e.b, n) }
func (e *firstForm) str(s string) {
	e.uint(uint64(len(s)))
	e.b = append(e.b, s...)
}
func (e *firstForm) strs(l []string) {
	e.uint(uint64(len(l)))
	for _, s := range l {
		e.str(s)
	}
}
func (e *firstForm) date(d reconcile.Date) {
	if d.IsZero() {
		e.uint(0)
		return
	}
	e.uint(1)
	e.b = appendVarint(e.b, int64(d.Year()))
	e.uint(uint64(d.Month()))
	e.uint(uint64(d.Day()))
}
func (e *firstForm) flag(v bool) {
	if v {
		e.b = append(e.b, 1)
	} else {
		e.b = append(e.b, 0)
	}
}

func firstFormOf(r any) []byte {
	e := &firstForm{b: []byte{1}}
	switch r := r.(type) {
	case *orgRec:
		for _, s := range []string{r.ID, r.Name, r.Type, r.Parent, r.SchoolUnitCode, r.OrgCode, r.MunicipalityCode} {
			e.str(s)
		}
		e.strs(r.SchoolTypes)
		e.date(r.Start)
		e.date(r.End)
	case *personRec:
		for _, s := range []string{r.ID, r.Given, r.Middle, r.Family, r.CivicNo} {
			e.str(s)
		}
		e.date(r.Birth)
		e.flag(r.Protected)
		e.uint(uint64(len(r.Emails)))
		for _, m := range r.Emails {
			e.str(m.Type)
			e.str(m.Value)
		}
		e.strs(r.EPPNs)
		e.uint(uint64(len(r.Enrolments)))
		for _, x := range r.Enrolments {
			e.str(x.Unit)
			e.str(x.SchoolType)
			e.b = appendVarint(e.b, int64(x.Year))
			e.flag(x.Cancelled)
			e.date(x.Start)
			e.date(x.End)
		}
		e.uint(uint64(len(r.Responsibles)))
		for _, x := range r.Responsibles {
			e.str(x.Person)
			e.str(x.Relation)
		}
	case *groupRec:
		for _, s := range []string{r.ID, r.Name, r.Type, r.Org, r.SchoolType} {
			e.str(s)
		}
		e.date(r.Start)
		e.date(r.End)
		e.uint(uint64(len(r.Members)))
		for _, m := range r.Members {
			e.str(m.Person)
			e.date(m.Start)
			e.date(m.End)
		}
	case *dutyRec:
		for _, s := range []string{r.ID, r.Person, r.Unit, r.Role} {
			e.str(s)
		}
		e.date(r.Start)
		e.date(r.End)
		e.uint(uint64(len(r.Assignments)))
		for _, a := range r.Assignments {
			e.str(a.Group)
			e.str(a.Role)
			e.date(a.Start)
			e.date(a.End)
		}
	case *activityRec:
		e.str(r.ID)
		e.strs(r.Groups)
		e.uint(uint64(len(r.Teachers)))
		for _, t := range r.Teachers {
			e.str(t.Duty)
			e.date(t.Start)
			e.date(t.End)
		}
		e.date(r.Start)
		e.date(r.End)
	}
	return e.b
}

// codecDataset has a record of each kind with ids that are UUIDs and ids that are not, UUIDs
// after a prefix and in upper case, dates before 1970 and far off, absent dates and empty lists.
func codecDataset() *dataset {
	const (
		u1 = "0b6f4c55-9a8e-4d3c-9f61-2f2d0f6a1b2c"
		u2 = "f0e1d2c3-b4a5-4968-8776-655443322110"
		up = "0B6F4C55-9A8E-4D3C-9F61-2F2D0F6A1B2C"
	)
	d := newDataset()
	d.orgs[u1] = &orgRec{ID: u1, Name: "Norra skolan", Type: "Skolenhet", Parent: "huvudman-1", SchoolUnitCode: "12345678",
		SchoolTypes: []string{"GR", "FSK"}, Start: reconcile.NewDate(1969, 12, 31)}
	d.orgs["org-2"] = &orgRec{ID: "org-2", Name: "Kommunen"}
	d.persons[u2] = &personRec{ID: u2, Given: "Åsa", Middle: "Li", Family: "Öberg", CivicNo: "", Birth: reconcile.NewDate(1958, 2, 28),
		Protected: true, Emails: []emailRec{{"Skola elev", "asa@example.se"}, {"Privat", ""}}, EPPNs: []string{"asa@example.se"},
		Enrolments:   []enrolRec{{Unit: u1, SchoolType: "GR", Year: 7, Start: reconcile.NewDate(2025, 8, 18)}, {Unit: "x" + u1, Year: -1, Cancelled: true, End: reconcile.NewDate(2400, 2, 29)}},
		Responsibles: []respRec{{Person: up, Relation: "Vårdnadshavare"}}}
	d.persons["p-plain"] = &personRec{ID: "p-plain", Family: "Berg", Birth: reconcile.NewDate(-44, 3, 15)}
	d.groups[u1] = &groupRec{ID: u1, Name: "7A", Type: "Klass", Org: u1, SchoolType: "GR", Start: reconcile.NewDate(2025, 8, 18),
		Members: []memberRec{{Person: u2}, {Person: "p-plain", Start: reconcile.NewDate(2025, 1, 1), End: reconcile.NewDate(2025, 12, 31)}}}
	d.duties["duty-1"] = &dutyRec{ID: "duty-1", Person: u2, Unit: u1, Role: "Lärare", Start: reconcile.NewDate(2020, 1, 1),
		Assignments: []assignRec{{Group: u1, Role: "Mentor", End: reconcile.NewDate(2026, 6, 30)}}}
	d.activities[u2] = &activityRec{ID: u2, Groups: []string{u1, "g-2"}, Teachers: []teacherRec{{Duty: "duty-1", Start: reconcile.NewDate(2025, 8, 1)}}}
	return d
}

// storeOf keeps d in a memory store, each record in the form enc gives it.
func storeOf(t *testing.T, d *dataset, format int, enc func(r encodable) []byte) (store.Store, store.Scope) {
	t.Helper()
	st, scope := store.NewMemory(), store.Scope{Flow: "codec"}
	var b store.Batch
	each := func(prefix string, id string, r encodable) { b.Set(prefix+id, enc(r)) }
	for id, r := range d.orgs {
		each(prefixOrg, id, r)
	}
	for id, r := range d.persons {
		each(prefixPers, id, r)
	}
	for id, r := range d.groups {
		each(prefixGroup, id, r)
	}
	for id, r := range d.duties {
		each(prefixDuty, id, r)
	}
	for id, r := range d.activities {
		each(prefixAct, id, r)
	}
	if err := b.Put(keyState, ss12000.SyncState{}); err != nil {
		t.Fatal(err)
	}
	if err := b.Put(keyMeta, storedMeta{Format: format}); err != nil {
		t.Fatal(err)
	}
	if err := st.Update(context.Background(), scope, func(tx store.Tx) error { return tx.Apply(b) }); err != nil {
		t.Fatal(err)
	}
	return st, scope
}

func TestStoredRecordsLoadInEitherForm(t *testing.T) {
	want := codecDataset()
	firstOf := func(r encodable) []byte { return firstFormOf(r) }
	mixed := 0
	for name, c := range map[string]struct {
		format int
		enc    func(r encodable) []byte
	}{
		"first form":  {1, firstOf},
		"second form": {2, encodable.encode},
		// A store of the first form after a delta run: the records it read are in the second.
		"both": {2, func(r encodable) []byte {
			mixed++
			if mixed%2 == 0 {
				return firstOf(r)
			}
			return r.encode()
		}},
	} {
		st, scope := storeOf(t, want, c.format, c.enc)
		s := &Source{opts: Options{Store: st, Scope: scope}}
		got, n, err := s.load(context.Background())
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if n != 7 {
			t.Errorf("%s: %d records loaded, want 7", name, n)
		}
		if d := cmp.Diff(want, got, cmp.AllowUnexported(dataset{}, reconcile.Date{})); d != "" {
			t.Errorf("%s (-want +got):\n%s", name, d)
		}
	}
}

func TestStoredRecordsOfANewerFormatAreReadAgain(t *testing.T) {
	st, scope := storeOf(t, codecDataset(), storeFormat+1, encodable.encode)
	s := &Source{opts: Options{Store: st, Scope: scope}}
	if _, _, err := s.load(context.Background()); err == nil {
		t.Fatal("a store of a newer format was loaded")
	}
}

// TestDayNumbersRoundTrip: every day of four centuries each side of 1970, and far-off years,
// survives the day-number form of dates.
func TestDayNumbersRoundTrip(t *testing.T) {
	check := func(y, m, d int64) {
		t.Helper()
		n := daysFromCivil(y, m, d)
		if gy, gm, gd := civilFromDays(n); gy != y || gm != m || gd != d {
			t.Fatalf("%d-%d-%d is day %d, which reads back as %d-%d-%d", y, m, d, n, gy, gm, gd)
		}
	}
	day := time.Date(1570, 1, 1, 0, 0, 0, 0, time.UTC)
	for n := daysFromCivil(1570, 1, 1); day.Year() < 2370; n++ {
		if got := daysFromCivil(int64(day.Year()), int64(day.Month()), int64(day.Day())); got != n {
			t.Fatalf("%s is day %d, want %d", day.Format(time.DateOnly), got, n)
		}
		check(int64(day.Year()), int64(day.Month()), int64(day.Day()))
		day = day.AddDate(0, 0, 1)
	}
	check(-999_000, 2, 28)
	check(999_000, 12, 31)
	check(0, 2, 29)
	var d decoder
	for _, date := range []reconcile.Date{{}, reconcile.NewDate(1970, 1, 1), reconcile.NewDate(1969, 12, 31), reconcile.NewDate(2025, 8, 18)} {
		e := newEncoder()
		e.date(date)
		d.record(e.b, nil, nil)
		if got := d.date(); got != date || d.end() != nil {
			t.Errorf("%v reads back as %v (%v)", date, got, d.err)
		}
	}
}

func appendUvarint(b []byte, n uint64) []byte { return binary.AppendUvarint(b, n) }
func appendVarint(b []byte, n int64) []byte   { return binary.AppendVarint(b, n) }
