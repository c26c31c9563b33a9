// Command review serves the review page (package review) on localhost over two pipelines that
// run in the background, as a school-administration system would mount it in its admin pages:
//
//   - schule-musterstadt/schulconnex: a German school's administration system (a CSV export)
//     into a Schulconnex service (a fake, schulconnextest), the Schulconnex flow. Its first run
//     waits for answers: two pupils whose records in the service lost their referrer and birth
//     place (case 3: similar, to be confirmed) and a teacher entered in the service by hand
//     (case 5: import?).
//
//   - exempelby/sds: a Swedish municipality's SS 12000 service (a fake, ss12000test) into a
//     Microsoft School Data Sync file set (package sds). Its first run writes the set; then a
//     fifth of the pupils disappear from the service, and the second run is held by a safety
//     hold until someone who has looked at the plan releases it.
//
//     go run ./examples/review
//     open http://127.0.0.1:8080/admin/sync/
//
// Answer the questions, release the hold, and press "Run now": the pipelines' runners apply the
// answers and the release at once, and the page shows the runs and their audit trails. State is
// kept in an SQLite file under -dir (a new temporary directory by default); -user names the
// signed-in reviewer, whom a real host takes from its own login.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"os/signal"
	"path/filepath"
	"time"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/review"
	"github.com/edusync/edusync/store/sqlite"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, nil); err != nil {
		fmt.Fprintln(os.Stderr, "review:", err)
		os.Exit(1)
	}
}

// run serves the page until ctx ends; ready, when not nil, gets the page's URL once it
// listens (for the test).
func run(ctx context.Context, args []string, out io.Writer, ready func(url string)) error {
	fs := flag.NewFlagSet("review", flag.ContinueOnError)
	fs.SetOutput(out)
	addr := fs.String("addr", "127.0.0.1:8080", "address to serve the page on (keep it on localhost: the demo login lets everyone in)")
	dir := fs.String("dir", "", "directory for the state (SQLite), the export and the SDS set (default: a new temporary directory)")
	user := fs.String("user", "Demo Admin", "the signed-in reviewer, as the host's login would name them")
	seed := fs.Uint64("seed", 1, "seed of the synth schools")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *dir == "" {
		d, err := os.MkdirTemp("", "edusync-review-")
		if err != nil {
			return err
		}
		*dir = d
	}
	st, err := sqlite.Open(ctx, filepath.Join(*dir, "state.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	log := slog.New(slog.NewTextHandler(out, &slog.HandlerOptions{Level: slog.LevelWarn}))

	// The pipelines, each with its first runs made before the page opens.
	common := []pipeline.Option{pipeline.WithInterval(time.Hour), pipeline.WithPoll(2 * time.Second), pipeline.WithLogger(log)}
	sc, err := schulconnexPipeline(ctx, *dir, *seed, st, common)
	if err != nil {
		return fmt.Errorf("the Schulconnex pipeline: %w", err)
	}
	defer sc.close()
	sds, err := sdsPipeline(ctx, *dir, *seed, st, common)
	if err != nil {
		return fmt.Errorf("the SDS pipeline: %w", err)
	}
	defer sds.close()

	// Their runners: a run when the hour comes round, or at once when the page asks.
	runCtx, stopRunners := context.WithCancel(ctx)
	done := make(chan struct{})
	ps := []*pipeline.Pipeline{sc.p, sds.p}
	for _, p := range ps {
		go func() {
			defer func() { done <- struct{}{} }()
			if err := p.Start(runCtx); err != nil {
				log.Error("pipeline stopped", "pipeline", p.Name(), "error", err)
			}
		}()
	}
	defer func() {
		stopRunners()
		for range ps {
			<-done
		}
	}()

	// The host: its router, its login (here a stand-in that signs everyone in as -user) and
	// its authorisation, answered from its own roles (here: everything, and persons with
	// protected identity in full to nobody).
	page, err := review.New(st, func(r *http.Request, act review.Action, name string) (string, bool) {
		who, _ := r.Context().Value(userKey{}).(string)
		return who, who != "" && act != review.ActionViewProtected
	}, review.WithPipelines(ps...), review.WithLogger(log))
	if err != nil {
		return err
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/sync/", http.StripPrefix("/admin/sync", demoLogin(*user, page)))
	mux.Handle("/{$}", http.RedirectHandler("/admin/sync/", http.StatusFound))

	ln, err := net.Listen("tcp", *addr)
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: mux, ReadHeaderTimeout: 10 * time.Second}
	url := "http://" + ln.Addr().String() + "/admin/sync/"
	fmt.Fprintf(out, "The review page: %s (state in %s; Ctrl-C stops)\n", url, *dir)
	if ready != nil {
		ready(url)
	}
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case <-ctx.Done():
	case err := <-errc:
		return err
	}
	shut, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := srv.Shutdown(shut); err != nil && !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return nil
}

type userKey struct{}

// demoLogin stands in for the host's login middleware: it signs every request in as user. A
// host checks its own session here and sends those without one to its login page.
func demoLogin(user string, next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), userKey{}, user)))
	})
}

// demo is a pipeline of the example with the fake service it runs against.
type demo struct {
	p     *pipeline.Pipeline
	close func()
}

// firstRuns makes a run of p and checks how it ended.
func firstRuns(ctx context.Context, p *pipeline.Pipeline, want pipeline.Status) error {
	r, err := p.Run(ctx)
	if r.Status != want {
		return fmt.Errorf("run %d of %s: %s (%v), want %s", r.ID, p.Name(), r.Status, err, want)
	}
	return nil
}
