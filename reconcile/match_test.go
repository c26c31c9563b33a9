package reconcile_test

import (
	"fmt"
	"strings"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/reconcile"
)

// TestPersonCases covers the six Schulconnex source-system cases and the questions that are never
// answered by guessing (key conflicts, ambiguous attribute matches).
func TestPersonCases(t *testing.T) {
	anna := src("s1", "Müller", "Anna", "2010-05-01", "Erfurt")
	tests := []struct {
		name     string
		src, tgt []reconcile.Person
		opts     func(*reconcile.Options)
		want     []string
	}{
		{
			name: "case 1: target id stored in the source links and writes the referrer",
			src:  []reconcile.Person{withTargetID(anna, "t1")},
			tgt:  []reconcile.Person{tgt("t1", "", "Müller", "Anna", "2010-05-01", "Erfurt")},
			want: []string{"person/s=s1 update case1"},
		},
		{
			name: "case 1: referrer stored in the target, nothing differs",
			src:  []reconcile.Person{anna},
			tgt:  []reconcile.Person{tgt("t1", "s1", "Müller", "Anna", "2010-05-01", "Erfurt")},
			want: []string{},
		},
		{
			name: "case 1: a key match wins over different attributes",
			src:  []reconcile.Person{src("s1", "Schmidt", "Anna", "2010-05-01", "Erfurt")},
			tgt:  []reconcile.Person{tgt("t1", "s1", "Müller", "Anna", "2010-05-01", "Erfurt")},
			want: []string{"person/s=s1 update case1"},
		},
		{
			name: "case 2: all four attributes equal after normalisation",
			src:  []reconcile.Person{anna},
			tgt:  []reconcile.Person{tgt("t1", "", "MÜLLER", "anna", "2010-05-01", "Erfurt, Deutschland")},
			want: []string{"person/s=s1 update case2"},
		},
		{
			name: "case 2: given names in another order and hyphenated",
			src:  []reconcile.Person{src("s1", "Müller-Lüdenscheidt", "Anna Maria", "2010-05-01", "Erfurt")},
			tgt:  []reconcile.Person{tgt("t1", "", "Müller Lüdenscheidt", "Maria  Anna", "2010-05-01", "Erfurt")},
			want: []string{"person/s=s1 update case2"},
		},
		{
			name: "case 3: birth place missing on one side waits for confirmation",
			src:  []reconcile.Person{anna},
			tgt:  []reconcile.Person{tgt("t1", "", "Müller", "Anna", "2010-05-01", "")},
			want: []string{"person/s=s1/t=t1 update case3 pending"},
		},
		{
			name: "case 3: only names on both sides",
			src:  []reconcile.Person{src("s1", "Berg", "Eva", "", "")},
			tgt:  []reconcile.Person{tgt("t1", "", "Berg", "Eva", "", "")},
			want: []string{"person/s=s1/t=t1 update case3 pending"},
		},
		{
			name: "case 3: one side lists only some given names",
			src:  []reconcile.Person{src("s1", "Berg", "Eva Maria", "2011-01-01", "Bonn")},
			tgt:  []reconcile.Person{tgt("t1", "", "Berg", "Eva", "2011-01-01", "Bonn")},
			want: []string{"person/s=s1/t=t1 update case3 pending"},
		},
		{
			name: "case 3: given names missing on one side, birth date and place agree",
			src:  []reconcile.Person{src("s1", "Berg", "", "2011-01-01", "Bonn")},
			tgt:  []reconcile.Person{tgt("t1", "", "Berg", "Eva", "2011-01-01", "Bonn")},
			want: []string{"person/s=s1/t=t1 update case3 pending"},
		},
		{
			name: "case 3: given names missing in the target, birth date agrees",
			src:  []reconcile.Person{src("s1", "Berg", "Eva", "2011-01-01", "Bonn")},
			tgt:  []reconcile.Person{tgt("t1", "", "Berg", "", "2011-01-01", "")},
			want: []string{"person/s=s1/t=t1 update case3 pending"},
		},
		{
			name: "family name and birth place alone are no match",
			src:  []reconcile.Person{src("s1", "Berg", "", "", "Bonn")},
			tgt:  []reconcile.Person{tgt("t1", "", "Berg", "Eva", "2011-01-01", "Bonn")},
			want: []string{"person/s=s1 create case6", "person/t=t1 import case5 pending"},
		},
		{
			name: "a family name alone is no match",
			src:  []reconcile.Person{src("s1", "Berg", "", "", "")},
			tgt:  []reconcile.Person{tgt("t1", "", "Berg", "Eva", "2011-01-01", "Bonn")},
			want: []string{"person/s=s1 create case6", "person/t=t1 import case5 pending"},
		},
		{
			name: "case 3 with several candidates: every pairing is a question",
			src:  []reconcile.Person{src("s1", "Berg", "Eva", "", "")},
			tgt: []reconcile.Person{
				tgt("t1", "", "Berg", "Eva", "2011-01-01", "Bonn"),
				tgt("t2", "", "Berg", "Eva Maria", "2012-02-02", "Jena"),
				tgt("t3", "", "Berg", "Ida", "2011-01-01", "Bonn"),
			},
			want: []string{
				"person/s=s1/t=t1 update case3 pending",
				"person/s=s1/t=t2 update case3 pending",
				"person/t=t3 import case5 pending",
			},
		},
		{
			name: "case 2 after Unicode normalisation: precomposed and decomposed letters, ligatures",
			src:  []reconcile.Person{src("s1", "Nguy\u1ec5n", "Ho\ufb00mann-Thi", "2010-05-01", "Hà Nội")},
			tgt:  []reconcile.Person{tgt("t1", "", "NGUYE\u0302\u0303N", "thi hoffmann", "2010-05-01", "HA\u0300 NO\u0323\u0302I")},
			want: []string{"person/s=s1 update case2"},
		},
		{
			name: "case 2 through the host's place normaliser",
			src:  []reconcile.Person{src("s1", "Berg", "Eva", "2010-05-01", "Frankfurt a. M.")},
			tgt:  []reconcile.Person{tgt("t1", "", "Berg", "Eva", "2010-05-01", "Frankfurt am Main")},
			opts: func(o *reconcile.Options) { o.Places.Func = frankfurtAmMain },
			want: []string{"person/s=s1 update case2"},
		},
		{
			name: "without the place normaliser the places differ and nothing matches",
			src:  []reconcile.Person{src("s1", "Berg", "Eva", "2010-05-01", "Frankfurt a. M.")},
			tgt:  []reconcile.Person{tgt("t1", "", "Berg", "Eva", "2010-05-01", "Frankfurt am Main")},
			want: []string{"person/s=s1 create case6", "person/t=t1 import case5 pending"},
		},
		{
			name: "no match when a present attribute differs",
			src:  []reconcile.Person{anna},
			tgt:  []reconcile.Person{tgt("t1", "", "Müller", "Anna", "2010-05-02", "")},
			want: []string{"person/s=s1 create case6", "person/t=t1 import case5 pending"},
		},
		{
			name: "case 4: the target carries a referrer the source no longer has",
			src:  []reconcile.Person{},
			tgt:  []reconcile.Person{tgt("t1", "gone", "Berg", "Eva", "", "")},
			want: []string{"person/t=t1 import case4 pending"},
		},
		{
			name: "case 5: a target record matching nothing",
			tgt:  []reconcile.Person{tgt("t1", "", "Berg", "Eva", "", "")},
			want: []string{"person/t=t1 import case5 pending"},
		},
		{
			name: "case 6: a source record matching nothing is created",
			src:  []reconcile.Person{anna},
			want: []string{"person/s=s1 create case6"},
		},
		{
			name: "a stale target id in the source falls through to attributes",
			src:  []reconcile.Person{withTargetID(anna, "t-deleted")},
			tgt:  []reconcile.Person{tgt("t1", "", "Müller", "Anna", "2010-05-01", "Erfurt")},
			want: []string{"person/s=s1 update case2"},
		},
		{
			name: "key conflict: the source's target id and the target's referrer name different records",
			src:  []reconcile.Person{withTargetID(anna, "t1")},
			tgt: []reconcile.Person{
				tgt("t1", "", "Müller", "Anna", "2010-05-01", "Erfurt"),
				tgt("t2", "s1", "Müller", "Anna", "2010-05-01", "Erfurt"),
			},
			want: []string{"person/s=s1/t=t1 update case1 pending", "person/s=s1/t=t2 update case1 pending"},
		},
		{
			name: "key conflict: a target record claimed by two source records",
			src:  []reconcile.Person{withTargetID(anna, "t1"), src("s2", "Berg", "Eva", "", "")},
			tgt:  []reconcile.Person{tgt("t1", "s2", "Berg", "Eva", "", "")},
			want: []string{"person/s=s1/t=t1 update case1 pending", "person/s=s2/t=t1 update case1 pending"},
		},
		{
			name: "ambiguous: two target records equal in all four attributes",
			src:  []reconcile.Person{anna},
			tgt: []reconcile.Person{
				tgt("t1", "", "Müller", "Anna", "2010-05-01", "Erfurt"),
				tgt("t2", "", "Müller", "Anna", "2010-05-01", "Erfurt"),
			},
			want: []string{"person/s=s1/t=t1 update case2 pending", "person/s=s1/t=t2 update case2 pending"},
		},
		{
			name: "ambiguous: two source records equal to one target record",
			src:  []reconcile.Person{anna, src("s2", "Müller", "Anna", "2010-05-01", "Erfurt")},
			tgt:  []reconcile.Person{tgt("t1", "", "Müller", "Anna", "2010-05-01", "Erfurt")},
			want: []string{"person/s=s1/t=t1 update case2 pending", "person/s=s2/t=t1 update case2 pending"},
		},
		{
			name: "a unique full match is taken even when a partial candidate exists",
			src:  []reconcile.Person{anna},
			tgt: []reconcile.Person{
				tgt("t1", "", "Müller", "Anna", "2010-05-01", "Erfurt"),
				tgt("t2", "", "Müller", "Anna", "", ""),
			},
			want: []string{"person/s=s1 update case2", "person/t=t2 import case5 pending"},
		},
		{
			name: "case 2 against a record carrying another referrer waits for confirmation",
			src:  []reconcile.Person{anna},
			tgt:  []reconcile.Person{tgt("t1", "old-key", "Müller", "Anna", "2010-05-01", "Erfurt")},
			want: []string{"person/s=s1/t=t1 update case2 pending"},
		},
		{
			name: "duplicate source keys are skipped, not guessed",
			src:  []reconcile.Person{anna, src("s1", "Berg", "Eva", "", "")},
			want: []string{"person/s=s1 skip"},
		},
		{
			name: "duplicate target ids are skipped",
			tgt:  []reconcile.Person{tgt("t1", "", "Berg", "Eva", "", ""), tgt("t1", "", "Berg", "Eva", "", "")},
			want: []string{"person/t=t1 skip"},
		},
		{
			name: "records without keys are reported once",
			src:  []reconcile.Person{src("", "Berg", "Eva", "", ""), src("", "Berg", "Ida", "", "")},
			want: []string{"person/s= skip"},
		},
		{
			name: "another source system's record is never taken over by a stored target id",
			src:  []reconcile.Person{withTargetID(anna, "t1")},
			tgt:  []reconcile.Person{tgt("t1", "timetable:9", "Müller", "Anna", "2010-05-01", "Erfurt")},
			opts: func(o *reconcile.Options) { o.ReferrerPrefix = "svs:" },
			want: []string{"person/s=s1/t=t1 update case1 pending"},
		},
		{
			name: "configured place rules",
			src:  []reconcile.Person{src("s1", "Åberg", "Åsa", "2010-05-01", "Göteborg")},
			tgt:  []reconcile.Person{tgt("t1", "", "ÅBERG", "Åsa", "2010-05-01", "Göteborg, Sverige")},
			opts: func(o *reconcile.Options) { o.Places.DefaultCountries = []string{"Sverige"} },
			want: []string{"person/s=s1 update case2"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := quiet()
			if tt.opts != nil {
				tt.opts(&opts)
			}
			p := mustPlan(t, &reconcile.Snapshot{Persons: tt.src}, &reconcile.Snapshot{Persons: tt.tgt}, opts)
			if diff := cmp.Diff(tt.want, summary(p)); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
		})
	}
}

func withGroupTargetID(g reconcile.Group, id string) reconcile.Group {
	g.Keys.TargetID = id
	return g
}

// frankfurtAmMain is a host's place normaliser for the spellings of Frankfurt am Main.
func frankfurtAmMain(place string) string {
	if strings.HasPrefix(place, "frankfurt a") && !strings.Contains(place, "oder") {
		return "frankfurt am main"
	}
	return place
}

func TestGroupCases(t *testing.T) {
	g := func(key, name string) reconcile.Group {
		return reconcile.Group{Keys: reconcile.Keys{SourceKey: key}, Name: name, Type: "Klasse"}
	}
	tg := func(id, ref, name string) reconcile.Group {
		return reconcile.Group{Keys: reconcile.Keys{TargetID: id, Referrer: ref}, Revision: "1", Name: name, Type: "Klasse"}
	}
	tests := []struct {
		name     string
		src, tgt []reconcile.Group
		removals bool
		want     []string
	}{
		{"case 1: key match, renamed", []reconcile.Group{g("g1", "8a")}, []reconcile.Group{tg("t1", "g1", "7a")}, false,
			[]string{"group/s=g1 update case1"}},
		{"case 1: key match, unchanged", []reconcile.Group{g("g1", "7a")}, []reconcile.Group{tg("t1", "g1", "7a")}, false,
			[]string{}},
		{"case 2: referrer unknown to the source", nil, []reconcile.Group{tg("t1", "g-old", "7a")}, false,
			[]string{"group/t=t1 import case2 pending"}},
		{"case 3: a group made elsewhere is never imported automatically", nil, []reconcile.Group{tg("t1", "", "AG Chor")}, false,
			[]string{"group/t=t1 import case3 pending"}},
		{"case 3 stays a question with removals on", nil, []reconcile.Group{tg("t1", "", "AG Chor")}, true,
			[]string{"group/t=t1 import case3 pending"}},
		{"case 4: source-only group is created", []reconcile.Group{g("g1", "7a")}, nil, false,
			[]string{"group/s=g1 create case4"}},
		{"no attribute matching for groups", []reconcile.Group{g("g1", "7a")}, []reconcile.Group{tg("t1", "", "7a")}, false,
			[]string{"group/s=g1 create case4", "group/t=t1 import case3 pending"}},
		{"owned group gone from the source is deactivated with removals on", nil, []reconcile.Group{tg("t1", "g-old", "7a")}, true,
			[]string{"group/t=t1 deactivate"}},
		{"case 1: by the target id the source stores, writing the referrer",
			[]reconcile.Group{withGroupTargetID(g("g1", "7a"), "t1")}, []reconcile.Group{tg("t1", "", "7a")}, false,
			[]string{"group/s=g1 update case1"}},
		{"key conflict: the source's target id and a target referrer name different groups",
			[]reconcile.Group{withGroupTargetID(g("g1", "7a"), "t1")}, []reconcile.Group{tg("t1", "", "7a"), tg("t2", "g1", "7a")}, false,
			[]string{"group/s=g1/t=t1 update case1 pending", "group/s=g1/t=t2 update case1 pending"}},
		{"key conflict: two source groups claim one target group",
			[]reconcile.Group{withGroupTargetID(g("g1", "7a"), "t1"), g("g2", "7b")}, []reconcile.Group{tg("t1", "g2", "7b")}, false,
			[]string{"group/s=g1/t=t1 update case1 pending", "group/s=g2/t=t1 update case1 pending"}},
		{"duplicate source keys are skipped", []reconcile.Group{g("g1", "7a"), g("g1", "7b")}, nil, false,
			[]string{"group/s=g1 skip"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			opts := quiet()
			opts.Removals.Enabled = tt.removals
			p := mustPlan(t, &reconcile.Snapshot{Groups: tt.src}, &reconcile.Snapshot{Groups: tt.tgt}, opts)
			if diff := cmp.Diff(tt.want, summary(p)); diff != "" {
				t.Errorf("actions (-want +got):\n%s", diff)
			}
		})
	}
}

func TestOrganisations(t *testing.T) {
	s := &reconcile.Snapshot{
		Organisations: []reconcile.Organisation{{Keys: reconcile.Keys{SourceKey: "o1"}, Name: "Heine-Schule"}, {Keys: reconcile.Keys{SourceKey: "o2"}, Name: "Neue Schule"}},
		Groups:        []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "g1"}, Name: "7a", Organisation: "o1"}, {Keys: reconcile.Keys{SourceKey: "g2"}, Name: "5b", Organisation: "o2"}},
		Persons:       []reconcile.Person{{Keys: reconcile.Keys{SourceKey: "p1"}, FamilyName: "Berg", GivenNames: "Eva", Contexts: []reconcile.Context{{Organisation: "o2", Role: "Lern"}}}},
	}
	g := &reconcile.Snapshot{
		Organisations: []reconcile.Organisation{{Keys: reconcile.Keys{TargetID: "T-o1", Referrer: "o1"}, Name: "Heine-Schule"}},
		Groups:        []reconcile.Group{{Keys: reconcile.Keys{TargetID: "T-g1", Referrer: "g1"}, Name: "7a", Organisation: "T-o1"}},
	}
	p := mustPlan(t, s, g, quiet())
	want := []string{"organisation/s=o2 create case4", "person/s=p1 create case6", "group/s=g2 create case4"}
	if diff := cmp.Diff(want, summary(p)); diff != "" {
		t.Fatalf("actions (-want +got):\n%s", diff)
	}
	// Organisation keys are translated to target ids, or wait for the new id of a created one.
	if got := action(t, p, "group/s=g2").Needs; !cmp.Equal(got, []reconcile.Ref{{Kind: reconcile.KindOrganisation, SourceKey: "o2"}}) {
		t.Errorf("group needs %v", got)
	}
	if got := action(t, p, "person/s=p1").Needs; len(got) != 1 {
		t.Errorf("person needs %v", got)
	}
}

func TestMemberships(t *testing.T) {
	persons := []reconcile.Person{src("p1", "Berg", "Eva", "", ""), src("p2", "Lund", "Ida", "", ""), src("p3", "Ek", "Ola", "", "")}
	tpersons := []reconcile.Person{tgt("T1", "p1", "Berg", "Eva", "", ""), tgt("T2", "p2", "Lund", "Ida", "", ""), tgt("T3", "p3", "Ek", "Ola", "", "")}
	groups := []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "g1"}, Name: "7a"}}
	tgroups := []reconcile.Group{{Keys: reconcile.Keys{TargetID: "G1", Referrer: "g1"}, Name: "7a"}, {Keys: reconcile.Keys{TargetID: "G9"}, Name: "Chor"}}
	s := &reconcile.Snapshot{Persons: persons, Groups: groups, Memberships: []reconcile.Membership{
		{Person: "p1", Group: "g1", Role: "Lern"},            // unchanged
		{Person: "p2", Group: "g1", Role: "Klassensprecher"}, // role changed
		{Person: "p3", Group: "g1", Role: "Lern"},            // new
		{Person: "p9", Group: "g1", Role: "Lern"},            // unknown person
		{Person: "p3", Group: "g1", Role: "Lern"},            // repeated
	}}
	g := &reconcile.Snapshot{Persons: tpersons, Groups: tgroups, Memberships: []reconcile.Membership{
		{ID: "m1", Person: "T1", Group: "G1", Role: "Lern"},
		{ID: "m2", Person: "T2", Group: "G1", Role: "Lern"},
		{ID: "m4", Person: "T3", Group: "G9", Role: "Lern"}, // a group another system manages
	}}
	opts := quiet()
	p := mustPlan(t, s, g, opts)
	want := []string{
		"group/t=G9 import case3 pending",
		"membership/s=p2,g1 update",
		"membership/s=p3,g1 skip",
		"membership/s=p9,g1 skip",
	}
	if diff := cmp.Diff(want, summary(p)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if got, want := action(t, p, "membership/s=p2,g1").Diffs, []reconcile.Diff{{Field: "role", Before: "Lern", After: "Klassensprecher"}}; !cmp.Equal(got, want) {
		t.Errorf("diffs %v, want %v", got, want)
	}

	// Without the repeat, p3 is added; with removals on, a membership that ended is deleted,
	// while memberships in groups this pipeline does not own are left alone.
	s.Memberships = []reconcile.Membership{
		{Person: "p2", Group: "g1", Role: "Klassensprecher"},
		{Person: "p3", Group: "g1", Role: "Lern"},
	}
	opts.Removals = reconcile.Removals{Enabled: true, GraceDays: 30}
	p = mustPlan(t, s, g, opts)
	want = []string{
		"group/t=G9 import case3 pending",
		"membership/s=p2,g1 update",
		"membership/s=p3,g1 create",
		"membership/t=T1,G1 delete",
	}
	if diff := cmp.Diff(want, summary(p)); diff != "" {
		t.Errorf("with removals, actions (-want +got):\n%s", diff)
	}
	opts.Removals = reconcile.Removals{}
	p = mustPlan(t, s, g, opts)
	if a := action(t, p, "membership/t=T1,G1"); a.Op != reconcile.OpSkip {
		t.Errorf("without removals the ended membership is %s, want skip", a.Op)
	}
}

func TestMembershipsWaitForTheirPerson(t *testing.T) {
	s := &reconcile.Snapshot{
		Persons:     []reconcile.Person{src("p1", "Berg", "Eva", "", "")},
		Groups:      []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "g1"}, Name: "7a"}},
		Memberships: []reconcile.Membership{{Person: "p1", Group: "g1"}},
	}
	g := &reconcile.Snapshot{Persons: []reconcile.Person{tgt("T1", "", "Berg", "Eva", "", "")}}
	p := mustPlan(t, s, g, quiet())
	want := []string{"person/s=p1/t=T1 update case3 pending", "group/s=g1 create case4", "membership/s=p1,g1 skip"}
	if diff := cmp.Diff(want, summary(p)); diff != "" {
		t.Errorf("actions (-want +got):\n%s", diff)
	}
	if r := action(t, p, "membership/s=p1,g1").Reason; r != "the person waits for a decision" {
		t.Errorf("reason %q", r)
	}
}

// TestRepeatedKeys checks that every record sharing a key is left out and counted once per key.
func TestRepeatedKeys(t *testing.T) {
	s := &reconcile.Snapshot{Persons: []reconcile.Person{
		src("s1", "Berg", "Eva", "", ""), src("s2", "Lund", "Ida", "", ""), src("s1", "Berg", "Ida", "", ""), src("s1", "Ek", "Ola", "", ""),
	}}
	g := &reconcile.Snapshot{Persons: []reconcile.Person{
		tgt("t1", "s2", "Lund", "Ida", "", ""), tgt("t2", "", "Sund", "Per", "", ""), tgt("t2", "", "Holm", "Siv", "", ""),
	}}
	p := mustPlan(t, s, g, quiet())
	want := []string{"person/s=s1 skip", "person/t=t2 skip"}
	if diff := cmp.Diff(want, summary(p)); diff != "" {
		t.Fatalf("actions (-want +got):\n%s", diff)
	}
	if r := action(t, p, "person/s=s1").Reason; !strings.HasPrefix(r, "3 source records") {
		t.Errorf("reason %q", r)
	}
	if r := action(t, p, "person/t=t2").Reason; !strings.HasPrefix(r, "2 target records") {
		t.Errorf("reason %q", r)
	}
	if p.Counts.Skipped != 2 || p.Counts.Unchanged != 1 {
		t.Errorf("counts %+v", p.Counts)
	}
}

// TestNamesakesInOneTown checks that family name and birth place alone pair nobody: fifty
// persons called Berg born in Bonn on each side, the source without birth dates, the target
// without given names, make no questions (which would be 2,500), only creations and import offers.
func TestNamesakesInOneTown(t *testing.T) {
	s, g := &reconcile.Snapshot{}, &reconcile.Snapshot{}
	for i := range 50 {
		s.Persons = append(s.Persons, src(fmt.Sprintf("s%d", i), "Berg", fmt.Sprintf("Name%d", i), "", "Bonn"))
		g.Persons = append(g.Persons, tgt(fmt.Sprintf("t%d", i), "", "Berg", "", fmt.Sprintf("2010-01-%02d", i%28+1), "Bonn"))
	}
	p := mustPlan(t, s, g, quiet())
	if want := (reconcile.Counts{Created: 50, Pending: 50}); p.Counts != want {
		t.Errorf("counts %+v, want %+v", p.Counts, want)
	}
	for _, a := range p.Pending() {
		if a.Op != reconcile.OpImport {
			t.Errorf("%s: a question about a pairing", a.ID)
		}
	}
}
