package main

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnexsync"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/synth"
)

// graceDays is how long removed records stay deactivated before they are deleted.
const graceDays = 30

// schulconnexPipeline is a German school's export (as CSV files, the day after the last
// synchronisation) into a fake Schulconnex that holds the school as that synchronisation left
// it, with three records for a person to decide on. Its first run waits for the answers.
func schulconnexPipeline(ctx context.Context, dir string, seed uint64, st store.Store, opts []pipeline.Option) (*demo, error) {
	o, err := synth.PresetOptions(synth.PresetSchool)
	if err != nil {
		return nil, err
	}
	o.Seed, o.Country = seed, synth.Germany
	pop, err := synth.Generate(o)
	if err != nil {
		return nil, err
	}
	next, _, err := synth.NextDay(pop, seed+1, 0.01)
	if err != nil {
		return nil, err
	}
	fake := schulconnextest.NewServer()
	loaded, err := fake.LoadPopulation(pop, schulconnextest.LoadOptions{Default: true})
	if err != nil {
		fake.Close()
		return nil, err
	}
	if err := askAbout(fake, next, loaded); err != nil {
		fake.Close()
		return nil, err
	}
	export := filepath.Join(dir, "export")
	snap, err := schulconnextest.SourceSnapshot(next, schulconnextest.LoadOptions{})
	if err == nil {
		err = schulconnexsync.WriteCSV(export, snap, schulconnexsync.CSVOptions{BOM: true})
	}
	var src *schulconnexsync.CSVSource
	if err == nil {
		src, err = schulconnexsync.OpenCSV(export, schulconnexsync.CSVOptions{})
	}
	client, cerr := fake.Client()
	if err = cmpErr(err, cerr); err != nil {
		fake.Close()
		return nil, err
	}
	target := schulconnexsync.NewTarget(client, schulconnexsync.TargetOptions{Grace: graceDays * 24 * time.Hour})
	// IncludeProtected: a school's identity service needs every pupil and teacher, and
	// Schulconnex carries the information block itself (auskunftssperre), which the services
	// it feeds honour.
	p, err := pipeline.New("schule-musterstadt/schulconnex", src, target, st, append(opts,
		pipeline.WithImporter(&schulconnexsync.Importer{Source: src, Target: target}),
		pipeline.WithOptions(reconcile.Options{IncludeProtected: true, Removals: reconcile.Removals{Enabled: true, GraceDays: graceDays}}))...)
	if err == nil {
		err = firstRuns(ctx, p, pipeline.StatusWaiting)
	}
	if err != nil {
		fake.Close()
		return nil, err
	}
	return &demo{p: p, close: fake.Close}, nil
}

func cmpErr(errs ...error) error {
	for _, err := range errs {
		if err != nil {
			return err
		}
	}
	return nil
}

// askAbout makes the service hold what a person must decide on: two pupils whose records lost
// their referrer and birth place (so they match the export's only by name and birth date:
// case 3), and a teacher entered in the service by hand (case 5: take into the export?).
func askAbout(fake *schulconnextest.Server, next *synth.Population, loaded *schulconnextest.Loaded) error {
	stays := map[synth.ID]bool{}
	for i := range next.Persons {
		stays[next.Persons[i].ID] = true
	}
	var pupils []string
	for p := range next.Students() {
		if id, ok := loaded.Persons[p.ID]; ok && stays[p.ID] && p.Flags == 0 && p.BirthPlace != "" {
			pupils = append(pupils, id)
		}
		if len(pupils) == 2 {
			break
		}
	}
	if len(pupils) < 2 {
		return fmt.Errorf("the synth school has too few pupils")
	}
	school := fake.Organisation()
	return fake.Edit(func(e *schulconnextest.Editor) error {
		for _, id := range pupils {
			if err := e.EditPerson(id, func(p *schulconnex.Person) { p.Referrer, p.Geburt.Geburtsort = "", "" }); err != nil {
				return err
			}
		}
		born, _ := time.Parse(time.DateOnly, "1984-11-23")
		p, err := e.AddPerson(school.ID, schulconnex.Person{Name: schulconnex.PersonName{Familienname: "Yılmaz", Vorname: "Deniz"},
			Geburt: schulconnex.Geburt{Datum: openapi_types.Date{Time: born}}, Geschlecht: schulconnex.GeschlechtX,
			Auskunftssperre: schulconnex.JaNeinNein})
		if err != nil {
			return err
		}
		_, err = e.AddKontext(p.ID, school.ID, schulconnex.Personenkontext{Rolle: schulconnex.RolleLehr, Personenstatus: schulconnex.PersonenstatusAktiv})
		return err
	})
}
