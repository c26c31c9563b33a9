package testclock

import (
	"context"
	"sync"
	"testing"
	"time"
)

func TestClock(t *testing.T) {
	t0 := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	c := New(t0)
	if !c.Now().Equal(t0) {
		t.Fatalf("Now = %v, want %v", c.Now(), t0)
	}
	var wg sync.WaitGroup
	for range 10 {
		wg.Go(func() { c.Advance(time.Second) })
	}
	wg.Wait()
	if want := t0.Add(10 * time.Second); !c.Now().Equal(want) {
		t.Fatalf("after ten concurrent advances Now = %v, want %v", c.Now(), want)
	}
	c.Set(t0)
	if !c.Now().Equal(t0) {
		t.Fatalf("after Set Now = %v", c.Now())
	}
}

func TestAfterFiresWhenTheClockPassesTheDeadline(t *testing.T) {
	t0 := time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC)
	c := New(t0)
	ch := c.After(time.Hour)
	if n := c.Waiters(); n != 1 {
		t.Fatalf("Waiters = %d, want 1", n)
	}
	c.Advance(59 * time.Minute)
	select {
	case <-ch:
		t.Fatal("fired before its deadline")
	default:
	}
	c.Advance(time.Minute)
	select {
	case got := <-ch:
		if want := t0.Add(time.Hour); !got.Equal(want) {
			t.Fatalf("fired with %v, want %v", got, want)
		}
	default:
		t.Fatal("did not fire at its deadline")
	}
	if n := c.Waiters(); n != 0 {
		t.Fatalf("Waiters after firing = %d", n)
	}
	select {
	case <-c.After(0):
	default:
		t.Fatal("After(0) did not fire at once")
	}
	late := c.After(time.Minute)
	c.Set(t0.Add(2 * time.Hour))
	select {
	case <-late:
	default:
		t.Fatal("Set past the deadline did not fire")
	}
}

func TestBlockUntilWaitsForSleepers(t *testing.T) {
	c := New(time.Date(2026, 9, 1, 8, 0, 0, 0, time.UTC))
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	done := make(chan time.Time)
	go func() { done <- <-c.After(time.Minute) }()
	if !c.BlockUntil(ctx, 1) {
		t.Fatal("BlockUntil gave up while a goroutine slept")
	}
	c.Advance(time.Minute)
	<-done
	short, cancelShort := context.WithTimeout(context.Background(), 20*time.Millisecond)
	defer cancelShort()
	if c.BlockUntil(short, 1) {
		t.Fatal("BlockUntil reported a sleeper that had woken")
	}
}
