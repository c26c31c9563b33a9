package main

import (
	"context"
	"flag"
	"path/filepath"

	"github.com/edusync/edusync/ladok/ladoktest"
)

// The Ladok fake speaks mutual TLS like Ladok: its credential is the path of a PEM bundle
// (client certificate, key and the test CA) for ladok.LoadPEM, curl --cert/--cacert and friends.
// It holds a synth university: the full "university" preset with -preset university, a small
// one (1,000 students) otherwise, and the feed carries its events.

var (
	ladokPerPage = new(int)
	ladokEvents  = new(int)
)

func init() {
	register(fake{
		Name: "ladok",
		Flags: func(fs *flag.FlagSet) {
			fs.IntVar(ladokPerPage, "ladok-entries-per-page", ladoktest.DefaultEntriesPerPage, "entries per Ladok feed page")
			fs.IntVar(ladokEvents, "ladok-events", 50_000, "most events the Ladok feed starts with (-1: all the population has)")
		},
		Start: startLadok,
	})
}

func startLadok(_ context.Context, o sandboxOptions) (string, string, func(), error) {
	pop, err := universityPopulation(o)
	if err != nil {
		return "", "", nil, err
	}
	srv, err := ladoktest.Serve(o.Listener, ladoktest.WithEntriesPerPage(*ladokPerPage), ladoktest.WithLogger(o.Logger))
	if err != nil {
		return "", "", nil, err
	}
	n := srv.LoadPopulation(pop, ladoktest.LoadOptions{Events: *ladokEvents})
	bundle := filepath.Join(o.Dir, "ladok-client.pem")
	if err := ladoktest.WritePEMBundle(bundle, srv.Credentials()); err != nil {
		srv.Close()
		return "", "", nil, err
	}
	o.Logger.Info("ladok fake ready", "events", n, "pages", srv.Pages(), "students", pop.Options.UniversityStudents)
	return srv.URL(), bundle, srv.Close, nil
}
