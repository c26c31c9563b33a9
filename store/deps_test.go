package store_test

import (
	"os/exec"
	"strings"
	"testing"
)

// TestClientsPullInNoDatabaseDriver keeps the split of store and its backends: importing a
// REST client, a durable helper beside it, or store itself pulls in no database driver (SQLite
// alone is some 245 MB of module source). Only programs that open a backend (store/sqlite,
// store/postgres) get one.
func TestClientsPullInNoDatabaseDriver(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list dependencies with")
	}
	const mod = "github.com/edusync/edusync/"
	pkgs := []string{"store", "ss12000", "schulconnex", "ladok", "canvas", "ladok/ladokfeed"}
	drivers := []string{"modernc.org/", "github.com/jackc/pgx", "github.com/mattn/go-sqlite3", "github.com/lib/pq"}
	for _, p := range pkgs {
		out, err := exec.Command(gobin, "list", "-e", "-deps", mod+p).CombinedOutput()
		if err != nil {
			t.Fatalf("go list -deps %s: %v\n%s", p, err, out)
		}
		for dep := range strings.Lines(string(out)) {
			dep = strings.TrimSpace(dep)
			// database/sql/driver alone is interfaces (github.com/google/uuid implements them);
			// database/sql itself comes only with a database.
			if dep == "database/sql" {
				t.Errorf("%s pulls in %s", p, dep)
			}
			for _, d := range drivers {
				if strings.HasPrefix(dep, d) {
					t.Errorf("%s pulls in %s", p, dep)
				}
			}
		}
	}
	// And the check can fail: the backends do pull their drivers in.
	for backend, driver := range map[string]string{"store/sqlite": "modernc.org/sqlite", "store/postgres": "github.com/jackc/pgx/v5"} {
		out, err := exec.Command(gobin, "list", "-e", "-deps", mod+backend).CombinedOutput()
		if err != nil || !strings.Contains(string(out), driver) {
			t.Fatalf("%s's dependencies do not show the driver: %v\n%.500s", backend, err, out)
		}
	}
}

// TestStoreNeedsNoHTTP keeps store usable by hosts and backends that speak no HTTP: its retry
// delays come from internal/backoff, not from the HTTP clients' plumbing.
func TestStoreNeedsNoHTTP(t *testing.T) {
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command to list dependencies with")
	}
	out, err := exec.Command(gobin, "list", "-e", "-deps", "github.com/edusync/edusync/store").CombinedOutput()
	if err != nil {
		t.Fatalf("go list -deps store: %v\n%s", err, out)
	}
	for dep := range strings.Lines(string(out)) {
		if strings.TrimSpace(dep) == "net/http" {
			t.Error("store pulls in net/http")
		}
	}
}
