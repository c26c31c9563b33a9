package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnexsync"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
	"github.com/edusync/edusync/synth"
)

// scenario is a synth school as the fake Schulconnex holds it after the previous
// synchronisation (day 0), and the school-administration system's export of the next day.
type scenario struct {
	pop, next *synth.Population
	changes   []synth.Change
}

// schoolOptions returns the options of a German school with about persons persons and groups
// groups (persons: students, guardians and staff in the proportions of synth's school preset).
func schoolOptions(seed uint64, persons, groups int) (synth.Options, error) {
	o, err := synth.PresetOptions(synth.PresetSchool)
	if err != nil {
		return o, err
	}
	o.Seed, o.Country = seed, synth.Germany
	if persons > 0 {
		scale := float64(persons) / float64(o.Students+o.Staff+o.Guardians)
		o.Students = int(float64(o.Students) * scale)
		o.Staff = int(float64(o.Staff) * scale)
		o.Guardians = persons - o.Students - o.Staff
		o.Memberships = int(float64(o.Memberships) * scale)
	}
	if groups > 0 {
		o.Groups = groups
	}
	return o, nil
}

func newScenario(opts synth.Options, rate float64) (*scenario, error) {
	pop, err := synth.Generate(opts)
	if err != nil {
		return nil, err
	}
	next, changes, err := synth.NextDay(pop, opts.Seed+1, rate)
	if err != nil {
		return nil, err
	}
	return &scenario{pop: pop, next: next, changes: changes}, nil
}

// loadFake fills the fake with day 0 as the previous synchronisation of the selected groups left
// it (with vendor extensions on staff records), and writes the
// export of the next day to dir unless dir already holds one.
func (sc *scenario) loadFake(s *schulconnextest.Server, dir string, groups func(*synth.Group) bool) error {
	if _, err := s.LoadPopulation(sc.pop, schulconnextest.LoadOptions{Default: true, VendorExtensions: true, Groups: groups}); err != nil {
		return err
	}
	if _, err := os.Stat(filepath.Join(dir, schulconnexsync.CSVPersonen)); err == nil {
		return nil
	}
	return sc.writeExport(dir)
}

// writeExport writes the school-administration system's export of the next day.
func (sc *scenario) writeExport(dir string) error {
	snap, err := schulconnextest.SourceSnapshot(sc.next, schulconnextest.LoadOptions{})
	if err != nil {
		return err
	}
	return schulconnexsync.WriteCSV(dir, snap, schulconnexsync.CSVOptions{BOM: true})
}

// demoCases adds to the fake what makes each Schulconnex matching case and rule visible:
// persons whose referrer was lost (case 2 and, without a birth place, case 3), a record with
// this pipeline's referrer that the export lacks (case 4 with -removals=false, as after
// restoring a backup; deactivated otherwise), one entered by hand in the service (case 5), a
// class entered by hand (group case 3), and a person another school released to this one, which
// is never written.
func demoCases(s *schulconnextest.Server, sc *scenario) error {
	school := s.Organisation()
	other, _ := s.AddOrganisation(schulconnex.Organisation{Kennung: "NI_99999", Name: "Nachbarschule"})
	inNext := map[synth.ID]bool{}
	for i := range sc.next.Persons {
		inNext[sc.next.Persons[i].ID] = true
	}
	students := []*synth.Person{}
	for p := range sc.pop.Students() {
		if p.BirthPlace != "" && p.Flags == 0 && inNext[p.ID] {
			students = append(students, p)
		}
		if len(students) == 4 {
			break
		}
	}
	if len(students) < 4 {
		return fmt.Errorf("the school has too few students for the demonstration")
	}
	return s.Edit(func(e *schulconnextest.Editor) error {
		byRef := map[string]string{}
		for _, id := range e.Persons() {
			if d, ok := e.Person(id); ok && d.Person.Referrer != "" {
				byRef[d.Person.Referrer] = id
			}
		}
		// Cases 2 and 3: the referrer is gone (and, for case 3, the birth place too).
		for i, st := range students {
			id, ok := byRef[st.ID.String()]
			if !ok {
				continue
			}
			err := e.EditPerson(id, func(p *schulconnex.Person) {
				p.Referrer = ""
				if i >= 2 {
					p.Geburt.Geburtsort = ""
				}
			})
			if err != nil {
				return err
			}
		}
		// Case 4: a person with a referrer of this pipeline that the export no longer has.
		add := func(ref, family, given, born string, rolle schulconnex.Rolle, grade schulconnex.Jahrgangsstufe) error {
			d, _ := time.Parse(time.DateOnly, born)
			p, err := e.AddPerson(school.ID, schulconnex.Person{Referrer: ref,
				Name:       schulconnex.PersonName{Familienname: family, Vorname: given},
				Geburt:     schulconnex.Geburt{Datum: openapi_types.Date{Time: d}, Geburtsort: "Hannover"},
				Geschlecht: schulconnex.GeschlechtX, Auskunftssperre: schulconnex.JaNeinNein})
			if err != nil {
				return err
			}
			_, err = e.AddKontext(p.ID, school.ID, schulconnex.Personenkontext{Rolle: rolle, Jahrgangsstufe: grade, Personenstatus: schulconnex.PersonenstatusAktiv})
			return err
		}
		if err := add("restored-4711", "Brandt", "Leonie", "2015-03-02", schulconnex.RolleLern, "05"); err != nil {
			return err
		}
		// Case 5: entered by hand in the service, no referrer.
		if err := add("", "Yılmaz", "Deniz", "1984-11-23", schulconnex.RolleLehr, ""); err != nil {
			return err
		}
		// Group case 3: a class entered by hand in the service, without a referrer.
		if _, err := e.AddGruppe(school.ID, schulconnex.Gruppe{Bezeichnung: "Sprachlernklasse", Typ: schulconnex.GruppentypKlasse}); err != nil {
			return err
		}
		// A person of the neighbouring school released to this one: read-only, never written.
		p, err := e.AddPerson(other.ID, schulconnex.Person{Referrer: "nachbar-1",
			Name:            schulconnex.PersonName{Familienname: "Ahrens", Vorname: "Mats"},
			Auskunftssperre: schulconnex.JaNeinNein})
		if err != nil {
			return err
		}
		k, err := e.AddKontext(p.ID, other.ID, schulconnex.Personenkontext{Rolle: schulconnex.RolleLehr})
		if err != nil {
			return err
		}
		today := time.Now().UTC()
		_, err = e.Release(k.ID, schulconnex.Sichtfreigabe{Orgid: school.ID,
			Von: openapi_types.Date{Time: today.AddDate(0, 0, -1)}, Bis: openapi_types.Date{Time: today.AddDate(1, 0, 0)}})
		return err
	})
}
