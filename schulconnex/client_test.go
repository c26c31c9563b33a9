package schulconnex_test

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"reflect"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/google/go-cmp/cmp"
	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/edusync/edusync/internal/rawjson"
	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
)

// TestEveryOperationHasAMethod keeps the facade in step with openapi/schulconnex.yaml: each
// operationId must be a Client method of the same name.
func TestEveryOperationHasAMethod(t *testing.T) {
	spec, err := os.ReadFile("../openapi/schulconnex.yaml")
	if err != nil {
		t.Fatal(err)
	}
	ops := regexp.MustCompile(`(?m)^\s+operationId: (\w+)$`).FindAllSubmatch(spec, -1)
	if len(ops) != 33 {
		t.Fatalf("found %d operations in the spec, want the 33 of api-qs", len(ops))
	}
	ct := reflect.TypeFor[*schulconnex.Client]()
	for _, m := range ops {
		id := string(m[1])
		name := strings.ToUpper(id[:1]) + id[1:]
		if _, ok := ct.MethodByName(name); !ok {
			t.Errorf("operation %s has no Client.%s", id, name)
		}
	}
}

func TestAuthentication(t *testing.T) {
	s := newFake(t)
	cred := s.Credentials()
	cases := []struct {
		name    string
		opt     schulconnex.Option
		wantErr bool
	}{
		{"client credentials", schulconnex.WithClientCredentials(s.TokenURL(), cred.ClientID, cred.ClientSecret), false},
		{"password grant", schulconnex.WithPasswordGrant(s.TokenURL(), cred.ClientID, cred.ClientSecret, cred.Username, cred.Password), false},
		{"wrong secret", schulconnex.WithClientCredentials(s.TokenURL(), cred.ClientID, "not-the-secret"), true},
		{"wrong password", schulconnex.WithPasswordGrant(s.TokenURL(), cred.ClientID, cred.ClientSecret, cred.Username, "not-the-password"), true},
		{"no credentials", nil, true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			cl, err := schulconnex.New(s.URL(), c.opt, schulconnex.WithoutRetry())
			if err != nil {
				t.Fatal(err)
			}
			o, err := cl.GetOrganisationInfo(ctx)
			if c.wantErr {
				if !errors.Is(err, schulconnex.ErrUnauthorized) {
					t.Fatalf("err = %v, want ErrUnauthorized", err)
				}
				for _, secret := range []string{"not-the-secret", "not-the-password", cred.ClientSecret, cred.Password} {
					if strings.Contains(err.Error(), secret) {
						t.Fatalf("error %q contains a secret", err)
					}
				}
				return
			}
			if err != nil || o.ID != s.Organisation().ID {
				t.Fatalf("organisation %+v, err %v", o, err)
			}
		})
	}
}

func TestGrantNotOffered(t *testing.T) {
	s := newFake(t, schulconnextest.WithGrants(true, false))
	cred := s.Credentials()
	cl, _ := schulconnex.New(s.URL(), schulconnex.WithPasswordGrant(s.TokenURL(), cred.ClientID, cred.ClientSecret, cred.Username, cred.Password))
	var te *schulconnex.TokenError
	if _, err := cl.GetOrganisationInfo(ctx); !errors.As(err, &te) || te.StatusCode != http.StatusBadRequest {
		t.Fatalf("err = %v", err)
	}
}

// TestTokenRenewedOnceOn401: a token the service rejects is replaced once; a service that keeps
// rejecting is asked exactly twice.
func TestTokenRenewedOnceOn401(t *testing.T) {
	s := newFake(t)
	c := client(t, s)
	t.Run("password grant", func(t *testing.T) {
		s := newFake(t)
		cred := s.Credentials()
		c, err := schulconnex.New(s.URL(), schulconnex.WithPasswordGrant(s.TokenURL(), cred.ClientID, cred.ClientSecret, cred.Username, cred.Password),
			schulconnex.WithoutRetry())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := c.GetOrganisationInfo(ctx); err != nil {
			t.Fatal(err)
		}
		s.ExpireTokens()
		if _, err := c.GetOrganisationInfo(ctx); err != nil {
			t.Fatalf("after the token expired: %v", err)
		}
		// The rejected token is replaced through its refresh token, not by logging in again.
		if st := s.Stats(); st.Grants["password"] != 1 || st.Grants["refresh_token"] != 1 || st.Requests["getOrganisationInfo"] != 3 {
			t.Fatalf("stats %+v", st)
		}
	})
	if _, err := c.GetOrganisationInfo(ctx); err != nil {
		t.Fatal(err)
	}
	s.ExpireTokens()
	if _, err := c.GetOrganisationInfo(ctx); err != nil {
		t.Fatalf("after the token expired: %v", err)
	}
	if st := s.Stats(); st.Requests["token"] != 2 || st.Requests["getOrganisationInfo"] != 3 {
		t.Fatalf("stats %+v, want 2 tokens and 3 requests", st)
	}
	s.ResetStats()
	s.SetFaults(schulconnextest.Faults{Rules: []schulconnextest.Rule{{Status: http.StatusUnauthorized, Code: "02"}}})
	_, err := c.GetOrganisationInfo(ctx)
	var apiErr *schulconnex.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 401 || apiErr.Subcode != "02" {
		t.Fatalf("err = %v", err)
	}
	if st := s.Stats(); st.Requests["getOrganisationInfo"] != 2 || st.Requests["token"] != 1 {
		t.Fatalf("stats %+v: want one retry with one new token", st)
	}
}

func TestPasswordGrantUsesRefreshToken(t *testing.T) {
	clk := &clock{t: time.Date(2026, 9, 14, 8, 0, 0, 0, time.UTC)}
	s := newFake(t, schulconnextest.WithClock(clk.now), schulconnextest.WithTokenLifetime(time.Minute))
	cred := s.Credentials()
	c, err := schulconnex.New(s.URL(), schulconnex.WithPasswordGrant(s.TokenURL(), cred.ClientID, cred.ClientSecret, cred.Username, cred.Password),
		schulconnex.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := c.GetOrganisationInfo(ctx); err != nil {
			t.Fatal(err)
		}
		s.ExpireTokens() // the server's clock is frozen; expire explicitly
	}
	if st := s.Stats(); st.Grants["password"] != 1 || st.Grants["refresh_token"] != 2 {
		t.Fatalf("grants %v, want one login and two renewals by refresh token", st.Grants)
	}
}

func TestStaticBearerToken(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer t-1" {
			w.WriteHeader(401)
			return
		}
		_, _ = w.Write([]byte(`{"id":"o1","kennung":"NI_1"}`))
	}))
	defer srv.Close()
	c, err := schulconnex.New(srv.URL, schulconnex.WithBearerToken("t-1"))
	if err != nil {
		t.Fatal(err)
	}
	if o, err := c.GetOrganisationInfo(ctx); err != nil || o.Kennung != "NI_1" {
		t.Fatalf("%+v %v", o, err)
	}
}

func TestNew(t *testing.T) {
	for _, u := range []string{"", "ftp://x", "/v1", "https://x/v1?a=b", "https://x/v1#f"} {
		if _, err := schulconnex.New(u); err == nil {
			t.Errorf("base URL %q accepted", u)
		}
	}
	for _, o := range []schulconnex.Option{schulconnex.WithBearerToken(""), schulconnex.WithTokenSource(nil),
		schulconnex.WithClientCredentials("", "", ""), schulconnex.WithPasswordGrant("u", "c", "s", "", ""), schulconnex.WithClock(nil)} {
		if _, err := schulconnex.New("https://x/v1", o); err == nil {
			t.Error("invalid option accepted")
		}
	}
	c, err := schulconnex.New("https://schulconnex.example/v1/")
	if err != nil || c.BaseURL() != "https://schulconnex.example/v1" {
		t.Fatalf("%v %v", c, err)
	}
}

// TestConcurrentChangeNeverOverwritten: an update planned on an old revision is refused with
// ErrRevisionConflict and the other writer's change stays.
func TestConcurrentChangeNeverOverwritten(t *testing.T) {
	for _, numeric := range []bool{false, true} {
		var opts []schulconnextest.Option
		if numeric {
			opts = append(opts, schulconnextest.WithNumericCodes())
		}
		s := newFake(t, opts...)
		c := client(t, s)
		p, _ := addPerson(t, s, person("Meyer", "Anna", "2010-01-02", "Kiel", "k1"), schulconnex.RolleLern)
		d, err := c.GetPerson(ctx, p.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Another writer changes the person.
		if err := s.Edit(func(e *schulconnextest.Editor) error {
			return e.EditPerson(p.ID, func(x *schulconnex.Person) { x.Name.Rufname = "Anni" })
		}); err != nil {
			t.Fatal(err)
		}
		mine := d.Person
		mine.Name.Familienname = "Meyer-Lange"
		_, err = c.UpdatePerson(ctx, mine)
		var apiErr *schulconnex.APIError
		if !errors.Is(err, schulconnex.ErrRevisionConflict) || !errors.Is(err, schulconnex.ErrConflict) ||
			!errors.As(err, &apiErr) || apiErr.Code != "409" || apiErr.Subcode != "00" {
			t.Fatalf("numeric %v: err = %v", numeric, err)
		}
		cur, _ := c.GetPerson(ctx, p.ID)
		if cur.Person.Name.Rufname != "Anni" || cur.Person.Name.Familienname != "Meyer" {
			t.Fatalf("the other writer's change was lost: %+v", cur.Person.Name)
		}
		// ModifyPerson re-reads and re-applies the change on top of the other writer's.
		got, err := c.ModifyPerson(ctx, p.ID, 3, func(x *schulconnex.Person) error {
			x.Name.Familienname = "Meyer-Lange"
			return nil
		})
		if err != nil || got.Name.Familienname != "Meyer-Lange" || got.Name.Rufname != "Anni" {
			t.Fatalf("modify: %+v %v", got, err)
		}
	}
}

// TestModifyRetriesAfterConflict: a concurrent change between ModifyPerson's read and write
// makes it read again and apply the change to the new version.
func TestModifyRetriesAfterConflict(t *testing.T) {
	s := newFake(t)
	c := client(t, s)
	p, _ := addPerson(t, s, person("Kurz", "Ben", "", "", "k2"), schulconnex.RolleLehr)
	calls := 0
	got, err := c.ModifyPerson(ctx, p.ID, 3, func(x *schulconnex.Person) error {
		calls++
		if calls == 1 {
			_ = s.Edit(func(e *schulconnextest.Editor) error {
				return e.EditPerson(p.ID, func(y *schulconnex.Person) { y.Name.Titel = "Dr." })
			})
		}
		x.Name.Vorname = "Benjamin"
		return nil
	})
	if err != nil || calls != 2 || got.Name.Titel != "Dr." || got.Name.Vorname != "Benjamin" {
		t.Fatalf("calls %d, %+v, %v", calls, got, err)
	}
	// Without attempts left the conflict is returned.
	_, err = c.ModifyPerson(ctx, p.ID, 1, func(x *schulconnex.Person) error {
		_ = s.Edit(func(e *schulconnextest.Editor) error {
			return e.EditPerson(p.ID, func(y *schulconnex.Person) { y.Name.Titel += "x" })
		})
		x.Name.Vorname = "Ben"
		return nil
	})
	if !errors.Is(err, schulconnex.ErrRevisionConflict) {
		t.Fatalf("err = %v", err)
	}
}

// TestVendorExtensionSurvivesUpdate: a property the models do not know (a vendor extension)
// goes back byte for byte when the person is updated.
func TestVendorExtensionSurvivesUpdate(t *testing.T) {
	s := newFake(t)
	c := client(t, s)
	ext := `{ "personalnummer" : "NM 1356", "note": "A&B <x> \u00e9" ,"list":[1, 2.50]}`
	seed := person("von Musterfrau", "Natalie", "1980-05-01", "Berlin", "125")
	seed.Raw = []byte(`{"urn:schulsystemix:params:schulconnex:schemas:core:2.0:personerweiterung":` + ext + `,"name":{"urn:x:nested":"keep"}}`)
	p, _ := addPerson(t, s, seed, schulconnex.RolleLehr)
	d, err := c.GetPerson(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	np := d.Person
	np.Name.Familienname = "Musterfrau"
	np.Name.Titel = "Dr."
	out, err := c.UpdatePerson(ctx, np)
	if err != nil {
		t.Fatal(err)
	}
	var stored []byte
	_ = s.Edit(func(e *schulconnextest.Editor) error { stored = e.PersonJSON(p.ID); return nil })
	members, err := rawjson.Members(stored)
	if err != nil {
		t.Fatal(err)
	}
	found := false
	for _, m := range members {
		if m.Name == "urn:schulsystemix:params:schulconnex:schemas:core:2.0:personerweiterung" {
			found = true
			if string(m.Value) != ext {
				t.Fatalf("extension changed:\n got %s\nwant %s", m.Value, ext)
			}
		}
	}
	if !found || !bytes.Contains(stored, []byte(`"urn:x:nested":"keep"`)) {
		t.Fatalf("extension lost: %s", stored)
	}
	if out.Name.Familienname != "Musterfrau" || out.Revision == d.Person.Revision {
		t.Fatalf("answer %+v", out)
	}
	// Read back through the client, it is still the same bytes, and a second update (from the
	// record read back) keeps them too.
	again, err := c.GetPerson(ctx, p.ID)
	if err != nil || !bytes.Contains(again.Person.Raw, []byte(`"urn:schulsystemix:params:schulconnex:schemas:core:2.0:personerweiterung":`+ext)) {
		t.Fatalf("read back: %s %v", again.Person.Raw, err)
	}
	np = again.Person
	np.Name.Titel = ""
	if _, err := c.UpdatePerson(ctx, np); err != nil {
		t.Fatal(err)
	}
	_ = s.Edit(func(e *schulconnextest.Editor) error { stored = e.PersonJSON(p.ID); return nil })
	if !bytes.Contains(stored, []byte(ext)) || bytes.Contains(stored, []byte(`"titel"`)) {
		t.Fatalf("second update: %s", stored)
	}
}

// TestUpdateRefusesForeignRaw: a Raw that is not the record's JSON is refused before a request,
// instead of sending the typed fields alone (which would drop what Raw carried).
func TestUpdateRefusesForeignRaw(t *testing.T) {
	s := newFake(t)
	c := client(t, s)
	p, _ := addPerson(t, s, person("Roh", "Rita", "", "", "r9"), schulconnex.RolleLern)
	d, err := c.GetPerson(ctx, p.ID)
	if err != nil {
		t.Fatal(err)
	}
	s.ResetStats()
	for _, raw := range []string{`[1,2]`, `{"name":"not an object"}`, `{"urn:x":1`} {
		np := d.Person
		np.Raw = []byte(raw)
		if _, err := c.UpdatePerson(ctx, np); err == nil {
			t.Errorf("Raw %s accepted", raw)
		}
	}
	if w := s.Stats().Writes; w != 0 {
		t.Fatalf("%d writes sent", w)
	}
}

// TestUpdateWithoutRaw: a person built from scratch (no Raw) is sent as its plain encoding, and
// the fake accepts it; a body with a property that is not a vendor extension is refused.
func TestBodiesAreStrict(t *testing.T) {
	s := newFake(t)
	c := client(t, s)
	created, err := c.CreatePerson(ctx, person("Neu", "Nora", "2011-02-03", "Ulm", "n1"))
	if err != nil {
		t.Fatal(err)
	}
	np := *created
	np.Raw = []byte(`{"unknown":"x"}`) // a property that is neither modelled nor a URN
	_, err = c.UpdatePerson(ctx, np)
	var apiErr *schulconnex.APIError
	if !errors.As(err, &apiErr) || apiErr.StatusCode != 400 || apiErr.Subcode != "06" {
		t.Fatalf("err = %v, want 400/06", err)
	}
}

func TestLookupByReferrerIsExact(t *testing.T) {
	s := newFake(t)
	c := client(t, s)
	for _, ref := range []string{"12", "123", "A12", "a12", "dup", "dup"} {
		addPerson(t, s, person("N"+ref, "V", "", "", ref), schulconnex.RolleLern)
	}
	cases := []struct {
		ref     string
		want    string
		wantErr error
	}{
		{"12", "N12", nil},
		{"A12", "NA12", nil},
		{"a12", "Na12", nil},
		{"1", "", schulconnex.ErrNotFound},
		{"dup", "", schulconnex.ErrAmbiguous},
	}
	for _, tc := range cases {
		d, err := c.FindPersonByReferrer(ctx, tc.ref)
		if tc.wantErr != nil {
			if !errors.Is(err, tc.wantErr) {
				t.Errorf("%q: err = %v, want %v", tc.ref, err, tc.wantErr)
			}
			continue
		}
		if err != nil || d.Person.Name.Familienname != tc.want {
			t.Errorf("%q: %v %v", tc.ref, d, err)
		}
	}
	// The server's filter itself is a case-insensitive substring match.
	page, err := c.ListPersonenPage(ctx, &schulconnex.ListPersonenParams{Referrer: "a1"})
	if err != nil || len(page.Items) != 2 {
		t.Fatalf("substring filter: %d items, %v", len(page.Items), err)
	}
}

func TestDuplicateFilterAndUnknownRoutes(t *testing.T) {
	s := newFake(t)
	cases := []struct {
		method, path string
		status       int
		subcode      string
	}{
		{"GET", "/personen?referrer=a&referrer=b", 400, "17"},
		{"GET", "/personen?sichtfreigabe=vielleicht", 400, "02"},
		{"GET", "/nirgends", 404, "00"},
		{"PATCH", "/personen", 405, "00"},
		{"GET", "/personen/unbekannt", 404, "01"},
		{"POST", "/personen", 400, "01"},
		{"POST", "/personen", 400, "04"},
	}
	bodies := map[int]string{5: `{"name":{"familienname":"A"},"auskunftssperre":"Nein"}`, 6: `{"name":`}
	for i, tc := range cases {
		status, f := rawRequest(t, s, tc.method, tc.path, bodies[i])
		if status != tc.status || f.Subcode != tc.subcode || f.Code != fmt.Sprint(tc.status) {
			t.Errorf("%s %s: %d %+v", tc.method, tc.path, status, f)
		}
	}
}

// TestSharedRecordsAreNeverWritten: a person another organisation released to this one is
// listed with sichtfreigabe Ja and refused locally, without a request.
func TestSharedRecordsAreNeverWritten(t *testing.T) {
	s := newFake(t)
	c := client(t, s)
	other, _ := s.AddOrganisation(schulconnex.Organisation{Kennung: "NI_2", Name: "Zweite Schule"})
	var k schulconnex.Personenkontext
	var pid string
	ownID := s.Organisation().ID
	err := s.Edit(func(e *schulconnextest.Editor) error {
		p, err := e.AddPerson(other.ID, person("Fremd", "Frieda", "", "", "x1"))
		if err != nil {
			return err
		}
		pid = p.ID
		if k, err = e.AddKontext(p.ID, other.ID, schulconnex.Personenkontext{Rolle: schulconnex.RolleLehr}); err != nil {
			return err
		}
		_, err = e.Release(k.ID, schulconnex.Sichtfreigabe{Orgid: ownID, Von: date("2000-01-01"), Bis: date("2999-12-31")})
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	page, err := c.ListPersonenPage(ctx, nil)
	if err != nil || len(page.Items) != 1 {
		t.Fatalf("%v %v", page, err)
	}
	d := page.Items[0]
	if !schulconnex.IsShared(&d) || !d.Personenkontexte[0].Sichtfreigabe.Bool() {
		t.Fatalf("not marked as shared: %+v", d)
	}
	s.ResetStats()
	np := d.Person
	np.Name.Vorname = "Fritzi"
	if _, err := c.UpdatePerson(ctx, np); !errors.Is(err, schulconnex.ErrReadOnly) {
		t.Fatalf("update person: %v", err)
	}
	if _, err := c.UpdatePersonenkontext(ctx, d.Personenkontexte[0]); !errors.Is(err, schulconnex.ErrReadOnly) {
		t.Fatalf("update context: %v", err)
	}
	if err := c.DeletePersonenkontext(ctx, k.ID, "1"); !errors.Is(err, schulconnex.ErrReadOnly) {
		t.Fatalf("delete context: %v", err)
	}
	if _, err := c.RemovePerson(ctx, pid, schulconnex.RemoveOptions{}); !errors.Is(err, schulconnex.ErrReadOnly) {
		t.Fatalf("remove: %v", err)
	}
	if w := s.Stats().Writes; w != 0 {
		t.Fatalf("%d writes reached the server", w)
	}
	// The fake refuses them too, for clients without the guard.
	other2 := schulconnextest.NewServer()
	defer other2.Close()
	raw, _ := schulconnex.New(s.URL(), schulconnex.WithClientCredentials(s.TokenURL(), s.Credentials().ClientID, s.Credentials().ClientSecret))
	kk := d.Personenkontexte[0]
	kk.Sichtfreigabe = ""
	if _, err := raw.UpdatePersonenkontext(ctx, kk); !errors.Is(err, schulconnex.ErrForbidden) {
		t.Fatalf("fake accepted a write to a released context: %v", err)
	}
	// Only released contexts are listed: sichtfreigabe=nein hides the person.
	own, _ := c.ListPersonenPage(ctx, &schulconnex.ListPersonenParams{Sichtfreigabe: "nein"})
	if len(own.Items) != 0 {
		t.Fatalf("sichtfreigabe=nein listed %d", len(own.Items))
	}
}

func TestTolerantDecoding(t *testing.T) {
	body := `[{"person":{"id":"p1","name":{"familienname":"A","vorname":"B"},"auskunftssperre":"nein","geschlecht":"W"},"personenkontexte":[{"id":"k1","rolle":"lern","jahrgangsstufe":"7"}]},
	{"person":{"id":"p2","geburt":{"datum":"2010-02-30"}}},
	{"person":{"name":{"familienname":"C"}}},
	{"person":{"id":"p4","name":{"familienname":"D","vorname":"E"}}}]`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, body) }))
	defer srv.Close()
	c, _ := schulconnex.New(srv.URL, schulconnex.WithBearerToken("t"))
	page, err := c.ListPersonenPage(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, d := range page.Items {
		ids = append(ids, d.Person.ID)
	}
	if diff := cmp.Diff([]string{"p1", "p4"}, ids); diff != "" {
		t.Fatal(diff)
	}
	if len(page.RecordErrors) != 2 || page.RecordErrors[0].ID != "p2" || page.RecordErrors[1].Index != 2 {
		t.Fatalf("record errors %v", page.RecordErrors)
	}
	// Codes are read without regard to case, and grades with one digit.
	p1 := page.Items[0]
	if p1.Person.Auskunftssperre != schulconnex.JaNeinNein || p1.Person.Geschlecht != schulconnex.GeschlechtW ||
		p1.Personenkontexte[0].Rolle != schulconnex.RolleLern || p1.Personenkontexte[0].Jahrgangsstufe != schulconnex.JahrgangsstufeN07 {
		t.Fatalf("codes not canonical: %+v", p1)
	}
	n := 0
	for _, err := range c.ListPersonen(ctx, nil) {
		var re *schulconnex.RecordError
		if errors.As(err, &re) {
			n++
		}
	}
	if n != 2 {
		t.Fatalf("iterator yielded %d record errors", n)
	}
	strict, _ := schulconnex.New(srv.URL, schulconnex.WithBearerToken("t"), schulconnex.WithStrict())
	var de *schulconnex.DecodeError
	if _, err := strict.ListPersonenPage(ctx, nil); !errors.As(err, &de) {
		t.Fatalf("strict: %v", err)
	}
}

func TestLogsHoldNoSecrets(t *testing.T) {
	s := newFake(t)
	var buf bytes.Buffer
	logger := slog.New(slog.NewJSONHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	cred := s.Credentials()
	c, err := schulconnex.New(s.URL(), schulconnex.WithClientCredentials(s.TokenURL(), cred.ClientID, cred.ClientSecret), schulconnex.WithLogger(logger))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.ListPersonenPage(ctx, nil); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(buf.String(), "/personen") {
		t.Fatalf("no request logged: %s", buf.String())
	}
	for _, secret := range []string{cred.ClientSecret, "access_token", "Bearer"} {
		if strings.Contains(buf.String(), secret) {
			t.Errorf("log contains %q", secret)
		}
	}
}

// TestLostAnswerToUpdate: the service applied a PUT but the answer was lost; the retried PUT
// meets a conflict with the client's own write, which the client recognises as done.
func TestLostAnswerToUpdate(t *testing.T) {
	s := newFake(t)
	c, err := s.Client(schulconnex.WithRetry(schulconnex.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	p, _ := addPerson(t, s, person("Lost", "Lena", "", "", "l1"), schulconnex.RolleLern)
	d, _ := c.GetPerson(ctx, p.ID)
	s.SetFaults(schulconnextest.Faults{Rules: []schulconnextest.Rule{{Method: "PUT", Path: "/personen/", AfterWrite: true, Times: 1}}})
	np := d.Person
	np.Name.Vorname = "Leni"
	out, err := c.UpdatePerson(ctx, np)
	if err != nil || out.Name.Vorname != "Leni" {
		t.Fatalf("%+v %v", out, err)
	}
	if st := s.Stats(); st.Requests["updatePerson"] != 2 {
		t.Fatalf("PUTs %d, want 2 (the lost one and the retry)", st.Requests["updatePerson"])
	}
}

// TestRetriesAfterFaults: a read is repeated after server errors, a create is not (it may have
// been carried out), and a throttled create is (nothing was processed).
func TestRetriesAfterFaults(t *testing.T) {
	s := newFake(t)
	c, _ := s.Client(schulconnex.WithRetry(schulconnex.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond}))
	s.SetFaults(schulconnextest.Faults{Rules: []schulconnextest.Rule{{Status: 503, Times: 2}}})
	if _, err := c.ListPersonenPage(ctx, nil); err != nil {
		t.Fatalf("GET after two 503: %v", err)
	}
	s.SetFaults(schulconnextest.Faults{Rules: []schulconnextest.Rule{{Method: "POST", Status: 503, Times: 1}}})
	if _, err := c.CreatePerson(ctx, person("A", "B", "", "", "")); !errors.Is(err, schulconnex.ErrServer) {
		t.Fatalf("POST after 503: %v (must not be repeated)", err)
	}
	s.SetFaults(schulconnextest.Faults{Rules: []schulconnextest.Rule{{Method: "POST", Status: 429, RetryAfter: 0, Times: 1}}})
	if _, err := c.CreatePerson(ctx, person("A", "B", "", "", "")); err != nil {
		t.Fatalf("POST after 429: %v (throttled requests are repeated)", err)
	}
}

// countingSource hands out a new token on every call, as a token source that can renew does.
type countingSource struct {
	s *schulconnextest.Server
	n int
}

func (c *countingSource) Token() (*oauth2.Token, error) {
	c.n++
	cred := c.s.Credentials()
	cc := clientcredentials.Config{ClientID: cred.ClientID, ClientSecret: cred.ClientSecret, TokenURL: c.s.TokenURL()}
	return cc.Token(ctx)
}

// TestTokenSourceAskedAgainOn401: with WithTokenSource, a token the service rejects makes the
// client ask the source once more, and the request succeeds with the new token.
func TestTokenSourceAskedAgainOn401(t *testing.T) {
	s := newFake(t)
	src := &countingSource{s: s}
	c, err := schulconnex.New(s.URL(), schulconnex.WithTokenSource(src), schulconnex.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetOrganisationInfo(ctx); err != nil {
		t.Fatal(err)
	}
	s.ExpireTokens()
	if _, err := c.GetOrganisationInfo(ctx); err != nil {
		t.Fatalf("after the service rejected the token: %v", err)
	}
	if src.n != 2 {
		t.Fatalf("the source was asked %d times, want 2", src.n)
	}
}

// TestCachingTokenSourceIsNotResent: a source that hands back the rejected token again gets the
// 401 at once; the request is not repeated with the same token.
func TestCachingTokenSourceIsNotResent(t *testing.T) {
	s := newFake(t)
	cred := s.Credentials()
	cc := clientcredentials.Config{ClientID: cred.ClientID, ClientSecret: cred.ClientSecret, TokenURL: s.TokenURL()}
	c, err := schulconnex.New(s.URL(), schulconnex.WithTokenSource(cc.TokenSource(ctx)), schulconnex.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := c.GetOrganisationInfo(ctx); err != nil {
		t.Fatal(err)
	}
	s.ExpireTokens()
	s.ResetStats()
	_, err = c.GetOrganisationInfo(ctx)
	var apiErr *schulconnex.APIError
	if !errors.Is(err, schulconnex.ErrUnauthorized) || !errors.As(err, &apiErr) || apiErr.Subcode != "01" {
		t.Fatalf("err = %v", err)
	}
	if n := s.Stats().Requests["getOrganisationInfo"]; n != 1 {
		t.Fatalf("%d requests, want 1 (the same token is not sent twice)", n)
	}
}

// An error body's title and description reach the error message without control characters,
// so a service cannot forge log lines through them.
func TestErrorMessageIsPrintable(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusBadRequest)
		_, _ = io.WriteString(w, `{"code":"400","subcode":"13","titel":"Kontext\ngenutzt","beschreibung":"level=ERROR\r\nmsg=forged\u001b[2J"}`)
	}))
	defer srv.Close()
	c, err := schulconnex.New(srv.URL, schulconnex.WithBearerToken("t-1"))
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.GetOrganisationInfo(ctx)
	var ae *schulconnex.APIError
	if !errors.As(err, &ae) || ae.Subcode != "13" {
		t.Fatalf("error %v", err)
	}
	if strings.ContainsFunc(err.Error(), unicode.IsControl) || !strings.Contains(ae.Message, "Kontext genutzt") {
		t.Fatalf("message %q, error %q", ae.Message, err.Error())
	}
}

// Schulconnex requires every person's vertrauensstufe (cardinality 1 in the person's
// description): the client sends no person without one, and the fake refuses one.
func TestPersonsNeedTheirVertrauensstufe(t *testing.T) {
	s := newFake(t)
	c := client(t, s)
	p := person("Ohne", "Stufe", "", "", "v1")
	p.Vertrauensstufe = ""
	if _, err := c.CreatePerson(ctx, p); !errors.Is(err, schulconnex.ErrRequired) {
		t.Fatalf("create without vertrauensstufe: %v", err)
	}
	p.Vertrauensstufe = schulconnex.VertrauensstufeTeil
	created, err := c.CreatePerson(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	created.Vertrauensstufe = ""
	if _, err := c.UpdatePerson(ctx, *created); !errors.Is(err, schulconnex.ErrRequired) {
		t.Fatalf("update without vertrauensstufe: %v", err)
	}
	if w := s.Stats().Writes; w != 1 {
		t.Fatalf("%d writes sent, want the one valid create", w)
	}
	status, f := rawRequest(t, s, http.MethodPost, "/personen", `{"name":{"familienname":"Roh","vorname":"Rita"},"auskunftssperre":"Nein"}`)
	if status != http.StatusBadRequest || f.Subcode != "01" {
		t.Fatalf("fake took a person without vertrauensstufe: %d %+v", status, f)
	}
}
