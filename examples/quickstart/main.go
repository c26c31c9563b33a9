// Command quickstart is the first thing to run: it starts edusync's in-memory SS 12000 service
// with a small hand-made school, reads it through the ss12000 client, keeps a local copy with
// a full sync, lets the school's system change a few records, and catches up with a delta sync.
// It needs no credentials, no flags and no network beyond loopback.
//
//	go run ./examples/quickstart
package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"time"

	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000test"
)

func main() {
	if err := run(context.Background(), os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "quickstart:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out io.Writer) error {
	ctx, cancel := context.WithTimeout(ctx, time.Minute)
	defer cancel()

	// 1. The school's SS 12000 service: here the fake, with OAuth2 client credentials as a
	// real service would ask for.
	srv := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.SampleSchool()))
	defer srv.Close()
	id, secret := srv.ClientCredentials()
	client, err := ss12000.New(srv.URL(), ss12000.WithClientCredentials(srv.TokenURL(), id, secret))
	if err != nil {
		return err
	}

	// 2. Read persons, groups and duties through the iterators (paging is handled for you).
	var persons, protected, students int
	for p, err := range client.ListPersons(ctx, nil) {
		if err != nil {
			return err
		}
		persons++
		if ss12000.IsProtected(p.SecurityMarking) { // fails closed: only "Ingen" is unprotected
			protected++
		}
		if len(p.Enrolments) > 0 {
			students++
		}
	}
	classes := 0
	groups := 0
	for g, err := range client.ListGroups(ctx, nil) {
		if err != nil {
			return err
		}
		groups++
		if g.GroupType == ss12000.GroupTypesKlass {
			classes++
		}
	}
	duties := 0
	for _, err := range client.ListDuties(ctx, nil) {
		if err != nil {
			return err
		}
		duties++
	}
	fmt.Fprintf(out, "read %d persons (%d students, %d with protected identity), %d groups (%d classes), %d duties\n",
		persons, students, protected, groups, classes, duties)

	// 3. Keep a local copy: a full sync fills it and sets the watermarks in the SyncState,
	// which a host persists between runs (here: as JSON in memory).
	copyOf := map[string]string{} // "Type/id" -> display name
	apply := func(_ context.Context, c ss12000.Change) error {
		key := string(c.Type) + "/" + c.ID
		if c.Deleted {
			delete(copyOf, key)
			return nil
		}
		copyOf[key] = displayName(c.Record)
		return nil
	}
	syncer := &ss12000.Syncer{Client: client, Types: []ss12000.EndPointsEnum{ss12000.EndPointsPerson, ss12000.EndPointsGroup}}
	var state ss12000.SyncState
	rep, err := syncer.Full(ctx, &state, apply)
	if err != nil {
		return err
	}
	saved, err := json.Marshal(state)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "full sync: %d persons, %d groups in the local copy\n", rep.Changed[ss12000.EndPointsPerson], rep.Changed[ss12000.EndPointsGroup])

	// 4. Meanwhile the school's system changes things: a name change, a new student, and a
	// teaching group that is removed.
	all := ss12000test.All[ss12000.Person](srv)
	renamed, err := ss12000test.Modify(srv, all[0].ID, func(p *ss12000.Person) { p.FamilyName = "Öberg-Lind" })
	if err != nil {
		return err
	}
	newcomer := ss12000test.Upsert(srv, ss12000.Person{ID: "elev-9001", GivenName: "Saga", FamilyName: "Ängström",
		SecurityMarking: ss12000.SecurityMarkingIngen})[0]
	var gone string
	for _, g := range ss12000test.All[ss12000.Group](srv) {
		if g.GroupType == ss12000.GroupTypesUndervisning {
			gone = g.ID
			break
		}
	}
	ss12000test.Delete[ss12000.Group](srv, gone)

	// 5. The next run starts from the saved state and fetches only what changed since.
	var next ss12000.SyncState
	if err := json.Unmarshal(saved, &next); err != nil {
		return err
	}
	var changes []string
	delta := func(ctx context.Context, c ss12000.Change) error {
		switch {
		case c.Deleted:
			changes = append(changes, fmt.Sprintf("  removed %s %s (%s)", c.Type, c.ID, copyOf[string(c.Type)+"/"+c.ID]))
		case copyOf[string(c.Type)+"/"+c.ID] == "":
			changes = append(changes, fmt.Sprintf("  new     %s %s (%s)", c.Type, c.ID, displayName(c.Record)))
		default:
			changes = append(changes, fmt.Sprintf("  changed %s %s (%s -> %s)", c.Type, c.ID, copyOf[string(c.Type)+"/"+c.ID], displayName(c.Record)))
		}
		return apply(ctx, c)
	}
	rep, err = syncer.Delta(ctx, &next, delta)
	if err != nil {
		return err
	}
	slices.Sort(changes)
	fmt.Fprintf(out, "delta sync: %d changed or new, %d removed\n", rep.Changed[ss12000.EndPointsPerson]+rep.Changed[ss12000.EndPointsGroup], rep.Deleted)
	for _, c := range changes {
		fmt.Fprintln(out, c)
	}
	if copyOf["Person/"+renamed.ID] == "" || copyOf["Person/"+newcomer.ID] == "" || copyOf["Group/"+gone] != "" {
		return fmt.Errorf("the local copy missed a change")
	}

	// 6. A delta run with nothing new delivers nothing.
	rep, err = syncer.Delta(ctx, &next, delta)
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "delta sync again: %d changed, %d removed\n", rep.Changed[ss12000.EndPointsPerson]+rep.Changed[ss12000.EndPointsGroup], rep.Deleted)
	return nil
}

// displayName names a synced record for the printout. Persons with protected identity are
// shown by initials only, as anything a host prints about them should be.
func displayName(rec any) string {
	switch r := rec.(type) {
	case ss12000.PersonExpanded:
		if ss12000.IsProtected(r.SecurityMarking) {
			return initial(r.GivenName) + ". " + initial(r.FamilyName) + "."
		}
		return r.GivenName + " " + r.FamilyName
	case ss12000.GroupExpanded:
		return r.DisplayName
	}
	return fmt.Sprintf("%T", rec)
}

func initial(s string) string {
	for _, r := range s {
		return string(r)
	}
	return "?"
}
