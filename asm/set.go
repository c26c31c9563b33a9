package asm

import (
	"strconv"

	"github.com/edusync/edusync/fileset"
	"github.com/edusync/edusync/reconcile"
)

// Write writes the State as an Apple School Manager upload into stage (see fileset.Format).
func (format) Write(s *fileset.State, stage *fileset.Stage) error {
	w := fileset.NewSetWriter(stage, "Apple School Manager", fileset.Apple, Specs...)
	locations := map[string]bool{}
	fw, err := w.Create(locationsSpec)
	if err != nil {
		return err
	}
	for _, id := range fileset.Sorted(s.Organisations) {
		locations[id] = true
		if err := fw.Row(id, id, s.Organisations[id].Record.Name); err != nil {
			return err
		}
	}
	if err := fw.Close(); err != nil {
		return err
	}
	persons := fileset.Sorted(s.Persons)
	for _, file := range []struct {
		spec *fileset.Spec
		kind string
	}{{studentsSpec, RoleStudent}, {staffSpec, RoleStaff}} {
		var ids []string
		most := 0
		for _, id := range persons {
			if k, _ := kind(s.Persons[id].Record.Contexts); k == file.kind {
				ids = append(ids, id)
				most = max(most, len(orgs(s.Persons[id].Record.Contexts)))
			}
		}
		var extraCols []string
		for n := 2; n <= most; n++ {
			extraCols = append(extraCols, "location_id_"+strconv.Itoa(n))
		}
		fw, err := w.Create(file.spec, extraCols...)
		if err != nil {
			return err
		}
		for _, id := range ids {
			p := &s.Persons[id].Record
			locs := orgs(p.Contexts)
			for len(locs) < max(most, 1) {
				locs = append(locs, "")
			}
			var row []string
			if file.kind == RoleStudent {
				row = []string{id, "", p.GivenNames, "", p.FamilyName, "", first(p.Emails), first(p.EPPNs), ""}
			} else {
				row = []string{id, "", p.GivenNames, "", p.FamilyName, first(p.Emails), first(p.EPPNs)}
			}
			if err := fw.Row(id, append(row, locs...)...); err != nil {
				return err
			}
			for _, l := range locs[1:] {
				if l != "" && !locations[l] {
					fw.Problem(id, "location_id_N", "refers to no location_id in locations.csv")
				}
			}
		}
		if err := fw.Close(); err != nil {
			return err
		}
	}
	groups := fileset.Sorted(s.Groups)
	if fw, err = w.Create(coursesSpec); err != nil {
		return err
	}
	for _, id := range groups {
		g := &s.Groups[id].Record
		if err := fw.Row(id, id, "", g.Name, g.Organisation); err != nil {
			return err
		}
	}
	if err := fw.Close(); err != nil {
		return err
	}
	instructors := map[string][]string{}
	students := map[string][]string{}
	for _, k := range s.SortedMembers() {
		if k.Record.Role == RoleInstructor {
			instructors[k.Group] = append(instructors[k.Group], k.Person)
		} else {
			students[k.Group] = append(students[k.Group], k.Person)
		}
	}
	most := 3
	for _, ids := range instructors {
		most = max(most, min(len(ids), MaxInstructors))
	}
	var extraCols []string
	for n := 4; n <= most; n++ {
		extraCols = append(extraCols, "instructor_id_"+strconv.Itoa(n))
	}
	if fw, err = w.Create(classesSpec, extraCols...); err != nil {
		return err
	}
	staff := map[string]bool{}
	for _, id := range persons {
		if k, _ := kind(s.Persons[id].Record.Contexts); k == RoleStaff {
			staff[id] = true
		}
	}
	for _, id := range groups {
		g := &s.Groups[id].Record
		ins := instructors[id]
		cols := make([]string, most)
		copy(cols, ins)
		row := []string{id, "", id, cols[0], cols[1], cols[2], g.Organisation}
		if err := fw.Row(id, append(row, cols[3:]...)...); err != nil {
			return err
		}
		if len(ins) > MaxInstructors {
			fw.Problem(id, "instructor_id_N", "more than "+strconv.Itoa(MaxInstructors)+" instructors")
		}
		for _, x := range cols[3:] {
			if x != "" && !staff[x] {
				fw.Problem(id, "instructor_id_N", "refers to no person_id in staff.csv")
			}
		}
		if len(students[id]) == 0 {
			fw.Problem(id, "class_id", "a class needs at least one student in rosters.csv")
		}
	}
	if err := fw.Close(); err != nil {
		return err
	}
	if fw, err = w.Create(rostersSpec); err != nil {
		return err
	}
	for _, id := range groups {
		for _, p := range students[id] {
			rid := id + "-" + p
			if err := fw.Row(rid, rid, id, p); err != nil {
				return err
			}
		}
	}
	if err := fw.Close(); err != nil {
		return err
	}
	return w.Err()
}

// orgs returns the organisations of contexts, in order, once each.
func orgs(cs []reconcile.Context) []string {
	var out []string
	for _, c := range cs {
		if len(out) == 0 || out[len(out)-1] != c.Organisation {
			out = append(out, c.Organisation)
		}
	}
	return out
}

func first(v []string) string {
	if len(v) == 0 {
		return ""
	}
	return v[0]
}

func keys(id string) reconcile.Keys { return reconcile.Keys{TargetID: id, Referrer: id} }

// Read reads an Apple School Manager upload (see fileset.Format).
func (format) Read(dir string) (*fileset.State, error) {
	s := fileset.NewState()
	var lim fileset.Limits
	read := func(spec *fileset.Spec, fn func(fileset.Row) error) error {
		return fileset.ReadFile(dir, fileset.Apple, spec, lim, fn)
	}
	err := read(locationsSpec, func(r fileset.Row) error {
		id := r.Get("location_id")
		s.Organisations[id] = &fileset.Entry[reconcile.Organisation]{Record: reconcile.Organisation{Keys: keys(id), Name: r.Get("location_name")}}
		return nil
	})
	for _, file := range []struct {
		spec *fileset.Spec
		role string
	}{{studentsSpec, RoleStudent}, {staffSpec, RoleStaff}} {
		if err != nil {
			break
		}
		err = read(file.spec, func(r fileset.Row) error {
			id := r.Get("person_id")
			p := reconcile.Person{Keys: keys(id), GivenNames: r.Get("first_name"), FamilyName: r.Get("last_name")}
			if e := r.Get("email_address"); e != "" {
				p.Emails = []string{e}
			}
			if u := r.Get("sis_username"); u != "" {
				p.EPPNs = []string{u}
			}
			for _, l := range append([]string{r.Get("location_id")}, r.Extra("location_id_")...) {
				if l != "" {
					p.Contexts = append(p.Contexts, reconcile.Context{Organisation: l, Role: file.role})
				}
			}
			p.Contexts = fileset.Contexts(p.Contexts, personRole)
			s.Persons[id] = &fileset.Entry[reconcile.Person]{Record: p}
			return nil
		})
	}
	if err == nil {
		err = read(coursesSpec, func(r fileset.Row) error {
			id := r.Get("course_id")
			s.Groups[id] = &fileset.Entry[reconcile.Group]{Record: reconcile.Group{Keys: keys(id), Name: r.Get("course_name"), Organisation: r.Get("location_id")}}
			return nil
		})
	}
	add := func(person, group, role string) {
		k := fileset.Pair{Person: person, Group: group}
		if e := s.Memberships[k]; e != nil {
			e.Record.Role = fileset.Roles(e.Record.Role+","+role, memberRole)
			return
		}
		s.Memberships[k] = &fileset.Entry[reconcile.Membership]{Record: reconcile.Membership{Person: person, Group: group, Role: role}}
	}
	if err == nil {
		err = read(classesSpec, func(r fileset.Row) error {
			for _, x := range append([]string{r.Get("instructor_id")}, r.Extra("instructor_id_")...) {
				if x != "" {
					add(x, r.Get("class_id"), RoleInstructor)
				}
			}
			return nil
		})
	}
	if err == nil {
		err = read(rostersSpec, func(r fileset.Row) error {
			add(r.Get("student_id"), r.Get("class_id"), RoleStudent)
			return nil
		})
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}
