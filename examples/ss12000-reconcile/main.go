// Command ss12000-reconcile keeps a target in step with a school's SS 12000 service through
// package reconcile, the way a municipality's hub runs every hour:
//
//  1. the SS 12000 service (edusync's fake with the sample school, or yours with -url and
//     -token) is read by ss12000sync, its snapshot kept in a store;
//  2. the plan against the target is printed as a review: counts per kind and Schulconnex case,
//     the uncertain matches that wait for a person's decision, the field changes;
//  3. the decisions are given (here by rule: the attribute matches are approved, imports
//     refused) and the plan applied to the target (here the in-memory target of reconciletest,
//     which already holds a few records from an earlier system);
//  4. a second run plans and writes nothing;
//  5. one change at the source (a pupil's new family name) is exactly one write.
//
// It needs no credentials and no network beyond loopback:
//
//	go run ./examples/ss12000-reconcile
package main

import (
	"cmp"
	"context"
	"flag"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000sync"
	"github.com/edusync/edusync/ss12000/ss12000test"
	"github.com/edusync/edusync/store"
)

func main() {
	url := flag.String("url", "", "base URL of an SS 12000 service (default: the built-in fake with the sample school)")
	token := flag.String("token", "", "bearer token for -url")
	flag.Parse()
	if _, err := run(context.Background(), os.Stdout, *url, *token); err != nil {
		fmt.Fprintln(os.Stderr, "ss12000-reconcile:", err)
		os.Exit(1)
	}
}

// day is the day the example runs on: a Monday in the sample school's autumn term.
var day = time.Date(2025, 9, 15, 6, 0, 0, 0, time.UTC)

// run runs the three synchronisations and returns the target.
func run(ctx context.Context, out io.Writer, url, token string) (*reconciletest.Target, error) {
	ctx, cancel := context.WithTimeout(ctx, 2*time.Minute)
	defer cancel()
	clock := testclock.New(day)
	var srv *ss12000test.Server
	if url == "" {
		srv = ss12000test.NewServer(ss12000test.WithDataset(ss12000test.SampleSchool()), ss12000test.WithClock(clock.Now))
		defer srv.Close()
		url, token = srv.URL(), srv.Token()
	}
	client, err := ss12000.New(url, ss12000.WithBearerToken(token))
	if err != nil {
		return nil, err
	}
	// The source keeps its snapshot in a store (SQLite or PostgreSQL in production), so that
	// each run reads only what changed.
	source, err := ss12000sync.New(client, ss12000sync.Options{Guardians: true, Store: store.NewMemory(),
		Scope: store.Scope{Flow: "ss12000-reconcile", Tenant: "exempelby"}, Now: clock.Now})
	if err != nil {
		return nil, err
	}
	target := reconciletest.NewTarget(earlierSystem())
	p := &pipeline{source: source, target: target, out: out, now: clock.Now}

	fmt.Fprintln(out, "== Run 1: the first synchronisation ==")
	if err := p.run(ctx, firstRunPolicy); err != nil {
		return nil, err
	}
	fmt.Fprintln(out, "\n== Run 2: nothing changed ==")
	if err := p.run(ctx, nil); err != nil {
		return nil, err
	}
	if srv == nil {
		return target, nil // a real service: no change to make
	}
	clock.Advance(time.Hour)
	pupil := ss12000test.SampleSchool().Persons[samplePupil]
	if _, err := ss12000test.Modify(srv, pupil.ID, func(x *ss12000.Person) { x.FamilyName = "Lindqvist" }); err != nil {
		return nil, err
	}
	fmt.Fprintf(out, "\n== Run 3: the school registers %s %s's new family name ==\n", pupil.GivenName, pupil.FamilyName)
	return target, p.run(ctx, nil)
}

// samplePupil is the sample school's pupil whose name changes in run 3.
const samplePupil = 40

// earlierSystem is what the target holds before the first run: three pupils an earlier system
// created (without this pipeline's referrer; SS 12000 has no birth place, so they can only
// match by name and birth date, which a person confirms), and a record the school no longer has.
func earlierSystem() *reconcile.Snapshot {
	persons := ss12000test.SampleSchool().Persons
	snap := &reconcile.Snapshot{}
	for i, n := range []int{3, 18, 88} {
		p := persons[n]
		snap.Persons = append(snap.Persons, reconcile.Person{Keys: reconcile.Keys{TargetID: fmt.Sprintf("old-%d", i+1)},
			FamilyName: p.FamilyName, GivenNames: p.GivenName, BirthDate: reconcile.DateOf(p.BirthDate.Time)})
	}
	snap.Persons = append(snap.Persons, reconcile.Person{Keys: reconcile.Keys{TargetID: "old-4"}, FamilyName: "Gammal", GivenNames: "Elev"})
	return snap
}

// firstRunPolicy is the person reviewing the first run, as a rule: the three pupils the earlier
// system created are the same persons (approve the attribute matches of case 3); the record the
// school no longer has stays out of the school's system (refuse imports).
var firstRunPolicy = reconcile.Policies(reconcile.ApproveCase(reconcile.KindPerson, 3), reconcile.RejectAll(reconcile.OpImport))

// pipeline is one source, one target and what the host keeps between runs.
type pipeline struct {
	source    *ss12000sync.Source
	target    *reconciletest.Target
	out       io.Writer
	now       func() time.Time
	history   reconcile.History
	decisions []reconcile.Decision
}

func (p *pipeline) run(ctx context.Context, policy reconcile.Policy) error {
	src, err := reconcile.Load(ctx, p.source) // refreshes the source: a delta run after the first
	if err != nil {
		return err
	}
	r := p.source.LastReport()
	fmt.Fprintf(p.out, "source: %d persons (%d protected, %d guardians), %d groups, %d memberships; read %s\n",
		r.Counts.Persons, r.Counts.Protected, r.Counts.Guardians, r.Counts.Groups, r.Counts.Memberships, readKind(r))
	tgt, err := reconcile.Load(ctx, p.target)
	if err != nil {
		return err
	}
	plan, err := reconcile.NewPlan(src, tgt, reconcile.Options{Now: p.now(), History: p.history, Decisions: p.decisions})
	if err != nil {
		return err
	}
	review(p.out, plan)
	if len(plan.Pending()) > 0 && policy != nil {
		if plan, err = plan.Answer(policy); err != nil {
			return err
		}
		fmt.Fprintf(p.out, "decisions: %s\n", decisions(plan.Decisions))
	}
	p.decisions = plan.Decisions
	before := len(p.target.Writes())
	rep, err := reconcile.Apply(ctx, plan, p.target, reconcile.ApplyOptions{Clock: p.now})
	if err != nil {
		return err
	}
	p.history.Update(rep)
	fmt.Fprintf(p.out, "applied: %d created, %d updated, %d deactivated; %d failed, %d stale; %s\n",
		rep.Counts.Created, rep.Counts.Updated, rep.Counts.Deactivated, rep.Failed, rep.Stale, plural(len(p.target.Writes())-before, "write"))
	if !rep.OK() {
		return fmt.Errorf("not every action was applied")
	}
	return nil
}

func readKind(r *ss12000sync.Report) string {
	if r.Full {
		return "everything"
	}
	n := 0
	for _, c := range r.Changed {
		n += c
	}
	return fmt.Sprintf("only what changed (%s, %s)", plural(n, "record"), plural(r.Deleted, "removal"))
}

// review prints a plan the way a person reviews it: what happens per kind and case, the
// matches that wait for a decision, and the fields that change.
func review(out io.Writer, plan *reconcile.Plan) {
	type bucket struct {
		kind reconcile.Kind
		what string
	}
	counts := map[bucket]int{}
	for i := range plan.Actions {
		a := &plan.Actions[i]
		what := string(a.Op)
		if a.Case != 0 {
			what += fmt.Sprintf(" (case %d)", a.Case)
		}
		switch a.Confirm {
		case reconcile.Pending:
			what += ", waits for a decision"
		case reconcile.Rejected:
			what += ", refused"
		case reconcile.Approved:
			what += ", approved"
		}
		if a.Op == reconcile.OpSkip {
			what += ": " + a.Reason
		}
		counts[bucket{a.Kind, what}]++
	}
	if plan.Counts.Changes() == 0 && len(plan.Unconverged) == 0 {
		fmt.Fprintf(out, "plan: nothing to do (%d records unchanged)\n", plan.Counts.Unchanged)
	} else {
		fmt.Fprintf(out, "plan: %d created, %d updated, %d pending, %d deactivated, %d skipped, %d unchanged\n",
			plan.Counts.Created, plan.Counts.Updated, plan.Counts.Pending, plan.Counts.Deactivated, plan.Counts.Skipped, plan.Counts.Unchanged)
		for _, b := range slices.SortedFunc(maps.Keys(counts), func(x, y bucket) int {
			return cmp.Or(slices.Index(reconcile.Kinds, x.kind)-slices.Index(reconcile.Kinds, y.kind), strings.Compare(x.what, y.what))
		}) {
			fmt.Fprintf(out, "  %-12s %5d  %s\n", b.kind, counts[b], b.what)
		}
	}
	if pending := plan.Pending(); len(pending) > 0 {
		fmt.Fprintln(out, "uncertain matches:")
		for _, a := range pending {
			fmt.Fprintf(out, "  %s: %s\n", a.ID, a.Reason)
			if a.Person != nil && a.Person.Before != nil {
				t := a.Person.Before
				fmt.Fprintf(out, "      target holds %s %s, born %s\n", t.GivenNames, t.FamilyName, cmp.Or(t.BirthDate.String(), "?"))
			}
		}
	}
	shown := 0
	for i := range plan.Actions {
		a := &plan.Actions[i]
		if a.Op != reconcile.OpUpdate || a.Confirm == reconcile.Pending || len(a.Diffs) == 0 || shown == 5 {
			continue
		}
		if shown == 0 {
			fmt.Fprintln(out, "changes:")
		}
		shown++
		fmt.Fprintf(out, "  %s\n", a.ID)
		for _, d := range a.Diffs {
			fmt.Fprintf(out, "      %s: %q -> %q\n", d.Field, d.Before, d.After)
		}
	}
	for _, u := range plan.Unconverged {
		fmt.Fprintf(out, "  does not converge: %s %s %s (wrote %q, target holds %q)\n", u.Kind, u.SourceKey, u.Field, u.Wanted, u.Held)
	}
}

func plural(n int, word string) string {
	if n == 1 {
		return "1 " + word
	}
	return fmt.Sprintf("%d %ss", n, word)
}

func decisions(ds []reconcile.Decision) string {
	n := map[reconcile.Verdict]int{}
	for _, d := range ds {
		n[d.Verdict]++
	}
	return fmt.Sprintf("%d approved, %d rejected", n[reconcile.Approve], n[reconcile.Reject])
}
