// Command schulconnex-sync runs the synchronisation of a school-administration system with a
// Schulconnex service as the Schulconnex practice guide describes it, step by step:
//
//	1  trigger
//	2  choose the groups to synchronise (classes and the teachers' group by default; -groups)
//	3  fetch every person of the tenant from Schulconnex
//	4  match them with the export (cases 1-6) and ask about the uncertain ones
//	5  update and create persons and contexts (PUT/POST with revisions)
//	6  import approved records from Schulconnex into the export (appending to its CSV files)
//	7  fetch the groups and memberships
//	8  match them
//	9  update, create and delete groups and memberships
//	10 import approved groups
//	11 report what was created and updated, or what failed
//
// The school-administration system is a CSV export (see schulconnexsync.OpenCSV for the format).
// Without -url the program starts a fake Schulconnex (schulconnextest), fills it with a synth
// school as the previous synchronisation left it, adds a few records that show each matching
// case, and on the first run writes the school's export of the next day (with about -rate
// changes) to -dir. Each pending confirmation is shown with its reason and asked on the terminal;
// -yes or -no answer all of them for scripts. -twice runs the flow a second time on the same
// data, which writes nothing.
//
//	go run ./examples/schulconnex-sync -yes -twice
//	go run ./examples/schulconnex-sync -url https://schulconnex.example/v1 -token-url https://login.example/token \
//	    -client-id ID -client-secret SECRET -dir ./export
//
// Operators that issue source systems a user name and password (the password grant of the
// practice guide) are reached with -username and -password (or SCHULCONNEX_PASSWORD) in addition.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"strings"
	"time"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnexsync"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
	"github.com/edusync/edusync/synth"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "schulconnex-sync:", err)
		os.Exit(1)
	}
}

// groupKinds is the step-2 selection of the -groups flag: a comma-separated list of classes,
// courses, teachers (the staff team), other, or all.
type groupKinds map[string]bool

func parseGroupKinds(spec string) (groupKinds, error) {
	want := groupKinds{}
	for _, w := range strings.Split(spec, ",") {
		w = strings.TrimSpace(strings.ToLower(w))
		switch w {
		case "all":
			return nil, nil
		case "classes", "courses", "teachers", "other":
			want[w] = true
		case "":
		default:
			return nil, fmt.Errorf("-groups: unknown kind %q (classes, courses, teachers, other, all)", w)
		}
	}
	return want, nil
}

// group selects canonical groups of the export (nil: all).
func (k groupKinds) group() func(reconcile.Group) bool {
	if k == nil {
		return nil
	}
	return func(g reconcile.Group) bool {
		switch {
		case schulconnex.Same(schulconnex.Gruppentyp(g.Type), schulconnex.GruppentypKlasse):
			return k["classes"]
		case schulconnex.Same(schulconnex.Gruppentyp(g.Type), schulconnex.GruppentypKurs):
			return k["courses"]
		case strings.HasPrefix(g.Name, "Kollegium"):
			return k["teachers"]
		}
		return k["other"]
	}
}

// synthGroup selects the same groups of a synth population (nil: all).
func (k groupKinds) synthGroup() func(*synth.Group) bool {
	if k == nil {
		return nil
	}
	return func(g *synth.Group) bool {
		switch g.Type {
		case synth.GroupClass:
			return k["classes"]
		case synth.GroupTeaching:
			return k["courses"]
		case synth.GroupStaff:
			return k["teachers"]
		}
		return k["other"]
	}
}

func run(ctx context.Context, args []string, stdin io.Reader, stdout io.Writer) error {
	fs := flag.NewFlagSet("schulconnex-sync", flag.ContinueOnError)
	fs.SetOutput(stdout)
	dir := fs.String("dir", filepath.Join(os.TempDir(), "edusync-schulconnex-sync"), "directory of the CSV export (written from a synth school when empty)")
	groups := fs.String("groups", "classes,teachers", "groups to synchronise: classes, courses, teachers, other or all")
	yesFlag := fs.Bool("yes", false, "approve every confirmation")
	noFlag := fs.Bool("no", false, "reject every confirmation")
	twice := fs.Bool("twice", false, "run the flow a second time on the same data (it writes nothing)")
	seed := fs.Uint64("seed", 1, "seed of the synth school")
	rate := fs.Float64("rate", 0.01, "share of changes in the next day's export")
	grace := fs.Int("grace", 30, "days before deactivated persons and groups are deleted")
	removals := fs.Bool("removals", true, "deactivate (and after -grace days delete) persons and groups the export no longer has, and delete ended memberships; with -removals=false they are offered for import instead (case 4)")
	prefix := fs.String("referrer-prefix", "", "prefix of this pipeline's referrers, for services shared with other source systems")
	baseURL := fs.String("url", "", "Schulconnex base URL (default: a fake)")
	tokenURL := fs.String("token-url", "", "OAuth2 token endpoint of -url")
	clientID := fs.String("client-id", "", "OAuth2 client id")
	clientSecret := fs.String("client-secret", "", "OAuth2 client secret (or SCHULCONNEX_CLIENT_SECRET)")
	username := fs.String("username", "", "user name for the OAuth2 password grant, for operators that use it (default: the client-credentials grant)")
	password := fs.String("password", "", "password for -username (or SCHULCONNEX_PASSWORD)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *yesFlag && *noFlag {
		return errors.New("-yes and -no exclude each other")
	}
	kinds, err := parseGroupKinds(*groups)
	if err != nil {
		return err
	}
	cfg := &flowConfig{dir: *dir, selectG: kinds.group(), removals: *removals, in: bufio.NewReader(stdin), out: stdout, grace: *grace, prefix: *prefix}
	switch {
	case *yesFlag:
		cfg.answer = yes
	case *noFlag:
		cfg.answer = no
	}

	var fake *schulconnextest.Server
	if *baseURL == "" {
		fake = schulconnextest.NewServer()
		defer fake.Close()
		opts, err := schoolOptions(*seed, 0, 0)
		if err != nil {
			return err
		}
		sc, err := newScenario(opts, *rate)
		if err != nil {
			return err
		}
		if _, err := os.Stat(filepath.Join(*dir, schulconnexsync.CSVPersonen)); errors.Is(err, os.ErrNotExist) {
			fmt.Fprintf(stdout, "Writing the export of a synth school (%d persons, %d changes since the last synchronisation) to %s\n",
				len(sc.next.Persons), len(sc.changes), *dir)
			_ = os.Remove(filepath.Join(*dir, "state.json"))
		} else {
			fmt.Fprintf(stdout, "Using the export in %s (delete it to start afresh)\n", *dir)
		}
		if err := sc.loadFake(fake, *dir, kinds.synthGroup()); err != nil {
			return err
		}
		if err := demoCases(fake, sc); err != nil {
			return err
		}
		c := fake.Credentials()
		cfg.client, err = fake.Client()
		if err != nil {
			return err
		}
		fmt.Fprintf(stdout, "Fake Schulconnex at %s (token endpoint %s, client %s)\n", fake.URL(), fake.TokenURL(), c.ClientID)
	} else {
		secret := *clientSecret
		if secret == "" {
			secret = os.Getenv("SCHULCONNEX_CLIENT_SECRET")
		}
		auth := schulconnex.WithClientCredentials(*tokenURL, *clientID, secret)
		if *username != "" {
			pw := *password
			if pw == "" {
				pw = os.Getenv("SCHULCONNEX_PASSWORD")
			}
			auth = schulconnex.WithPasswordGrant(*tokenURL, *clientID, secret, *username, pw)
		}
		cfg.client, err = schulconnex.New(*baseURL, auth)
		if err != nil {
			return err
		}
	}

	statePath := filepath.Join(*dir, "state.json")
	cfg.state = &state{}
	if b, err := os.ReadFile(statePath); err == nil {
		if err := json.Unmarshal(b, cfg.state); err != nil {
			return fmt.Errorf("%s: %w", statePath, err)
		}
	}
	runs := 1
	if *twice {
		runs = 2
	}
	for i := 1; i <= runs; i++ {
		if runs > 1 {
			fmt.Fprintf(stdout, "\n=== Run %d ===\n", i)
		}
		if fake != nil {
			fake.ResetStats()
		}
		cfg.now = time.Now()
		_, err := runFlow(ctx, cfg)
		if b, merr := json.MarshalIndent(cfg.state, "", "  "); merr == nil {
			_ = os.WriteFile(statePath, b, 0o600)
		}
		if fake != nil {
			st := fake.Stats()
			fmt.Fprintf(stdout, "HTTP requests: %d reads, %d writes\n", st.Reads, st.Writes)
		}
		if err != nil {
			return err
		}
	}
	return nil
}
