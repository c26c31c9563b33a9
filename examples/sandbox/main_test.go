package main

import (
	"bufio"
	"context"
	"io"
	"net/url"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/wiseflow"
)

// The sandbox prints exactly one NAME BASE_URL CREDENTIAL line per fake once all listen, the
// base URLs are what clients are configured with, and it stops cleanly when its context ends.
func TestSandboxPrintsOneLinePerFake(t *testing.T) {
	if testing.Short() {
		t.Skip("starts every fake")
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	pr, pw := io.Pipe()
	done := make(chan error, 1)
	go func() {
		err := run(ctx, []string{"-seed", "3"}, pw)
		pw.CloseWithError(err)
		done <- err
	}()
	lines := map[string][]string{}
	sc := bufio.NewScanner(pr)
	deadline := time.AfterFunc(2*time.Minute, func() { pw.CloseWithError(io.ErrUnexpectedEOF) })
	for len(lines) < len(fakes) && sc.Scan() {
		f := strings.Fields(sc.Text())
		if len(f) != 3 {
			t.Fatalf("line %q: want NAME BASE_URL CREDENTIAL", sc.Text())
		}
		if _, dup := lines[f[0]]; dup {
			t.Fatalf("fake %s printed twice", f[0])
		}
		lines[f[0]] = f
	}
	deadline.Stop()
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	for _, f := range fakes {
		l, ok := lines[f.Name]
		if !ok {
			t.Fatalf("no line for fake %s", f.Name)
		}
		u, err := url.Parse(l[1])
		if err != nil || u.Host == "" || (u.Scheme != "http" && u.Scheme != "https") {
			t.Errorf("%s: base URL %q is not absolute", f.Name, l[1])
		}
	}
	if !strings.HasSuffix(lines["canvas"][1], "/api/v1") {
		t.Errorf("canvas base URL %q does not end in /api/v1", lines["canvas"][1])
	}
	if tenant, key, ok := strings.Cut(lines["inspera"][2], ":"); !ok || tenant == "" || key == "" {
		t.Errorf("inspera credential %q is not tenant:apikey", lines["inspera"][2])
	} else if ic, err := inspera.New(lines["inspera"][1], inspera.WithAPIKey(tenant, key)); err != nil {
		t.Error(err)
	} else if page, err := ic.SearchTestsPage(ctx, inspera.TestSearch{Limit: 1}); err != nil || page.TotalHits == 0 {
		t.Errorf("inspera sandbox: %+v %v", page, err)
	}
	if id, secret, ok := strings.Cut(lines["wiseflow"][2], ":"); !ok || id == "" || secret == "" {
		t.Errorf("wiseflow credential %q is not client_id:secret", lines["wiseflow"][2])
	} else if wc, err := wiseflow.New(lines["wiseflow"][1], wiseflow.WithClientCredentials(id, secret)); err != nil {
		t.Error(err)
	} else if page, err := wc.SearchFlowsPage(ctx, wiseflow.FlowQuery{}, 0, 1); err != nil || page.Total <= 0 {
		t.Errorf("wiseflow sandbox: %+v %v", page, err)
	}
	if _, err := os.Stat(lines["ladok"][2]); err != nil {
		t.Errorf("ladok credential is not a PEM bundle on disk: %v", err)
	}
	// The SS 12000 line configures the client as it is.
	c, err := ss12000.New(lines["ss12000"][1], ss12000.WithBearerToken(lines["ss12000"][2]))
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, err := range c.ListPersons(ctx, &ss12000.ListPersonsParams{}) {
		if err != nil {
			t.Fatal(err)
		}
		n++
	}
	if n < 400 {
		t.Errorf("ss12000 sandbox serves %d persons, want the school preset (about 500)", n)
	}
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("run after cancel: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the sandbox did not stop")
	}
}

func TestSandboxRejectsBadFlags(t *testing.T) {
	for _, args := range [][]string{{"-preset", "galaxy"}, {"-only", "nosuchfake"}, {"-no-such-flag"}} {
		if err := run(context.Background(), args, io.Discard); err == nil {
			t.Errorf("run %v: no error", args)
		}
	}
}
