// Command flowsync is a school-data hub in one program: one SS 12000 source feeding Microsoft
// School Data Sync (SDS v2.1), Google Classroom (OneRoster 1.2 CSV) and Apple School Manager
// through three pipelines of package pipeline, each on its interval, each with its plan,
// review, holds and run history in one SQLite store. By default it serves edusync's SS 12000
// fake with the sample school; -url and -token read a real service.
//
//	go run ./examples/flowsync -once              # one run of each pipeline, then exit
//	go run ./examples/flowsync -interval 1h       # keep them in step every hour
//
// The sets are written under -dir (sds/current, oneroster/current, asm/current); upload them
// as each system takes them (package asm/asmsftp uploads Apple's).
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"path/filepath"
	"sync"
	"time"

	"github.com/edusync/edusync/asm"
	"github.com/edusync/edusync/fileset"
	"github.com/edusync/edusync/oneroster"
	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/sds"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000sync"
	"github.com/edusync/edusync/ss12000/ss12000test"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

func main() {
	dir := flag.String("dir", "", "directory for the sets and the state (default: a new temporary directory)")
	interval := flag.Duration("interval", time.Hour, "how often each pipeline runs")
	once := flag.Bool("once", false, "run each pipeline once and exit")
	url := flag.String("url", "", "base URL of an SS 12000 service (default: the built-in fake with the sample school)")
	token := flag.String("token", "", "bearer token for -url")
	flag.Parse()
	if *dir == "" {
		d, err := os.MkdirTemp("", "flowsync")
		if err != nil {
			fmt.Fprintln(os.Stderr, "flowsync:", err)
			os.Exit(1)
		}
		*dir = d
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	if err := run(ctx, os.Stdout, config{dir: *dir, interval: *interval, once: *once, url: *url, token: *token}); err != nil {
		fmt.Fprintln(os.Stderr, "flowsync:", err)
		os.Exit(1)
	}
}

type config struct {
	dir        string
	interval   time.Duration
	once       bool
	url, token string
	now        func() time.Time // the source's clock (default time.Now)
}

// hub is one source and its three pipelines.
type hub struct {
	pipelines []*pipeline.Pipeline
	feeds     []*fileset.Deliverable
	names     []string
}

func run(ctx context.Context, out io.Writer, c config) error {
	if c.url == "" {
		// The sample school is a school year's data: read it as on a day in its autumn term.
		if c.now == nil {
			c.now = func() time.Time { return time.Date(2025, 9, 15, 6, 0, 0, 0, time.UTC) }
		}
		srv := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.SampleSchool()), ss12000test.WithClock(c.now))
		defer srv.Close()
		c.url, c.token = srv.URL(), srv.Token()
	}
	client, err := ss12000.New(c.url, ss12000.WithBearerToken(c.token))
	if err != nil {
		return err
	}
	st, err := sqlite.Open(ctx, filepath.Join(c.dir, "state.db"))
	if err != nil {
		return err
	}
	defer st.Close()
	// One source for the three targets: guardians come along for SDS's relationships and
	// OneRoster's guardian roles; the targets' Deliverable leaves out what each cannot take.
	source, err := ss12000sync.New(client, ss12000sync.Options{Guardians: true, Store: st,
		Scope: store.Scope{Flow: "flowsync", Tenant: "ss12000"}, Now: c.now})
	if err != nil {
		return err
	}
	sdsTarget, err := sds.New(filepath.Join(c.dir, "sds"), sds.Options{UsernameTemplate: "{given}.{family}@exempelby.se"})
	if err != nil {
		return err
	}
	orTarget, err := oneroster.New(filepath.Join(c.dir, "oneroster"), oneroster.Options{UsernameTemplate: "{given}.{family}@exempelby.se"})
	if err != nil {
		return err
	}
	asmTarget, err := asm.New(filepath.Join(c.dir, "asm"), asm.Options{})
	if err != nil {
		return err
	}
	h := &hub{}
	opts := []pipeline.Option{pipeline.WithInterval(c.interval),
		pipeline.WithOptions(reconcile.Options{Removals: reconcile.Removals{Enabled: true, GraceDays: 30}}),
		// Guardians and pupils the targets already hold are matched by key; any record only
		// a target holds is not taken into the school's system.
		pipeline.WithPolicy(reconcile.RejectAll(reconcile.OpImport))}
	for _, t := range []struct {
		name   string
		target interface {
			reconcile.Target
			Deliverable(reconcile.Source) *fileset.Deliverable
		}
	}{{"sds", sdsTarget}, {"oneroster", orTarget}, {"asm", asmTarget}} {
		feed := t.target.Deliverable(source)
		p, err := pipeline.New("exempelby/"+t.name, feed, t.target, st, opts...)
		if err != nil {
			return err
		}
		h.pipelines, h.feeds, h.names = append(h.pipelines, p), append(h.feeds, feed), append(h.names, t.name)
	}
	if c.once {
		for i, p := range h.pipelines {
			r, err := p.Run(ctx)
			report(out, h.names[i], r, err, h.feeds[i])
			if err != nil && !errors.Is(err, pipeline.ErrWaiting) {
				return err
			}
		}
		return nil
	}
	var wg sync.WaitGroup
	for _, p := range h.pipelines {
		wg.Go(func() { p.Start(ctx) })
	}
	fmt.Fprintf(out, "flowsync: three pipelines every %s; sets under %s (Ctrl-C stops)\n", c.interval, c.dir)
	wg.Wait()
	return nil
}

// report prints one run.
func report(out io.Writer, name string, r pipeline.Run, err error, feed *fileset.Deliverable) {
	if err != nil && !errors.Is(err, pipeline.ErrWaiting) {
		fmt.Fprintf(out, "%-10s run %d %s: %v\n", name, r.ID, r.Status, err)
		return
	}
	if r.Plan == nil {
		fmt.Fprintf(out, "%-10s run %d %s\n", name, r.ID, r.Status)
		return
	}
	fmt.Fprintf(out, "%-10s run %d %s: %d created, %d updated, %d skipped, %d left out\n", name, r.ID, r.Status,
		r.Plan.Counts.Created, r.Plan.Counts.Updated, r.Plan.Counts.Skipped, len(feed.LeftOut()))
	why := map[string]int{}
	for _, l := range feed.LeftOut() {
		why[string(l.Kind)+": "+l.Reason]++
	}
	for _, k := range sortedKeys(why) {
		fmt.Fprintf(out, "%-10s   %4d %s\n", "", why[k], k)
	}
}
