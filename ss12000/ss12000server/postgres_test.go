package ss12000server

import (
	"context"
	"errors"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/pgtest"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/postgres"
)

// The PostgreSQL server of the tests is started the first time a test asks for it (most
// tests of the package use SQLite) and stopped by TestMain.
var (
	pgOnce   sync.Once
	pgServer *pgtest.Server
	pgErr    error
)

func TestMain(m *testing.M) {
	code := m.Run()
	if pgServer != nil {
		pgServer.Stop()
	}
	os.Exit(code)
}

// openPostgres opens a store in a fresh schema, skipping the test, saying why, where no
// PostgreSQL can be had.
func openPostgres(t testing.TB) store.Store {
	t.Helper()
	pgOnce.Do(func() { pgServer, pgErr = pgtest.Start() })
	if errors.Is(pgErr, pgtest.ErrNoBinaries) {
		t.Skip(pgErr.Error())
	}
	if pgErr != nil {
		t.Fatal(pgErr)
	}
	schema, drop := pgServer.NewSchema("ss12000server")
	st, err := postgres.Open(context.Background(), pgServer.URL, postgres.WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = st.Close()
		if err := drop(); err != nil {
			t.Errorf("dropping schema %s: %v", schema, err)
		}
	})
	return st
}

func TestTargetSuiteOnPostgres(t *testing.T) {
	reconciletest.TargetSuite(t, func(t *testing.T) *reconciletest.Fixture {
		e := newEnv(t, openPostgres(t), nil)
		return &reconciletest.Fixture{Target: e.p, Source: school(), Start: t0,
			Options: withProtected(), Advance: func(d time.Duration) { e.clock.Advance(d) }}
	})
}

// TestTwoProvidersOnOnePostgresServeOneListing serves one PostgreSQL store from two providers,
// as two processes behind a load balancer would: a listing begun on one continues on the
// other with the token the first issued, and a run applied through one is served by both.
func TestTwoProvidersOnOnePostgresServeOneListing(t *testing.T) {
	st := openPostgres(t)
	a := newEnv(t, st, nil)
	a.sync(school(), withProtected())
	b := newEnv(t, st, nil) // its own server, clock and issuer keys (the same key pair)
	first := a.get("/persons?limit=2")
	var page struct {
		Data      []ss12000.Person `json:"data"`
		PageToken string           `json:"pageToken"`
	}
	first.decode(t, &page)
	if first.status != 200 || len(page.Data) != 2 || page.PageToken == "" {
		t.Fatalf("first page from a: %d %s", first.status, first.body)
	}
	seen := map[string]bool{page.Data[0].ID: true, page.Data[1].ID: true}
	for tok := page.PageToken; tok != ""; {
		next := b.get("/persons?pageToken=" + tok)
		if next.status != 200 {
			t.Fatalf("next page from b: %d %s", next.status, next.body)
		}
		page.PageToken = ""
		next.decode(t, &page)
		for _, p := range page.Data {
			if seen[p.ID] {
				t.Errorf("person %s served twice", p.ID)
			}
			seen[p.ID] = true
		}
		tok = page.PageToken
	}
	if len(seen) != 5 { // dnp is opted in to the pupil with protected identity
		t.Errorf("the listing over two providers served %d persons, want 5", len(seen))
	}
}
