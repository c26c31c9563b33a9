package fakekit

import (
	"strconv"
	"testing"
	"time"

	"github.com/edusync/edusync/internal/testclock"
)

var t0 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

func TestTableExpiresEntriesAndTellsExpiredFromUnknown(t *testing.T) {
	clk := testclock.New(t0)
	tb := NewTable[int](clk.Now)
	k := tb.Add(7, time.Minute)
	if v, ok := tb.Get(k); !ok || v != 7 {
		t.Fatalf("Get = %d, %v", v, ok)
	}
	clk.Advance(59 * time.Second)
	if !tb.Renew(k, time.Minute) {
		t.Fatal("Renew of a live key failed")
	}
	clk.Advance(59 * time.Second)
	if _, ok := tb.Get(k); !ok {
		t.Fatal("renewed key expired early")
	}
	clk.Advance(time.Second)
	if v, found, live := tb.Lookup(k); !found || live || v != 7 {
		t.Fatalf("Lookup after expiry = %d found %v live %v; want the value, found, not live", v, found, live)
	}
	if _, found, _ := tb.Lookup(k); found {
		t.Fatal("an expired key was kept after it was reported")
	}
	if tb.Renew(k, time.Minute) {
		t.Fatal("Renew brought back an expired key")
	}
	if _, found, _ := tb.Lookup("no-such-key"); found {
		t.Fatal("unknown key found")
	}
}

func TestTableTakeUsesAKeyOnce(t *testing.T) {
	tb := NewTable[string](nil)
	k := tb.Add("org", time.Hour)
	if v, ok := tb.Take(k); !ok || v != "org" {
		t.Fatalf("Take = %q, %v", v, ok)
	}
	if _, ok := tb.Take(k); ok {
		t.Fatal("a key was taken twice")
	}
}

// The sweep must forget expired keys without looking at live ones: ss12000test used to scan
// its whole page-token map on each new token once 100,000 were live.
func TestTableSweepCostStaysFlatWithManyLiveKeys(t *testing.T) {
	clk := testclock.New(t0)
	tb := NewTable[int](clk.Now)
	const live = 150_000
	for i := range live {
		tb.Put("live-"+strconv.Itoa(i), i, time.Hour)
	}
	tb.mu.Lock()
	tb.visited = 0
	tb.mu.Unlock()
	const more = 10_000
	for i := range more {
		tb.Put("more-"+strconv.Itoa(i), i, time.Hour)
	}
	if v := tb.visited; v > more {
		t.Fatalf("%d puts with %d live keys looked at %d queue entries; want at most one each", more, live, v)
	}
	// Once the first keys expire, each put forgets a few of them, so the table shrinks back.
	clk.Advance(2 * time.Hour)
	for i := range (live + more) / sweepPerPut {
		tb.Put("late-"+strconv.Itoa(i), i, time.Hour)
	}
	if n := tb.Len(); n > (live+more)/sweepPerPut+sweepPerPut {
		t.Fatalf("after the old keys expired the table holds %d entries; the sweep did not keep up", n)
	}
	if len(tb.queue)-tb.head > 2*tb.Len()+2048 {
		t.Fatalf("queue holds %d entries for %d keys", len(tb.queue)-tb.head, tb.Len())
	}
}

func TestTableSweepSkipsRenewedAndRemovedKeys(t *testing.T) {
	clk := testclock.New(t0)
	tb := NewTable[int](clk.Now)
	a := tb.Add(1, time.Minute)
	b := tb.Add(2, time.Minute)
	clk.Advance(30 * time.Second)
	tb.Renew(a, time.Minute)
	tb.Delete(b)
	clk.Advance(45 * time.Second) // a's first queue entry and b's are due, a itself is not
	tb.Put("c", 3, time.Minute)
	if _, ok := tb.Get(a); !ok {
		t.Fatal("the sweep removed a renewed key by its old expiry")
	}
	if tb.Len() != 2 {
		t.Fatalf("Len = %d, want 2", tb.Len())
	}
}

// BenchmarkTablePutWithLiveKeys reports the cost of a Put with 1,000 and with 200,000 live keys:
// it stays flat (the sweep is amortised, never a scan of the table).
func BenchmarkTablePutWithLiveKeys(b *testing.B) {
	for _, live := range []int{1_000, 200_000} {
		b.Run(strconv.Itoa(live), func(b *testing.B) {
			tb := NewTable[int](nil)
			for i := range live {
				tb.Put("live-"+strconv.Itoa(i), i, time.Hour)
			}
			b.ResetTimer()
			for i := 0; b.Loop(); i++ {
				tb.Add(i, time.Hour)
			}
		})
	}
}
