package canvastest

import (
	"fmt"
	"hash/fnv"
	"slices"
	"sync"

	"github.com/edusync/edusync/internal/fakekit"
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
	mu     sync.Mutex
	writes []Write
}

func newObserver() *observer { return &observer{} }

func (o *observer) write(w Write) {
	o.mu.Lock()
	o.writes = append(o.writes, w)
	o.mu.Unlock()
}

// Stats counts what the server saw, by operation id ("" for requests that matched no
// operation): requests (throttled and faulted ones included), answers by status, injected
// faults, requests the bucket refused (Throttled), and a log of the last requests.
type Stats = fakekit.Stats

// Total returns the sum of m's counts.
func Total[K comparable](m map[K]int) int { return fakekit.Total(m) }

// Stats returns what the server saw since the start or the last ResetStats.
func (s *Server) Stats() Stats { return s.kit.Stats() }

// Writes returns the changes carried out, in order.
func (s *Server) Writes() []Write {
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	return slices.Clone(s.obs.writes)
}

// ResetStats clears the counts, the request log and the list of writes.
func (s *Server) ResetStats() {
	s.kit.ResetStats()
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	s.obs.writes = nil
}

// stateKey is key followed by a digest of state, for updates.
func stateKey(key string, state any) string {
	h := fnv.New64a()
	fmt.Fprintf(h, "%+v", state)
	return fmt.Sprintf("%s#%016x", key, h.Sum64())
}
