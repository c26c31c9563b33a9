package main

import (
	"bytes"
	"context"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func TestTermArchivesEveryGradedThesis(t *testing.T) {
	var out bytes.Buffer
	if err := run(context.Background(), &out, t.TempDir(), 12); err != nil {
		t.Fatal(err)
	}
	s := out.String()
	m := regexp.MustCompile(`(?m)^(\d+) archived:`).FindStringSubmatch(s)
	if m == nil || m[1] == "0" || !strings.Contains(s, "the archive holds") {
		t.Fatalf("output:\n%s", s)
	}
	if n, _ := strconv.Atoi(m[1]); strings.Count(s, ": archived ") != n {
		t.Errorf("the archived lines do not add up to the summary:\n%s", s)
	}
}
