package ss12000test

import (
	"slices"
	"sync"
	"time"

	"github.com/edusync/edusync/ss12000"
)

// Write is one write the server received through the API and carried out.
type Write struct {
	// Operation is the operationId, e.g. "createAttendance" or "deleteSubscription".
	Operation string
	// ID is the id of the record written (empty for log and statistics entries).
	ID string
	// At is the server time of the write.
	At time.Time
}

// Callback is one subscription callback the server made (or gave up on).
type Callback struct {
	SubscriptionID string
	Target         string
	Notification   ss12000.SubscriptionNotification
	// Attempts is how many times the target was called.
	Attempts int
	// Delivered is true when the target answered 2xx.
	Delivered bool
}

type observer struct {
	mu        sync.Mutex
	writes    []Write
	logs      []ss12000.LogEntry
	stats     []ss12000.StatisticsEntry
	callbacks []Callback
}

func newObserver() *observer { return &observer{} }

func (o *observer) write(w Write) {
	o.mu.Lock()
	o.writes = append(o.writes, w)
	o.mu.Unlock()
}

// Writes returns the writes the server carried out for API requests, oldest first (including
// ones whose answer a fault dropped).
func (s *Server) Writes() []Write {
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	return slices.Clone(s.obs.writes)
}

// LogEntries returns the entries clients posted to /log/, oldest first.
func (s *Server) LogEntries() []ss12000.LogEntry {
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	return slices.Clone(s.obs.logs)
}

// StatisticsEntries returns the entries clients posted to /statistics/, oldest first.
func (s *Server) StatisticsEntries() []ss12000.StatisticsEntry {
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	return slices.Clone(s.obs.stats)
}

// Callbacks returns the subscription callbacks made so far, in the order they finished.
func (s *Server) Callbacks() []Callback {
	s.obs.mu.Lock()
	defer s.obs.mu.Unlock()
	return slices.Clone(s.obs.callbacks)
}
