package schulconnex_test

import (
	"context"
	"errors"
	"fmt"
	"log"
	"time"

	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
)

// seedExample stores one learner with a vendor extension in the fake.
func seedExample(s *schulconnextest.Server) string {
	org := s.Organisation().ID
	var id string
	err := s.Edit(func(e *schulconnextest.Editor) error {
		p, err := e.AddPerson(org, schulconnex.Person{Referrer: "4711",
			Name:            schulconnex.PersonName{Familienname: "Musterfrau", Vorname: "Natalie"},
			Geburt:          schulconnex.Geburt{Datum: date("2013-05-01"), Geburtsort: "Hannover"},
			Auskunftssperre: schulconnex.JaNeinNein,
			Vertrauensstufe: schulconnex.VertrauensstufeVoll,
			Raw:             []byte(`{"urn:example:params:schulconnex:erweiterung":{"ausweisnummer":"A 12"}}`)})
		if err != nil {
			return err
		}
		id = p.ID
		_, err = e.AddKontext(p.ID, org, schulconnex.Personenkontext{Rolle: schulconnex.RolleLern, Jahrgangsstufe: "07"})
		return err
	})
	if err != nil {
		log.Fatal(err)
	}
	return id
}

// A source system logs in with the client-credentials grant and finds a person by its own key.
func Example() {
	srv := schulconnextest.NewServer()
	defer srv.Close()
	seedExample(srv)

	cred := srv.Credentials() // in production: the operator's token URL, client id and secret
	c, err := schulconnex.New(srv.URL(), schulconnex.WithClientCredentials(srv.TokenURL(), cred.ClientID, cred.ClientSecret))
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	d, err := c.FindPersonByReferrer(ctx, "4711")
	if err != nil {
		log.Fatal(err)
	}
	k := d.Personenkontexte[0]
	fmt.Println(d.Person.Name.Vorname, d.Person.Name.Familienname, k.Rolle, k.Jahrgangsstufe)

	_, err = c.FindPersonByReferrer(ctx, "471") // the service matches substrings; the client does not
	fmt.Println(errors.Is(err, schulconnex.ErrNotFound))
	// Output:
	// Natalie Musterfrau Lern 07
	// true
}

// Updates send the whole record back: what the package does not model, such as a vendor
// extension, goes back as it came.
func ExampleClient_UpdatePerson() {
	srv := schulconnextest.NewServer()
	defer srv.Close()
	id := seedExample(srv)
	c, _ := srv.Client()
	ctx := context.Background()

	d, err := c.GetPerson(ctx, id)
	if err != nil {
		log.Fatal(err)
	}
	p := d.Person
	p.Name.Familienname = "Musterfrau-Schulz"
	updated, err := c.UpdatePerson(ctx, p) // carries the revision it was read with
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(updated.Name.Familienname, updated.Revision)
	_ = srv.Edit(func(e *schulconnextest.Editor) error {
		fmt.Println(string(e.PersonJSON(id)))
		return nil
	})

	p.Name.Vorname = "Nat"
	_, err = c.UpdatePerson(ctx, p) // the old revision again: the change above would be lost
	fmt.Println(errors.Is(err, schulconnex.ErrRevisionConflict))
	// Output:
	// Musterfrau-Schulz 2
	// {"urn:example:params:schulconnex:erweiterung":{"ausweisnummer":"A 12"},"auskunftssperre":"Nein","geburt":{"datum":"2013-05-01","geburtsort":"Hannover"},"id":"8c11e5a0-3ce0-4e82-9721-caa980f4a2ab","mandant":"6b2c8a52-1c4e-4a8e-9a63-5c2f1e0d7a10","name":{"familienname":"Musterfrau-Schulz","vorname":"Natalie"},"referrer":"4711","revision":"2","vertrauensstufe":"Voll"}
	// true
}

// A person whose context services already used cannot be deleted at once: the context gets a
// deletion time (never in the past), and the person goes after it.
func ExampleClient_RemovePerson() {
	now := time.Date(2026, 9, 14, 10, 0, 30, 0, time.UTC)
	clock := func() time.Time { return now }
	srv := schulconnextest.NewServer(schulconnextest.WithClock(clock), schulconnextest.WithContextsUsed())
	defer srv.Close()
	c, _ := srv.Client(schulconnex.WithClock(clock))
	ctx := context.Background()

	p, _ := c.CreatePerson(ctx, schulconnex.Person{Referrer: "4712", Auskunftssperre: schulconnex.JaNeinNein, Vertrauensstufe: schulconnex.VertrauensstufeVoll,
		Name: schulconnex.PersonName{Familienname: "Abgang", Vorname: "Alex"}})
	_, _ = c.CreatePersonenkontext(ctx, p.ID, schulconnex.Personenkontext{Rolle: schulconnex.RolleLern})

	r, err := c.RemovePerson(ctx, p.ID, schulconnex.RemoveOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(r.PersonDeleted, len(r.Scheduled), r.At)

	now = now.Add(time.Minute) // the service deletes the context at its time
	r, _ = c.RemovePerson(ctx, p.ID, schulconnex.RemoveOptions{})
	fmt.Println(r.PersonDeleted)
	// Output:
	// false 1 2026-09-14T10:01Z
	// true
}

// ModifyPerson re-reads and re-applies a change when another writer got there first.
func ExampleClient_ModifyPerson() {
	srv := schulconnextest.NewServer()
	defer srv.Close()
	id := seedExample(srv)
	c, _ := srv.Client()

	p, err := c.ModifyPerson(context.Background(), id, 3, func(p *schulconnex.Person) error {
		p.Name.Rufname = "Nati"
		return nil
	})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(p.Name.Rufname, p.Revision)
	// Output: Nati 2
}
