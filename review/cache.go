package review

import (
	"container/list"
	"errors"
	"sync"
)

// cache keeps the rows of recently viewed plans and audit trails, least recently used out
// first, up to a number of rows in all. A run's stored plan and report never change, so an
// entry needs no invalidation; runs the pipeline prunes just age out. Concurrent requests for
// the same entry build it once.
type cache struct {
	mu      sync.Mutex
	max     int
	used    int
	entries map[string]*entry
	order   *list.List // of *entry, most recently used first
}

type entry struct {
	key   string
	size  int
	ready chan struct{}
	val   any
	err   error
	elem  *list.Element
}

// errTooBig: the entry would not fit in the cache; the caller reads the store instead.
var errTooBig = errors.New("review: too large to cache")

func newCache(max int) *cache {
	return &cache{max: max, entries: map[string]*entry{}, order: list.New()}
}

// get returns the entry under key, building it with build (which makes about size rows) when
// it is not there. Errors are not kept.
func (c *cache) get(key string, size int, build func() (any, error)) (any, error) {
	if size > c.max {
		return nil, errTooBig
	}
	c.mu.Lock()
	if e, ok := c.entries[key]; ok {
		c.order.MoveToFront(e.elem)
		c.mu.Unlock()
		<-e.ready
		return e.val, e.err
	}
	e := &entry{key: key, size: size, ready: make(chan struct{})}
	e.elem = c.order.PushFront(e)
	c.entries[key] = e
	c.used += size
	c.evict()
	c.mu.Unlock()

	e.val, e.err = build()
	close(e.ready)
	if e.err != nil {
		c.mu.Lock()
		c.remove(e)
		c.mu.Unlock()
	}
	return e.val, e.err
}

// evict drops the least recently used entries that are built until the rows fit.
func (c *cache) evict() {
	for el := c.order.Back(); el != nil && c.used > c.max; {
		prev := el.Prev()
		e := el.Value.(*entry)
		select {
		case <-e.ready:
			c.remove(e)
		default:
		}
		el = prev
	}
}

func (c *cache) remove(e *entry) {
	if c.entries[e.key] != e {
		return
	}
	delete(c.entries, e.key)
	c.order.Remove(e.elem)
	c.used -= e.size
}
