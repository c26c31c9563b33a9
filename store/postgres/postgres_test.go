package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/postgres"
)

var (
	ctx   = context.Background()
	scope = store.Scope{Flow: "ladok-feed", Tenant: "uu"}
)

// exec runs statements on the test server directly, as an operator (or an accident) would.
func runSQL(t *testing.T, stmts ...string) {
	t.Helper()
	conn, err := pgx.Connect(ctx, server.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	for _, s := range stmts {
		if _, err := conn.Exec(ctx, s); err != nil {
			t.Fatalf("%s: %v", s, err)
		}
	}
}

// permanent checks that err matches target and store.ErrPermanent.
func permanent(t *testing.T, err, target error) {
	t.Helper()
	if !errors.Is(err, target) || !store.IsPermanent(err) {
		t.Fatalf("error %v, want %v (permanent)", err, target)
	}
}

func TestReopenKeepsState(t *testing.T) {
	schema := newSchema(t)
	st := openIn(t, schema)
	if err := store.Commit(ctx, st, scope, store.Position{Cursor: "/feed/3", Last: "e9"}, []string{"e8", "e9"}, time.Time{}); err != nil {
		t.Fatal(err)
	}
	st.Close()
	st = openIn(t, schema, postgres.MustExist())
	defer st.Close()
	pos, ok, err := store.LoadPosition(ctx, st, scope)
	if err != nil || !ok || pos.Cursor != "/feed/3" || pos.Last != "e9" {
		t.Fatalf("position after reopening: %+v %v %v", pos, ok, err)
	}
	if st.Schema() != schema {
		t.Fatalf("Schema() = %q", st.Schema())
	}
}

// TestOpenRefusesNewerSchema: a schema written by a newer edusync is left alone.
func TestOpenRefusesNewerSchema(t *testing.T) {
	schema := newSchema(t)
	openIn(t, schema).Close()
	runSQL(t, `UPDATE `+pgx.Identifier{schema}.Sanitize()+`.store_meta SET version = 99`)
	_, err := postgres.Open(ctx, server.URL, postgres.WithSchema(schema))
	permanent(t, err, store.ErrSchemaTooNew)
}

// TestOpenRefusesForeignSchema: a schema with another application's tables, or with a meta
// table that is not ours, is not taken over.
func TestOpenRefusesForeignSchema(t *testing.T) {
	for name, stmts := range map[string][]string{
		"other tables":    {`CREATE TABLE %s.kv (k text PRIMARY KEY, v text)`},
		"unrelated table": {`CREATE TABLE %s.invoices (id int)`},
		"other meta":      {`CREATE TABLE %s.store_meta (app text, version int)`, `INSERT INTO %s.store_meta VALUES ('someone else', 1)`},
	} {
		t.Run(name, func(t *testing.T) {
			schema := newSchema(t)
			q := pgx.Identifier{schema}.Sanitize()
			runSQL(t, `CREATE SCHEMA `+q)
			for _, s := range stmts {
				runSQL(t, strings.ReplaceAll(s, "%s", q))
			}
			_, err := postgres.Open(ctx, server.URL, postgres.WithSchema(schema))
			permanent(t, err, store.ErrNotStore)
		})
	}
}

func TestMustExist(t *testing.T) {
	schema := newSchema(t)
	_, err := postgres.Open(ctx, server.URL, postgres.WithSchema(schema), postgres.MustExist())
	permanent(t, err, store.ErrNoState)
	// An empty schema (made by an operator for the store) is no state either.
	runSQL(t, `CREATE SCHEMA `+pgx.Identifier{schema}.Sanitize())
	_, err = postgres.Open(ctx, server.URL, postgres.WithSchema(schema), postgres.MustExist())
	permanent(t, err, store.ErrNoState)
	// Nor is a database that does not exist.
	u, _ := url.Parse(server.URL)
	u.Path = "/no_such_database"
	_, err = postgres.Open(ctx, u.String(), postgres.WithSchema(schema))
	permanent(t, err, store.ErrNoState)
	// Without MustExist, the empty schema gets the tables.
	openIn(t, schema).Close()
}

// TestOpenRefusesReadOnly: a server or role that cannot write fails at Open, not at a
// flow's first commit.
func TestOpenRefusesReadOnly(t *testing.T) {
	schema := newSchema(t)
	openIn(t, schema).Close()
	u, _ := url.Parse(server.URL)
	q := u.Query()
	q.Set("default_transaction_read_only", "on") // pgx sends unknown settings to the server
	u.RawQuery = q.Encode()
	_, err := postgres.Open(ctx, u.String(), postgres.WithSchema(schema))
	permanent(t, err, store.ErrUnwritable)

	// A role that may read the tables and not change them.
	role := fmt.Sprintf("edusync_reader_%d", os.Getpid())
	conn, err := pgx.Connect(ctx, server.URL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	if _, err := conn.Exec(ctx, `CREATE ROLE `+role+` LOGIN`); err != nil {
		t.Skipf("cannot create a role on this server: %v", err)
	}
	defer conn.Exec(ctx, `DROP OWNED BY `+role+`; DROP ROLE `+role)
	sq := pgx.Identifier{schema}.Sanitize()
	runSQL(t, `GRANT USAGE ON SCHEMA `+sq+` TO `+role, `GRANT SELECT ON ALL TABLES IN SCHEMA `+sq+` TO `+role)
	u, _ = url.Parse(server.URL)
	u.User = url.User(role)
	_, err = postgres.Open(ctx, u.String(), postgres.WithSchema(schema))
	permanent(t, err, store.ErrUnwritable)
	runSQL(t, `GRANT INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA `+sq+` TO `+role)
	st, err := postgres.Open(ctx, u.String(), postgres.WithSchema(schema))
	if err != nil {
		t.Fatalf("a role that may write: %v", err)
	}
	defer st.Close()
	if _, err := store.Enqueue(ctx, st, hooks, store.Message{Key: "k"}); err != nil {
		t.Fatalf("a role granted the tables cannot enqueue: %v", err)
	}
}

// TestOpenKeepsThePasswordOutOfErrors: a malformed connection string, a refused role and an
// unreachable server are reported without the password.
func TestOpenKeepsThePasswordOutOfErrors(t *testing.T) {
	needServer(t)
	const secret = "hunter2-sekret"
	u, _ := url.Parse(server.URL)
	u.User = url.UserPassword("no_such_role", secret)
	unreachable := "postgres://edusync:" + secret + "@127.0.0.1:1/edusync?connect_timeout=2"
	for name, tc := range map[string]struct {
		dsn       string
		permanent bool
		target    error
	}{
		"malformed":   {"postgres://edusync:" + secret + "@host:notaport/db", true, store.ErrInvalid},
		"key=value":   {"host=/tmp password=" + secret + " port=x", true, store.ErrInvalid},
		"bad role":    {u.String(), true, store.ErrPermanent},
		"unreachable": {unreachable, false, nil},
	} {
		t.Run(name, func(t *testing.T) {
			st, err := postgres.Open(ctx, tc.dsn)
			if err == nil {
				st.Close()
				t.Fatal("opened")
			}
			if strings.Contains(err.Error(), secret) {
				t.Fatalf("the error quotes the password: %v", err)
			}
			if tc.target != nil && !errors.Is(err, tc.target) {
				t.Fatalf("error %v, want %v", err, tc.target)
			}
			if store.IsPermanent(err) != tc.permanent && !errors.Is(err, store.ErrInvalid) {
				t.Fatalf("error %v: permanent %v, want %v", err, store.IsPermanent(err), tc.permanent)
			}
		})
	}
}

func TestOpenRefusesBadSchemaNames(t *testing.T) {
	needServer(t)
	for _, name := range []string{"", strings.Repeat("x", 64), "a\x00b"} {
		if _, err := postgres.Open(ctx, server.URL, postgres.WithSchema(name)); !errors.Is(err, store.ErrInvalid) {
			t.Errorf("schema %q: %v, want ErrInvalid", name, err)
		}
	}
	// Any other name is quoted, so it cannot break out of the statements.
	odd := newSchema(t) + `"; DROP TABLE x; --`
	st := openIn(t, odd)
	defer st.Close()
	if err := st.Update(ctx, scope, func(tx store.Tx) error { return tx.SetValue("k", nil) }); err != nil {
		t.Fatal(err)
	}
	runSQL(t, `DROP SCHEMA `+pgx.Identifier{odd}.Sanitize()+` CASCADE`)
}

// TestConcurrentOpen: processes starting at once on a new schema do not race to create it.
func TestConcurrentOpen(t *testing.T) {
	schema := newSchema(t)
	var wg sync.WaitGroup
	for range 6 {
		wg.Go(func() {
			st, err := postgres.Open(ctx, server.URL, postgres.WithSchema(schema))
			if err != nil {
				t.Error(err)
				return
			}
			st.Close()
		})
	}
	wg.Wait()
}

// TestSchemasShareNothing: stores in two schemas (two institutions kept apart) do not see each
// other's state, even for the same scope.
func TestSchemasShareNothing(t *testing.T) {
	a, b := open(t), open(t)
	defer a.Close()
	defer b.Close()
	if err := a.Update(ctx, scope, func(tx store.Tx) error { return tx.SetValue("k", []byte("a")) }); err != nil {
		t.Fatal(err)
	}
	if err := b.View(ctx, scope, func(tx store.Tx) error {
		_, err := tx.Value("k")
		return err
	}); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("the other schema's value: %v", err)
	}
	if sc, err := b.Scopes(ctx); err != nil || len(sc) != 0 {
		t.Fatalf("scopes of the other schema: %v %v", sc, err)
	}
}

// TestScopesWriteInParallel: a writer of one scope waits for another writer of that scope (its
// reads then see the first one's commit), while other scopes (another tenant) commit
// meanwhile.
func TestScopesWriteInParallel(t *testing.T) {
	st := open(t)
	defer st.Close()
	inside := make(chan struct{})
	release := make(chan struct{})
	first := make(chan error, 1)
	go func() {
		first <- st.Update(ctx, scope, func(tx store.Tx) error {
			if err := store.Put(tx, "n", 1); err != nil {
				return err
			}
			close(inside)
			<-release
			return nil
		})
	}()
	<-inside
	other := store.Scope{Flow: scope.Flow, Tenant: "lu"}
	done := make(chan error, 1)
	go func() { done <- st.Update(ctx, other, func(tx store.Tx) error { return tx.SetValue("k", nil) }) }()
	select {
	case err := <-done:
		if err != nil {
			t.Fatal(err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("a writer of another tenant waited for this one")
	}
	second := make(chan error, 1)
	go func() {
		second <- st.Update(ctx, scope, func(tx store.Tx) error {
			n, err := store.Get[int](tx, "n")
			if err != nil {
				return err
			}
			return store.Put(tx, "n", n+1)
		})
	}()
	select {
	case err := <-second:
		t.Fatalf("a second writer of the scope ran while the first was open: %v", err)
	case <-time.After(200 * time.Millisecond):
	}
	// A writer that gives up waiting returns its context's error.
	short, cancel := context.WithTimeout(ctx, 100*time.Millisecond)
	defer cancel()
	if err := st.Update(short, scope, func(tx store.Tx) error { return tx.SetValue("x", nil) }); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("a writer that timed out waiting: %v", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if err := <-second; err != nil {
		t.Fatal(err)
	}
	if err := st.View(ctx, scope, func(tx store.Tx) error {
		if n, err := store.Get[int](tx, "n"); err != nil || n != 2 {
			t.Fatalf("n = %d, %v; want 2", n, err)
		}
		_, err := tx.Value("x")
		if !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("the timed out writer committed: %v", err)
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
}

// TestTablesGoneIsPermanent: tables dropped under a running store (a restore gone wrong) are
// a permanent failure, not something to retry forever.
func TestTablesGoneIsPermanent(t *testing.T) {
	schema := newSchema(t)
	st := openIn(t, schema)
	defer st.Close()
	runSQL(t, `DROP TABLE `+pgx.Identifier{schema, "kv"}.Sanitize())
	err := st.Update(ctx, scope, func(tx store.Tx) error { return tx.SetValue("k", nil) })
	permanent(t, err, store.ErrNoState)
}

// TestDeadlockIsRetryable: a transaction that claims a message and then writes other state of
// its scope, while a writer holding the scope's lock waits for that message, is a deadlock that
// PostgreSQL breaks by ending one of the two. The loser commits nothing and its error is not
// permanent, so a flow retries it; the winner commits.
func TestDeadlockIsRetryable(t *testing.T) {
	st := open(t)
	defer st.Close()
	e, err := store.Enqueue(ctx, st, hooks, store.Message{Payload: []byte("m")})
	if err != nil {
		t.Fatal(err)
	}
	claimed, locked := make(chan struct{}), make(chan struct{})
	errs := make(chan error, 2)
	go func() {
		errs <- st.Update(ctx, hooks, func(tx store.Tx) error {
			if _, err := tx.Claim(1, time.Minute); err != nil {
				return err
			}
			close(claimed)
			<-locked
			time.Sleep(100 * time.Millisecond) // the other is waiting for the message by now
			return tx.SetValue("by the claimer", nil)
		})
	}()
	go func() {
		<-claimed
		errs <- st.Update(ctx, hooks, func(tx store.Tx) error {
			if err := tx.SetValue("by the operator", nil); err != nil {
				return err
			}
			close(locked)
			return tx.DeleteMessage(e[0].ID)
		})
	}()
	var failed []error
	for range 2 {
		if err := <-errs; err != nil {
			failed = append(failed, err)
		}
	}
	if len(failed) != 1 {
		t.Fatalf("%d of the two transactions failed: %v", len(failed), failed)
	}
	var pe *pgconn.PgError
	if !errors.As(failed[0], &pe) || pe.Code != "40P01" || store.IsPermanent(failed[0]) || !strings.Contains(failed[0].Error(), "nothing was committed") {
		t.Fatalf("the deadlock's loser failed with %v; want a retryable deadlock", failed[0])
	}
	if err := st.View(ctx, hooks, func(tx store.Tx) error {
		vs, err := tx.Values("by ")
		if err == nil && len(vs) != 1 {
			err = fmt.Errorf("values %v: want the winner's alone", vs)
		}
		return err
	}); err != nil {
		t.Fatal(err)
	}
}
