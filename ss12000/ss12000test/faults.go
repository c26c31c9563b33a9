package ss12000test

import (
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"time"
)

// Faults makes the server misbehave the way real services and networks do, so a client's
// retries, backoff and idempotence can be tested. Rates are fractions of requests (0 to 1).
// With the same Seed and the same sequence of requests, the same requests fail. Faults hit
// authenticated API requests only (not the token endpoint, not 401s).
type Faults struct {
	// Seed makes the choice of failing requests repeatable.
	Seed uint64
	// ErrorRate answers this share of requests with a server error (one of ErrorStatuses,
	// default 502, 503 and 504 in turn) and the Error body; nothing is done.
	ErrorRate float64
	// ErrorStatuses are the statuses ErrorRate answers with (default 502, 503, 504).
	ErrorStatuses []int
	// RateLimitRate answers this share of requests with 429 Too Many Requests; nothing is done.
	RateLimitRate float64
	// RetryAfter is sent as Retry-After (whole seconds, at least 1) with 429 answers; zero
	// sends none.
	RetryAfter time.Duration
	// Latency delays every request (before anything else happens).
	Latency time.Duration
	// DropRate closes this share of connections without an answer, before anything is done.
	DropRate float64
	// DropAfterWriteRate carries out this share of writes (creates, deletes, subscription
	// changes, log and statistics entries) and then closes the connection without an answer:
	// the write happened, but the client cannot know.
	DropAfterWriteRate float64
	// Operations limits the faults to these operationIds ("listPersons", "createAttendance");
	// empty means every operation.
	Operations []string
}

type faultState struct {
	mu   sync.Mutex
	f    Faults
	rng  *rand.Rand
	next int // which of ErrorStatuses comes next
}

func newFaultState(f Faults) *faultState {
	fs := &faultState{}
	fs.set(f)
	return fs
}

func (fs *faultState) set(f Faults) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f.Operations = slices.Clone(f.Operations)
	f.ErrorStatuses = slices.Clone(f.ErrorStatuses)
	fs.f = f
	fs.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
	fs.next = 0
}

// SetFaults switches faults on, changes them or (with the zero Faults) switches them off,
// while the server runs. The random sequence restarts from the seed.
func (s *Server) SetFaults(f Faults) { s.faults.set(f) }

// faultDecision is what happens to one request.
type faultDecision struct {
	latency    time.Duration
	drop       bool
	status     int // 0: no error answer
	retryAfter time.Duration
	dropAfter  bool
}

func (fs *faultState) decide(op string, write bool) faultDecision {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := &fs.f
	if len(f.Operations) > 0 && !slices.Contains(f.Operations, op) {
		return faultDecision{}
	}
	d := faultDecision{latency: f.Latency}
	if f.DropRate <= 0 && f.ErrorRate <= 0 && f.RateLimitRate <= 0 && (f.DropAfterWriteRate <= 0 || !write) {
		return d
	}
	u := fs.rng.Float64()
	switch {
	case u < f.DropRate:
		d.drop = true
	case u < f.DropRate+f.ErrorRate:
		st := f.ErrorStatuses
		if len(st) == 0 {
			st = []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}
		}
		d.status = st[fs.next%len(st)]
		fs.next++
	case u < f.DropRate+f.ErrorRate+f.RateLimitRate:
		d.status = http.StatusTooManyRequests
		d.retryAfter = f.RetryAfter
	}
	if write && f.DropAfterWriteRate > 0 && !d.drop && d.status == 0 {
		d.dropAfter = fs.rng.Float64() < f.DropAfterWriteRate
	}
	return d
}

// applyFaults carries out the fault chosen for r, if any, and reports whether the request is
// finished (answered, dropped, or carried out and then dropped).
func (s *Server) applyFaults(w http.ResponseWriter, r *http.Request, rt *route, h http.Handler) bool {
	d := s.faults.decide(rt.op, rt.write)
	if d.latency > 0 {
		t := time.NewTimer(d.latency)
		select {
		case <-t.C:
		case <-r.Context().Done():
			t.Stop()
			return true
		}
	}
	switch {
	case d.drop:
		s.obs.fault(rt.op)
		dropConnection(w)
		return true
	case d.status == http.StatusTooManyRequests:
		s.obs.fault(rt.op)
		if d.retryAfter > 0 {
			secs := int((d.retryAfter + time.Second - 1) / time.Second)
			w.Header().Set("Retry-After", strconv.Itoa(secs))
		}
		writeError(w, d.status, "rate_limited", "too many requests; try again later")
		return true
	case d.status != 0:
		s.obs.fault(rt.op)
		writeError(w, d.status, "unavailable", "the service is temporarily unavailable")
		return true
	case d.dropAfter:
		s.obs.fault(rt.op)
		r.Body = http.MaxBytesReader(w, r.Body, s.opts.maxBody)
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		dropConnection(w)
		return true
	}
	return false
}

// dropConnection closes the client's connection without an HTTP answer.
func dropConnection(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	// Not hijackable (HTTP/2, a recorder): abort the response, which the server turns into a
	// reset stream or closed connection.
	panic(http.ErrAbortHandler)
}
