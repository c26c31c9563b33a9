package oneroster_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"strings"

	"github.com/edusync/edusync/oneroster"
	"github.com/edusync/edusync/reconcile"
)

// A source's records delivered as a OneRoster 1.2 bulk set.
func Example() {
	dir, err := os.MkdirTemp("", "oneroster-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	target, err := oneroster.New(dir, oneroster.Options{})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	tgt, err := reconcile.Load(ctx, target)
	if err != nil {
		log.Fatal(err)
	}
	plan, err := reconcile.NewPlan(school(), tgt, reconcile.Options{})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := reconcile.Apply(ctx, plan, target, reconcile.ApplyOptions{}); err != nil {
		log.Fatal(err)
	}
	classes, _ := os.ReadFile(filepath.Join(target.Dir().CurrentPath(), "classes.csv"))
	fmt.Print(strings.ReplaceAll(string(classes), "\r\n", "\n"))
	// Output:
	// sourcedId,status,dateLastModified,title,grades,courseSourcedId,classCode,classType,location,schoolSourcedId,termSourcedIds,subjects,subjectCodes,periods
	// 7a,,,7A,,7a,,homeroom,,unit-1,term-20250818-20260612,,,
	// ma7,,,Matematik 7,,ma7,,scheduled,,unit-1,term-20250818-20260612,,,
}
