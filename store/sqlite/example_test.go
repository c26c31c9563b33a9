package sqlite_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

// A host opens its state with MustExist once it has some: a file that a failed restore left
// empty is refused instead of started afresh, and the error says retrying will not help.
func ExampleOpen() {
	dir, _ := os.MkdirTemp("", "edusync-sqlite")
	defer os.RemoveAll(dir)
	ctx := context.Background()
	path := filepath.Join(dir, "state.db")

	st, err := sqlite.Open(ctx, path) // the first start creates it
	if err != nil {
		fmt.Println(err)
		return
	}
	feed := store.Scope{Flow: "ladok-feed", Tenant: "uu"}
	_ = store.Commit(ctx, st, feed, store.Position{Cursor: "/handelser/feed/42"}, []string{"urn:id:1"}, time.Time{})
	st.Close()

	st, err = sqlite.Open(ctx, path, sqlite.MustExist())
	if err != nil {
		fmt.Println(err)
		return
	}
	pos, _, _ := store.LoadPosition(ctx, st, feed)
	fmt.Println("resume at", pos.Cursor)
	st.Close()

	_ = os.Truncate(path, 0) // a restore gone wrong
	_ = os.Remove(path + "-wal")
	_, err = sqlite.Open(ctx, path, sqlite.MustExist())
	fmt.Println(errors.Is(err, store.ErrNoState), store.IsPermanent(err))
	// Output:
	// resume at /handelser/feed/42
	// true true
}
