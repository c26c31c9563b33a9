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
	// ids are the persons' ids in order, pos their positions, people what the snapshot makes
	// of each (by position).
	ids      []string
	recs     []*personRec
	pos      map[string]int32
	people   []included
	contexts [][]reconcile.Context // by position
	included int
	snap     *reconcile.Snapshot
	n        Counts
	// shared holds attribute maps records share: most pupils of one school type and year, most
	// groups of one school type, have equal attributes, and one map each saves a municipality
	// some hundred thousand maps. Nothing changes a source snapshot's maps.
	shared map[[3]string]map[string]string
}

// attrs returns an attribute map with the three (possibly empty) values, shared with every
// record that has the same.
func (b *builder) attrs(k1, v1, k2, v2, k3, v3 string) map[string]string {
	if v1 == "" && v2 == "" && v3 == "" {
		return nil
	}
	key := [3]string{k1 + "=" + v1, k2 + "=" + v2, k3 + "=" + v3}
	if m, ok := b.shared[key]; ok {
		return m
	}
	var m map[string]string
	set(&m, k1, v1)
	set(&m, k2, v2)
	set(&m, k3, v3)
	if b.shared == nil {
		b.shared = map[[3]string]map[string]string{}
	}
	b.shared[key] = m
	return m
}

// included is what the snapshot makes of one person: whether it is in it (index >= 0), its
// source key, and whether it is enrolled, on duty or there as a guardian.
type included struct {
	key                       string
	index                     int32
	enrolled, staff, guardian bool
}

// person returns the snapshot's entry for a person id, or nil when the person is not in it.
func (b *builder) person(id string) *included {
	i, ok := b.pos[id]
	if !ok || b.people[i].index < 0 {
		return nil
	}
	return &b.people[i]
}

func (d *dataset) snapshot(opts *Options, today reconcile.Date) (*reconcile.Snapshot, Counts) {
	b := &builder{d: d, opts: opts, today: today, snap: &reconcile.Snapshot{}}
	b.organisations()
	b.index()
	groups := sortedIDs(d.groups)
	b.groups(groups)
	// The person records and the memberships need only the index and the groups: one core each
	// (memberships do not use the shared attribute maps).
	done := make(chan struct{})
	go func() {
		defer close(done)
		b.persons()
	}()
	b.memberships(groups)
	<-done
	return b.snap, b.n
}

func sortedIDs[T any](m map[string]T) []string { return slices.Sorted(maps.Keys(m)) }

// sortedRecords returns the ids of m in order and their records, without a lookup per id.
func sortedRecords[T any](m map[string]*T) ([]string, []*T) {
	type entry struct {
		id string
		r  *T
	}
	es := make([]entry, 0, len(m))
	for id, r := range m {
		es = append(es, entry{id, r})
	}
	slices.SortFunc(es, func(a, b entry) int { return strings.Compare(a.id, b.id) })
	ids, recs := make([]string, len(es)), make([]*T, len(es))
	for i, e := range es {
		ids[i], recs[i] = e.id, e.r
	}
	return ids, recs
}

func (b *builder) organisations() {
	for _, id := range sortedIDs(b.d.orgs) {
		o := b.d.orgs[id]
		if ended(b.today, o.End) {
			b.n.Ended++
			continue
		}
		var attrs map[string]string
		set(&attrs, AttrParent, o.Parent)
		set(&attrs, AttrSchoolUnitCode, o.SchoolUnitCode)
		set(&attrs, AttrOrganisationCode, o.OrgCode)
		set(&attrs, AttrMunicipalityCode, o.MunicipalityCode)
		set(&attrs, AttrSchoolTypes, joinSorted(o.SchoolTypes))
		b.snap.Organisations = append(b.snap.Organisations, reconcile.Organisation{Keys: reconcile.Keys{SourceKey: o.ID},
			Name: o.Name, Type: o.Type, Attributes: attrs})
	}
	b.n.Organisations = len(b.snap.Organisations)
}

// set adds an attribute with a value, making the map on the first.
func set(m *map[string]string, k, v string) {
	if v == "" {
		return
	}
	if *m == nil {
		*m = map[string]string{}
	}
	(*m)[k] = v
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

// index decides which persons are in the snapshot, under which key, and whether they are
// enrolled, on duty or guardians; it keeps their current contexts for persons.
func (b *builder) index() {
	b.ids, b.recs = sortedRecords(b.d.persons)
	b.pos = make(map[string]int32, len(b.ids))
	for i, id := range b.ids {
		b.pos[id] = int32(i)
	}
	b.people = make([]included, len(b.ids))
	b.contexts = make([][]reconcile.Context, len(b.ids))
	contexts := b.contexts
	addContext := func(i int32, c reconcile.Context) {
		if !slices.Contains(contexts[i], c) {
			contexts[i] = append(contexts[i], c)
		}
		if c.Role == RoleStudent {
			b.people[i].enrolled = true
		} else {
			b.people[i].staff = true
		}
	}
	for i, p := range b.recs {
		for _, e := range p.Enrolments {
			if !e.Cancelled && e.Unit != "" && current(b.today, e.Start, e.End) {
				addContext(int32(i), reconcile.Context{Organisation: e.Unit, Role: RoleStudent})
			}
		}
	}
	for _, id := range sortedIDs(b.d.duties) {
		d := b.d.duties[id]
		if i, known := b.pos[d.Person]; known && d.Unit != "" && current(b.today, d.Start, d.End) {
			addContext(i, reconcile.Context{Organisation: d.Unit, Role: cmp.Or(d.Role, RoleStaff)})
		}
	}
	if b.opts.Guardians {
		for i, p := range b.recs {
			if len(contexts[i]) == 0 {
				continue
			}
			for _, r := range p.Responsibles {
				if j, ok := b.pos[r.Person]; ok && len(contexts[j]) == 0 {
					b.people[j].guardian = true
				}
			}
		}
	}
	n := 0
	for i := range b.people {
		in := &b.people[i]
		in.index = -1
		if len(contexts[i]) > 0 || in.guardian {
			in.index = int32(n)
			in.key = b.key(b.recs[i])
			n++
		}
	}
	b.n.WithoutContext = len(b.ids) - n
	b.included = n
}

// persons makes the snapshot's person records.
func (b *builder) persons() {
	contexts := b.contexts
	b.snap.Persons = make([]reconcile.Person, 0, b.included)
	for i, p := range b.recs {
		in := &b.people[i]
		if in.index < 0 {
			continue
		}
		x := reconcile.Person{Keys: reconcile.Keys{SourceKey: in.key}, FamilyName: p.Family, GivenNames: p.Given,
			BirthDate: p.Birth, Protected: p.Protected, EPPNs: p.EPPNs, Contexts: contexts[i]}
		if p.Middle != "" {
			x.GivenNames = strings.TrimSpace(p.Given + " " + p.Middle)
		}
		for _, e := range p.Emails {
			if b.opts.emailType(e.Type) && !slices.Contains(x.Emails, e.Value) {
				x.Emails = append(x.Emails, e.Value)
			}
		}
		var types, years []string
		if in.enrolled {
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
		}
		if p.Middle == "" {
			x.Attributes = b.attrs(AttrSchoolType, joinSorted(types), AttrSchoolYear, joinSorted(years), "", "")
		} else {
			set(&x.Attributes, AttrMiddleName, p.Middle)
			set(&x.Attributes, AttrSchoolType, joinSorted(types))
			set(&x.Attributes, AttrSchoolYear, joinSorted(years))
		}
		if b.opts.Guardians {
			for _, r := range p.Responsibles {
				if g := b.person(r.Person); g != nil {
					rel := reconcile.Relation{Person: g.key, Role: cmp.Or(r.Relation, string(ss12000.RelationTypesVardnadshavare))}
					if !slices.Contains(x.Relations, rel) {
						x.Relations = append(x.Relations, rel)
					}
				}
			}
		}
		if x.Protected {
			b.n.Protected++
		}
		if in.guardian {
			b.n.Guardians++
		}
		b.snap.Persons = append(b.snap.Persons, x)
	}
	b.n.Persons = len(b.snap.Persons)
}

func (b *builder) groups(ids []string) {
	for _, id := range ids {
		g := b.d.groups[id]
		if ended(b.today, g.End) {
			b.n.Ended++
			continue
		}
		b.snap.Groups = append(b.snap.Groups, reconcile.Group{Keys: reconcile.Keys{SourceKey: g.ID}, Name: g.Name, Type: g.Type,
			Organisation: g.Org, Valid: reconcile.Period{From: g.Start, To: g.End}, Attributes: b.attrs(AttrSchoolType, g.SchoolType, "", "", "", "")})
	}
	b.n.Groups = len(b.snap.Groups)
}

// addRole adds a role to a sorted comma-separated list of roles.
func addRole(roles, role string) string {
	if roles == "" || roles == role {
		return role
	}
	list := strings.Split(roles, ",")
	if slices.Contains(list, role) {
		return roles
	}
	list = append(list, role)
	slices.Sort(list)
	return strings.Join(list, ",")
}

// widen extends a membership's period to cover another (absent ends are open).
func widen(p *reconcile.Period, open *[2]bool, from, to reconcile.Date) {
	if from.IsZero() {
		open[0] = true
	} else if p.From.IsZero() || from.Before(p.From) {
		p.From = from
	}
	if to.IsZero() {
		open[1] = true
	} else if p.To.IsZero() || p.To.Before(to) {
		p.To = to
	}
}

// memberships merges every way SS 12000 says a person belongs to a group (group memberships,
// duties' assignment roles, activities' teachers) into one membership per person and group,
// with all its roles: a pupil who is also the group's mentor is one membership "Elev,Mentor".
// They come in a fixed order: by group, then as the service lists them.
func (b *builder) memberships(groups []string) {
	groupIndex := make(map[string]int32, len(b.snap.Groups))
	for i, g := range b.snap.Groups {
		groupIndex[g.Keys.SourceKey] = int32(i)
	}
	size := 0
	for _, g := range b.d.groups {
		size += len(g.Members)
	}
	out := make([]reconcile.Membership, 0, size+size/8)
	open := make([][2]bool, 0, cap(out))
	// The memberships of one group are made together: lastGroup and lastAt say where a person's
	// membership in the group at hand is, so a person listed twice is merged without a map.
	lastGroup := make([]int32, len(b.people))
	lastAt := make([]int32, len(b.people))
	for i := range lastGroup {
		lastGroup[i] = -1
	}
	// extra holds, per group, the memberships made after its own pass (assignment roles and
	// teachers of persons not among its members).
	extra := map[int32][]int32{}
	first := make([]int32, len(b.snap.Groups)+1) // the group's own memberships are out[first[g]:first[g+1]]
	merge := func(i int32, role string, from, to reconcile.Date) {
		widen(&out[i].Period, &open[i], from, to)
		out[i].Role = addRole(out[i].Role, role)
	}
	create := func(in *included, g int32, role string, from, to reconcile.Date) int32 {
		out = append(out, reconcile.Membership{Person: in.key, Group: b.snap.Groups[g].Keys.SourceKey, Role: role,
			Period: reconcile.Period{From: from, To: to}})
		open = append(open, [2]bool{from.IsZero(), to.IsZero()})
		return int32(len(out) - 1)
	}
	for _, gid := range groups {
		g, ok := groupIndex[gid]
		members := b.d.groups[gid].Members
		if !ok {
			for _, m := range members {
				if current(b.today, m.Start, m.End) {
					b.n.DroppedMemberships++
				}
			}
			continue
		}
		first[g] = int32(len(out))
		for _, m := range members {
			if !current(b.today, m.Start, m.End) {
				continue
			}
			pi, known := b.pos[m.Person]
			if !known || b.people[pi].index < 0 {
				b.n.DroppedMemberships++
				continue
			}
			in := &b.people[pi]
			role := RoleMember
			switch {
			case in.enrolled:
				role = RoleStudent
			case in.staff:
				role = RoleStaff
			}
			if lastGroup[pi] == g {
				merge(lastAt[pi], role, m.Start, m.End)
				continue
			}
			lastGroup[pi], lastAt[pi] = g, create(in, g, role, m.Start, m.End)
		}
		first[g+1] = int32(len(out))
	}
	own := len(out)
	// add gives a person a role in a group, merging with a membership it has there.
	add := func(pid, gid, role string, from, to reconcile.Date) {
		in := b.person(pid)
		g, ok := groupIndex[gid]
		if in == nil || !ok {
			b.n.DroppedMemberships++
			return
		}
		for i := first[g]; i < first[g+1] && int(i) < own; i++ {
			if out[i].Person == in.key {
				merge(i, role, from, to)
				return
			}
		}
		for _, i := range extra[g] {
			if out[i].Person == in.key {
				merge(i, role, from, to)
				return
			}
		}
		extra[g] = append(extra[g], create(in, g, role, from, to))
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
	for i := range out {
		if open[i][0] {
			out[i].Period.From = reconcile.Date{}
		}
		if open[i][1] {
			out[i].Period.To = reconcile.Date{}
		}
	}
	b.snap.Memberships = out
	b.n.Memberships = len(out)
}
