package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/edusync/edusync/canvas/canvastest"
)

// Without -url the program starts its own fake and prints exactly one line: the count.
func TestRunOwnFake(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-enrollments", "345"}, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "345\n" {
		t.Fatalf("output %q, want one line with 345", out.String())
	}
}

// Against a running Canvas (here the fake, as the sandbox serves it).
func TestRunAgainstServer(t *testing.T) {
	srv := canvastest.NewServer()
	defer srv.Close()
	srv.SeedEnrollments(canvastest.EnrollmentSeed{CourseSISID: "BENCH", Students: 250})
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-url", srv.URL(), "-token", srv.Token(), "-course", "sis_course_id:BENCH"}, &out); err != nil {
		t.Fatal(err)
	}
	if out.String() != "250\n" {
		t.Fatalf("output %q", out.String())
	}
	for _, args := range [][]string{
		{"-url", srv.URL(), "-token", "wrong"},
		{"-url", srv.URL()},
		{"-course", "BENCH"},
		{"-url", srv.URL(), "-token", srv.Token(), "-course", "sis_course_id:NOPE"},
	} {
		out.Reset()
		err := run(context.Background(), args, &out)
		if err == nil || out.Len() != 0 || strings.Contains(err.Error(), srv.Token()) {
			t.Errorf("args %v: err %v, output %q", args, err, out.String())
		}
	}
}
