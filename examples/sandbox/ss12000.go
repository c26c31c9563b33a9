package main

import (
	"context"

	"github.com/edusync/edusync/ss12000/ss12000test"
	"github.com/edusync/edusync/synth"
)

// The SS 12000 fake serves API 2.1.0 under BASE_URL (ending in /ss12000/v2); its credential is
// a bearer token. Its OAuth2 client-credentials endpoint is at /oauth2/token on the same host
// (the client id and secret are logged). It holds a Swedish synth population: the "school"
// preset, or with -preset municipality the whole municipality (about 300,000 persons; it takes
// a few seconds and some GB of memory). SS 12000 describes schools, so -preset university
// serves the school preset.

func init() {
	register(fake{Name: "ss12000", Start: startSS12000})
}

func startSS12000(_ context.Context, o sandboxOptions) (string, string, func(), error) {
	pop, err := schoolPopulation(o, synth.Sweden)
	if err != nil {
		return "", "", nil, err
	}
	ds := ss12000test.FromPopulation(pop)
	srv := ss12000test.Serve(o.Listener, ss12000test.WithDataset(ds), ss12000test.WithLogger(o.Logger))
	id, _ := srv.ClientCredentials()
	o.Logger.Info("ss12000 fake ready", "preset", o.Preset, "token_url", srv.TokenURL(), "client_id", id,
		"organisations", len(ds.Organisations), "persons", len(ds.Persons), "groups", len(ds.Groups), "duties", len(ds.Duties))
	return srv.URL(), srv.Token(), srv.Close, nil
}
