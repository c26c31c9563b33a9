package schulconnexsync_test

import (
	"context"
	"testing"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
)

var ctx = context.Background()

func newFake(t testing.TB, opts ...schulconnextest.Option) *schulconnextest.Server {
	t.Helper()
	s := schulconnextest.NewServer(opts...)
	t.Cleanup(s.Close)
	return s
}

func client(t testing.TB, s *schulconnextest.Server, opts ...schulconnex.Option) *schulconnex.Client {
	t.Helper()
	c, err := s.Client(append([]schulconnex.Option{schulconnex.WithoutRetry()}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func date(s string) openapi_types.Date {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return openapi_types.Date{Time: t}
}

// addPerson stores a person with one context per role at the fake's own organisation.
func addPerson(t testing.TB, s *schulconnextest.Server, p schulconnex.Person, roles ...schulconnex.Rolle) (schulconnex.Person, []schulconnex.Personenkontext) {
	t.Helper()
	if p.Auskunftssperre == "" {
		p.Auskunftssperre = schulconnex.JaNeinNein
	}
	org := s.Organisation().ID
	var out schulconnex.Person
	var ks []schulconnex.Personenkontext
	err := s.Edit(func(e *schulconnextest.Editor) error {
		var err error
		if out, err = e.AddPerson(org, p); err != nil {
			return err
		}
		for _, r := range roles {
			k, err := e.AddKontext(out.ID, org, schulconnex.Personenkontext{Rolle: r, Personenstatus: schulconnex.PersonenstatusAktiv})
			if err != nil {
				return err
			}
			ks = append(ks, k)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return out, ks
}

func person(family, given, born, place, referrer string) schulconnex.Person {
	p := schulconnex.Person{Referrer: referrer, Name: schulconnex.PersonName{Familienname: family, Vorname: given},
		Geburt: schulconnex.Geburt{Geburtsort: place}, Auskunftssperre: schulconnex.JaNeinNein,
		Vertrauensstufe: schulconnex.VertrauensstufeVoll}
	if born != "" {
		p.Geburt.Datum = date(born)
	}
	return p
}
