package oneroster

import (
	"cmp"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/fileset"
	"github.com/edusync/edusync/reconcile"
)

// stamp is the status and dateLastModified of a row: empty in bulk sets, filled in delta sets.
type stamp struct {
	delta  bool
	latest time.Time // for records read from a bulk set, whose time is not known
}

func (s stamp) of(inactive bool, modified time.Time) (string, string) {
	if !s.delta {
		return "", ""
	}
	if modified.IsZero() {
		modified = s.latest
	}
	status := "active"
	if inactive {
		status = "tobedeleted"
	}
	return status, modified.UTC().Format("2006-01-02T15:04:05.000Z")
}

// exclusive writes an inclusive last day as OneRoster's exclusive end date.
func exclusive(d reconcile.Date) string {
	if d.IsZero() {
		return ""
	}
	return reconcile.DateOf(d.Time().AddDate(0, 0, 1)).String()
}

func inclusive(s string) reconcile.Date {
	d, err := reconcile.ParseDate(s)
	if err != nil || d.IsZero() {
		return reconcile.Date{}
	}
	return reconcile.DateOf(d.Time().AddDate(0, 0, -1))
}

// Write writes the State as a OneRoster 1.2 set into stage (see fileset.Format).
func (f *format) Write(s *fileset.State, stage *fileset.Stage) error {
	if err := f.users.Assign(s, f.users.Set); err != nil {
		return err
	}
	st := stamp{delta: f.opts.Delta}
	latest := func(t time.Time) {
		if t.After(st.latest) {
			st.latest = t
		}
	}
	for _, e := range s.Organisations {
		latest(e.Modified)
	}
	for _, e := range s.Persons {
		latest(e.Modified)
	}
	for _, e := range s.Groups {
		latest(e.Modified)
	}
	for _, e := range s.Memberships {
		latest(e.Modified)
	}
	if st.latest.IsZero() {
		st.latest = time.Unix(0, 0)
	}
	persons := fileset.Sorted(s.Persons)
	groups := fileset.Sorted(s.Groups)
	members := s.SortedMembers()

	// Guardians' roles come from their pupils' schools.
	type guardianAt struct{ guardian, org string }
	guardians := map[guardianAt]time.Time{}
	for _, id := range persons {
		e := s.Persons[id]
		for _, r := range e.Record.Relations {
			if s.Persons[r.Person] == nil {
				continue
			}
			for _, c := range e.Record.Contexts {
				if c.Role == "student" {
					k := guardianAt{r.Person, c.Organisation}
					if e.Modified.After(guardians[k]) || guardians[k].IsZero() {
						guardians[k] = e.Modified
					}
				}
			}
		}
	}
	periods := map[string]reconcile.Period{}
	periodMod := map[string]time.Time{} // the latest write of a group of the term
	for _, e := range s.Groups {
		if v := e.Record.Valid; !v.IsZero() {
			id := fileset.SessionID(v)
			periods[id] = v
			if e.Modified.After(periodMod[id]) {
				periodMod[id] = e.Modified
			}
		}
	}
	demographics := 0
	if f.opts.Demographics {
		for _, e := range s.Persons {
			if !e.Record.BirthDate.IsZero() {
				demographics++
			}
		}
	}
	roles := len(guardians)
	for _, e := range s.Persons {
		roles += len(e.Record.Contexts)
	}
	present := map[string]bool{"orgs": len(s.Organisations) > 0, "academicSessions": len(periods) > 0, "users": len(s.Persons) > 0,
		"roles": roles > 0, "courses": len(s.Groups) > 0, "classes": len(s.Groups) > 0, "enrollments": len(members) > 0,
		"demographics": demographics > 0}

	w := fileset.NewSetWriter(stage, f.Name(), fileset.RFC4180, Specs...)
	mode := "bulk"
	if f.opts.Delta {
		mode = "delta"
	}
	fw, err := w.Create(manifestSpec)
	if err != nil {
		return err
	}
	rows := [][2]string{{"manifest.version", "1.0"}, {"oneroster.version", "1.2"}}
	for _, name := range manifestFiles {
		v := "absent"
		if present[name] {
			v = mode
		}
		rows = append(rows, [2]string{"file." + name, v})
	}
	rows = append(rows, [2]string{"source.systemName", "edusync"})
	for _, r := range rows {
		if err := fw.Row(r[0], r[0], r[1]); err != nil {
			return err
		}
	}
	if err := fw.Close(); err != nil {
		return err
	}
	file := func(spec *fileset.Spec, rows func(fw *fileset.FileWriter) error) error {
		if !present[strings.TrimSuffix(spec.Name, ".csv")] {
			return nil
		}
		fw, err := w.Create(spec)
		if err != nil {
			return err
		}
		if err := rows(fw); err != nil {
			return err
		}
		return fw.Close()
	}
	err = file(orgsSpec, func(fw *fileset.FileWriter) error {
		for _, id := range fileset.Sorted(s.Organisations) {
			e := s.Organisations[id]
			o := &e.Record
			status, mod := st.of(e.Inactive, e.Modified)
			if err := fw.Row(id, id, status, mod, o.Name, o.Type, o.Attributes[AttrSchoolUnitCode], o.Attributes[AttrParent]); err != nil {
				return err
			}
		}
		return nil
	})
	if err == nil {
		err = file(sessionsSpec, func(fw *fileset.FileWriter) error {
			for _, id := range slices.Sorted(maps.Keys(periods)) {
				p := periods[id]
				status, mod := st.of(false, periodMod[id])
				if err := fw.Row(id, id, status, mod, p.From.String()+" – "+p.To.String(), "term", p.From.String(), exclusive(p.To), "", strconv.Itoa(p.To.Year())); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = file(usersSpec, func(fw *fileset.FileWriter) error {
			for _, id := range persons {
				e := s.Persons[id]
				p := &e.Record
				status, mod := st.of(e.Inactive, e.Modified)
				enabled := "true"
				if e.Inactive {
					enabled = "false"
				}
				var agents []string
				for _, r := range p.Relations {
					agents = append(agents, r.Person)
				}
				if err := fw.Row(id, id, status, mod, enabled, p.Attributes[fileset.AttrUsername], "", p.GivenNames, p.FamilyName, "", "",
					first(p.Emails), "", "", strings.Join(agents, ","), "", "", "", "", "", "", "", "", ""); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = file(rolesSpec, func(fw *fileset.FileWriter) error {
			type row struct {
				user, org, role string
				mod             time.Time
				inactive        bool
			}
			all := make([]row, 0, roles)
			for _, id := range persons {
				e := s.Persons[id]
				for _, c := range e.Record.Contexts {
					all = append(all, row{id, c.Organisation, c.Role, e.Modified, e.Inactive})
				}
			}
			for k, mod := range guardians {
				all = append(all, row{k.guardian, k.org, "guardian", mod, s.Persons[k.guardian].Inactive})
			}
			slices.SortFunc(all, func(a, b row) int {
				return cmp.Or(strings.Compare(a.user, b.user), strings.Compare(a.org, b.org), strings.Compare(a.role, b.role))
			})
			for i, r := range all {
				roleType := "primary"
				if i > 0 && all[i-1].user == r.user && all[i-1].org == r.org {
					roleType = "secondary"
				}
				id := r.user + "/" + r.org + "/" + strings.ReplaceAll(r.role, ":", ".")
				status, mod := st.of(r.inactive, r.mod)
				if err := fw.Row(id, id, status, mod, r.user, roleType, r.role, "", "", r.org, ""); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = file(coursesSpec, func(fw *fileset.FileWriter) error {
			for _, id := range groups {
				e := s.Groups[id]
				status, mod := st.of(e.Inactive, e.Modified)
				if err := fw.Row(id, id, status, mod, "", e.Record.Name, "", "", e.Record.Organisation, "", ""); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err == nil {
		err = file(classesSpec, func(fw *fileset.FileWriter) error {
			for _, id := range groups {
				e := s.Groups[id]
				g := &e.Record
				status, mod := st.of(e.Inactive, e.Modified)
				term := ""
				if !g.Valid.IsZero() {
					term = fileset.SessionID(g.Valid)
				}
				if err := fw.Row(id, id, status, mod, g.Name, "", id, "", g.Type, "", g.Organisation, term, "", "", ""); err != nil {
					return err
				}
				if o := s.Organisations[g.Organisation]; o != nil && o.Record.Type != "school" {
					fw.Problem(id, "schoolSourcedId", "the class's organisation is not a school")
				}
			}
			return nil
		})
	}
	if err == nil {
		err = file(enrollmentsSpec, func(fw *fileset.FileWriter) error {
			// Members come by group, and a group's members mostly share a period: the
			// group's school and the period's dates are looked up and written once for each.
			var group, school string
			var period reconcile.Period
			from, to := "", ""
			for _, k := range members {
				e := k.Entry
				m := &e.Record
				status, mod := st.of(e.Inactive, e.Modified)
				if k.Group != group {
					group, school = k.Group, s.Groups[k.Group].Record.Organisation
				}
				if m.Period != period {
					period, from, to = m.Period, m.Period.From.String(), exclusive(m.Period.To)
				}
				for role := range strings.SplitSeq(m.Role, ",") {
					id := k.Group + "/" + k.Person + "/" + role
					if err := fw.Row(id, id, status, mod, k.Group, school, k.Person, role, "", from, to); err != nil {
						return err
					}
				}
			}
			return nil
		})
	}
	if err == nil {
		err = file(demographicsSpec, func(fw *fileset.FileWriter) error {
			for _, id := range persons {
				e := s.Persons[id]
				if e.Record.BirthDate.IsZero() {
					continue
				}
				status, mod := st.of(e.Inactive, e.Modified)
				if err := fw.Row(id, id, status, mod, e.Record.BirthDate.String(), "", "", "", "", "", "", "", "", "", "", "", ""); err != nil {
					return err
				}
			}
			return nil
		})
	}
	if err != nil {
		return err
	}
	return w.Err()
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func keys(id string) reconcile.Keys { return reconcile.Keys{TargetID: id, Referrer: id} }

// row state read from a set: inactive when tobedeleted (delta) and the time it was modified.
func rowState(r fileset.Row) (bool, time.Time) {
	t, _ := time.Parse(time.RFC3339Nano, r.Get("dateLastModified"))
	return r.Get("status") == "tobedeleted", t
}

// Read reads a OneRoster 1.2 set (see fileset.Format). Files the manifest names absent are
// read as empty.
func (f *format) Read(dir string) (*fileset.State, error) {
	s := fileset.NewState()
	var lim fileset.Limits
	read := func(spec *fileset.Spec, fn func(fileset.Row) error) error {
		return fileset.ReadFile(dir, fileset.RFC4180, spec, lim, fn)
	}
	if err := read(manifestSpec, func(fileset.Row) error { return nil }); err != nil {
		return nil, err
	}
	err := read(orgsSpec, func(r fileset.Row) error {
		id := r.Get("sourcedId")
		inactive, mod := rowState(r)
		o := reconcile.Organisation{Keys: keys(id), Name: r.Get("name"), Type: r.Get("type"),
			Attributes: fileset.Only(map[string]string{AttrParent: r.Get("parentSourcedId"), AttrSchoolUnitCode: r.Get("identifier")}, AttrParent, AttrSchoolUnitCode)}
		s.Organisations[id] = &fileset.Entry[reconcile.Organisation]{Record: o, Inactive: inactive, Modified: mod}
		return nil
	})
	sessions := map[string]reconcile.Period{}
	if err == nil {
		err = read(sessionsSpec, func(r fileset.Row) error {
			from, _ := reconcile.ParseDate(r.Get("startDate"))
			sessions[r.Get("sourcedId")] = reconcile.Period{From: from, To: inclusive(r.Get("endDate"))}
			return nil
		})
	}
	if err == nil {
		err = read(usersSpec, func(r fileset.Row) error {
			id := r.Get("sourcedId")
			inactive, mod := rowState(r)
			p := reconcile.Person{Keys: keys(id), GivenNames: r.Get("givenName"), FamilyName: r.Get("familyName")}
			if u := r.Get("username"); u != "" {
				f.users.Set(&p, u)
			}
			if e := r.Get("email"); e != "" {
				p.Emails = []string{e}
			}
			if a := r.Get("agentSourcedIds"); a != "" {
				for g := range strings.SplitSeq(a, ",") {
					p.Relations = append(p.Relations, reconcile.Relation{Person: g, Role: "guardian"})
				}
			}
			s.Persons[id] = &fileset.Entry[reconcile.Person]{Record: p, Inactive: inactive || r.Get("enabledUser") == "false", Modified: mod}
			return nil
		})
	}
	if err == nil {
		err = read(rolesSpec, func(r fileset.Row) error {
			if e := s.Persons[r.Get("userSourcedId")]; e != nil && !slices.Contains(guardianRoles, r.Get("role")) {
				e.Record.Contexts = append(e.Record.Contexts, reconcile.Context{Organisation: r.Get("orgSourcedId"), Role: r.Get("role")})
			}
			return nil
		})
	}
	if err == nil {
		err = read(classesSpec, func(r fileset.Row) error {
			id := r.Get("sourcedId")
			inactive, mod := rowState(r)
			terms, _, _ := strings.Cut(r.Get("termSourcedIds"), ",")
			g := reconcile.Group{Keys: keys(id), Name: r.Get("title"), Type: r.Get("classType"), Organisation: r.Get("schoolSourcedId"), Valid: sessions[terms]}
			s.Groups[id] = &fileset.Entry[reconcile.Group]{Record: g, Inactive: inactive, Modified: mod}
			return nil
		})
	}
	if err == nil {
		err = read(enrollmentsSpec, func(r fileset.Row) error {
			k := fileset.Pair{Person: r.Get("userSourcedId"), Group: r.Get("classSourcedId")}
			inactive, mod := rowState(r)
			e := s.Memberships[k]
			if e == nil {
				from, _ := reconcile.ParseDate(r.Get("beginDate"))
				e = &fileset.Entry[reconcile.Membership]{Record: reconcile.Membership{Person: k.Person, Group: k.Group,
					Period: reconcile.Period{From: from, To: inclusive(r.Get("endDate"))}}, Inactive: inactive, Modified: mod}
				s.Memberships[k] = e
			}
			e.Record.Role = strings.Trim(e.Record.Role+","+r.Get("role"), ",")
			return nil
		})
	}
	if err == nil && f.opts.Demographics {
		err = read(demographicsSpec, func(r fileset.Row) error {
			if e := s.Persons[r.Get("sourcedId")]; e != nil {
				e.Record.BirthDate, _ = reconcile.ParseDate(r.Get("birthDate"))
			}
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	for _, e := range s.Persons {
		e.Record.Contexts = fileset.Contexts(e.Record.Contexts, personRole)
		e.Record.Relations = fileset.Relations(e.Record.Relations, relationRole)
	}
	for _, e := range s.Memberships {
		e.Record.Role = fileset.Roles(e.Record.Role, enrollmentRole)
	}
	return s, nil
}
