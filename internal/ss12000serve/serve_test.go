package ss12000serve

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/ss12000"
)

func TestTimeKeysSortInTimeOrder(t *testing.T) {
	stockholm := time.FixedZone("CET", 3600)
	times := []time.Time{
		{},
		time.Date(1999, 12, 31, 23, 59, 59, 999_999_999, time.UTC),
		time.Date(2026, 8, 17, 8, 0, 0, 0, stockholm), // 07:00 UTC
		time.Date(2026, 8, 17, 7, 0, 0, 1, time.UTC),
		time.Date(2026, 8, 17, 7, 0, 1, 0, time.UTC),
	}
	for i := 1; i < len(times); i++ {
		if a, b := TimeKey(times[i-1]), TimeKey(times[i]); a >= b {
			t.Errorf("TimeKey(%v) = %s does not sort before TimeKey(%v) = %s", times[i-1], a, times[i], b)
		}
	}
}

func TestSortKeyedBreaksTiesByIDAscendingInBothDirections(t *testing.T) {
	items := []Keyed{{"b", "2"}, {"a", "9"}, {"b", "1"}, {"c", "0"}}
	SortKeyed(items, true)
	want := []Keyed{{"c", "0"}, {"b", "1"}, {"b", "2"}, {"a", "9"}}
	if diff := cmp.Diff(want, items); diff != "" {
		t.Fatalf("descending (-want +got):\n%s", diff)
	}
	SortKeyed(items, false)
	want = []Keyed{{"a", "9"}, {"b", "1"}, {"b", "2"}, {"c", "0"}}
	if diff := cmp.Diff(want, items); diff != "" {
		t.Fatalf("ascending (-want +got):\n%s", diff)
	}
}

func TestPageLimit(t *testing.T) {
	for _, tc := range []struct {
		raw  []string
		want int
		ok   bool
	}{
		{nil, 100, true},
		{[]string{"5"}, 5, true},
		{[]string{"5000"}, 1000, true},
		{[]string{"0"}, 0, false},
		{[]string{"-3"}, 0, false},
		{[]string{"ten"}, 0, false},
		{[]string{"1", "2"}, 0, false},
		{[]string{"99999999999999999999"}, 0, false},
	} {
		got, ok := PageLimit(tc.raw, 100, 1000)
		if got != tc.want || ok != tc.ok {
			t.Errorf("PageLimit(%q) = %d, %v; want %d, %v", tc.raw, got, ok, tc.want, tc.ok)
		}
	}
}

func TestContinuationTakesOnlyLimit(t *testing.T) {
	for q, bad := range map[string]bool{
		"pageToken=x":                      false,
		"pageToken=x&limit=3":              false,
		"pageToken=x&sortkey=ModifiedDesc": true,
		"pageToken=":                       true,
		"pageToken=x&pageToken=y":          true,
	} {
		v, _ := url.ParseQuery(q)
		if got := ContinuationError(v) != ""; got != bad {
			t.Errorf("%s: refused %v, want %v", q, got, bad)
		}
	}
}

func TestCommonParamsChecksExpandAndSortkey(t *testing.T) {
	p := ss12000.ListPersonsParams{Expand: []ss12000.ListPersonsParamsExpand{"duties"}, Sortkey: "GivenNameAsc",
		MetaModifiedAfter: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	c, msg := CommonParams(&p, PersonExpands, func(k string) bool { _, ok := PersonSorts[k]; return ok })
	if msg != "" || !c.Render.Expand["duties"] || c.Sortkey != "GivenNameAsc" || !c.MetaSet() {
		t.Fatalf("CommonParams: %+v %q", c, msg)
	}
	if c.MetaOK(time.Time{}, p.MetaModifiedAfter) {
		t.Error("meta.modified.after is exclusive, yet a record modified at that instant passed")
	}
	p.Expand = []ss12000.ListPersonsParamsExpand{"groups"}
	if _, msg := CommonParams(&p, PersonExpands, nil); msg == "" {
		t.Error("an expand value persons do not have was accepted")
	}
	p.Expand = nil
	p.Sortkey = "ShoeSizeAsc"
	if _, msg := CommonParams(&p, PersonExpands, func(k string) bool { _, ok := PersonSorts[k]; return ok }); msg == "" {
		t.Error("an unknown sortkey was accepted")
	}
}

func TestDecodeWriteLenientAcceptsAProfilesOwnFields(t *testing.T) {
	body := `{"resourceType":"Person","newCount":1,"updatedCount":0,"deletedCount":0,"description":"DNP run","endDate":"2026-08-17T07:00:00Z"}`
	var e ss12000.StatisticsEntry
	req := httptest.NewRequest(http.MethodPost, "/statistics", strings.NewReader(body))
	if err := DecodeWrite(req, &e, false, "resourceType"); err == nil || err.Status != 400 {
		t.Fatalf("strict decoding of unknown fields: %v", err)
	}
	req = httptest.NewRequest(http.MethodPost, "/statistics", strings.NewReader(body))
	if err := DecodeWrite(req, &e, true, "resourceType"); err != nil || e.NewCount != 1 {
		t.Fatalf("lenient decoding: %v %+v", err, e)
	}
	req = httptest.NewRequest(http.MethodPost, "/statistics", strings.NewReader(`{"id":"x","resourceType":"Person"}`))
	if err := DecodeWrite(req, &e, true, "resourceType"); err == nil || !strings.Contains(err.Message, "read-only") {
		t.Fatalf("an id in a write: %v", err)
	}
}

func TestRelFilterNeedsOneRelationshipPassingEveryPart(t *testing.T) {
	d := func(s string) openapi_types.Date {
		tt, _ := time.Parse(time.DateOnly, s)
		return openapi_types.Date{Time: tt}
	}
	rels := []Relationship{
		{Type: RelEnrolment, Organisation: "a", Start: d("2025-08-18"), End: d("2026-06-12")},
		{Type: RelDuty, Organisation: "b"},
	}
	for _, tc := range []struct {
		name string
		f    RelFilter
		want bool
	}{
		{"type and organisation of one", RelFilter{Type: RelEnrolment, Organisation: "a"}, true},
		{"type of one, organisation of the other", RelFilter{Type: RelEnrolment, Organisation: "b"}, false},
		{"ended before", RelFilter{Type: RelEnrolment, Dates: Dates{EndOnOrAfter: d("2026-08-01")}}, false},
		{"open ends pass", RelFilter{Organisation: "b", Dates: Dates{EndOnOrAfter: d("2026-08-01")}}, true},
	} {
		if got := tc.f.Match(rels); got != tc.want {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestNotificationSpellings(t *testing.T) {
	types := []ss12000.EndPointsEnum{ss12000.EndPointsPerson}
	for sp, want := range map[Spelling][2]bool{StandardSpelling: {true, false}, CorrectSpelling: {false, true}, BothSpellings: {true, true}} {
		n := Notification(types, true, sp)
		if (len(n.ModifiedEntites) > 0) != want[0] || (len(n.ModifiedEntities) > 0) != want[1] || !n.DeletedEntities {
			t.Errorf("spelling %d: %+v", sp, n)
		}
	}
}

func TestValidateSubscriptionRefusesTargetsWithCredentials(t *testing.T) {
	c := ss12000.CreateSubscription{Name: "dnp", Target: "https://user:pw@dnp.example/cb",
		ResourceTypes: []ss12000.SubscriptionResourceType{{Resource: ss12000.EndPointsPerson}}}
	if bad := ValidateSubscription(&c); len(bad) != 1 {
		t.Fatalf("problems: %q", bad)
	}
	c.Target = "https://dnp.example/cb"
	if bad := ValidateSubscription(&c); len(bad) != 0 {
		t.Fatalf("problems of a good subscription: %q", bad)
	}
}
