package canvastest

import (
	"math/rand/v2"
	"net/http"
	"slices"
	"sync"
	"time"
)

// Faults makes the server misbehave the way Canvas and networks do, so a client's retries,
// throttling and idempotence can be tested. Rates are fractions of requests (0 to 1). With the
// same Seed and the same sequence of requests, the same requests fail. Faults hit authenticated
// API requests that the throttle admitted.
type Faults struct {
	// Seed makes the choice of failing requests repeatable.
	Seed uint64
	// ErrorRate answers this share of requests with a server error (one of ErrorStatuses,
	// default 502, 503 and 504 in turn); nothing is done.
	ErrorRate float64
	// ErrorStatuses are the statuses ErrorRate answers with.
	ErrorStatuses []int
	// ThrottleRate answers this share of requests as throttled (403 Rate Limit Exceeded or 429,
	// as the Throttle says); nothing is done.
	ThrottleRate float64
	// DropRate closes this share of connections without an answer, before anything is done.
	DropRate float64
	// StallRate holds this share of requests without an answer, as an overloaded Canvas or a
	// stuck proxy does, for Stall or until the client gives up, and then closes the connection;
	// nothing is done. Clients need a deadline (their context) or a retry after the close.
	StallRate float64
	// Stall is how long a stalled request is held (default 10 s).
	Stall time.Duration
	// DropAfterWriteRate carries out this share of writes (POST, PUT, DELETE) and then closes the
	// connection without an answer: the write happened, but the client cannot know. Writes the
	// server refuses (4xx) are answered normally.
	DropAfterWriteRate float64
	// Operations limits the faults to these operation ids ("enrollInCourse", "listUsers");
	// empty means every operation.
	Operations []string
}

// DefaultStall is how long a stalled request (Faults.StallRate) is held when Faults.Stall is zero.
const DefaultStall = 10 * time.Second

type faultState struct {
	mu   sync.Mutex
	f    Faults
	rng  *rand.Rand
	next int
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

// SetFaults switches faults on, changes them or (with the zero Faults) switches them off while
// the server runs. The random sequence restarts from the seed.
func (s *Server) SetFaults(f Faults) { s.faults.set(f) }

type faultDecision struct {
	drop      bool
	stall     time.Duration
	status    int
	throttle  bool
	dropAfter bool
}

func (fs *faultState) decide(op string, write bool) faultDecision {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f := &fs.f
	var d faultDecision
	if len(f.Operations) > 0 && !slices.Contains(f.Operations, op) {
		return d
	}
	if f.DropRate <= 0 && f.ErrorRate <= 0 && f.ThrottleRate <= 0 && f.StallRate <= 0 && (f.DropAfterWriteRate <= 0 || !write) {
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
	case u < f.DropRate+f.ErrorRate+f.ThrottleRate:
		d.throttle = true
	case u < f.DropRate+f.ErrorRate+f.ThrottleRate+f.StallRate:
		d.stall = f.Stall
		if d.stall <= 0 {
			d.stall = DefaultStall
		}
	}
	if write && f.DropAfterWriteRate > 0 && !d.drop && d.status == 0 && !d.throttle && d.stall == 0 {
		d.dropAfter = fs.rng.Float64() < f.DropAfterWriteRate
	}
	return d
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
