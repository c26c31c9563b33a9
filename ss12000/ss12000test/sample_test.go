package ss12000test

import (
	"bytes"
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/internal/idnum"
	"github.com/edusync/edusync/ss12000"
)

func TestSampleSchool(t *testing.T) {
	ds := SampleSchool()
	if d := cmp.Diff(ds, SampleSchool()); d != "" {
		t.Fatalf("SampleSchool is not deterministic:\n%s", d)
	}
	if n := len(ds.Persons); n < 280 || n > 330 {
		t.Errorf("%d persons", n)
	}
	ids := map[string]bool{}
	markings := map[ss12000.SecurityMarking]int{}
	var uuids, vendor, withEPPN, withEmail, diacritics int
	for _, p := range ds.Persons {
		if ids[p.ID] {
			t.Errorf("duplicate id %s", p.ID)
		}
		ids[p.ID] = true
		if uuidRE.MatchString(p.ID) {
			uuids++
		} else {
			vendor++
		}
		if !idnum.ValidSwedish(p.CivicNo.Value) || len(p.CivicNo.Value) != 12 {
			t.Errorf("%s: civic number not valid", p.ID)
		}
		if sw, err := idnum.ParseSwedish(p.CivicNo.Value, time.Now()); err == nil && !sw.BirthDate.Equal(p.BirthDate.Time) {
			t.Errorf("%s: birth date differs from the civic number", p.ID)
		}
		// The birth number's last digit: odd for men, even for women.
		odd := (p.CivicNo.Value[10]-'0')%2 == 1
		if odd != (p.Sex == ss12000.SexMan) {
			t.Errorf("%s: sex %s does not fit the civic number", p.ID, p.Sex)
		}
		markings[p.SecurityMarking]++
		if p.SecurityMarking == ss12000.SecurityMarkingSkyddadFolkbokforing && len(p.Addresses) > 0 {
			t.Errorf("%s: protected address is sent", p.ID)
		}
		if len(p.EduPersonPrincipalNames) > 0 {
			withEPPN++
		}
		if len(p.Emails) > 0 {
			withEmail++
		}
		if strings.ContainsAny(p.GivenName+p.FamilyName, "åäöÅÄÖé") {
			diacritics++
		}
		if p.GivenName == "" || p.FamilyName == "" {
			t.Errorf("%s: name missing", p.ID)
		}
	}
	if vendor == 0 || vendor > 5 || uuids < len(ds.Persons)-5 {
		t.Errorf("%d vendor-style ids, %d UUIDs", vendor, uuids)
	}
	if markings[ss12000.SecurityMarkingSekretessmarkering] == 0 || markings[ss12000.SecurityMarkingSkyddadFolkbokforing] == 0 ||
		markings[ss12000.SecurityMarkingSekretessmarkering]+markings[ss12000.SecurityMarkingSkyddadFolkbokforing] > 8 {
		t.Errorf("markings %v", markings)
	}
	if withEPPN == 0 || withEPPN == len(ds.Persons) || withEmail == len(ds.Persons) || diacritics < 20 {
		t.Errorf("eppn %d, e-mail %d, names with Swedish letters %d of %d", withEPPN, withEmail, diacritics, len(ds.Persons))
	}
	// Every reference resolves, every student has a guardian, every class a mentor.
	for _, p := range ds.Persons {
		for _, r := range p.Responsibles {
			if !ids[r.Person.ID] || r.RelationType != ss12000.RelationTypesVardnadshavare {
				t.Errorf("%s: responsible %+v", p.ID, r)
			}
		}
		if len(p.Enrolments) > 0 && len(p.Responsibles) == 0 {
			t.Errorf("%s: student without guardian", p.ID)
		}
	}
	mentors := map[string]bool{}
	for _, d := range ds.Duties {
		if !ids[d.Person.ID] {
			t.Errorf("duty %s: unknown person", d.ID)
		}
		for _, ar := range d.AssignmentRole {
			mentors[ar.Group.ID] = true
		}
	}
	classes := 0
	for _, g := range ds.Groups {
		if g.GroupType == ss12000.GroupTypesKlass {
			classes++
			if !mentors[g.ID] {
				t.Errorf("class %s has no mentor", g.DisplayName)
			}
		}
		for _, m := range g.GroupMemberships {
			if !ids[m.Person.ID] {
				t.Errorf("group %s: unknown member", g.DisplayName)
			}
		}
	}
	if classes != 9 {
		t.Errorf("%d classes", classes)
	}
	var codes []string
	for _, o := range ds.Organisations {
		if o.SchoolUnitCode != "" {
			codes = append(codes, o.SchoolUnitCode)
			if len(o.SchoolUnitCode) != 8 {
				t.Errorf("school unit code %q", o.SchoolUnitCode)
			}
		}
		if !uuidRE.MatchString(o.ID) || o.DisplayName == "" || !o.OrganisationType.Valid() {
			t.Errorf("organisation %+v", o)
		}
	}
	if len(codes) != 2 {
		t.Errorf("school units %v", codes)
	}
}

// uuidRE is the UUID form; the test does not use the client package's own check, which is
// not part of the generated models.
var uuidRE = regexp.MustCompile(`^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$`)

// TestLogsWithoutPersonalData: request logs never contain civic numbers or tokens.
func TestLogsWithoutPersonalData(t *testing.T) {
	var buf bytes.Buffer
	logger := slog.New(slog.NewTextHandler(&buf, &slog.HandlerOptions{Level: slog.LevelDebug}))
	s := NewServer(WithDataset(SampleSchool()), WithLogger(logger), WithCallbackRetries(0, 0), WithCallbackWindow(time.Millisecond))
	defer s.Close()
	c := newClient(t, s)
	p := All[ss12000.Person](s)[0]
	civic := p.CivicNo.Value
	c.get("/persons", vals("civicNo", civic), 200, nil)
	c.get("/persons", vals("civicNo", civic[2:8]+"-"+civic[8:]), 200, nil)
	c.get("/persons/"+civic, nil, 404, nil)
	c.post("/persons/lookup", nil, ss12000.PersonsLookup{CivicNos: []string{civic}}, 200, nil)
	var pg page
	c.get("/persons", vals("limit", "1"), 200, &pg)
	c.get("/persons", vals("pageToken", *pg.PageToken), 200, nil)
	c.post("/subscriptions", nil, `{"name":"x","target":"http://127.0.0.1:1/`+civic+`","resourceTypes":[{"resource":"Person"}]}`, http.StatusCreated, nil)
	Upsert(s, p)
	waitCallbacks(s, 1)
	s.Close()
	log := buf.String()
	if !strings.Contains(log, "ss12000test request") || !strings.Contains(log, "callback failed") {
		t.Fatalf("nothing logged:\n%s", log)
	}
	for _, secret := range []string{civic, civic[2:8], s.Token(), *pg.PageToken} {
		if strings.Contains(log, secret) {
			t.Errorf("log contains %q:\n%s", secret, log)
		}
	}
}
