package main

import (
	"maps"
	"slices"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnexsync"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
	"github.com/edusync/edusync/synth"
)

// minimumWrites returns the least number of HTTP writes that synth's true changes of one day
// require of a Schulconnex source system, by route, following the table on
// BenchmarkSchulconnexSync and the mapping of schulconnextest.LoadPopulation (a synth person's
// enrolments, duties and guardianships become its contexts, one per role). It works from the
// change list and the two days' exports, never from what the flow wrote. A record appears in at
// most one synth change, but a person can be touched by several (an enrolment and a duty);
// writes to the same record count once.
func minimumWrites(sc *scenario, opts schulconnextest.LoadOptions) (map[string]int, error) {
	before, err := schulconnextest.SourceSnapshot(sc.pop, opts)
	if err != nil {
		return nil, err
	}
	after, err := schulconnextest.SourceSnapshot(sc.next, opts)
	if err != nil {
		return nil, err
	}
	persons0, persons1 := byKey(before.Persons, personKey), byKey(after.Persons, personKey)
	groups0, groups1 := byKey(before.Groups, groupKey), byKey(after.Groups, groupKey)
	type pair struct{ person, group string }
	members0, members1 := map[pair]reconcile.Membership{}, map[pair]reconcile.Membership{}
	for _, m := range before.Memberships {
		members0[pair{m.Person, m.Group}] = m
	}
	for _, m := range after.Memberships {
		members1[pair{m.Person, m.Group}] = m
	}
	// Which persons and memberships the changes touch.
	owner := map[synth.ID][]synth.ID{} // enrolment, duty, guardianship -> persons
	memberOf := map[synth.ID]pair{}
	for _, p := range []*synth.Population{sc.pop, sc.next} {
		for i := range p.Enrolments {
			owner[p.Enrolments[i].ID] = []synth.ID{p.Enrolments[i].Person}
		}
		for i := range p.Duties {
			owner[p.Duties[i].ID] = []synth.ID{p.Duties[i].Person}
		}
		for i := range p.Guardianships {
			g := &p.Guardianships[i]
			owner[g.ID] = []synth.ID{g.Student, g.Guardian}
		}
		for i := range p.Memberships {
			m := &p.Memberships[i]
			memberOf[m.ID] = pair{m.Person.String(), m.Group.String()}
		}
	}
	today := reconcile.NewDate(sc.next.Today.Year(), sc.next.Today.Month(), sc.next.Today.Day())
	touched := map[string]bool{}
	want := map[string]int{}
	for _, ch := range sc.changes {
		switch ch.Entity {
		case synth.EntityPerson:
			touched[ch.ID.String()] = true
		case synth.EntityEnrolment, synth.EntityDuty, synth.EntityGuardianship:
			for _, p := range owner[ch.ID] {
				touched[p.String()] = true
			}
		case synth.EntityGroup:
			k := ch.ID.String()
			_, was := groups0[k]
			_, is := groups1[k]
			switch {
			case !was && is:
				want["POST /gruppen"]++
			case was && !is:
				// Ending a group sets laufzeit.bis to today, unless its period is already over.
				if end := groups0[k].Valid.To; end.IsZero() || today.Before(end) {
					want["PUT /gruppen/{id} (laufzeit.bis)"]++
				}
			case was && is:
				want["PUT /gruppen/{id}"]++
			}
		case synth.EntityMembership:
			pr := memberOf[ch.ID]
			_, was := members0[pr]
			_, is := members1[pr]
			switch {
			case !was && is:
				want["POST /gruppen/{id}/gruppenzugehoerigkeiten"]++
			case was && !is:
				_, personStays := persons1[pr.person]
				_, groupStays := groups1[pr.group]
				if personStays && groupStays {
					want["DELETE /gruppenzugehoerigkeiten/{id}"]++
				}
			case was && is && members0[pr] != members1[pr]:
				want["PUT /gruppenzugehoerigkeiten/{id}"]++
			}
		}
	}
	for key := range touched {
		p0, was := persons0[key]
		p1, is := persons1[key]
		switch {
		case !was && is:
			want["POST /personen"]++
			want["POST /personen/{id}/personenkontexte"] += len(p1.Contexts)
		case was && !is:
			want["PUT /personenkontexte/{id} (deletion time)"] += len(p0.Contexts)
		case was && is:
			if p0.FamilyName != p1.FamilyName || p0.GivenNames != p1.GivenNames || p0.BirthDate != p1.BirthDate ||
				p0.BirthPlace != p1.BirthPlace || p0.Protected != p1.Protected ||
				p0.Attributes[schulconnexsync.AttrGeschlecht] != p1.Attributes[schulconnexsync.AttrGeschlecht] {
				want["PUT /personen/{id}"]++
			}
			roles0, roles1 := roles(p0), roles(p1)
			for _, r := range roles1 {
				if !slices.Contains(roles0, r) {
					want["POST /personen/{id}/personenkontexte"]++
				}
			}
			for _, r := range roles0 {
				if !slices.Contains(roles1, r) {
					want["DELETE /personenkontexte/{id}"]++
					continue
				}
				grade := r == string(schulconnex.RolleLern) &&
					p0.Attributes[schulconnexsync.AttrJahrgangsstufe] != p1.Attributes[schulconnexsync.AttrJahrgangsstufe]
				if grade || !slices.Equal(p0.Emails, p1.Emails) {
					want["PUT /personenkontexte/{id}"]++
				}
			}
		}
	}
	return want, nil
}

func personKey(p *reconcile.Person) string { return p.Keys.SourceKey }
func groupKey(g *reconcile.Group) string   { return g.Keys.SourceKey }

func byKey[T any](items []T, key func(*T) string) map[string]T {
	m := make(map[string]T, len(items))
	for i := range items {
		m[key(&items[i])] = items[i]
	}
	return m
}

func roles(p reconcile.Person) []string {
	var out []string
	for _, c := range p.Contexts {
		out = append(out, c.Role)
	}
	return out
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range slices.Sorted(maps.Keys(m)) {
		n += m[v]
	}
	return n
}
