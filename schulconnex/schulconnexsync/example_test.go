package schulconnexsync_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnexsync"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
)

// seedExample stores one learner of grade 7 in the fake.
func seedExample(s *schulconnextest.Server) {
	org := s.Organisation().ID
	err := s.Edit(func(e *schulconnextest.Editor) error {
		p, err := e.AddPerson(org, schulconnex.Person{Referrer: "4711",
			Name:            schulconnex.PersonName{Familienname: "Musterfrau", Vorname: "Natalie"},
			Geburt:          schulconnex.Geburt{Datum: date("2013-05-01"), Geburtsort: "Hannover"},
			Auskunftssperre: schulconnex.JaNeinNein})
		if err != nil {
			return err
		}
		_, err = e.AddKontext(p.ID, org, schulconnex.Personenkontext{Rolle: schulconnex.RolleLern, Jahrgangsstufe: "07"})
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
}

// Reading the export of a school-administration system and bringing Schulconnex in step with
// it through package reconcile.
func ExampleNewTarget() {
	srv := schulconnextest.NewServer()
	defer srv.Close()
	seedExample(srv)
	c, _ := srv.Client()
	ctx := context.Background()

	dir, _ := os.MkdirTemp("", "export")
	defer os.RemoveAll(dir)
	export := &reconcile.Snapshot{Persons: []reconcile.Person{
		{Keys: reconcile.Keys{SourceKey: "4711"}, FamilyName: "Musterfrau", GivenNames: "Natalie",
			Contexts: []reconcile.Context{{Organisation: "NI_12345", Role: "Lern"}}, Attributes: map[string]string{"jahrgangsstufe": "08"}},
		{Keys: reconcile.Keys{SourceKey: "4713"}, FamilyName: "Neu", GivenNames: "Nils",
			Contexts: []reconcile.Context{{Organisation: "NI_12345", Role: "Lern"}}},
	}}
	if err := schulconnexsync.WriteCSV(dir, export, schulconnexsync.CSVOptions{}); err != nil {
		log.Fatal(err)
	}
	source, err := schulconnexsync.OpenCSV(dir, schulconnexsync.CSVOptions{})
	if err != nil {
		log.Fatal(err)
	}
	target := schulconnexsync.NewTarget(c, schulconnexsync.TargetOptions{})

	src, _ := reconcile.Load(ctx, source)
	tgt, _ := reconcile.Load(ctx, target)
	plan, err := reconcile.NewPlan(src, tgt, reconcile.Options{})
	if err != nil {
		log.Fatal(err)
	}
	srv.ResetStats()
	rep, err := reconcile.Apply(ctx, plan, target, reconcile.ApplyOptions{})
	if err != nil {
		log.Fatal(err)
	}
	st := srv.Stats()
	fmt.Printf("%d updated, %d created\n", rep.Counts.Updated, rep.Counts.Created)
	fmt.Println(st.Requests["updatePersonenkontext"], "grade change,",
		st.Requests["createPerson"], "person and", st.Requests["createPersonenkontext"], "context created")
	// Output:
	// 1 updated, 1 created
	// 1 grade change, 1 person and 1 context created
}

// WriteCSV and OpenCSV use the same format; CSVOptions.Columns reads exports with other headers.
func ExampleOpenCSV() {
	dir, _ := os.MkdirTemp("", "export")
	defer os.RemoveAll(dir)
	_ = os.WriteFile(filepath.Join(dir, "personen.csv"), []byte("\uFEFFSchüler-ID,Nachname,Vorname,Geburtsdatum,rollen,schule\n1001,Müller,Anna,01.05.2013,Lern,NI_12345\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "gruppen.csv"), []byte("id,bezeichnung,typ\n7a,Klasse 7a,Klasse\n"), 0o644)
	_ = os.WriteFile(filepath.Join(dir, "gruppenzugehoerigkeiten.csv"), []byte("person,gruppe,rollen\n1001,7a,Lern\n"), 0o644)

	src, err := schulconnexsync.OpenCSV(dir, schulconnexsync.CSVOptions{Columns: map[string]string{
		"personen:id": "Schüler-ID", "familienname": "Nachname"}})
	if err != nil {
		log.Fatal(err)
	}
	snap, err := src.Snapshot(context.Background())
	if err != nil {
		log.Fatal(err)
	}
	p := snap.Persons[0]
	fmt.Println(p.Keys.SourceKey, p.FamilyName, p.BirthDate, p.Contexts[0].Role, len(snap.Groups), len(snap.Memberships))
	// Output:
	// 1001 Müller 2013-05-01 Lern 1 1
}
