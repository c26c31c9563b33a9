// Command quickstart is the first thing to run: the library's main job in one command. It
// starts edusync's in-memory SS 12000 service with a small hand-made school, reads it with the
// SS 12000 Source (ss12000sync), plans with reconcile, and delivers the result to Microsoft
// School Data Sync as an SDS v2.1 file set in a temporary directory. It prints the plan as a
// person reviews it and the files written; then runs again (nothing changes, nothing is
// written) and once more after the school's system renames a pupil (one row changes). It
// needs no credentials, no flags and no network beyond loopback.
//
//	go run ./examples/quickstart
package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/sds"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000sync"
	"github.com/edusync/edusync/ss12000/ss12000test"
	"github.com/edusync/edusync/store"
)

func main() {
	dir, err := os.MkdirTemp("", "edusync-quickstart")
	if err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	if err := run(context.Background(), os.Stdout, dir); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
	fmt.Printf("\nthe SDS set is in %s\n", filepath.Join(dir, "current"))
}

// day is the day the quickstart runs on: a Monday in the sample school's autumn term.
var day = time.Date(2025, 9, 15, 6, 0, 0, 0, time.UTC)

func run(ctx context.Context, out io.Writer, dir string) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()
	clock := testclock.New(day)

	// 1. The school's SS 12000 service: here the fake with the sample school.
	srv := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.SampleSchool()), ss12000test.WithClock(clock.Now))
	defer srv.Close()
	client, err := ss12000.New(srv.URL(), ss12000.WithBearerToken(srv.Token()))
	if err != nil {
		return err
	}

	// 2. The Source reads it (everything the first time, then only what changed), keeping its
	// snapshot in a store (SQLite or PostgreSQL in production).
	source, err := ss12000sync.New(client, ss12000sync.Options{Store: store.NewMemory(),
		Scope: store.Scope{Flow: "quickstart", Tenant: "exempelby"}, Now: clock.Now})
	if err != nil {
		return err
	}

	// 3. The target: SDS v2.1 sets in dir, the current one at dir/current. Deliverable leaves
	// out what SDS cannot take (and says why).
	target, err := sds.New(dir, sds.Options{UsernameTemplate: "{given}.{family}@exempelby.se"})
	if err != nil {
		return err
	}
	feed := target.Deliverable(source)

	var history reconcile.History // what the host keeps between runs (package pipeline keeps it in a store)
	sync := func(title string) (map[string]string, error) {
		fmt.Fprintf(out, "\n== %s ==\n", title)
		src, err := reconcile.Load(ctx, feed)
		if err != nil {
			return nil, err
		}
		tgt, err := reconcile.Load(ctx, target) // the current set, read back from its files
		if err != nil {
			return nil, err
		}
		plan, err := reconcile.NewPlan(src, tgt, reconcile.Options{Now: clock.Now(), History: history})
		if err != nil {
			return nil, err
		}
		review(out, plan)
		report, err := reconcile.Apply(ctx, plan, target, reconcile.ApplyOptions{Clock: clock.Now})
		if err != nil {
			return nil, err
		}
		history.Update(report)
		c := target.LastCommit()
		if plan.Counts.Changes() == 0 {
			fmt.Fprintln(out, "written: nothing (the current set stays)")
		} else {
			fmt.Fprintf(out, "written: %s\n", c.Set)
			for _, name := range slices.Sorted(maps.Keys(c.Files)) {
				fmt.Fprintf(out, "  %-22s %6d bytes\n", name, c.Files[name])
			}
		}
		return readSet(filepath.Join(dir, "current"))
	}

	first, err := sync("Run 1: the first synchronisation")
	if err != nil {
		return err
	}
	if _, err := sync("Run 2: nothing changed"); err != nil {
		return err
	}
	clock.Advance(time.Hour)
	pupil := ss12000test.SampleSchool().Persons[40]
	if _, err := ss12000test.Modify(srv, pupil.ID, func(x *ss12000.Person) { x.FamilyName = "Lindqvist" }); err != nil {
		return err
	}
	third, err := sync(fmt.Sprintf("Run 3: the school registers %s %s's new family name", pupil.GivenName, pupil.FamilyName))
	if err != nil {
		return err
	}
	for _, name := range slices.Sorted(maps.Keys(third)) {
		a, b := strings.Split(first[name], "\r\n"), strings.Split(third[name], "\r\n")
		for i := range max(len(a), len(b)) {
			if i >= len(a) || i >= len(b) || a[i] != b[i] {
				fmt.Fprintf(out, "  %s line %d: %s\n             -> %s\n", name, i+1, at(a, i), at(b, i))
			}
		}
	}
	return nil
}

func at(lines []string, i int) string {
	if i < len(lines) {
		return lines[i]
	}
	return ""
}

// review prints a plan the way a person reviews it: what happens per kind, and the fields that
// change.
func review(out io.Writer, plan *reconcile.Plan) {
	if plan.Counts.Changes() == 0 && len(plan.Unconverged) == 0 {
		fmt.Fprintf(out, "plan: nothing to do (%d records unchanged)\n", plan.Counts.Unchanged)
		return
	}
	fmt.Fprintf(out, "plan: %d created, %d updated, %d pending, %d skipped, %d unchanged\n",
		plan.Counts.Created, plan.Counts.Updated, plan.Counts.Pending, plan.Counts.Skipped, plan.Counts.Unchanged)
	type bucket struct {
		kind reconcile.Kind
		what string
	}
	counts := map[bucket]int{}
	for i := range plan.Actions {
		a := &plan.Actions[i]
		what := string(a.Op)
		if a.Op == reconcile.OpSkip {
			what += ": " + a.Reason
		}
		counts[bucket{a.Kind, what}]++
	}
	for _, b := range slices.SortedFunc(maps.Keys(counts), func(x, y bucket) int {
		return cmp.Or(slices.Index(reconcile.Kinds, x.kind)-slices.Index(reconcile.Kinds, y.kind), strings.Compare(x.what, y.what))
	}) {
		fmt.Fprintf(out, "  %-12s %5d  %s\n", b.kind, counts[b], b.what)
	}
	for i := range plan.Actions {
		a := &plan.Actions[i]
		if a.Op != reconcile.OpUpdate {
			continue
		}
		for _, d := range a.Diffs {
			fmt.Fprintf(out, "  %s %s: %q -> %q\n", a.ID, d.Field, d.Before, d.After)
		}
	}
}

// readSet reads the files of a set.
func readSet(dir string) (map[string]string, error) {
	es, err := os.ReadDir(dir)
	if err != nil {
		return nil, err
	}
	out := map[string]string{}
	for _, e := range es {
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			return nil, err
		}
		out[e.Name()] = string(b)
	}
	return out, nil
}
