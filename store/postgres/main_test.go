package postgres_test

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/edusync/edusync/internal/pgtest"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/postgres"
)

// server is the PostgreSQL the tests use: a throwaway cluster TestMain started, or the one
// EDUSYNC_POSTGRES_URL names; nil, with skipReason set, where there is neither.
var (
	server     *pgtest.Server
	skipReason string
)

func TestMain(m *testing.M) {
	flag.Parse()
	srv, err := pgtest.Start()
	switch {
	case errors.Is(err, pgtest.ErrNoBinaries):
		skipReason = err.Error()
		// The examples print what a server answers and cannot skip: leave them out.
		if f := flag.Lookup("test.run"); f != nil && f.Value.String() == "" {
			_ = flag.Set("test.run", "^(Test|Fuzz)")
		}
	case err != nil:
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	default:
		server = srv
		// Child processes of the cross-process tests, and the examples, find it here.
		os.Setenv(pgtest.EnvURL, srv.URL)
	}
	code := m.Run()
	if server != nil {
		for len(emptied) > 0 {
			dropSchema(<-emptied)
		}
		server.Stop()
	}
	os.Exit(code)
}

// needServer skips the test, saying why, where no PostgreSQL can be had.
func needServer(tb testing.TB) {
	tb.Helper()
	if server == nil {
		tb.Skip(skipReason)
	}
}

// newSchema returns a fresh schema name, dropped when the test ends.
func newSchema(tb testing.TB) string {
	tb.Helper()
	needServer(tb)
	name, drop := server.NewSchema("t")
	tb.Cleanup(func() {
		if err := drop(); err != nil {
			tb.Errorf("dropping schema %s: %v", name, err)
		}
	})
	return name
}

// emptied are schemas with the store's tables, emptied after the test that used them, for the
// next open: creating and dropping the tables for every store the suite opens took most of its
// time. TestMain drops them at the end.
var emptied = make(chan string, 64)

// open opens a store in a schema of its own, empty, or fails the test; the test closes it.
func open(tb testing.TB, opts ...store.Option) *postgres.Store {
	tb.Helper()
	needServer(tb)
	var name string
	select {
	case name = <-emptied:
	default:
		name, _ = server.NewSchema("t")
	}
	st := openIn(tb, name, opts...)
	tb.Cleanup(func() {
		st.Close()
		q := pgx.Identifier{name}.Sanitize()
		pool, err := adminPool()
		if err == nil {
			_, err = pool.Exec(context.Background(), `TRUNCATE `+q+`.positions, `+q+`.processed, `+q+`.attempts, `+
				q+`.kv, `+q+`.timers, `+q+`.leases, `+q+`.queue, `+q+`.queue_keys RESTART IDENTITY`)
		}
		if err != nil {
			tb.Errorf("emptying schema %s: %v", name, err)
			dropSchema(name)
			return
		}
		select {
		case emptied <- name:
		default:
			dropSchema(name)
		}
	})
	return st
}

// adminPool connects to the test server for what tests do behind the store's back.
var adminPool = sync.OnceValues(func() (*pgxpool.Pool, error) {
	return pgxpool.New(context.Background(), server.URL)
})

// openIn opens the store in schema or fails the test; the test closes it.
func openIn(tb testing.TB, schema string, opts ...store.Option) *postgres.Store {
	tb.Helper()
	st, err := postgres.Open(context.Background(), server.URL, append(opts, postgres.WithSchema(schema))...)
	if err != nil {
		tb.Fatal(err)
	}
	return st
}

// dropSchema drops a schema a test or an example made.
func dropSchema(name string) {
	conn, err := pgx.Connect(context.Background(), server.URL)
	if err != nil {
		return
	}
	defer conn.Close(context.Background())
	_, _ = conn.Exec(context.Background(), "DROP SCHEMA IF EXISTS "+pgx.Identifier{name}.Sanitize()+" CASCADE")
}
