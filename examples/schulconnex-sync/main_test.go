package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/schulconnex/schulconnexsync"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
)

// writesPerRun returns the write counts the program printed, one per run.
func writesPerRun(out string) []string {
	var n []string
	for _, m := range regexp.MustCompile(`HTTP requests: \d+ reads, (\d+) writes`).FindAllStringSubmatch(out, -1) {
		n = append(n, m[1])
	}
	return n
}

func TestRunYesTwice(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-yes", "-twice", "-dir", dir}, strings.NewReader(""), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	s := out.String()
	for _, want := range []string{"Writing the export", "Step 1 ", "Step 2 ", "Step 3 ", "Step 4 ", "case 2:", "case 3:", "case 5:", "case 6:",
		"Confirm (case 3)", "reason:", "Step 5 ", "Step 7 ", "Step 8 ", "Confirm (case 3): import", "Step 9 ", "Step 11 "} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %q", want)
		}
	}
	w := writesPerRun(s)
	if len(w) != 2 || w[0] == "0" || w[1] != "0" {
		t.Fatalf("writes per run %v, want some and then none:\n%s", w, s)
	}
	// The imports went into the export, the state was kept.
	b, _ := os.ReadFile(filepath.Join(dir, "personen.csv"))
	if !bytes.Contains(b, []byte("Yılmaz")) {
		t.Error("the approved import is not in personen.csv")
	}
	if _, err := os.Stat(filepath.Join(dir, "state.json")); err != nil {
		t.Error(err)
	}
	// A later run on the same export reuses it.
	out.Reset()
	if err := run(context.Background(), []string{"-no", "-dir", dir}, strings.NewReader(""), &out); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(out.String(), "Using the export") {
		t.Errorf("export not reused:\n%s", out.String())
	}
}

func TestRunAsks(t *testing.T) {
	dir := t.TempDir()
	var out bytes.Buffer
	// Three person questions (rejecting a pairing asks whether to import the record instead),
	// then one group question; an answer that is neither is asked again.
	in := strings.NewReader("y\nvielleicht\nn\nj\nnein\nja\n")
	if err := run(context.Background(), []string{"-dir", dir}, in, &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if n := strings.Count(out.String(), "Approve? [y/n]"); n != 6 {
		t.Errorf("%d prompts, want 6:\n%s", n, out.String())
	}
	// Without a terminal and without -yes/-no the program stops at the first question.
	out.Reset()
	if err := run(context.Background(), []string{"-dir", t.TempDir()}, strings.NewReader(""), &out); err == nil ||
		!strings.Contains(err.Error(), "-yes or -no") {
		t.Fatalf("err = %v", err)
	}
}

func TestRunFlags(t *testing.T) {
	for _, args := range [][]string{{"-yes", "-no"}, {"-groups", "klassen"}, {"-nope"}} {
		if err := run(context.Background(), append(args, "-dir", t.TempDir()), strings.NewReader(""), &bytes.Buffer{}); err == nil {
			t.Errorf("%v accepted", args)
		}
	}
	var out bytes.Buffer
	if err := run(context.Background(), []string{"-no", "-removals=false", "-groups", "all", "-dir", t.TempDir()}, strings.NewReader(""), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	if !strings.Contains(out.String(), "case 4") {
		t.Errorf("without removals the restored record is not offered (case 4):\n%s", out.String())
	}
}

// TestRunAgainstAService runs the flow against a service given by -url (here a fake started on
// its own), logging in with the password grant, on an export that already exists.
func TestRunAgainstAService(t *testing.T) {
	fake := schulconnextest.NewServer()
	defer fake.Close()
	dir := t.TempDir()
	snap := &reconcile.Snapshot{Persons: []reconcile.Person{{Keys: reconcile.Keys{SourceKey: "1001"}, FamilyName: "Muster", GivenNames: "Nora",
		Contexts: []reconcile.Context{{Organisation: fake.Organisation().Kennung, Role: "Lern"}}}}}
	if err := schulconnexsync.WriteCSV(dir, snap, schulconnexsync.CSVOptions{}); err != nil {
		t.Fatal(err)
	}
	cred := fake.Credentials()
	args := func(password string) []string {
		return []string{"-yes", "-dir", dir, "-url", fake.URL(), "-token-url", fake.TokenURL(), "-client-id", cred.ClientID,
			"-client-secret", cred.ClientSecret, "-username", cred.Username, "-password", password}
	}
	var out bytes.Buffer
	if err := run(context.Background(), args(cred.Password), strings.NewReader(""), &out); err != nil {
		t.Fatalf("%v\n%s", err, out.String())
	}
	st := fake.Stats()
	if st.Grants["password"] != 1 || st.Grants["client_credentials"] != 0 || st.Requests["createPerson"] != 1 {
		t.Fatalf("stats %+v\n%s", st, out.String())
	}
	out.Reset()
	err := run(context.Background(), args("not-the-password"), strings.NewReader(""), &out)
	if err == nil || strings.Contains(err.Error(), "not-the-password") || strings.Contains(out.String(), "not-the-password") {
		t.Fatalf("wrong password: %v\n%s", err, out.String())
	}
}
