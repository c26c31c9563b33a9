package schulconnextest

import (
	"net/http"
	"strings"
	"time"
)

// Fault is a failure the server injects into matching requests, so tests can check that nothing
// is lost or written twice when a Schulconnex service misbehaves.
type Fault struct {
	// Method limits the fault to one HTTP method ("" matches every method).
	Method string
	// Path limits the fault to requests whose path under BasePath starts with it ("/personen";
	// "" matches every request).
	Path string
	// Status answers with this status and a Schulconnex error body instead of the operation
	// (the operation is not carried out). Subcode defaults to "00".
	Status int
	// Subcode is the subcode of the Status answer's error body.
	Subcode string
	// RetryAfter adds a Retry-After header (seconds) to a Status answer, for 429 and 503.
	RetryAfter int
	// Drop closes the connection without an answer; the operation is not carried out.
	Drop bool
	// AfterWrite carries the operation out and then closes the connection without an answer:
	// the write happened, but the client cannot know.
	AfterWrite bool
	// Delay waits before answering (a slow server; the client's context may end first).
	Delay time.Duration
	// Times is how many matching requests the fault hits; 0 means until ClearFaults.
	Times int
	// Every hits only every Nth matching request (0 or 1: every one).
	Every int
}

func (f *Fault) subcode() string {
	if f.Subcode == "" {
		return "00"
	}
	return f.Subcode
}

type faultState struct {
	Fault
	seen, hits int
}

// InjectFault adds a fault; faults are checked in the order they were added, and the first that
// matches a request hits it.
func (s *Server) InjectFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, &faultState{Fault: f})
}

// ClearFaults removes every fault.
func (s *Server) ClearFaults() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = nil
}

// faultFor returns the fault that hits this request, if any. Called with s.mu held.
func (s *Server) faultFor(method, path string) *Fault {
	for _, f := range s.faults {
		if (f.Method != "" && !strings.EqualFold(f.Method, method)) || !strings.HasPrefix(path, f.Path) {
			continue
		}
		if f.Times > 0 && f.hits >= f.Times {
			continue
		}
		f.seen++
		if f.Every > 1 && f.seen%f.Every != 0 {
			continue
		}
		f.hits++
		c := f.Fault
		return &c
	}
	return nil
}

// dropConnection closes the client's connection without an HTTP answer.
func dropConnection(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	panic(http.ErrAbortHandler)
}
