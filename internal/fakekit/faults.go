package fakekit

import (
	"bytes"
	"math/rand/v2"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Faults makes a fake misbehave the way real services and networks do, so that a client's
// retries, backoff, deadlines and idempotence can be tested. Rules hit chosen requests
// deterministically; the rates hit a share of requests, chosen from Seed, so the same Seed and
// the same sequence of requests fail the same way. Faults hit requests that passed
// authentication (a 401 is never replaced), and the rates leave the token endpoint and other
// operations without authentication alone unless Operations names them.
type Faults struct {
	// Rules are checked first, in order; the first rule that matches a request hits it.
	Rules []Rule

	// Seed makes the choice of requests the rates hit repeatable.
	Seed uint64
	// ErrorRate answers this share of requests with a server error (one of ErrorStatuses,
	// default 502, 503 and 504 in turn) in the API's error body; nothing is done.
	ErrorRate float64
	// ErrorStatuses are the statuses ErrorRate answers with.
	ErrorStatuses []int
	// RateLimitRate answers this share of requests as rate-limited (429 with Retry-After, or
	// the API's own throttling answer); nothing is done.
	RateLimitRate float64
	// RetryAfter is sent as Retry-After (whole seconds, at least 1) with rate-limit answers;
	// zero sends none.
	RetryAfter time.Duration
	// DropRate closes this share of connections without an answer, before anything is done.
	DropRate float64
	// StallRate holds this share of requests without an answer for Stall (default 10 s) or
	// until the client gives up or the fake closes, then closes the connection; nothing is done.
	StallRate float64
	// Stall is how long a stalled request is held.
	Stall time.Duration
	// TruncateRate carries out this share of requests and sends only the first half of the
	// answer, with a Content-Length that matches what is sent, so only the parser notices.
	TruncateRate float64
	// DropAfterWriteRate carries out this share of writes (operations that change data) and
	// then closes the connection without an answer: the write happened, the client cannot
	// know. Writes the fake refuses (an answer of 300 or more) are answered normally.
	DropAfterWriteRate float64
	// Latency delays every request the faults apply to, before anything else happens.
	Latency time.Duration
	// Operations limits the rates and Latency to these operation ids ("listPersons"); empty
	// means every operation that requires authentication.
	Operations []string
}

// Rule is one deterministic fault: which requests it hits and what it does to them.
type Rule struct {
	// Operation limits the rule to one operation id ("" matches every operation that requires
	// authentication; the token endpoint is hit only when named).
	Operation string
	// Method limits the rule to one HTTP method ("" matches every method).
	Method string
	// Path limits the rule to requests whose path under the fake's base path starts with it
	// ("/personen"; "" matches every path).
	Path string

	// Status answers with this status in the API's error body instead of carrying the
	// request out; 429 is answered as the API rate-limits, with RetryAfter.
	Status int
	// Code is the API's error code for the Status answer, where the API has one ("" lets
	// the fake choose).
	Code string
	// RetryAfter is sent as Retry-After (whole seconds, at least 1) with a Status answer.
	RetryAfter time.Duration
	// Drop closes the connection without an answer; nothing is done.
	Drop bool
	// Stall holds the request without an answer for this long (or until the client gives
	// up), then closes the connection; nothing is done.
	Stall time.Duration
	// Truncate carries the request out and sends half of the answer (see Faults.TruncateRate).
	Truncate bool
	// AfterWrite carries the request out and then closes the connection without an answer
	// (when the answer was below 300; a refusal is answered normally).
	AfterWrite bool
	// Delay waits this long before the request goes on (a slow server).
	Delay time.Duration

	// Times is how many matching requests the rule hits; 0 means as long as it is set.
	Times int
	// Every hits only every Nth matching request (0 or 1: every one).
	Every int
}

// DefaultStall is how long a stalled request is held when neither Faults.Stall nor Rule.Stall
// says otherwise.
const DefaultStall = 10 * time.Second

// fault kinds, as recorded in Stats and the request log.
const (
	faultError     = "error"
	faultRateLimit = "rate_limit"
	faultDrop      = "drop"
	faultStall     = "stall"
	faultTruncate  = "truncate"
	faultAfter     = "drop_after_write"
	faultDelay     = "delay"
)

type ruleState struct {
	Rule
	seen, hits int
}

type faultState struct {
	mu    sync.Mutex
	f     Faults
	rules []*ruleState
	rng   *rand.Rand
	next  int // which of ErrorStatuses comes next
}

func (fs *faultState) set(f Faults) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	f.Operations = slices.Clone(f.Operations)
	f.ErrorStatuses = slices.Clone(f.ErrorStatuses)
	f.Rules = slices.Clone(f.Rules)
	fs.f = f
	fs.rules = fs.rules[:0]
	for _, r := range f.Rules {
		fs.rules = append(fs.rules, &ruleState{Rule: r})
	}
	fs.rng = rand.New(rand.NewPCG(f.Seed, f.Seed^0x9e3779b97f4a7c15))
	fs.next = 0
}

// decision is what happens to one request.
type decision struct {
	delay      time.Duration
	kind       string // one of the fault kinds, "" for none
	status     int
	code       string
	retryAfter time.Duration
	stall      time.Duration
}

func (fs *faultState) decide(op *Operation, method, path string) decision {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	for _, r := range fs.rules {
		if (r.Operation != "" && r.Operation != op.ID) || (r.Operation == "" && op.Public) || (r.Method != "" && !strings.EqualFold(r.Method, method)) ||
			!strings.HasPrefix(path, r.Path) || (r.Times > 0 && r.hits >= r.Times) {
			continue
		}
		r.seen++
		if r.Every > 1 && r.seen%r.Every != 0 {
			continue
		}
		r.hits++
		d := decision{delay: r.Delay}
		switch {
		case r.Drop:
			d.kind = faultDrop
		case r.Stall > 0:
			d.kind, d.stall = faultStall, r.Stall
		case r.Status == http.StatusTooManyRequests:
			d.kind, d.status, d.code, d.retryAfter = faultRateLimit, r.Status, r.Code, r.RetryAfter
		case r.Status != 0:
			d.kind, d.status, d.code, d.retryAfter = faultError, r.Status, r.Code, r.RetryAfter
		case r.Truncate:
			d.kind = faultTruncate
		case r.AfterWrite:
			d.kind = faultAfter
		case r.Delay > 0:
			d.kind = faultDelay
		}
		return d
	}
	f := &fs.f
	if len(f.Operations) > 0 {
		if !slices.Contains(f.Operations, op.ID) {
			return decision{}
		}
	} else if op.Public {
		return decision{}
	}
	d := decision{delay: f.Latency}
	if d.delay > 0 {
		d.kind = faultDelay
	}
	write := op.Write && f.DropAfterWriteRate > 0
	if f.DropRate <= 0 && f.ErrorRate <= 0 && f.RateLimitRate <= 0 && f.StallRate <= 0 && f.TruncateRate <= 0 && !write {
		return d
	}
	u := fs.rng.Float64()
	switch {
	case u < f.DropRate:
		d.kind = faultDrop
	case u < f.DropRate+f.ErrorRate:
		st := f.ErrorStatuses
		if len(st) == 0 {
			st = []int{http.StatusBadGateway, http.StatusServiceUnavailable, http.StatusGatewayTimeout}
		}
		d.kind, d.status = faultError, st[fs.next%len(st)]
		fs.next++
	case u < f.DropRate+f.ErrorRate+f.RateLimitRate:
		d.kind, d.status, d.retryAfter = faultRateLimit, http.StatusTooManyRequests, f.RetryAfter
	case u < f.DropRate+f.ErrorRate+f.RateLimitRate+f.StallRate:
		d.kind, d.stall = faultStall, f.Stall
	case u < f.DropRate+f.ErrorRate+f.RateLimitRate+f.StallRate+f.TruncateRate:
		d.kind = faultTruncate
	default:
		if write && fs.rng.Float64() < f.DropAfterWriteRate {
			d.kind = faultAfter
		}
	}
	return d
}

// RetryAfterSeconds is d as the whole seconds of a Retry-After header, at least 1.
func RetryAfterSeconds(d time.Duration) string {
	return strconv.Itoa(max(1, int((d+time.Second-1)/time.Second)))
}

// Drop closes the client's connection without an HTTP answer. Writers that wrap another expose
// it with an Unwrap method, as http.ResponseController expects.
func Drop(w http.ResponseWriter) {
	if conn, _, err := http.NewResponseController(w).Hijack(); err == nil {
		_ = conn.Close()
		return
	}
	// Not hijackable (HTTP/2, a recorder): abort the response, which the server turns into a
	// reset stream or a closed connection.
	panic(http.ErrAbortHandler)
}

// buffer holds an answer so a fault can decide what of it to send.
type buffer struct {
	w      http.ResponseWriter
	header http.Header
	status int
	body   bytes.Buffer
}

func newBuffer(w http.ResponseWriter) *buffer {
	return &buffer{w: w, header: http.Header{}}
}

// Header returns the buffered answer's headers.
func (b *buffer) Header() http.Header { return b.header }

// WriteHeader records the status; the first one wins, as on a connection.
func (b *buffer) WriteHeader(status int) {
	if b.status == 0 {
		b.status = status
	}
}

// Write buffers body bytes.
func (b *buffer) Write(p []byte) (int, error) {
	if b.status == 0 {
		b.status = http.StatusOK
	}
	return b.body.Write(p)
}

// Unwrap gives http.ResponseController the connection's writer.
func (b *buffer) Unwrap() http.ResponseWriter { return b.w }

// send writes the first n bytes of the buffered answer, with a Content-Length of n.
func (b *buffer) send(n int) {
	h := b.w.Header()
	for k, v := range b.header {
		h[k] = v
	}
	if b.status == 0 {
		b.status = http.StatusOK
	}
	h.Set("Content-Length", strconv.Itoa(n))
	b.w.WriteHeader(b.status)
	_, _ = b.w.Write(b.body.Bytes()[:n])
}
