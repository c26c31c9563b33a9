package main

import (
	"context"

	"github.com/edusync/edusync/inspera/insperatest"
)

// The Inspera fake serves the Inspera Assessment API under /api with Inspera's token grant: its
// credential is tenant:apikey for inspera.WithAPIKey (the token endpoint is
// BASE_URL/authenticate/token/, the key in its code header). It holds the Inspera exams of a
// Norwegian university's term (examPopulation, shared with the FS fake): tests with their
// candidates, committees, grades, explanation requests, appeals and thesis files, whose
// pre-signed links live as long as the token that read them. Webhook subscriptions call back.

func init() {
	register(fake{Name: "inspera", Start: startInspera})
}

func startInspera(_ context.Context, o sandboxOptions) (string, string, func(), error) {
	pop, err := examPopulation(o)
	if err != nil {
		return "", "", nil, err
	}
	srv := insperatest.Serve(o.Listener, insperatest.WithLogger(o.Logger))
	res := srv.LoadPopulation(pop, insperatest.LoadOptions{})
	o.Logger.Info("inspera fake ready", "tests", res.Tests, "candidates", res.Candidates, "theses", res.Theses,
		"explanations", res.Explanations, "appeals", res.Appeals)
	return srv.URL(), srv.Tenant() + ":" + srv.APIKey(), srv.Close, nil
}
