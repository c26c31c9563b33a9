package ss12000sync

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
)

// The roles the Source gives contexts and memberships, besides the duty roles and assignment
// roles SS 12000 names itself (DutyRole, AssignmentRoleType: "Lärare", "Mentor", ...).
const (
	// RoleStudent is the role of a pupil: the context of a current enrolment, and the
	// membership of an enrolled person in a group.
	RoleStudent = "Elev"
	// RoleStaff is the membership role of a person with a current duty who is a member of a
	// group (a staff team) without an assignment role there.
	RoleStaff = "Personal"
	// RoleMember is the membership role of a member who is neither enrolled nor on duty (a
	// child at a preschool unit, for example).
	RoleMember = "Medlem"
	// RoleTeacher is the membership role of a teacher of a group: a duty named among an
	// activity's teachers, for each of the activity's groups.
	RoleTeacher = "Lärare"
)

// The attributes the Source puts on canonical records.
const (
	// AttrMiddleName is a person's middle name (mellannamn), which SS 12000 keeps apart; it is
	// also part of GivenNames, after the given name.
	AttrMiddleName = "middleName"
	// AttrSchoolType is, for a person, the school types of the current enrolments
	// (comma-separated, sorted: "GR"), for a group its school type.
	AttrSchoolType = "schoolType"
	// AttrSchoolYear is a person's school years of the current enrolments ("7").
	AttrSchoolYear = "schoolYear"
	// AttrParent is an organisation's parent organisation (its id: the parent's source key).
	AttrParent = "parent"
	// AttrSchoolUnitCode is a school unit's code in Skolverket's register.
	AttrSchoolUnitCode = "schoolUnitCode"
	// AttrOrganisationCode is an organisation's own code.
	AttrOrganisationCode = "organisationCode"
	// AttrMunicipalityCode is an organisation's municipality code.
	AttrMunicipalityCode = "municipalityCode"
	// AttrSchoolTypes is an organisation's school types (comma-separated, sorted).
	AttrSchoolTypes = "schoolTypes"
)

// dataset is everything the Source keeps of the service, by id.
type dataset struct {
	orgs       map[string]*orgRec
	persons    map[string]*personRec
	groups     map[string]*groupRec
	duties     map[string]*dutyRec
	activities map[string]*activityRec
}

func newDataset() *dataset {
	return &dataset{orgs: map[string]*orgRec{}, persons: map[string]*personRec{}, groups: map[string]*groupRec{},
		duties: map[string]*dutyRec{}, activities: map[string]*activityRec{}}
}

// Counts says what one snapshot holds and what was left out of it.
type Counts struct {
	// Organisations, Persons, Groups and Memberships are the records of the snapshot.
	Organisations, Persons, Groups, Memberships int
	// Protected is the number of persons with protected identity among Persons (reconcile
	// leaves them out of targets unless the host opts in).
	Protected int
	// Guardians is the number of persons among Persons that are there as guardians only.
	Guardians int
	// WithoutContext counts persons left out because they have no current enrolment or duty
	// (and are no included pupil's guardian).
	WithoutContext int
	// Ended counts organisations and groups left out because they ended before today.
	Ended int
	// DroppedMemberships counts memberships left out because their person or group is not in
	// the snapshot (unknown, left out, or ended).
	DroppedMemberships int
}

// current reports whether today lies in the period start..end (absent ends are open).
func current(today, start, end reconcile.Date) bool {
	return (start.IsZero() || !today.Before(start)) && (end.IsZero() || !end.Before(today))
}

// ended reports whether a record's period ended before today.
func ended(today, end reconcile.Date) bool { return !end.IsZero() && end.Before(today) }

// builder turns a dataset into the canonical snapshot for one day.
type builder struct {
	d     *dataset
	opts  *Options
	today reconcile.Date
	keys  map[string]string // person id -> source key
	snap  *reconcile.Snapshot
	n     Counts
}

func (d *dataset) snapshot(opts *Options, today reconcile.Date) (*reconcile.Snapshot, Counts) {
	b := &builder{d: d, opts: opts, today: today, keys: make(map[string]string, len(d.persons)), snap: &reconcile.Snapshot{}}
	b.organisations()
	b.persons()
	b.groups()
	b.memberships()
	return b.snap, b.n
}

func sortedIDs[T any](m map[string]T) []string { return slices.Sorted(maps.Keys(m)) }

func (b *builder) organisations() {
	for _, id := range sortedIDs(b.d.orgs) {
		o := b.d.orgs[id]
		if ended(b.today, o.End) {
			b.n.Ended++
			continue
		}
		attrs := map[string]string{}
		set(attrs, AttrParent, o.Parent)
		set(attrs, AttrSchoolUnitCode, o.SchoolUnitCode)
		set(attrs, AttrOrganisationCode, o.OrgCode)
		set(attrs, AttrMunicipalityCode, o.MunicipalityCode)
		set(attrs, AttrSchoolTypes, joinSorted(o.SchoolTypes))
		b.snap.Organisations = append(b.snap.Organisations, reconcile.Organisation{Keys: reconcile.Keys{SourceKey: o.ID},
			Name: o.Name, Type: o.Type, Attributes: nilIfEmpty(attrs)})
	}
	b.n.Organisations = len(b.snap.Organisations)
}

func set(m map[string]string, k, v string) {
	if v != "" {
		m[k] = v
	}
}

func nilIfEmpty(m map[string]string) map[string]string {
	if len(m) == 0 {
		return nil
	}
	return m
}

func joinSorted(l []string) string {
	if len(l) <= 1 {
		return strings.Join(l, "")
	}
	s := slices.Clone(l)
	slices.Sort(s)
	return strings.Join(slices.Compact(s), ",")
}

// key returns the source key of a person: the SS 12000 id, or with KeyCivicNo the personal
// number, where the person has one and is not protected (a protected person's personal number
// never becomes a key that plans, reports and logs carry).
func (b *builder) key(p *personRec) string {
	if b.opts.PersonKey == KeyCivicNo && !p.Protected && p.CivicNo != "" {
		return p.CivicNo
	}
	return p.ID
}

func (b *builder) persons() {
	contexts := make(map[string][]reconcile.Context, len(b.d.persons))
	addContext := func(pid string, c reconcile.Context) {
		if !slices.Contains(contexts[pid], c) {
			contexts[pid] = append(contexts[pid], c)
		}
	}
	for _, id := range sortedIDs(b.d.persons) {
		for _, e := range b.d.persons[id].Enrolments {
			if !e.Cancelled && e.Unit != "" && current(b.today, e.Start, e.End) {
				addContext(id, reconcile.Context{Organisation: e.Unit, Role: RoleStudent})
			}
		}
	}
	for _, id := range sortedIDs(b.d.duties) {
		d := b.d.duties[id]
		if d.Person != "" && d.Unit != "" && current(b.today, d.Start, d.End) {
			addContext(d.Person, reconcile.Context{Organisation: d.Unit, Role: cmp.Or(d.Role, RoleStaff)})
		}
	}
	included := make(map[string]bool, len(contexts))
	guardian := map[string]bool{}
	for id := range b.d.persons {
		if len(contexts[id]) > 0 {
			included[id] = true
		}
	}
	if b.opts.Guardians {
		for id := range included {
			for _, r := range b.d.persons[id].Responsibles {
				if _, ok := b.d.persons[r.Person]; ok && !included[r.Person] {
					guardian[r.Person] = true
				}
			}
		}
		for id := range guardian {
			included[id] = true
		}
	}
	b.n.WithoutContext = len(b.d.persons) - len(included)
	for _, id := range sortedIDs(b.d.persons) {
		if included[id] {
			b.keys[id] = b.key(b.d.persons[id])
		}
	}
	for _, id := range sortedIDs(b.d.persons) {
		if !included[id] {
			continue
		}
		p := b.d.persons[id]
		x := reconcile.Person{Keys: reconcile.Keys{SourceKey: b.keys[id]}, FamilyName: p.Family,
			GivenNames: strings.TrimSpace(p.Given + " " + p.Middle), BirthDate: p.Birth, Protected: p.Protected,
			EPPNs: p.EPPNs, Contexts: contexts[id]}
		for _, e := range p.Emails {
			if b.opts.emailType(e.Type) && !slices.Contains(x.Emails, e.Value) {
				x.Emails = append(x.Emails, e.Value)
			}
		}
		attrs := map[string]string{}
		set(attrs, AttrMiddleName, p.Middle)
		var types, years []string
		for _, e := range p.Enrolments {
			if !e.Cancelled && current(b.today, e.Start, e.End) {
				if e.SchoolType != "" {
					types = append(types, e.SchoolType)
				}
				if e.Year != 0 {
					years = append(years, strconv.Itoa(e.Year))
				}
			}
		}
		set(attrs, AttrSchoolType, joinSorted(types))
		set(attrs, AttrSchoolYear, joinSorted(years))
		x.Attributes = nilIfEmpty(attrs)
		if b.opts.Guardians {
			for _, r := range p.Responsibles {
				if k, ok := b.keys[r.Person]; ok {
					rel := reconcile.Relation{Person: k, Role: cmp.Or(r.Relation, string(ss12000.RelationTypesVardnadshavare))}
					if !slices.Contains(x.Relations, rel) {
						x.Relations = append(x.Relations, rel)
					}
				}
			}
		}
		if x.Protected {
			b.n.Protected++
		}
		if guardian[id] {
			b.n.Guardians++
		}
		b.snap.Persons = append(b.snap.Persons, x)
	}
	b.n.Persons = len(b.snap.Persons)
}

func (b *builder) groups() {
	for _, id := range sortedIDs(b.d.groups) {
		g := b.d.groups[id]
		if ended(b.today, g.End) {
			b.n.Ended++
			continue
		}
		attrs := map[string]string{}
		set(attrs, AttrSchoolType, g.SchoolType)
		b.snap.Groups = append(b.snap.Groups, reconcile.Group{Keys: reconcile.Keys{SourceKey: g.ID}, Name: g.Name, Type: g.Type,
			Organisation: g.Org, Valid: reconcile.Period{From: g.Start, To: g.End}, Attributes: nilIfEmpty(attrs)})
	}
	b.n.Groups = len(b.snap.Groups)
}

// membership collects the roles and periods of one person in one group.
type membership struct {
	roles            []string
	from, to         reconcile.Date
	openFrom, openTo bool
	seen             bool
}

func (m *membership) add(role string, from, to reconcile.Date) {
	if !slices.Contains(m.roles, role) {
		m.roles = append(m.roles, role)
	}
	if from.IsZero() {
		m.openFrom = true
	} else if !m.seen || from.Before(m.from) {
		m.from = from
	}
	if to.IsZero() {
		m.openTo = true
	} else if !m.seen || m.to.Before(to) {
		m.to = to
	}
	m.seen = true
}

func (m *membership) period() reconcile.Period {
	p := reconcile.Period{From: m.from, To: m.to}
	if m.openFrom {
		p.From = reconcile.Date{}
	}
	if m.openTo {
		p.To = reconcile.Date{}
	}
	return p
}

// memberships merges every way SS 12000 says a person belongs to a group (group memberships,
// duties' assignment roles, activities' teachers) into one membership per person and group,
// with all its roles: a pupil who is also the group's mentor is one membership "Elev,Mentor".
func (b *builder) memberships() {
	groupIn := make(map[string]bool, len(b.snap.Groups))
	for _, g := range b.snap.Groups {
		groupIn[g.Keys.SourceKey] = true
	}
	enrolled, onDuty := map[string]bool{}, map[string]bool{}
	for _, p := range b.snap.Persons {
		for _, c := range p.Contexts {
			if c.Role == RoleStudent {
				enrolled[p.Keys.SourceKey] = true
			} else {
				onDuty[p.Keys.SourceKey] = true
			}
		}
	}
	type pair struct{ person, group string }
	all := map[pair]*membership{}
	add := func(pid, gid, role string, from, to reconcile.Date) {
		key, ok := b.keys[pid]
		if !ok || !groupIn[gid] {
			b.n.DroppedMemberships++
			return
		}
		k := pair{key, gid}
		m := all[k]
		if m == nil {
			m = &membership{}
			all[k] = m
		}
		m.add(role, from, to)
	}
	for _, gid := range sortedIDs(b.d.groups) {
		for _, m := range b.d.groups[gid].Members {
			if !current(b.today, m.Start, m.End) {
				continue
			}
			role := RoleMember
			switch key := b.keys[m.Person]; {
			case enrolled[key]:
				role = RoleStudent
			case onDuty[key]:
				role = RoleStaff
			}
			add(m.Person, gid, role, m.Start, m.End)
		}
	}
	for _, did := range sortedIDs(b.d.duties) {
		d := b.d.duties[did]
		if !current(b.today, d.Start, d.End) {
			continue
		}
		for _, a := range d.Assignments {
			if current(b.today, a.Start, a.End) {
				add(d.Person, a.Group, cmp.Or(a.Role, RoleStaff), a.Start, a.End)
			}
		}
	}
	for _, aid := range sortedIDs(b.d.activities) {
		a := b.d.activities[aid]
		if !current(b.today, a.Start, a.End) {
			continue
		}
		for _, t := range a.Teachers {
			d, ok := b.d.duties[t.Duty]
			if !ok || !current(b.today, t.Start, t.End) || !current(b.today, d.Start, d.End) {
				continue
			}
			for _, gid := range a.Groups {
				add(d.Person, gid, RoleTeacher, t.Start, t.End)
			}
		}
	}
	pairs := slices.SortedFunc(maps.Keys(all), func(x, y pair) int {
		return cmp.Or(strings.Compare(x.person, y.person), strings.Compare(x.group, y.group))
	})
	b.snap.Memberships = make([]reconcile.Membership, 0, len(pairs))
	for _, k := range pairs {
		m := all[k]
		slices.Sort(m.roles)
		b.snap.Memberships = append(b.snap.Memberships, reconcile.Membership{Person: k.person, Group: k.group,
			Role: strings.Join(m.roles, ","), Period: m.period()})
	}
	b.n.Memberships = len(b.snap.Memberships)
}
