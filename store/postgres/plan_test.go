package postgres

import (
	"context"
	"fmt"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/edusync/edusync/internal/pgtest"
	"github.com/edusync/edusync/store"
)

// TestClaimUsesTheOrderIndex: Claim finds a message's older siblings of its order key through
// the index queue_order, and the due messages through queue_live; walking the queue for each
// candidate instead would make every Claim slower the longer the queue.
func TestClaimUsesTheOrderIndex(t *testing.T) {
	dsn := os.Getenv(pgtest.EnvURL)
	if dsn == "" {
		t.Skip("no PostgreSQL (TestMain says why)")
	}
	ctx := context.Background()
	schema := fmt.Sprintf("plan_%d", os.Getpid())
	st, err := Open(ctx, dsn, WithSchema(schema))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	defer st.pool.Exec(ctx, "DROP SCHEMA "+pgx.Identifier{schema}.Sanitize()+" CASCADE")
	scope := store.Scope{Flow: "inspera-hook", Tenant: "uib"}
	msgs := make([]store.Message, 5000)
	for i := range msgs {
		msgs[i] = store.Message{OrderKey: fmt.Sprint("candidate-", i%100), Payload: []byte("x")}
	}
	if _, err := store.Enqueue(ctx, st, scope, msgs...); err != nil {
		t.Fatal(err)
	}
	if _, err := st.pool.Exec(ctx, st.q(`ANALYZE {s}.queue`)); err != nil {
		t.Fatal(err)
	}
	rows, err := st.pool.Query(ctx, st.q(`EXPLAIN SELECT `+messageCols+` FROM {s}.queue q WHERE flow = $1 AND tenant = $2 `+claimWhere),
		[]byte(scope.Flow), []byte(scope.Tenant), int64(1<<62), int64(4))
	if err != nil {
		t.Fatal(err)
	}
	var plan []string
	for rows.Next() {
		var line string
		if err := rows.Scan(&line); err != nil {
			t.Fatal(err)
		}
		plan = append(plan, line)
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	text := strings.Join(plan, "\n")
	if !strings.Contains(text, "queue_order") || strings.Contains(text, "Seq Scan") {
		t.Fatalf("Claim's plan does not use the order index, or scans the queue:\n%s", text)
	}
}
