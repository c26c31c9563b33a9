package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnexsync"
)

// answer decides the pending confirmations: Ask prompts, Yes and No answer all.
type answer int

const (
	ask answer = iota
	yes
	no
)

// flowConfig is one run of the synchronisation.
type flowConfig struct {
	client   *schulconnex.Client
	dir      string // the CSV export
	selectG  func(reconcile.Group) bool
	answer   answer
	in       *bufio.Reader
	out      io.Writer
	quiet    bool // only the final report
	now      time.Time
	grace    int // days
	prefix   string
	removals bool
	noHolds  bool // measure whatever the day brings (tests and benchmarks)
	state    *state
}

// state is what the pipeline remembers between runs: records it created and deactivated, and
// the answers people gave (so a question is not asked again).
type state struct {
	History   reconcile.History    `json:"history"`
	Decisions []reconcile.Decision `json:"decisions,omitempty"`
}

// report is step 11: what the run did.
type report struct {
	Persons, Groups, Memberships reconcile.Counts
	Imported                     int
	Failed, Stale                int
	Questions                    int
	// Errors holds the first few failures, for the report.
	Errors []string
}

func (r *report) add(kind reconcile.Kind, c reconcile.Counts) {
	switch kind {
	case reconcile.KindPerson:
		r.Persons = addCounts(r.Persons, c)
	case reconcile.KindGroup:
		r.Groups = addCounts(r.Groups, c)
	case reconcile.KindMembership:
		r.Memberships = addCounts(r.Memberships, c)
	}
}

func addCounts(a, b reconcile.Counts) reconcile.Counts {
	a.Created += b.Created
	a.Updated += b.Updated
	a.Imported += b.Imported
	a.Deactivated += b.Deactivated
	a.Deleted += b.Deleted
	return a
}

func (c *flowConfig) printf(format string, args ...any) {
	if !c.quiet {
		fmt.Fprintf(c.out, format, args...)
	}
}

func (c *flowConfig) options() reconcile.Options {
	var holds []reconcile.Hold
	if c.noHolds {
		holds = []reconcile.Hold{}
	}
	// IncludeProtected: persons with an information block are synchronised on purpose. The
	// school's identity service needs every learner and teacher, and Schulconnex carries the
	// block itself (auskunftssperre Ja), which the services it feeds must honour.
	return reconcile.Options{Holds: holds, Now: c.now, History: c.state.History, Decisions: c.state.Decisions,
		IncludeProtected: true, ReferrerPrefix: c.prefix,
		Removals: reconcile.Removals{Enabled: c.removals, GraceDays: c.grace}}
}

// runFlow runs the eleven steps of the Schulconnex practice guide once.
func runFlow(ctx context.Context, c *flowConfig) (*report, error) {
	rep := &report{}
	c.printf("Step 1 (Auslösen): synchronisation started at %s\n", c.now.UTC().Format(time.RFC3339))

	// Step 2: the groups to synchronise.
	src, err := schulconnexsync.OpenCSV(c.dir, schulconnexsync.CSVOptions{SelectGroups: c.selectG})
	if err != nil {
		return nil, err
	}
	source, err := src.Snapshot(ctx)
	if err != nil {
		return nil, err
	}
	c.printf("Step 2 (Gruppenauswahl): %d groups selected, %d persons, %d memberships in the export\n",
		len(source.Groups), len(source.Persons), len(source.Memberships))

	// Step 3: every person of the tenant.
	target := schulconnexsync.NewTarget(c.client, schulconnexsync.TargetOptions{Grace: time.Duration(c.grace) * 24 * time.Hour, Now: func() time.Time { return c.now }})
	importer := &schulconnexsync.Importer{Source: src, Target: target, ReferrerPrefix: c.prefix}
	var persons []reconcile.Person
	for p, err := range target.Persons(ctx) {
		if err != nil {
			return nil, fmt.Errorf("step 3: %w", err)
		}
		persons = append(persons, p)
	}
	c.printf("Step 3 (Personen abrufen): %d persons of this school in Schulconnex\n", len(persons))

	// Step 4: match persons (cases 1-6) and ask about the uncertain ones.
	plan, err := reconcile.NewPlan(&reconcile.Snapshot{Persons: source.Persons}, &reconcile.Snapshot{Persons: persons}, c.options())
	if err != nil {
		return nil, err
	}
	c.printCases("Step 4 (Abgleich Personen)", plan, reconcile.KindPerson)
	if plan, err = c.confirm(plan, rep); err != nil {
		return nil, err
	}

	// Steps 5 and 6: write, and import the approved records into the export.
	if err := c.apply(ctx, "Step 5 (Aktualisieren/Anlegen Personen) and step 6 (Import)", plan, target, importer, rep); err != nil {
		return rep, err
	}

	// Step 7: the groups and memberships, after the person writes.
	source, err = src.Snapshot(ctx)
	if err != nil {
		return rep, err
	}
	current, err := reconcile.Load(ctx, target)
	if err != nil {
		return rep, fmt.Errorf("step 7: %w", err)
	}
	c.printf("Step 7 (Gruppen abrufen): %d groups with %d memberships in Schulconnex\n", len(current.Groups), len(current.Memberships))

	// Step 8: match groups and memberships.
	plan, err = reconcile.NewPlan(source, current, c.options())
	if err != nil {
		return rep, err
	}
	c.printCases("Step 8 (Abgleich Gruppen)", plan, reconcile.KindGroup)
	if plan, err = c.confirm(plan, rep); err != nil {
		return rep, err
	}

	// Steps 9 and 10.
	if err := c.apply(ctx, "Step 9 (Aktualisieren/Anlegen Gruppen) and step 10 (Import)", plan, target, importer, rep); err != nil {
		return rep, err
	}

	// Step 11.
	c.printReport(rep)
	if rep.Failed+rep.Stale > 0 {
		return rep, fmt.Errorf("%d actions failed and %d were refused as stale", rep.Failed, rep.Stale)
	}
	return rep, nil
}

// printCases shows how the records of one kind matched.
func (c *flowConfig) printCases(step string, plan *reconcile.Plan, kind reconcile.Kind) {
	if c.quiet {
		return
	}
	cases := map[int]int{}
	for _, a := range plan.Actions {
		if a.Kind == kind && a.Case > 0 {
			cases[a.Case]++
		}
	}
	var parts []string
	for _, k := range slices.Sorted(func(yield func(int) bool) {
		for k := range cases {
			if !yield(k) {
				return
			}
		}
	}) {
		parts = append(parts, fmt.Sprintf("case %d: %d", k, cases[k]))
	}
	bk := plan.ByKind[kind]
	c.printf("%s: %d unchanged, %d to update, %d to create, %d to deactivate, %d to delete, %d questions%s\n",
		step, bk.Unchanged, bk.Updated, bk.Created, bk.Deactivated, bk.Deleted, bk.Pending, bracket(parts))
}

func bracket(parts []string) string {
	if len(parts) == 0 {
		return ""
	}
	return " (" + strings.Join(parts, ", ") + ")"
}

// describe renders the people-facing summary of a person or group of an action.
func describe(a *reconcile.Action) (source, target string) {
	switch {
	case a.Person != nil:
		show := func(p *reconcile.Person) string {
			if p == nil {
				return "-"
			}
			return fmt.Sprintf("%s, %s, born %s in %s", p.FamilyName, p.GivenNames, orDash(p.BirthDate.String()), orDash(p.BirthPlace))
		}
		if a.Op == reconcile.OpImport {
			return "-", show(a.Person.Before)
		}
		return show(a.Person.After), show(a.Person.Before)
	case a.Group != nil:
		show := func(g *reconcile.Group) string {
			if g == nil {
				return "-"
			}
			return fmt.Sprintf("%s (%s)", g.Name, g.Type)
		}
		if a.Op == reconcile.OpImport {
			return "-", show(a.Group.Before)
		}
		return show(a.Group.After), show(a.Group.Before)
	}
	return "-", "-"
}

func orDash(s string) string {
	if s == "" {
		return "?"
	}
	return s
}

// confirm shows each pending action with its reason and asks, until nothing is pending.
func (c *flowConfig) confirm(plan *reconcile.Plan, rep *report) (*reconcile.Plan, error) {
	for round := 0; round < 10; round++ {
		pending := plan.Pending()
		if len(pending) == 0 {
			return plan, nil
		}
		var decisions []reconcile.Decision
		for _, a := range pending {
			rep.Questions++
			src, tgt := describe(a)
			what := "update the Schulconnex record from the source"
			if a.Op == reconcile.OpImport {
				what = "import the Schulconnex record into the source"
			}
			c.printf("  Confirm (case %d): %s\n    reason: %s\n    source:      %s\n    Schulconnex: %s\n", a.Case, what, a.Reason, src, tgt)
			v, err := c.ask()
			if err != nil {
				return nil, err
			}
			decisions = append(decisions, reconcile.Decision{ID: a.ID, Verdict: v})
		}
		next, err := plan.Answer(nil, decisions...)
		if err != nil {
			return nil, err
		}
		plan = next
		c.state.Decisions = mergeDecisions(c.state.Decisions, plan.Decisions)
	}
	return nil, errors.New("the plan kept asking questions")
}

func mergeDecisions(old, add []reconcile.Decision) []reconcile.Decision {
	out := slices.Clone(old)
	for _, d := range add {
		if i := slices.IndexFunc(out, func(x reconcile.Decision) bool { return x.ID == d.ID }); i >= 0 {
			out[i] = d
		} else {
			out = append(out, d)
		}
	}
	slices.SortFunc(out, func(a, b reconcile.Decision) int { return strings.Compare(a.ID, b.ID) })
	return out
}

func (c *flowConfig) ask() (reconcile.Verdict, error) {
	switch c.answer {
	case yes:
		c.printf("    -> yes (-yes)\n")
		return reconcile.Approve, nil
	case no:
		c.printf("    -> no (-no)\n")
		return reconcile.Reject, nil
	}
	for {
		fmt.Fprint(c.out, "    Approve? [y/n] ")
		line, err := c.in.ReadString('\n')
		switch strings.ToLower(strings.TrimSpace(line)) {
		case "y", "yes", "j", "ja":
			return reconcile.Approve, nil
		case "n", "no", "nein":
			return reconcile.Reject, nil
		}
		if err != nil {
			return "", fmt.Errorf("no answer (use -yes or -no when there is no terminal): %w", err)
		}
	}
}

// apply runs a plan and folds its outcome into the report and the state.
func (c *flowConfig) apply(ctx context.Context, step string, plan *reconcile.Plan, target reconcile.Target, im reconcile.Importer, rep *report) error {
	if err := plan.HoldError(); err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	res, err := reconcile.Apply(ctx, plan, target, reconcile.ApplyOptions{Importer: im, Clock: func() time.Time { return c.now }})
	if err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	c.state.History.Update(res)
	byKind := map[reconcile.Kind]reconcile.Counts{}
	for _, r := range res.Results {
		if r.Status != reconcile.StatusApplied {
			if r.Status == reconcile.StatusFailed || r.Status == reconcile.StatusStale {
				c.printf("  %s %s %s: %s\n", r.Status, r.Kind, r.Op, r.Error)
				if len(rep.Errors) < 5 {
					rep.Errors = append(rep.Errors, fmt.Sprintf("%s %s %s: %s", r.Status, r.Kind, r.Op, r.Error))
				}
			}
			continue
		}
		k := byKind[r.Kind]
		k.Add(r.Outcome)
		byKind[r.Kind] = k
		if r.Op == reconcile.OpImport {
			rep.Imported++
		}
	}
	for kind, cnt := range byKind {
		rep.add(kind, cnt)
	}
	rep.Failed += res.Failed
	rep.Stale += res.Stale
	total := reconcile.Counts{}
	for _, k := range reconcile.Kinds {
		total = addCounts(total, byKind[k])
	}
	c.printf("%s: %d created, %d updated, %d deactivated, %d deleted, %d imported, %d failed, %d stale\n",
		step, total.Created, total.Updated, total.Deactivated, total.Deleted, total.Imported, res.Failed, res.Stale)
	return nil
}

func (c *flowConfig) printReport(r *report) {
	fmt.Fprintf(c.out, "Step 11 (Rückmeldung): persons %d created, %d updated, %d deactivated, %d deleted; groups %d created, %d updated, %d deactivated, %d deleted; memberships %d created, %d updated, %d deleted; %d imported; %d questions; %d failed, %d stale\n",
		r.Persons.Created, r.Persons.Updated, r.Persons.Deactivated, r.Persons.Deleted,
		r.Groups.Created, r.Groups.Updated, r.Groups.Deactivated, r.Groups.Deleted,
		r.Memberships.Created, r.Memberships.Updated, r.Memberships.Deleted, r.Imported, r.Questions, r.Failed, r.Stale)
}
