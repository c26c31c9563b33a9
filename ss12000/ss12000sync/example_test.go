package ss12000sync_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000sync"
	"github.com/edusync/edusync/ss12000/ss12000test"
	"github.com/edusync/edusync/store"
)

// A school's SS 12000 service as the source of a reconcile pipeline, its snapshot kept in a
// store so that the second run reads only what changed.
func Example() {
	srv := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.SampleSchool()))
	defer srv.Close()
	client, err := ss12000.New(srv.URL(), ss12000.WithBearerToken(srv.Token()))
	if err != nil {
		log.Fatal(err)
	}
	source, err := ss12000sync.New(client, ss12000sync.Options{
		Store: store.NewMemory(), Scope: store.Scope{Flow: "example"},
		Now: func() time.Time { return time.Date(2025, 9, 15, 8, 0, 0, 0, time.UTC) },
	})
	if err != nil {
		log.Fatal(err)
	}
	target := reconciletest.NewTarget(nil)
	ctx := context.Background()
	var history reconcile.History
	for run := 1; run <= 2; run++ {
		src, err := reconcile.Load(ctx, source) // refreshes the source
		if err != nil {
			log.Fatal(err)
		}
		tgt, err := reconcile.Load(ctx, target)
		if err != nil {
			log.Fatal(err)
		}
		plan, err := reconcile.NewPlan(src, tgt, reconcile.Options{History: history})
		if err != nil {
			log.Fatal(err)
		}
		report, err := reconcile.Apply(ctx, plan, target, reconcile.ApplyOptions{})
		if err != nil {
			log.Fatal(err)
		}
		history.Update(report)
		r := source.LastReport()
		fmt.Printf("run %d: read everything %v; %d persons (%d protected, left out); %d created, %d changes left\n",
			run, r.Full, r.Counts.Persons, r.Counts.Protected, report.Counts.Created, plan.Counts.Changes()-report.Counts.Created)
	}
	// Output:
	// run 1: read everything true; 170 persons (5 protected, left out); 640 created, 0 changes left
	// run 2: read everything false; 170 persons (5 protected, left out); 0 created, 0 changes left
}
