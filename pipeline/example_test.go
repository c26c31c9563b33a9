package pipeline_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/store"
)

// A school's roster into a target that already holds one of its pupils without a referrer:
// the first run asks whether that record is hers and writes nothing; once someone has
// answered (here in code; usually on a review page), the next run writes; the one after finds
// nothing to do. A host would call Start instead of Run and open store/sqlite instead of the
// memory store.
func Example() {
	ctx := context.Background()
	st := store.NewMemory()
	defer st.Close()

	born := reconcile.NewDate(2012, 3, 4)
	source := &reconcile.Snapshot{
		Persons: []reconcile.Person{
			{Keys: reconcile.Keys{SourceKey: "S-1"}, FamilyName: "Berg", GivenNames: "Eva", BirthDate: born},
			{Keys: reconcile.Keys{SourceKey: "S-2"}, FamilyName: "Lund", GivenNames: "Ida"},
		},
		Groups:      []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "7a"}, Name: "7a", Type: "Klasse"}},
		Memberships: []reconcile.Membership{{Person: "S-1", Group: "7a", Role: "Lern"}, {Person: "S-2", Group: "7a", Role: "Lern"}},
	}
	target := reconciletest.NewTarget(&reconcile.Snapshot{Persons: []reconcile.Person{
		{Keys: reconcile.Keys{TargetID: "t-1"}, FamilyName: "Berg", GivenNames: "Eva", BirthDate: born},
	}})

	p, err := pipeline.New("school-7/roster", source.AsSource(), target, st)
	if err != nil {
		fmt.Println(err)
		return
	}
	r, err := p.Run(ctx)
	fmt.Println("run", r.ID, r.Status, errors.Is(err, pipeline.ErrWaiting))

	qs, _ := p.Ledger().Questions(ctx)
	for _, q := range qs {
		fmt.Printf("question: %s (case %d), target record %s\n", q.Action.ID, q.Action.Case, q.Action.Person.Before.Keys.TargetID)
	}
	if err := p.Ledger().Answer(ctx, "A. Svensson", reconcile.Decision{ID: qs[0].Action.ID, Verdict: reconcile.Approve}); err != nil {
		fmt.Println(err)
		return
	}

	r, err = p.Run(ctx)
	fmt.Println("run", r.ID, r.Status, err, "created", r.Report.Counts.Created, "updated", r.Report.Counts.Updated)
	r, _ = p.Run(ctx)
	fmt.Println("run", r.ID, r.Status, "changes", r.Plan.Counts.Changes())
	// Output:
	// run 1 waiting true
	// question: person/s=S-1/t=t-1 (case 3), target record t-1
	// run 2 succeeded <nil> created 4 updated 1
	// run 3 succeeded changes 0
}

// A source that suddenly lacks most of its pupils trips a safety hold: nothing is removed,
// and the pipeline stays held until someone who has looked at the plan releases it.
func ExampleLedger_Release() {
	ctx := context.Background()
	st := store.NewMemory()
	defer st.Close()

	full := &reconcile.Snapshot{}
	for i := range 30 {
		full.Persons = append(full.Persons, reconcile.Person{Keys: reconcile.Keys{SourceKey: fmt.Sprint("S-", i)},
			FamilyName: fmt.Sprint("Pupil ", i), GivenNames: "Kim"})
	}
	source := &reconcile.Snapshot{Persons: full.Persons}
	p, _ := pipeline.New("school-7/roster", source.AsSource(), reconciletest.NewTarget(nil), st,
		pipeline.WithOptions(reconcile.Options{Removals: reconcile.Removals{Enabled: true, GraceDays: 30}}))
	r, _ := p.Run(ctx)
	fmt.Println("run", r.ID, r.Status, "created", r.Report.Counts.Created)

	source.Persons = full.Persons[:12] // the export lost 18 pupils
	r, err := p.Run(ctx)
	fmt.Println("run", r.ID, r.Status, errors.Is(err, pipeline.ErrHeld))
	fmt.Println(r.Hold.Reason)

	// Someone checks with the school: the pupils did leave. The next run applies.
	if err := p.Ledger().Release(ctx, r.ID, "A. Svensson"); err != nil {
		fmt.Println(err)
		return
	}
	r, _ = p.Run(ctx)
	fmt.Println("run", r.ID, r.Status, "deactivated", r.Report.Counts.Deactivated, "released by", r.Released.By)
	// Output:
	// run 1 succeeded created 30
	// run 2 held true
	// safety hold tripped: 18 person deactivate actions (60.0% of 30 target records) exceed the hold of 10% (and more than 10)
	// run 3 succeeded deactivated 18 released by A. Svensson
}
