package main

import (
	"context"

	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

// The WISEflow fake serves the WISEflow API under /v1 with OAuth2 client credentials: its
// credential is client_id:secret for wiseflow.WithClientCredentials (the token endpoint is
// BASE_URL/oauth2/token, both in the form). It holds the WISEflow exams of a Norwegian
// university's term (examPopulation, shared with the FS and Inspera fakes): flows with their
// participants, grades, remarking flows, explanation requests and master's theses with cover
// sheets and files, at WISEflow's rate limits with their headers. Webhooks call back signed.

func init() {
	register(fake{Name: "wiseflow", Start: startWISEflow})
}

func startWISEflow(_ context.Context, o sandboxOptions) (string, string, func(), error) {
	pop, err := examPopulation(o)
	if err != nil {
		return "", "", nil, err
	}
	srv := wiseflowtest.Serve(o.Listener, wiseflowtest.WithLogger(o.Logger))
	res := srv.LoadPopulation(pop, wiseflowtest.LoadOptions{})
	o.Logger.Info("wiseflow fake ready", "flows", res.Flows, "participants", res.Participants,
		"submissions", res.Submissions, "explanations", res.Explanations, "remarking_flows", res.RemarkingFlows)
	cred := srv.Credentials()
	return srv.URL(), cred.ClientID + ":" + cred.ClientSecret, srv.Close, nil
}
