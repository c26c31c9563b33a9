package sds_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/sds"
)

// A source's records delivered as an SDS v2.1 set: the first run writes the set, the second
// finds nothing to do.
func Example() {
	dir, err := os.MkdirTemp("", "sds-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	target, err := sds.New(dir, sds.Options{UsernameTemplate: "{given}.{family}@exempelby.se"})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	source := school() // a principal, a school unit, four persons, two groups
	var history reconcile.History
	for run := 1; run <= 2; run++ {
		tgt, err := reconcile.Load(ctx, target) // the current set, read back from its files
		if err != nil {
			log.Fatal(err)
		}
		plan, err := reconcile.NewPlan(source, tgt, reconcile.Options{History: history})
		if err != nil {
			log.Fatal(err)
		}
		report, err := reconcile.Apply(ctx, plan, target, reconcile.ApplyOptions{})
		if err != nil {
			log.Fatal(err)
		}
		history.Update(report)
		fmt.Printf("run %d: %d changes, set %s\n", run, plan.Counts.Changes(), target.LastCommit().Set)
	}
	users, _ := os.ReadFile(filepath.Join(target.Dir().CurrentPath(), "users.csv"))
	fmt.Print(strings.ReplaceAll(string(users), "\r\n", "\n")) // the file ends lines with CRLF
	// Output:
	// run 1: 13 changes, set set-000001
	// run 2: 0 changes, set set-000001
	// sourcedId,username,givenName,familyName,password,activeDirectoryMatchId,email,phone,sms
	// p-1,p-1@exempelby.se,Åsa,Öberg,,,p-1@exempelby.se,,
	// p-2,p-2@exempelby.se,Noah,Andersson,,,p-2@exempelby.se,,
	// p-3,p-3@exempelby.se,Elsa,Lind,,,p-3@exempelby.se,,
	// t-1,t-1@exempelby.se,Karin,Berg,,,t-1@exempelby.se,,
}
