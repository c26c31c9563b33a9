package ss12000_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000test"
)

// The client's iterators and writes against the in-memory service with faults switched on
// (deterministic by seed): listings still return every record exactly once and in order,
// writes that may have been carried out are not sent twice, and rate limits are waited out.

// quickRetries keeps the tests fast: backoff in milliseconds, enough attempts for the fault rates.
func quickRetries(attempts int) ss12000.Option {
	return ss12000.WithRetry(ss12000.RetryPolicy{MaxAttempts: attempts, BaseDelay: time.Millisecond, MaxDelay: 4 * time.Millisecond})
}

func faultDataset() ss12000test.Dataset {
	return ss12000test.Dataset{Persons: testPersons(3000), Groups: testGroups(1200)}
}

func TestFaultsListingsReturnEveryRecordOnce(t *testing.T) {
	srv := startFake(t, faultDataset())
	c := fakeClient(t, srv, quickRetries(8), ss12000.WithPageSize(100))
	wantPersons := make([]string, 3000)
	for i := range wantPersons {
		wantPersons[i] = personID(i)
	}
	wantGroups := make([]string, 1200)
	for i := range wantGroups {
		wantGroups[i] = groupID(i)
	}
	cases := []struct {
		name string
		f    ss12000test.Faults
	}{
		{"server errors", ss12000test.Faults{Seed: 1, ErrorRate: 0.1}},
		{"rate limits", ss12000test.Faults{Seed: 2, RateLimitRate: 0.1}},
		{"dropped connections", ss12000test.Faults{Seed: 3, DropRate: 0.1}},
		{"all at once", ss12000test.Faults{Seed: 4, ErrorRate: 0.1, RateLimitRate: 0.1, DropRate: 0.1}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv.SetFaults(tc.f)
			srv.ResetStats()
			defer srv.SetFaults(ss12000test.Faults{})
			ctx := context.Background()
			var persons, groups []string
			for p, err := range c.ListPersons(ctx, nil) {
				if err != nil {
					t.Fatalf("persons: %v", err)
				}
				persons = append(persons, p.ID)
			}
			for g, err := range c.ListGroups(ctx, &ss12000.ListGroupsParams{Limit: 50}) {
				if err != nil {
					t.Fatalf("groups: %v", err)
				}
				groups = append(groups, g.ID)
			}
			if !slices.Equal(persons, wantPersons) {
				t.Fatalf("persons: %d records, want %d, each once in id order", len(persons), len(wantPersons))
			}
			if !slices.Equal(groups, wantGroups) {
				t.Fatalf("groups: %d records, want %d, each once in id order", len(groups), len(wantGroups))
			}
			// The faults really happened, on both listings.
			injected := srv.Stats().Faults
			if injected["listPersons"] < 2 || injected["listGroups"] < 2 {
				t.Fatalf("test setup: faults injected %v", injected)
			}
		})
	}
}

// A Syncer under faults delivers the same as without: every record once, then nothing.
func TestFaultsSyncStillExact(t *testing.T) {
	clk := testclock.New(t0)
	srv := startFake(t, ss12000test.Dataset{Persons: testPersons(800), Groups: testGroups(100)}, ss12000test.WithClock(clk.Now),
		ss12000test.WithFaults(ss12000test.Faults{Seed: 9, ErrorRate: 0.1, RateLimitRate: 0.05, DropRate: 0.05}))
	s := &ss12000.Syncer{Client: fakeClient(t, srv, quickRetries(8), ss12000.WithPageSize(50)), Types: personsAndGroups, Now: clk.Now}
	h := newHost()
	var st ss12000.SyncState
	mustRun(t, s.Full, &st, h)
	if n := len(h.takeLog()); n != 900 {
		t.Fatalf("full run delivered %d, want 900", n)
	}
	clk.Advance(time.Minute)
	for i := range 40 {
		rename(t, srv, personID(i*20), "Faulty")
	}
	ss12000test.Delete[ss12000.Group](srv, groupID(5))
	mustRun(t, s.Delta, &st, h)
	if n := len(h.takeLog()); n != 41 {
		t.Fatalf("delta run delivered %d, want 41", n)
	}
	h.checkCopy(t, srv, personsAndGroups...)
	if srv.Stats().Faults["listPersons"] == 0 {
		t.Fatal("test setup: no faults injected")
	}
}

// writable is a service holding what the writes of these tests refer to: persons 0 to 199,
// group 1 and calendar event "event-1" (the fake refuses writes naming records it lacks).
func writable() ss12000test.Dataset {
	return ss12000test.Dataset{Persons: testPersons(200), Groups: testGroups(2),
		CalendarEvents: []ss12000.CalendarEvent{{ID: "event-1", StartTime: t0, EndTime: t0.Add(time.Hour)}}}
}

func attendance(i int) ss12000.Attendance {
	return ss12000.Attendance{
		CalendarEvent: ss12000.CalendarEventReference{ID: "event-1"},
		Student:       ss12000.PersonReference{ID: personID(i)},
		IsReported:    true,
	}
}

// POST /attendances is not idempotent: after a server error or a lost connection the service
// may have stored the record, so the client does not send it again. A 429 was not processed,
// so it is retried.
func TestFaultsCreatesNotRepeatedAfterServerErrors(t *testing.T) {
	srv := startFake(t, writable())
	c := fakeClient(t, srv, quickRetries(10))
	srv.SetFaults(ss12000test.Faults{Seed: 11, ErrorRate: 0.2, RateLimitRate: 0.2, Operations: []string{"createAttendance"}})
	ctx := context.Background()
	const n = 200
	ok, failed := 0, 0
	for i := range n {
		a, err := c.CreateAttendance(ctx, attendance(i))
		switch {
		case err == nil:
			ok++
			if a.ID == "" {
				t.Fatal("created attendance without id")
			}
		case errors.Is(err, ss12000.ErrServer):
			failed++
		default:
			t.Fatalf("create %d: %v (a rate limit should have been retried)", i, err)
		}
	}
	requests := srv.Stats().Requests["createAttendance"]
	faults := srv.Stats().Faults["createAttendance"]
	rateLimited := faults - failed // every server error ended its create, every 429 was retried
	if failed == 0 || rateLimited == 0 {
		t.Fatalf("%d creates failed on server errors, %d rate limits retried: creates were repeated after server errors, or the faults did not happen", failed, rateLimited)
	}
	if requests != n+rateLimited {
		t.Fatalf("%d requests for %d creates with %d server errors and %d rate limits: a create was repeated after a server error", requests, n, failed, rateLimited)
	}
	if got := ss12000test.Count[ss12000.Attendance](srv); got != ok {
		t.Fatalf("service holds %d attendances, %d creates succeeded", got, ok)
	}
}

func TestFaultsCreatesNotRepeatedAfterLostConnections(t *testing.T) {
	for _, tc := range []struct {
		name    string
		f       ss12000test.Faults
		applied int // records the service stores for one create
	}{
		{"dropped before", ss12000test.Faults{DropRate: 1, Operations: []string{"createAttendance", "createAttendanceEvent"}}, 0},
		{"dropped after the write", ss12000test.Faults{DropAfterWriteRate: 1, Operations: []string{"createAttendance", "createAttendanceEvent"}}, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			srv := startFake(t, writable())
			c := fakeClient(t, srv, quickRetries(10))
			// A first request opens the connection, so the dropped one is on a reused connection
			// (where net/http itself might be tempted to send it again).
			if _, err := c.ListPersonsPage(context.Background(), nil, ""); err != nil {
				t.Fatal(err)
			}
			srv.SetFaults(tc.f)
			_, err := c.CreateAttendance(context.Background(), attendance(1))
			if err == nil {
				t.Fatal("create succeeded on a dropped connection")
			}
			_, err = c.CreateAttendanceEvent(context.Background(), ss12000.AttendanceEvent{EventType: ss12000.AttendanceEventEventTypeIn,
				Group: ss12000.GroupReference{ID: groupID(1)}, Person: ss12000.PersonReference{ID: personID(1)}, Time: t0})
			if err == nil {
				t.Fatal("create succeeded on a dropped connection")
			}
			req := srv.Stats().Requests
			if req["createAttendance"] != 1 || req["createAttendanceEvent"] != 1 {
				t.Fatalf("creates sent %v times, want once each", req)
			}
			if got := ss12000test.Count[ss12000.Attendance](srv) + ss12000test.Count[ss12000.AttendanceEvent](srv); got != 2*tc.applied {
				t.Fatalf("service stored %d records, want %d", got, 2*tc.applied)
			}
		})
	}
}

// Idempotent requests are repeated after lost connections and server errors; a delete that
// may have happened answers 404 on the repeat, which the caller can tell apart.
func TestFaultsIdempotentDeleteRetried(t *testing.T) {
	srv := startFake(t, writable())
	c := fakeClient(t, srv, quickRetries(10))
	a, err := c.CreateAttendance(context.Background(), attendance(1))
	if err != nil {
		t.Fatal(err)
	}
	srv.SetFaults(ss12000test.Faults{Seed: 5, ErrorRate: 0.5, DropRate: 0.3, Operations: []string{"deleteAttendance"}})
	if err := c.DeleteAttendance(context.Background(), a.ID); err != nil && !errors.Is(err, ss12000.ErrNotFound) {
		t.Fatalf("delete under faults: %v", err)
	}
	if n := ss12000test.Count[ss12000.Attendance](srv); n != 0 {
		t.Fatalf("%d attendances left", n)
	}
	if srv.Stats().Requests["deleteAttendance"] < 2 {
		t.Fatal("test setup: the delete was not retried")
	}
}

func TestFaultsRateLimitRetriedAfterRetryAfter(t *testing.T) {
	t.Parallel() // waits in real time
	srv := startFake(t, writable())
	c := fakeClient(t, srv, quickRetries(10))
	for _, op := range []string{"listPersons", "createAttendance"} {
		t.Run(op, func(t *testing.T) {
			srv.ResetStats()
			srv.SetFaults(ss12000test.Faults{RateLimitRate: 1, RetryAfter: time.Second, Operations: []string{op}})
			// The service recovers while the client waits; a client that ignored Retry-After
			// would spend its attempts in milliseconds and fail.
			timer := time.AfterFunc(150*time.Millisecond, func() { srv.SetFaults(ss12000test.Faults{}) })
			defer timer.Stop()
			start := time.Now()
			var err error
			if op == "listPersons" {
				_, err = c.ListPersonsPage(context.Background(), nil, "")
			} else {
				_, err = c.CreateAttendance(context.Background(), attendance(2))
			}
			elapsed := time.Since(start)
			if err != nil {
				t.Fatalf("%v after %s", err, elapsed)
			}
			if elapsed < 900*time.Millisecond {
				t.Fatalf("retried after %s, before the Retry-After of 1 s", elapsed)
			}
			if n := srv.Stats().Requests[op]; n != 2 {
				t.Fatalf("%d requests, want the rejected one and one retry", n)
			}
		})
	}
	if n := ss12000test.Count[ss12000.Attendance](srv); n != 1 {
		t.Fatalf("%d attendances stored, want 1", n)
	}
}

func TestFaultsCancelWinsDuringRetryAfter(t *testing.T) {
	t.Parallel() // waits in real time
	srv := startFake(t, writable())
	c := fakeClient(t, srv, quickRetries(10))
	srv.SetFaults(ss12000test.Faults{RateLimitRate: 1, RetryAfter: 30 * time.Second})
	ctx, cancel := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel()
	start := time.Now()
	var got []string
	var err error
	for p, e := range c.ListPersons(ctx, nil) {
		if e != nil {
			err = e
			break
		}
		got = append(got, p.ID)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("the listing waited %s despite the cancelled context", elapsed)
	}
	if !errors.Is(err, context.DeadlineExceeded) || len(got) != 0 {
		t.Fatalf("got %v and error %v, want context.DeadlineExceeded", got, err)
	}
	if n := srv.Stats().Requests["listPersons"]; n != 1 {
		t.Fatalf("%d requests, want 1 (the wait was cut short)", n)
	}
	// The same for a write.
	ctx2, cancel2 := context.WithTimeout(context.Background(), 100*time.Millisecond)
	defer cancel2()
	start = time.Now()
	if _, err := c.CreateAttendance(ctx2, attendance(1)); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("create: %v, want context.DeadlineExceeded", err)
	}
	if elapsed := time.Since(start); elapsed > 2*time.Second {
		t.Fatalf("the create waited %s despite the cancelled context", elapsed)
	}
}
