package ladokcanvas

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"
)

// flights serialises work on one key (creating one course, one account) across tasks that
// may run at the same time; callers re-check what they need after acquiring it.
type flights struct {
	mu sync.Mutex
	m  map[string]*flightLock
}

type flightLock struct {
	ch   chan struct{}
	refs int
}

func (f *flights) lock(ctx context.Context, key string) (unlock func(), err error) {
	f.mu.Lock()
	if f.m == nil {
		f.m = map[string]*flightLock{}
	}
	l := f.m[key]
	if l == nil {
		l = &flightLock{ch: make(chan struct{}, 1)}
		f.m[key] = l
	}
	l.refs++
	f.mu.Unlock()
	release := func() {
		f.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(f.m, key)
		}
		f.mu.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}

// periodCache maps Ladok period ids to their codes (HT2026), read once from Ladok and again
// when an offering names a period not seen yet.
type periodCache struct {
	mu      sync.Mutex
	codes   map[int]string
	fetched time.Time
}

func (c *core) termOf(ctx context.Context, periodID int) (string, error) {
	if periodID == 0 {
		return "", nil
	}
	pc := &c.periods
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if code, ok := pc.codes[periodID]; ok {
		return code, nil
	}
	if pc.codes != nil && time.Since(pc.fetched) < time.Minute {
		return "", nil
	}
	ps, err := c.ladok.GetPeriods(ctx)
	if err != nil {
		return "", fmt.Errorf("ladokcanvas: reading Ladok's periods: %w", err)
	}
	pc.codes = make(map[int]string, len(ps))
	pc.fetched = time.Now()
	for _, p := range ps {
		if id, err := strconv.Atoi(p.ID); err == nil {
			pc.codes[id] = p.Kod
		}
	}
	return pc.codes[periodID], nil
}
