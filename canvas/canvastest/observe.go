package canvastest

import (
	"fmt"
	"hash/fnv"
	"maps"
	"slices"
	"sync"
)

// Write is one change the server carried out for an API request or an SIS import. A request
// that changes nothing (concluding a concluded enrolment) records none, so a client that writes
// each change exactly once leaves exactly one Write per change.
type Write struct {
	// Operation is the operation id ("enrollInCourse", "createUser", "endEnrollment", ...) or
	// "sisImport" for changes an SIS import made.
	Operation string
	// Kind is what was written: account, term, user, login, channel, course, section,
	// enrollment.
	Kind string
	// ID is the Canvas id of the object written.
	ID int64
	// Key identifies the change across retries: for a create the object's SIS id (for an
	// enrolment "user/course/section/role"), for an update or state change also a digest of the
	// new state, so two different changes of one object have different keys and the same
	// change repeated has the same key.
	Key string
}

type observer struct {
	mu        sync.Mutex
	requests  map[string]int
	faults    map[string]int
	throttled map[string]int
	writes    []Write
}

func newObserver() *observer {
	return &observer{requests: map[string]int{}, faults: map[string]int{}, throttled: map[string]int{}}
}

func (o *observer) count(op string) {
	o.mu.Lock()
	o.requests[op]++
	o.mu.Unlock()
}

func (o *observer) fault(op string) {
	o.mu.Lock()
	o.faults[op]++
	o.mu.Unlock()
}

func (o *observer) throttle(op string) {
	o.mu.Lock()
	o.throttled[op]++
	o.mu.Unlock()
}

func (o *observer) write(w Write) {
	o.mu.Lock()
	o.writes = append(o.writes, w)
	o.mu.Unlock()
}

// Stats counts what the server saw, by operation id ("" for requests that matched no operation).
type Stats struct {
	Requests  map[string]int // every request, throttled and faulted ones included
	Faults    map[string]int // requests a fault was injected into
	Throttled map[string]int // requests the bucket refused
}

// Total returns the sum of m's counts.
func Total(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

// Stats returns request, fault and throttling counts since the start or the last ResetStats.
func (s *Server) Stats() Stats {
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	return Stats{Requests: maps.Clone(s.obs.requests), Faults: maps.Clone(s.obs.faults), Throttled: maps.Clone(s.obs.throttled)}
}

// Writes returns the changes carried out, in order.
func (s *Server) Writes() []Write {
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	return slices.Clone(s.obs.writes)
}

// ResetStats clears the counts and the list of writes.
func (s *Server) ResetStats() {
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	s.obs.requests, s.obs.faults, s.obs.throttled, s.obs.writes = map[string]int{}, map[string]int{}, map[string]int{}, nil
}

// stateKey is key followed by a digest of state, for updates.
func stateKey(key string, state any) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%+v", state)
	return fmt.Sprintf("%s#%016x", key, h.Sum64())
}
