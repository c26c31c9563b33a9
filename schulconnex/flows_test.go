package schulconnex_test

import (
	"encoding/json"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
)

func TestRemovePerson(t *testing.T) {
	clk := &clock{t: time.Date(2026, 9, 14, 10, 0, 30, 0, time.UTC)}
	cases := []struct {
		name          string
		used          bool
		at            time.Time
		wantDeleted   bool
		wantScheduled schulconnex.Loeschzeitpunkt
	}{
		{"unused contexts are deleted at once", false, time.Time{}, true, schulconnex.Loeschzeitpunkt{}},
		{"used contexts get a deletion time, now at the earliest", true, clk.t.Add(-48 * time.Hour), false,
			schulconnex.NewLoeschzeitpunkt(clk.t)},
		{"used contexts get the time asked for", true, clk.t.Add(72 * time.Hour), false,
			schulconnex.NewLoeschzeitpunkt(clk.t.Add(72 * time.Hour))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			s := newFake(t, schulconnextest.WithClock(clk.now))
			c := client(t, s, schulconnex.WithClock(clk.now))
			p, ks := addPerson(t, s, person("Weg", "Wim", "", "", "w1"), schulconnex.RolleLern, schulconnex.RolleSorgBer)
			if tc.used {
				s.MarkUsed(ks[0].ID, ks[1].ID)
			}
			r, err := c.RemovePerson(ctx, p.ID, schulconnex.RemoveOptions{At: tc.at})
			if err != nil {
				t.Fatal(err)
			}
			if r.PersonDeleted != tc.wantDeleted || r.At != tc.wantScheduled {
				t.Fatalf("removal %+v", r)
			}
			if !tc.used {
				if _, err := c.GetPerson(ctx, p.ID); !errors.Is(err, schulconnex.ErrNotFound) {
					t.Fatalf("person still there: %v", err)
				}
				return
			}
			d, _ := c.GetPerson(ctx, p.ID)
			for _, k := range d.Personenkontexte {
				if k.Loeschung.Zeitpunkt != tc.wantScheduled {
					t.Fatalf("context deletion time %v", k.Loeschung.Zeitpunkt)
				}
			}
			// Running it again before the time changes nothing; after it, the person goes.
			s.ResetStats()
			if r, err := c.RemovePerson(ctx, p.ID, schulconnex.RemoveOptions{At: tc.at}); err != nil || r.PersonDeleted {
				t.Fatalf("again: %+v %v", r, err)
			}
			if st := s.Stats(); st.Requests["updatePersonenkontext"] != 0 {
				t.Fatalf("rescheduled: %v", st.Requests)
			}
			old := clk.t
			clk.t = tc.wantScheduled.Time().Add(time.Minute)
			defer func() { clk.t = old }()
			if r, err := c.RemovePerson(ctx, p.ID, schulconnex.RemoveOptions{}); err != nil || !r.PersonDeleted {
				t.Fatalf("after the deletion time: %+v %v", r, err)
			}
		})
	}
}

func TestRemovePersonKeepsOtherOrganisations(t *testing.T) {
	s := newFake(t)
	c := client(t, s)
	other, _ := s.AddOrganisation(schulconnex.Organisation{Kennung: "NI_2"})
	p, _ := addPerson(t, s, person("Zwei", "Zora", "", "", "z1"), schulconnex.RolleLehr)
	_ = s.Edit(func(e *schulconnextest.Editor) error {
		_, err := e.AddKontext(p.ID, other.ID, schulconnex.Personenkontext{Rolle: schulconnex.RolleLehr})
		return err
	})
	r, err := c.RemovePerson(ctx, p.ID, schulconnex.RemoveOptions{})
	if err != nil || r.PersonDeleted || !r.KeptForOthers || len(r.Deleted) != 1 {
		t.Fatalf("%+v %v", r, err)
	}
	_ = s.Edit(func(e *schulconnextest.Editor) error {
		if d, ok := e.Person(p.ID); !ok || len(d.Personenkontexte) != 1 {
			t.Errorf("the other school's context went: %+v", d)
		}
		return nil
	})
}

func TestChangeRole(t *testing.T) {
	for _, used := range []bool{false, true} {
		s := newFake(t)
		c := client(t, s)
		p, ks := addPerson(t, s, person("Wechsel", "Wanda", "", "", "w2"), schulconnex.RolleNLehr)
		_ = s.Edit(func(e *schulconnextest.Editor) error {
			return e.EditKontext(ks[0].ID, func(k *schulconnex.Personenkontext) {
				k.Erreichbarkeiten = []schulconnex.Erreichbarkeit{{Typ: schulconnex.ErreichbarkeitstypEMail, Kennung: "w@schule.example"}}
			})
		})
		if used {
			s.MarkUsed(ks[0].ID)
		}
		rc, err := c.ChangeRole(ctx, ks[0].ID, schulconnex.RolleLehr, schulconnex.ChangeRoleOptions{Referrer: "w2/Lehr"})
		if err != nil {
			t.Fatal(err)
		}
		if rc.New.Rolle != schulconnex.RolleLehr || rc.New.Referrer != "w2/Lehr" || len(rc.New.Erreichbarkeiten) != 1 || rc.OldDeleted == used {
			t.Fatalf("used %v: %+v", used, rc)
		}
		d, _ := c.GetPerson(ctx, p.ID)
		var roles []schulconnex.Rolle
		for _, k := range d.Personenkontexte {
			roles = append(roles, k.Rolle)
		}
		want := []schulconnex.Rolle{schulconnex.RolleLehr}
		if used {
			want = []schulconnex.Rolle{schulconnex.RolleNLehr, schulconnex.RolleLehr}
			if rc.OldScheduled.IsZero() {
				t.Fatal("the used context got no deletion time")
			}
		}
		if diff := cmp.Diff(want, roles); diff != "" {
			t.Fatalf("used %v: %s", used, diff)
		}
	}
}

// TestChangeRoleAfterConcurrentChange: another writer changes the old context just before
// ChangeRole deletes it; the delete meets 409/00, reads the context again and deletes it with
// its new revision, so the old context does not linger until a deletion time.
func TestChangeRoleAfterConcurrentChange(t *testing.T) {
	s := newFake(t)
	_, ks := addPerson(t, s, person("Wechsel", "Willi", "", "", "w3"), schulconnex.RolleNLehr)
	edited := false
	api := s
	front := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method == http.MethodDelete && !edited {
			edited = true
			_ = s.Edit(func(e *schulconnextest.Editor) error {
				return e.EditKontext(ks[0].ID, func(k *schulconnex.Personenkontext) { k.Referrer = "vom Sekretariat" })
			})
		}
		api.ServeHTTP(w, r)
	}))
	defer front.Close()
	cred := s.Credentials()
	c, err := schulconnex.New(front.URL+schulconnextest.BasePath, schulconnex.WithClientCredentials(s.TokenURL(), cred.ClientID, cred.ClientSecret),
		schulconnex.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	s.ResetStats()
	rc, err := c.ChangeRole(ctx, ks[0].ID, schulconnex.RolleLehr, schulconnex.ChangeRoleOptions{})
	if err != nil || !rc.OldDeleted || !rc.OldScheduled.IsZero() {
		t.Fatalf("%+v %v", rc, err)
	}
	if st := s.Stats(); st.Requests["deletePersonenkontext"] != 2 || st.Requests["updatePersonenkontext"] != 0 {
		t.Fatalf("writes %v", st.Requests)
	}
}

func TestChangeSchoolYear(t *testing.T) {
	s := newFake(t)
	c := client(t, s)
	org := s.Organisation().ID
	var g7, g10, ag schulconnex.Gruppe
	_ = s.Edit(func(e *schulconnextest.Editor) error {
		g7, _ = e.AddGruppe(org, schulconnex.Gruppe{Referrer: "k7a", Bezeichnung: "Klasse 7a", Typ: schulconnex.GruppentypKlasse,
			Jahrgangsstufen: []schulconnex.Jahrgangsstufe{"07"}, Laufzeit: schulconnex.Laufzeit{Von: date("2025-08-01")}})
		g10, _ = e.AddGruppe(org, schulconnex.Gruppe{Referrer: "k10", Bezeichnung: "Klasse 10", Typ: schulconnex.GruppentypKlasse,
			Laufzeit: schulconnex.Laufzeit{Von: date("2025-08-01"), Bislernperiode: "2026"}})
		ag, _ = e.AddGruppe(org, schulconnex.Gruppe{Referrer: "ag", Bezeichnung: "AG Schach", Typ: schulconnex.GruppentypSonstig})
		return nil
	})
	res, err := c.ChangeSchoolYear(ctx, schulconnex.SchoolYearChange{
		Continue: []schulconnex.ContinuedGroup{{ID: g7.ID, Bezeichnung: "Klasse 8a", Jahrgangsstufen: []schulconnex.Jahrgangsstufe{"08"}}, {ID: ag.ID}},
		End:      []string{g10.ID},
		EndDate:  date("2026-07-31"),
	})
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff([]string{g7.ID, g10.ID}, res.Updated); diff != "" {
		t.Errorf("updated: %s", diff)
	}
	if diff := cmp.Diff([]string{ag.ID}, res.Unchanged); diff != "" {
		t.Errorf("unchanged: %s", diff)
	}
	g, _ := c.GetGruppe(ctx, g7.ID)
	if g.Gruppe.ID != g7.ID || g.Gruppe.Bezeichnung != "Klasse 8a" || !slices.Equal(g.Gruppe.Jahrgangsstufen, []schulconnex.Jahrgangsstufe{"08"}) {
		t.Errorf("continued group %+v", g.Gruppe)
	}
	g, _ = c.GetGruppe(ctx, g10.ID)
	if !g.Gruppe.Laufzeit.Bis.Equal(date("2026-07-31").Time) || g.Gruppe.Laufzeit.Bislernperiode != "" {
		t.Errorf("ended group %+v", g.Gruppe.Laufzeit)
	}
	// Thirty days later the ended group is deleted; groups of other systems stay.
	deleted, err := c.DeleteEndedGroups(ctx, date("2026-08-31"), func(g *schulconnex.Gruppe) bool { return g.Referrer != "" })
	if err != nil || !slices.Equal(deleted, []string{g10.ID}) {
		t.Fatalf("deleted %v %v", deleted, err)
	}
	if _, err := c.GetGruppe(ctx, g10.ID); !errors.Is(err, schulconnex.ErrNotFound) {
		t.Fatalf("ended group still there: %v", err)
	}
	if _, err := c.ChangeSchoolYear(ctx, schulconnex.SchoolYearChange{End: []string{g7.ID}}); err == nil {
		t.Fatal("ended groups without an end date accepted")
	}
	res, err = c.ChangeSchoolYear(ctx, schulconnex.SchoolYearChange{Continue: []schulconnex.ContinuedGroup{{ID: "missing", Bezeichnung: "x"}}})
	if err == nil || !errors.Is(res.Failed["missing"], schulconnex.ErrNotFound) {
		t.Fatalf("missing group: %v %+v", err, res)
	}
}

func TestLoeschzeitpunkt(t *testing.T) {
	parse := []struct {
		in   string
		want string
		ok   bool
	}{
		{"2026-09-14T10:05Z", "2026-09-14T10:05Z", true},
		{"2026-09-14T10:05:59Z", "2026-09-14T10:05Z", true},
		{"2026-09-14T12:05:00+02:00", "2026-09-14T10:05Z", true},
		{"2026-09-14T12:05+02:00", "2026-09-14T10:05Z", true},
		{"", "", true},
		{"2026-09-14", "", false},
		{"14.09.2026 10:05", "", false},
	}
	for _, tc := range parse {
		l, err := schulconnex.ParseLoeschzeitpunkt(tc.in)
		if (err == nil) != tc.ok || l.String() != tc.want {
			t.Errorf("%q: %q %v", tc.in, l, err)
		}
	}
	for in, want := range map[time.Time]string{
		time.Date(2026, 9, 14, 10, 5, 0, 0, time.UTC):                      "2026-09-14T10:05Z",
		time.Date(2026, 9, 14, 10, 5, 0, 1, time.UTC):                      "2026-09-14T10:06Z", // never earlier than asked
		time.Date(2026, 9, 14, 12, 5, 30, 0, time.FixedZone("CEST", 7200)): "2026-09-14T10:06Z",
	} {
		if got := schulconnex.NewLoeschzeitpunkt(in).String(); got != want {
			t.Errorf("%v: %s, want %s", in, got, want)
		}
	}
	k := schulconnex.Personenkontext{Rolle: schulconnex.RolleLern,
		Loeschung: schulconnex.Loeschung{Zeitpunkt: schulconnex.NewLoeschzeitpunkt(time.Date(2026, 9, 14, 10, 5, 0, 0, time.UTC))}}
	b, _ := json.Marshal(k)
	if want := `{"loeschung":{"zeitpunkt":"2026-09-14T10:05Z"},"rolle":"Lern"}`; string(b) != want {
		t.Errorf("got %s, want %s", b, want)
	}
	b, _ = json.Marshal(schulconnex.Personenkontext{Rolle: schulconnex.RolleLern})
	if string(b) != `{"rolle":"Lern"}` {
		t.Errorf("no deletion time: %s", b)
	}
	if _, err := (schulconnex.Loeschzeitpunkt{}).MarshalText(); err == nil {
		t.Error("an empty deletion time was written")
	}
}

// TestDeletionTimesEndToEnd: the fake is as strict as servers (minutes only, not in the past),
// and the client never sends a time it would refuse.
func TestDeletionTimesEndToEnd(t *testing.T) {
	clk := &clock{t: time.Date(2026, 9, 14, 10, 0, 30, 0, time.UTC)}
	s := newFake(t, schulconnextest.WithClock(clk.now))
	c := client(t, s, schulconnex.WithClock(clk.now))
	_, ks := addPerson(t, s, person("Zeit", "Zoe", "", "", "z"), schulconnex.RolleLern)
	for body, sub := range map[string]string{
		`{"rolle":"Lern","revision":"1","loeschung":{"zeitpunkt":"2026-09-15T10:00:00Z"}}`: "09", // seconds
		`{"rolle":"Lern","revision":"1","loeschung":{"zeitpunkt":"2026-09-13T10:00Z"}}`:    "03", // in the past
		`{"rolle":"Lern","revision":"1","loeschung":{}}`:                                   "01", // no time
	} {
		status, f := rawRequest(t, s, "PUT", "/personenkontexte/"+ks[0].ID, body)
		if status != 400 || f.Subcode != sub {
			t.Errorf("%s: %d %+v, want 400/%s", body, status, f, sub)
		}
	}
	d, _ := c.GetPersonenkontext(ctx, ks[0].ID)
	k := d.Personenkontexte[0]
	k.Loeschung = schulconnex.Loeschung{Zeitpunkt: schulconnex.NewLoeschzeitpunkt(clk.t.Add(-time.Hour))}
	_, err := c.UpdatePersonenkontext(ctx, k)
	var apiErr *schulconnex.APIError
	if !errors.As(err, &apiErr) || apiErr.Subcode != "03" {
		t.Fatalf("past deletion time: %v", err)
	}
	// ScheduleDeletion never asks for one in the past: it moves it to now.
	got, err := c.ScheduleDeletion(ctx, ks[0].ID, clk.t.Add(-time.Hour))
	if err != nil || got.Loeschung.Zeitpunkt != schulconnex.NewLoeschzeitpunkt(clk.t) {
		t.Fatalf("%+v %v", got, err)
	}
	if got, err := c.CancelDeletion(ctx, ks[0].ID); err != nil || !got.Loeschung.IsZero() {
		t.Fatalf("cancel: %+v %v", got, err)
	}
}

func TestCodesAreCaseInsensitive(t *testing.T) {
	var k schulconnex.Personenkontext
	if err := json.Unmarshal([]byte(`{"rolle":"LEHR","personenstatus":"aktiv","jahrgangsstufe":"9","sichtfreigabe":"JA","erreichbarkeiten":[{"typ":"e-mail","kennung":"a@b"}]}`), &k); err != nil {
		t.Fatal(err)
	}
	want := schulconnex.Personenkontext{Rolle: schulconnex.RolleLehr, Personenstatus: schulconnex.PersonenstatusAktiv,
		Jahrgangsstufe: schulconnex.JahrgangsstufeN09, Sichtfreigabe: schulconnex.JaNeinJa,
		Erreichbarkeiten: []schulconnex.Erreichbarkeit{{Typ: schulconnex.ErreichbarkeitstypEMail, Kennung: "a@b"}}}
	k.Raw = nil
	if diff := cmp.Diff(want, k, cmp.AllowUnexported(schulconnex.Loeschzeitpunkt{})); diff != "" {
		t.Error(diff)
	}
	var g schulconnex.Gruppe
	_ = json.Unmarshal([]byte(`{"typ":"klasse","differenzierung":"ga","faecher":[{"kennung":"ma"},{"bezeichnung":"Robotik"}],"bildungsziele":["gy-sek-i"]}`), &g)
	if g.Typ != schulconnex.GruppentypKlasse || g.Differenzierung != schulconnex.GruppendifferenzierungGA ||
		g.Faecher[0].Kennung != schulconnex.FachkennungMA || g.Bildungsziele[0] != schulconnex.BildungszielGYSEKI {
		t.Errorf("%+v", g)
	}
	var unknown schulconnex.Rolle
	_ = unknown.UnmarshalText([]byte("Hausmeister"))
	if unknown != "Hausmeister" || !schulconnex.Same(schulconnex.RolleLern, "lern") {
		t.Errorf("unknown codes: %q", unknown)
	}
}

func TestErrorBody(t *testing.T) {
	cases := []struct {
		body string
		want schulconnex.Fehler
		ok   bool
	}{
		{`{"code":"409","subcode":"00","titel":"Konflikt","beschreibung":"Revision"}`, schulconnex.Fehler{Code: "409", Subcode: "00", Titel: "Konflikt", Beschreibung: "Revision"}, true},
		{`{"code":409,"subcode":0,"titel":"T"}`, schulconnex.Fehler{Code: "409", Subcode: "00", Titel: "T"}, true},
		{`{"code":400.0,"subcode":"13"}`, schulconnex.Fehler{Code: "400", Subcode: "13"}, true},
		{`{"code":null,"titel":5}`, schulconnex.Fehler{}, false},
		{`not json`, schulconnex.Fehler{}, false},
		{`[]`, schulconnex.Fehler{}, false},
	}
	for _, tc := range cases {
		f, ok := schulconnex.DecodeFehler([]byte(tc.body))
		if ok != tc.ok || f != tc.want {
			t.Errorf("%s: %+v %v", tc.body, f, ok)
		}
	}
}

func TestLogValuesHoldNoPersonalData(t *testing.T) {
	var buf strings.Builder
	logger := slog.New(slog.NewJSONHandler(&buf, nil))
	d := schulconnex.Personendatensatz{
		Person: schulconnex.Person{ID: "p1", Referrer: "199001011234", Name: schulconnex.PersonName{Familienname: "Geheim", Vorname: "Gerda"},
			Geburt: schulconnex.Geburt{Geburtsort: "Kiel"}, Raw: []byte(`{"urn:x":"intern"}`)},
		Personenkontexte: []schulconnex.Personenkontext{{ID: "k1", Rolle: schulconnex.RolleLern,
			Erreichbarkeiten: []schulconnex.Erreichbarkeit{{Typ: schulconnex.ErreichbarkeitstypEMail, Kennung: "gerda@x.de"}}}},
	}
	logger.Info("sync", "datensatz", d, "gruppe", schulconnex.Gruppe{ID: "g1", Bezeichnung: "7a", Raw: []byte(`{"urn:y":"intern"}`)})
	for _, secret := range []string{"Geheim", "Gerda", "Kiel", "gerda@x.de", "199001011234", "intern"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("log holds %q: %s", secret, buf.String())
		}
	}
	if !strings.Contains(buf.String(), `"id":"p1"`) || !strings.Contains(buf.String(), `"rolle":"Lern"`) {
		t.Errorf("log lacks the ids: %s", buf.String())
	}
}
