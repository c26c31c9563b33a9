package main

import (
	"context"
	"fmt"

	"github.com/edusync/edusync/schulconnex/schulconnextest"
	"github.com/edusync/edusync/synth"
)

// The Schulconnex fake serves the source-system API under BASE_URL (ending in /v1) and its OAuth2
// token endpoint at the same host under /token (BASE_URL with /v1 replaced by /token). Its
// credential is client_id:secret for the client-credentials grant of the default school; the
// password grant works with the same client. It holds a German synth school (the "school"
// preset); with -preset municipality, the first 20 school units of a German municipality, each
// an organisation of its own (the credential is the first one's).

func init() {
	register(fake{Name: "schulconnex", Start: startSchulconnex})
}

func startSchulconnex(_ context.Context, o sandboxOptions) (string, string, func(), error) {
	pop, err := schoolPopulation(o, synth.Germany)
	if err != nil {
		return "", "", nil, err
	}
	var units []string
	if o.Preset == synth.PresetMunicipality {
		for u := range pop.SchoolUnits() {
			if len(units) == 20 {
				break
			}
			units = append(units, u.Code)
		}
	}
	srv := schulconnextest.Serve(o.Listener)
	ld, err := srv.LoadPopulation(pop, schulconnextest.LoadOptions{Default: true, Units: units, VendorExtensions: true})
	if err != nil {
		srv.Close()
		return "", "", nil, err
	}
	c := srv.Credentials()
	o.Logger.Info("schulconnex fake ready", "token_url", srv.TokenURL(), "organisations", len(ld.Organisations),
		"persons", len(ld.Persons), "groups", len(ld.Gruppen), "memberships", ld.Memberships)
	return srv.URL(), fmt.Sprintf("%s:%s", c.ClientID, c.ClientSecret), srv.Close, nil
}
