package asm_test

import (
	"archive/zip"
	"bytes"
	"context"
	"fmt"
	"log"
	"os"

	"github.com/edusync/edusync/asm"
	"github.com/edusync/edusync/reconcile"
)

// A source's records as an Apple School Manager upload: six files in one archive.
func Example() {
	dir, err := os.MkdirTemp("", "asm-example")
	if err != nil {
		log.Fatal(err)
	}
	defer os.RemoveAll(dir)
	target, err := asm.New(dir, asm.Options{})
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
	var archive bytes.Buffer
	if _, err := target.Zip(&archive); err != nil {
		log.Fatal(err)
	}
	zr, err := zip.NewReader(bytes.NewReader(archive.Bytes()), int64(archive.Len()))
	if err != nil {
		log.Fatal(err)
	}
	for _, f := range zr.File {
		fmt.Println(f.Name)
	}
	// Output:
	// classes.csv
	// courses.csv
	// locations.csv
	// rosters.csv
	// staff.csv
	// students.csv
}
