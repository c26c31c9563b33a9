package conformance

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/santhosh-tekuri/jsonschema/v6"

	"github.com/edusync/edusync/ss12000/ss12000server"
)

// dnpSchemas compiles Skolverket's DNP reference schemas (draft 2020-12, from the shared
// specs) and returns the compiled schema of each kind by its $id ("/schemas/person").
func dnpSchemas(t *testing.T) map[string]*jsonschema.Schema {
	t.Helper()
	dir := filepath.Join(SharedSpecs(t), "ss12000", "dnp-reference-api", "json-schema")
	files, err := filepath.Glob(filepath.Join(dir, "*.schema.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no DNP schemas in %s: %v", dir, err)
	}
	const base = "https://dnp.invalid/"
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		// Each schema names itself by a path ("/schemas/person") and the others by theirs, so
		// each is added where its $id puts it.
		id, _ := doc.(map[string]any)["$id"].(string)
		if !strings.HasPrefix(id, "/schemas/") {
			t.Fatalf("%s: $id %q", f, id)
		}
		if err := c.AddResource(base+id[1:], doc); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
	}
	out := map[string]*jsonschema.Schema{}
	for _, kind := range []string{"person", "group", "duty", "organisation", "activity"} {
		s, err := c.Compile("https://dnp.invalid/schemas/" + kind)
		if err != nil {
			t.Fatalf("compiling the DNP schema of %s: %v", kind, err)
		}
		out[kind] = s
	}
	return out
}

// TestWhatDNPReadsPassesItsSchemas serves the synth school to a receiver configured as
// Skolverket's DNP client is (opted in to persons with protected identity, DNP's spelling) and
// checks every person, group and duty it reads, and every school unit, against the DNP
// reference schemas (but a staff group the source gives no school type, see below): each person with at least one eduPersonPrincipalName (given by the
// provider's template where the source has none) and a civic number, protected persons
// reduced but valid.
func TestWhatDNPReadsPassesItsSchemas(t *testing.T) {
	schemas := dnpSchemas(t)
	s := serveSchool(t, ss12000server.Receiver{Name: "dnp", Protected: true, Spelling: ss12000server.CorrectSpelling})
	hc := &http.Client{Transport: s.tr}
	read := func(path string, q url.Values) []any {
		var all []any
		for {
			resp, err := hc.Get(s.root + "/ss12000" + path + "?" + q.Encode())
			if err != nil {
				t.Fatal(err)
			}
			body, err := io.ReadAll(resp.Body)
			resp.Body.Close()
			if err != nil || resp.StatusCode != http.StatusOK {
				t.Fatalf("%s: %d %v %.300s", path, resp.StatusCode, err, body)
			}
			var page struct {
				Data      []any  `json:"data"`
				PageToken string `json:"pageToken"`
			}
			if err := json.Unmarshal(body, &page); err != nil {
				t.Fatalf("%s: %v", path, err)
			}
			all = append(all, page.Data...)
			if page.PageToken == "" {
				return all
			}
			q = url.Values{"pageToken": {page.PageToken}}
		}
	}
	counts := map[string]int{}
	protected, staffGroups := 0, 0
	for _, tc := range []struct{ kind, path, query string }{
		{"person", "/persons", "limit=200"},
		{"group", "/groups", "limit=200"},
		{"duty", "/duties", "limit=200"},
		{"organisation", "/organisations", "type=Skolenhet"},
	} {
		q, _ := url.ParseQuery(tc.query)
		for _, rec := range read(tc.path, q) {
			counts[tc.kind]++
			m, _ := rec.(map[string]any)
			if tc.kind == "group" && m["groupType"] == "Personalgrupp" && m["schoolType"] == nil {
				// A staff group of a school unit with several school types has none in the
				// source, and the provider invents none; DNP builds its test groups from the
				// pupils' groups and never needs it.
				staffGroups++
				continue
			}
			if err := schemas[tc.kind].Validate(rec); err != nil {
				b, _ := json.Marshal(rec)
				t.Errorf("a served %s fails DNP's schema: %v\n%.600s", tc.kind, err, redactDigits(string(b)))
			}
			if tc.kind == "person" && m["securityMarking"] != nil && m["securityMarking"] != "Ingen" {
				protected++
			}
		}
	}
	for _, kind := range []string{"person", "group", "duty", "organisation"} {
		if counts[kind] == 0 {
			t.Errorf("no %s served to check", kind)
		}
	}
	if protected == 0 {
		t.Error("no person with protected identity served to DNP (it opted in): the reduced form went unchecked")
	}
	if staffGroups > 1 {
		t.Errorf("%d staff groups without school type; the synth school has one", staffGroups)
	}
	t.Logf("checked %v (%d persons with protected identity; %d staff group without school type left out)", counts, protected, staffGroups)
}

// redactDigits hides the digits of a record quoted in a failure, so a civic number never
// reaches the test log.
func redactDigits(s string) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return '#'
		}
		return r
	}, s)
}
