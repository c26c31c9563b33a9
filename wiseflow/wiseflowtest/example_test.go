package wiseflowtest_test

import (
	"context"
	"errors"
	"fmt"

	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

// A test of an appeal step against the fake: a licence without the reassessment module
// refuses, one with it creates the remarking flow once, and Writes shows what the client did.
func Example() {
	srv := wiseflowtest.NewServer(wiseflowtest.WithoutReassessmentModule())
	defer srv.Close()
	flow := srv.AddFlow(wiseflowtest.FlowSpec{Name: "Eksamen", State: wiseflow.FlowStateConcluded})
	c, _ := srv.Client()
	ctx := context.Background()

	_, _, err := c.CreateReassessment(ctx, flow, false)
	fmt.Println("without the module:", errors.Is(err, wiseflow.ErrModuleMissing))

	srv.SetReassessmentModule(true)
	for range 2 {
		_, created, err := c.CreateReassessment(ctx, flow, false)
		fmt.Println("created:", created, err)
	}
	remarking, _ := srv.RemarkingFlow(flow)
	rf, _ := srv.Flow(remarking)
	fmt.Println("remarking flow:", rf.Variant)
	for _, w := range srv.Writes() {
		fmt.Println("write:", w.Operation, w.Created)
	}
	// Output:
	// without the module: true
	// created: true <nil>
	// created: false <nil>
	// remarking flow: REMARKING
	// write: createReassessment true
	// write: createReassessment false
}
