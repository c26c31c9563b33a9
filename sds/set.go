package sds

import (
	"maps"
	"slices"
	"strconv"
	"strings"

	"github.com/edusync/edusync/fileset"
	"github.com/edusync/edusync/reconcile"
)

// Write writes the State as an SDS v2.1 set into stage (see fileset.Format).
func (f *format) Write(s *fileset.State, stage *fileset.Stage) error {
	if err := f.users.Assign(s, f.users.Set); err != nil {
		return err
	}
	w := fileset.NewSetWriter(stage, f.Name(), fileset.RFC4180, Specs...)
	// orgs.csv
	fw, err := w.Create(orgsSpec)
	if err != nil {
		return err
	}
	for _, id := range fileset.Sorted(s.Organisations) {
		o := &s.Organisations[id].Record
		if err := fw.Row(id, id, o.Name, o.Type, o.Attributes[AttrParent]); err != nil {
			return err
		}
	}
	if err := fw.Close(); err != nil {
		return err
	}
	// academicSessions.csv: one term per validity period of the groups.
	periods := map[string]reconcile.Period{}
	for _, e := range s.Groups {
		if v := e.Record.Valid; !v.IsZero() {
			periods[fileset.SessionID(v)] = v
		}
	}
	if fw, err = w.Create(sessionsSpec); err != nil {
		return err
	}
	for _, id := range slices.Sorted(maps.Keys(periods)) {
		p := periods[id]
		title := p.From.String() + " – " + p.To.String()
		if err := fw.Row(id, id, title, "term", strconv.Itoa(p.To.Year()), p.From.String(), p.To.String()); err != nil {
			return err
		}
	}
	if err := fw.Close(); err != nil {
		return err
	}
	// users.csv, then roles.csv from the same persons.
	persons := fileset.Sorted(s.Persons)
	if fw, err = w.Create(usersSpec); err != nil {
		return err
	}
	for _, id := range persons {
		p := &s.Persons[id].Record
		if err := fw.Row(id, id, p.Attributes[fileset.AttrUsername], p.GivenNames, p.FamilyName, "", "", first(p.Emails), "", ""); err != nil {
			return err
		}
	}
	if err := fw.Close(); err != nil {
		return err
	}
	if fw, err = w.Create(rolesSpec); err != nil {
		return err
	}
	for _, id := range persons {
		for _, c := range s.Persons[id].Record.Contexts {
			if err := fw.Row(id, id, c.Organisation, c.Role, "", "", "", "", ""); err != nil {
				return err
			}
		}
	}
	if err := fw.Close(); err != nil {
		return err
	}
	// classes.csv and enrollments.csv.
	if fw, err = w.Create(classesSpec); err != nil {
		return err
	}
	for _, id := range fileset.Sorted(s.Groups) {
		g := &s.Groups[id].Record
		session := ""
		if !g.Valid.IsZero() {
			session = fileset.SessionID(g.Valid)
		}
		if err := fw.Row(id, id, g.Organisation, g.Name, session, ""); err != nil {
			return err
		}
	}
	if err := fw.Close(); err != nil {
		return err
	}
	if fw, err = w.Create(enrollmentsSpec); err != nil {
		return err
	}
	for _, k := range s.SortedMembers() {
		for role := range strings.SplitSeq(k.Record.Role, ",") {
			if err := fw.Row(k.Group+"/"+k.Person, k.Group, k.Person, role); err != nil {
				return err
			}
		}
	}
	if err := fw.Close(); err != nil {
		return err
	}
	// relationships.csv: a contact needs an e-mail address.
	if fw, err = w.Create(relationshipsSpec); err != nil {
		return err
	}
	for _, id := range persons {
		for _, r := range s.Persons[id].Record.Relations {
			if err := fw.Row(id+"/"+r.Person, id, r.Person, r.Role); err != nil {
				return err
			}
			if c := s.Persons[r.Person]; c != nil && len(c.Record.Emails) == 0 {
				fw.Problem(id+"/"+r.Person, "relationshipUserSourcedId", "the contact has no e-mail address, which SDS requires of contacts")
			}
		}
	}
	if err := fw.Close(); err != nil {
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

// Read reads an SDS v2.1 set (see fileset.Format).
func (f *format) Read(dir string) (*fileset.State, error) {
	s := fileset.NewState()
	var lim fileset.Limits
	err := fileset.ReadFile(dir, fileset.RFC4180, orgsSpec, lim, func(r fileset.Row) error {
		id := r.Get("sourcedId")
		o := reconcile.Organisation{Keys: keys(id), Name: r.Get("name"), Type: r.Get("type")}
		if p := r.Get("parentSourcedId"); p != "" {
			o.Attributes = map[string]string{AttrParent: p}
		}
		s.Organisations[id] = &fileset.Entry[reconcile.Organisation]{Record: o}
		return nil
	})
	if err != nil {
		return nil, err
	}
	sessions := map[string]reconcile.Period{}
	err = fileset.ReadFile(dir, fileset.RFC4180, sessionsSpec, lim, func(r fileset.Row) error {
		from, err1 := reconcile.ParseDate(r.Get("startDate"))
		to, err2 := reconcile.ParseDate(r.Get("endDate"))
		if err1 == nil && err2 == nil {
			sessions[r.Get("sourcedId")] = reconcile.Period{From: from, To: to}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = fileset.ReadFile(dir, fileset.RFC4180, usersSpec, lim, func(r fileset.Row) error {
		id := r.Get("sourcedId")
		p := reconcile.Person{Keys: keys(id), GivenNames: r.Get("givenName"), FamilyName: r.Get("familyName")}
		if u := r.Get("username"); u != "" {
			f.users.Set(&p, u)
		}
		if e := r.Get("email"); e != "" {
			p.Emails = []string{e}
		}
		s.Persons[id] = &fileset.Entry[reconcile.Person]{Record: p}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = fileset.ReadFile(dir, fileset.RFC4180, rolesSpec, lim, func(r fileset.Row) error {
		if e := s.Persons[r.Get("userSourcedId")]; e != nil {
			e.Record.Contexts = append(e.Record.Contexts, reconcile.Context{Organisation: r.Get("orgSourcedId"), Role: r.Get("role")})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = fileset.ReadFile(dir, fileset.RFC4180, relationshipsSpec, lim, func(r fileset.Row) error {
		if e := s.Persons[r.Get("userSourcedId")]; e != nil {
			e.Record.Relations = append(e.Record.Relations, reconcile.Relation{Person: r.Get("relationshipUserSourcedId"), Role: r.Get("relationshipRole")})
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = fileset.ReadFile(dir, fileset.RFC4180, classesSpec, lim, func(r fileset.Row) error {
		id := r.Get("sourcedId")
		g := reconcile.Group{Keys: keys(id), Name: r.Get("title"), Organisation: r.Get("orgSourcedId")}
		if ids := r.Get("sessionSourcedIds"); ids != "" {
			first, _, _ := strings.Cut(ids, ",")
			g.Valid = sessions[first]
		}
		s.Groups[id] = &fileset.Entry[reconcile.Group]{Record: g}
		return nil
	})
	if err != nil {
		return nil, err
	}
	err = fileset.ReadFile(dir, fileset.RFC4180, enrollmentsSpec, lim, func(r fileset.Row) error {
		k := fileset.Pair{Person: r.Get("userSourcedId"), Group: r.Get("classSourcedId")}
		e := s.Memberships[k]
		if e == nil {
			e = &fileset.Entry[reconcile.Membership]{Record: reconcile.Membership{Person: k.Person, Group: k.Group}}
			s.Memberships[k] = e
		}
		e.Record.Role = strings.Trim(e.Record.Role+","+r.Get("role"), ",")
		return nil
	})
	if err != nil {
		return nil, err
	}
	for _, e := range s.Persons {
		p := &e.Record
		p.Contexts = fileset.Contexts(p.Contexts, personRole)
		p.Relations = fileset.Relations(p.Relations, relationshipRole)
	}
	for _, e := range s.Memberships {
		e.Record.Role = fileset.Roles(e.Record.Role, enrollmentRole)
	}
	return s, nil
}

func keys(id string) reconcile.Keys { return reconcile.Keys{TargetID: id, Referrer: id} }
