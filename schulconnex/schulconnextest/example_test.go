package schulconnextest_test

import (
	"context"
	"fmt"
	"log"

	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
	"github.com/edusync/edusync/synth"
)

// A fake Schulconnex holding a synth school, read through the client.
func ExampleServer_LoadPopulation() {
	opts, _ := synth.PresetOptions(synth.PresetSchool)
	opts.Country = synth.Germany
	pop, err := synth.Generate(opts)
	if err != nil {
		log.Fatal(err)
	}
	srv := schulconnextest.NewServer()
	defer srv.Close()
	if _, err := srv.LoadPopulation(pop, schulconnextest.LoadOptions{Default: true}); err != nil {
		log.Fatal(err)
	}
	c, err := srv.Client()
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	persons, _ := c.ListPersonenPage(ctx, nil)
	roles := map[schulconnex.Rolle]int{}
	for _, d := range persons.Items {
		for _, k := range d.Personenkontexte {
			roles[k.Rolle]++
		}
	}
	groups, _ := c.ListGruppenPage(ctx, &schulconnex.ListGruppenParams{Bezeichnung: "kollegium"})
	fmt.Println(len(persons.Items), "persons:", roles[schulconnex.RolleLern], "learners,", roles[schulconnex.RolleSorgBer], "guardians,",
		roles[schulconnex.RolleLehr], "teachers")
	fmt.Println(groups.Items[0].Gruppe.Typ, len(groups.Items[0].Gruppenzugehoerigkeiten), "members")
	// Output:
	// 504 persons: 230 learners, 250 guardians, 17 teachers
	// Sonstig 25 members
}

// Faults show what a client does when the service misbehaves: here the answer to an update is
// lost after the update was made.
func ExampleServer_SetFaults() {
	srv := schulconnextest.NewServer()
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()
	p, _ := c.CreatePerson(ctx, schulconnex.Person{Name: schulconnex.PersonName{Familienname: "A", Vorname: "B"}, Auskunftssperre: schulconnex.JaNeinNein,
		Vertrauensstufe: schulconnex.VertrauensstufeVoll})

	srv.SetFaults(schulconnextest.Faults{Rules: []schulconnextest.Rule{{Method: "PUT", Path: "/personen/", AfterWrite: true, Times: 1}}})
	p.Name.Vorname = "Bea"
	out, err := c.UpdatePerson(ctx, *p) // retried; the retry's conflict is recognised as the client's own write
	fmt.Println(out.Name.Vorname, out.Revision, err, srv.Stats().Requests["updatePerson"])
	// Output: Bea 2 <nil> 2
}
