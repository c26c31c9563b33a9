package main

import (
	"context"

	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/synth"
)

// The FS fake serves the DigEks exam services with HTTP Basic: its credential is
// user:password for fs.WithBasicAuth (curl -u). It holds the appeals and explanation requests
// of a Norwegian university's exams (examPopulation), each stamped on the day it happened.

func init() {
	register(fake{Name: "fs", Start: startFS})
}

func startFS(_ context.Context, o sandboxOptions) (string, string, func(), error) {
	pop, err := examPopulation(o)
	if err != nil {
		return "", "", nil, err
	}
	srv := fstest.Serve(o.Listener, fstest.WithLogger(o.Logger))
	n := srv.LoadPopulation(pop, fstest.LoadOptions{})
	user, password := srv.Credentials()
	o.Logger.Info("fs fake ready", "exams", n.Exams, "appeals", n.Appeals, "explanation_requests", n.ExplanationRequests,
		"institusjonsnr", synth.FSInstitution)
	return srv.URL(), user + ":" + password, srv.Close, nil
}
