package wiseflowtest

import (
	"math"
	"net/http"
	"strconv"
	"sync"
	"time"

	"github.com/edusync/edusync/internal/fakekit"
)

// limiter counts each credential set's requests in WISEflow's two windows: a second and a
// minute. A window starts with the first request after the previous one ended; a request over
// either limit is refused with 429 and not counted. Every answer carries both windows'
// X-RateLimit-Second-* and X-RateLimit-Minute-* headers and the tighter one's RateLimit-*;
// resets are whole seconds, rounded up, as the service sends them.
type limiter struct {
	now func() time.Time

	mu                   sync.Mutex
	perSecond, perMinute int
	callers              map[string]*quota
}

type quota struct{ second, minute window }

type window struct {
	start time.Time
	count int
}

func newLimiter(now func() time.Time, perSecond, perMinute int) *limiter {
	return &limiter{now: now, perSecond: perSecond, perMinute: perMinute, callers: map[string]*quota{}}
}

func (l *limiter) set(perSecond, perMinute int) {
	l.mu.Lock()
	l.perSecond, l.perMinute = perSecond, perMinute
	clear(l.callers)
	l.mu.Unlock()
}

func (l *limiter) reset() {
	l.mu.Lock()
	clear(l.callers)
	l.mu.Unlock()
}

// windowState is one window after a request: its limit, what is left and when it ends.
type windowState struct {
	limit, remaining int
	reset            time.Duration
}

// take counts a request of caller; allowed is false when a window is used up.
func (l *limiter) take(caller string) (allowed bool, second, minute windowState) {
	l.mu.Lock()
	defer l.mu.Unlock()
	now := l.now()
	q := l.callers[caller]
	if q == nil {
		q = &quota{}
		l.callers[caller] = q
	}
	roll := func(w *window, length time.Duration) {
		if w.start.IsZero() || !now.Before(w.start.Add(length)) {
			w.start, w.count = now, 0
		}
	}
	roll(&q.second, time.Second)
	roll(&q.minute, time.Minute)
	allowed = (l.perSecond <= 0 || q.second.count < l.perSecond) && (l.perMinute <= 0 || q.minute.count < l.perMinute)
	if allowed {
		q.second.count++
		q.minute.count++
	}
	state := func(w window, limit int, length time.Duration) windowState {
		if limit <= 0 {
			return windowState{}
		}
		return windowState{limit: limit, remaining: max(limit-w.count, 0), reset: w.start.Add(length).Sub(now)}
	}
	return allowed, state(q.second, l.perSecond, time.Second), state(q.minute, l.perMinute, time.Minute)
}

// seconds renders a reset as whole seconds, rounded up.
func seconds(d time.Duration) string {
	return strconv.Itoa(int(math.Ceil(max(d, 0).Seconds())))
}

// rateLimit is the kit's layer around every authenticated operation.
func (s *Server) rateLimit(op *fakekit.Operation, next http.Handler) http.Handler {
	if op.Public {
		return next
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		allowed, sec, minute := s.limiter.take(caller(r.Context()))
		h := w.Header()
		tight := windowState{}
		for _, x := range []struct {
			name string
			st   windowState
		}{{"Second", sec}, {"Minute", minute}} {
			if x.st.limit == 0 {
				continue
			}
			h.Set("X-RateLimit-"+x.name+"-Limit", strconv.Itoa(x.st.limit))
			h.Set("X-RateLimit-"+x.name+"-Remaining", strconv.Itoa(x.st.remaining))
			h.Set("X-RateLimit-"+x.name+"-Reset", seconds(x.st.reset))
			if tight.limit == 0 || x.st.remaining < tight.remaining || (x.st.remaining == tight.remaining && x.st.reset > tight.reset) {
				tight = x.st
			}
		}
		if tight.limit > 0 {
			h.Set("RateLimit-Limit", strconv.Itoa(tight.limit))
			h.Set("RateLimit-Remaining", strconv.Itoa(tight.remaining))
			h.Set("RateLimit-Reset", seconds(tight.reset))
		}
		if !allowed {
			s.kit.CountThrottled(op.ID)
			// RateLimit-Reset names when every exhausted window has reset.
			var reset time.Duration
			for _, st := range []windowState{sec, minute} {
				if st.limit > 0 && st.remaining == 0 {
					reset = max(reset, st.reset)
				}
			}
			h.Set("RateLimit-Reset", seconds(reset))
			writeError(w, r, http.StatusTooManyRequests, "RATE_LIMITED", "API rate limit exceeded")
			return
		}
		next.ServeHTTP(w, r)
	})
}
