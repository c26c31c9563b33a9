package ss12000server

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/internal/uuidtext"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/store"
)

// Provider is a production SS 12000 provider: a reconcile.Target whose state lives in a
// store.Store, and the http.Handler that serves that state to receivers. It is safe for
// concurrent use; several processes may serve one store, and one run applies at a time
// across all of them.
type Provider struct {
	st    store.Store
	scope store.Scope
	opts  Options
	voc   *vocab
	log   *slog.Logger
	// holder names this provider as the holder of the run lease.
	holder string

	runMu sync.Mutex
	run   *run

	recvs    []*receiver
	tokens   *sealer
	routes   []*route
	inflight chan struct{}
	// sorting bounds the sorted listings being built at once (their keys are in memory).
	sorting chan struct{}
	views   viewCache

	cb *callbacks
}

var (
	_ reconcile.Target             = (*Provider)(nil)
	_ reconcile.OrganisationSource = (*Provider)(nil)
	_ reconcile.Transactional      = (*Provider)(nil)
	_ http.Handler                 = (*Provider)(nil)
)

// New returns a provider keeping its state in st under opts.Scope. It reads (or, the first
// time, makes) the key it seals page tokens with, and starts delivering subscription
// callbacks; Close stops that. The store stays the host's: Close does not close it.
func New(st store.Store, opts Options) (*Provider, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: no store", ErrOptions)
	}
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	var hb [8]byte
	_, _ = rand.Read(hb[:])
	p := &Provider{st: st, scope: o.Scope, opts: o, voc: o.Vocabulary.compile(), log: o.Logger,
		holder: "ss12000server-" + hex.EncodeToString(hb[:]), inflight: make(chan struct{}, o.MaxInFlight),
		sorting: make(chan struct{}, 1)}
	shared := map[string]*jwks{} // receivers with one JWKS share its keys
	for i := range o.Receivers {
		p.recvs = append(p.recvs, newReceiver(&o.Receivers[i], o.Now, shared))
	}
	secret, err := p.secret(context.Background())
	if err != nil {
		return nil, fmt.Errorf("ss12000server: New: %w", err)
	}
	p.tokens = newSealer(secret)
	p.routes = p.table()
	p.cb = newCallbacks(p)
	return p, nil
}

// secret reads the page-token key, making it the first time.
func (p *Provider) secret(ctx context.Context) ([]byte, error) {
	var secret []byte
	err := p.st.Update(ctx, p.scope, func(tx store.Tx) error {
		raw, ok, err := get(tx, keySecret)
		if err != nil {
			return err
		}
		if ok && len(raw) == 32 {
			secret = raw
			return nil
		}
		secret = make([]byte, 32)
		_, _ = rand.Read(secret)
		return tx.SetValue(keySecret, secret)
	})
	return secret, err
}

// Close stops the callback deliveries (those not done are delivered by the next provider on
// the store). It does not close the store.
func (p *Provider) Close() error {
	p.cb.close()
	return nil
}

func (p *Provider) now() time.Time { return p.opts.Now().UTC() }

// stamp is now truncated to milliseconds, the precision of meta and of removal times.
func (p *Provider) stamp() time.Time { return p.now().Truncate(time.Millisecond) }

// committed is called after a run committed: cached views are stale, callbacks are due.
func (p *Provider) committed() {
	p.views.reset()
	p.cb.wake()
}

// route is one operation of the API.
type route struct {
	method string
	segs   []string // path segments under the base path; "{id}" matches one segment
	op     string   // the operationId, for logs
	h      func(w http.ResponseWriter, r *http.Request, q *request)
}

// request is what the handlers get besides the HTTP request.
type request struct {
	recv *receiver
	id   string // the {id} path segment
	view *view  // the committed state's organisations, for receivers limited to some
}

// match returns the route for the request, or the methods its path allows (405) or none (404).
func (p *Provider) match(method string, segs []string) (*route, string, []string) {
	var allow []string
	for _, rt := range p.routes {
		if len(rt.segs) != len(segs) {
			continue
		}
		id, ok := "", true
		for i, s := range rt.segs {
			if s == "{id}" && segs[i] != "" {
				id = segs[i]
				continue
			}
			if s != segs[i] {
				ok = false
				break
			}
		}
		if !ok {
			continue
		}
		if rt.method == method {
			return rt, id, nil
		}
		if !slices.Contains(allow, rt.method) {
			allow = append(allow, rt.method)
		}
	}
	return nil, "", allow
}

// ServeHTTP answers one request: request id, routing (404 and 405 with the standard's Error
// body), the in-flight limit (503 with Retry-After), the body cap, authentication (401, 403)
// and the operation.
func (p *Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	rid := r.Header.Get("X-Request-Id")
	if rid == "" || len(rid) > 128 || strings.ContainsFunc(rid, func(c rune) bool { return c < 0x20 || c > 0x7e }) {
		rid = uuidtext.Random()
	}
	w.Header().Set("X-Request-Id", rid)
	path := r.URL.Path
	if p.opts.BasePath != "" {
		if path != p.opts.BasePath && !strings.HasPrefix(path, p.opts.BasePath+"/") {
			ss12000serve.WriteError(w, http.StatusNotFound, "not_found", "no operation of the API has this path")
			return
		}
		path = path[len(p.opts.BasePath):]
	}
	segs := splitPath(path)
	rt, id, allow := p.match(r.Method, segs)
	if rt == nil {
		if len(allow) > 0 {
			slices.Sort(allow)
			w.Header().Set("Allow", strings.Join(allow, ", "))
			ss12000serve.WriteError(w, http.StatusMethodNotAllowed, "method_not_allowed", "the operation does not take this method")
			return
		}
		ss12000serve.WriteError(w, http.StatusNotFound, "not_found", "no operation of the API has this path")
		return
	}
	select {
	case p.inflight <- struct{}{}:
		defer func() { <-p.inflight }()
	default:
		w.Header().Set("Retry-After", "1")
		ss12000serve.WriteError(w, http.StatusServiceUnavailable, "busy", "the provider is serving as many requests as it may; try again shortly")
		return
	}
	if r.Body != nil {
		r.Body = http.MaxBytesReader(w, r.Body, p.opts.MaxBody)
	}
	recv, status, msg := p.authenticate(r)
	if recv == nil {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Bearer realm="ss12000", error="invalid_token"`)
		}
		p.log.Info("ss12000server: request refused", "op", rt.op, "status", status, "reason", msg, "request_id", rid)
		ss12000serve.WriteError(w, status, "unauthorized", msg)
		return
	}
	defer func() {
		if v := recover(); v != nil {
			p.log.Error("ss12000server: a request failed", "op", rt.op, "receiver", recv.cfg.Name, "request_id", rid,
				"error", redact.Text(fmt.Sprint(v)))
			ss12000serve.WriteError(w, http.StatusInternalServerError, "internal", "the request failed; the provider has logged it")
		}
	}()
	rt.h(w, r, &request{recv: recv, id: id})
}

// fail answers a failure of the provider's own (a store error) with 500, or 503 when the store
// is closed, and logs it without personal data.
func (p *Provider) fail(w http.ResponseWriter, r *http.Request, q *request, err error) {
	if errors.Is(err, context.Canceled) && r.Context().Err() != nil {
		return // the receiver went away
	}
	status := http.StatusInternalServerError
	if errors.Is(err, store.ErrClosed) {
		status = http.StatusServiceUnavailable
		w.Header().Set("Retry-After", "5")
	}
	p.log.Error("ss12000server: a request failed", "path", redact.URL(r.URL), "receiver", q.recv.cfg.Name,
		"request_id", w.Header().Get("X-Request-Id"), "error", redact.Text(err.Error()))
	ss12000serve.WriteError(w, status, "internal", "the request failed; the provider has logged it")
}

// Operations lists the operationIds the provider answers.
func (p *Provider) Operations() []string {
	var out []string
	for _, rt := range p.routes {
		if !slices.Contains(out, rt.op) {
			out = append(out, rt.op)
		}
	}
	return out
}
