package postgres_test

import (
	"context"
	"fmt"
	"log"
	"os"
	"path/filepath"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/postgres"
	"github.com/edusync/edusync/store/sqlite"
)

// A flow opens the store and commits what it did; a second process (here, a second Store)
// sees it at once.
func ExampleOpen() {
	ctx := context.Background()
	dsn := os.Getenv("EDUSYNC_POSTGRES_URL") // postgres://edusync@db.example.org/edusync in production
	const schema = "example_open"            // default: "edusync"
	defer dropSchema(schema)

	st, err := postgres.Open(ctx, dsn, postgres.WithSchema(schema))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	scope := store.Scope{Flow: "ladok-feed", Tenant: "uu"}
	pos := store.Position{Cursor: "/handelser/feed/42", Last: "urn:uuid:7"}
	if err := store.Commit(ctx, st, scope, pos, []string{"urn:uuid:6", "urn:uuid:7"}, time.Time{}); err != nil {
		log.Fatal(err)
	}

	other, err := postgres.Open(ctx, dsn, postgres.WithSchema(schema), postgres.MustExist())
	if err != nil {
		log.Fatal(err)
	}
	defer other.Close()
	got, _, err := store.LoadPosition(ctx, other, scope)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(got.Cursor, got.Last)
	// Output: /handelser/feed/42 urn:uuid:7
}

// Moving a deployment from its SQLite file to PostgreSQL: stop the flows, copy, start them on
// the new store.
func ExampleStore_Import() {
	ctx := context.Background()
	dir, _ := os.MkdirTemp("", "example")
	defer os.RemoveAll(dir)
	old, err := sqlite.Open(ctx, filepath.Join(dir, "state.db"))
	if err != nil {
		log.Fatal(err)
	}
	scope := store.Scope{Flow: "inspera-hook", Tenant: "uib"}
	if _, err := store.Enqueue(ctx, old, scope, store.Message{Key: "delivery-1", Payload: []byte(`{"event":"submitted"}`)}); err != nil {
		log.Fatal(err)
	}

	defer dropSchema("example_import")
	st, err := postgres.Open(ctx, os.Getenv("EDUSYNC_POSTGRES_URL"), postgres.WithSchema("example_import"))
	if err != nil {
		log.Fatal(err)
	}
	defer st.Close()
	n, err := store.Copy(ctx, st, old)
	if err != nil {
		log.Fatal(err)
	}
	old.Close()
	fmt.Println("records copied:", n)

	// The message waits in PostgreSQL now, and its key still keeps out a second delivery.
	e, err := store.Enqueue(ctx, st, scope, store.Message{Key: "delivery-1"})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println("second delivery dropped:", e[0].Duplicate)
	// Output:
	// records copied: 2
	// second delivery dropped: true
}
