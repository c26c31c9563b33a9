package fakekit

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"
)

// Stats is what a fake saw since it started or since ResetStats, for tests that check how many
// requests a client made, which failed and how. Operations are named by their operation id;
// requests that matched none count under "".
type Stats struct {
	// Requests counts every request by operation, refused and faulted ones included.
	Requests map[string]int
	// Answers counts requests by operation and the status they were answered with; a
	// connection closed without an answer counts with status 0.
	Answers map[Answer]int
	// Faults counts the requests a fault hit, by operation.
	Faults map[string]int
	// Throttled counts the requests the fake's own rate limit refused, by operation (fakes
	// of APIs that limit, such as canvastest).
	Throttled map[string]int
	// Grants counts the tokens the token endpoint issued, by grant type
	// ("client_credentials", "password", "refresh_token").
	Grants map[string]int
	// Reads and Writes count requests to operations that read and that change data, whatever
	// their answer (the token endpoint and unmatched requests are in neither).
	Reads, Writes int
	// Log holds the last LogSize requests, oldest first.
	Log []Request
}

// Answer is an operation and a status, the key of Stats.Answers.
type Answer struct {
	Operation string
	Status    int
}

// Request is one request in Stats.Log.
type Request struct {
	// At is when the request arrived, on the fake's clock.
	At time.Time
	// Operation is its operation id ("" when it matched none).
	Operation string
	// Method and Path are the request's; the path is redacted (personal numbers and tokens
	// never reach the log).
	Method, Path string
	// Status is the answer's status; 0 when the connection was closed without one.
	Status int
	// Fault names the fault that hit the request ("error", "rate_limit", "drop", "stall",
	// "truncate", "drop_after_write", "delay"), or is empty.
	Fault string
}

// RequestsTo counts the logged requests to exactly this path (without query), for tests that
// check how often one resource was read. It sees the last LogSize requests only.
func (s Stats) RequestsTo(path string) int {
	n := 0
	for _, r := range s.Log {
		p, _, _ := strings.Cut(r.Path, "?")
		if p == path {
			n++
		}
	}
	return n
}

// LogSize is how many requests Stats.Log keeps.
const LogSize = 1000

// Total returns the sum of m's counts.
func Total[K comparable](m map[K]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

type observer struct {
	mu  sync.Mutex
	st  Stats
	log []Request // ring of LogSize
	pos int
}

func newObserver() *observer {
	o := &observer{}
	o.reset()
	return o
}

func (o *observer) reset() {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.st = Stats{Requests: map[string]int{}, Answers: map[Answer]int{}, Faults: map[string]int{},
		Throttled: map[string]int{}, Grants: map[string]int{}}
	o.log, o.pos = nil, 0
}

func (o *observer) record(op *Operation, rq Request) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.st.Requests[rq.Operation]++
	o.st.Answers[Answer{rq.Operation, rq.Status}]++
	if rq.Fault != "" {
		o.st.Faults[rq.Operation]++
	}
	if op != nil && !op.Public {
		if op.Write {
			o.st.Writes++
		} else {
			o.st.Reads++
		}
	}
	if len(o.log) < LogSize {
		o.log = append(o.log, rq)
		return
	}
	o.log[o.pos] = rq
	o.pos = (o.pos + 1) % LogSize
}

func (o *observer) add(m func(*Stats) map[string]int, key string) {
	o.mu.Lock()
	m(&o.st)[key]++
	o.mu.Unlock()
}

func (o *observer) snapshot() Stats {
	o.mu.Lock()
	defer o.mu.Unlock()
	s := o.st
	s.Requests = maps.Clone(s.Requests)
	s.Answers = maps.Clone(s.Answers)
	s.Faults = maps.Clone(s.Faults)
	s.Throttled = maps.Clone(s.Throttled)
	s.Grants = maps.Clone(s.Grants)
	s.Log = append(slices.Clone(o.log[o.pos:]), o.log[:o.pos]...)
	return s
}

// statusWriter notes the status an answer was sent with, and calls sent once when the status
// goes out: the request is counted before any byte of its answer reaches the client, so a test
// that reads Stats after its answer finds it counted, however large the answer.
type statusWriter struct {
	http.ResponseWriter
	status int
	sent   func()
}

func (w *statusWriter) WriteHeader(status int) {
	w.note(status)
	w.ResponseWriter.WriteHeader(status)
}

func (w *statusWriter) Write(p []byte) (int, error) {
	w.note(http.StatusOK)
	return w.ResponseWriter.Write(p)
}

func (w *statusWriter) note(status int) {
	if w.status == 0 {
		w.status = status
		if w.sent != nil {
			w.sent()
		}
	}
}

// Unwrap gives http.ResponseController the connection's writer (to hijack it for Drop).
func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }
