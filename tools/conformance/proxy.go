package conformance

import (
	"bytes"
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// Config says what a Proxy checks and where it forwards.
type Config struct {
	// Spec is the OpenAPI file the traffic is checked against: the official one where it
	// exists (Official), ours otherwise.
	Spec string
	// Official marks Spec as the upstream file, for the report.
	Official bool
	// Target is the fake's root URL (scheme://host:port).
	Target string
	// BasePath is where the spec's paths live under the root, on the fake and on the proxy
	// ("/ss12000/v2"). Requests outside it (token endpoints) are forwarded unchecked.
	BasePath string
	// Transport reaches the fake (a client certificate for Ladok); nil is a plain transport.
	Transport http.RoundTripper
	// TLS serves the proxy over TLS (for clients that insist on https); ProxyRoots then trusts it.
	TLS bool
	// Repair, when set, mends defects of the file that keep it from loading at all (the caller
	// says why, in its own file) and returns how many places it changed; Start fails when it
	// changed none, so a repair cannot outlive its defect.
	Repair func(*openapi3.T) int
}

// Violation is one place where a request or an answer departs from the spec.
type Violation struct {
	// Operation is "METHOD /path/template" of the spec ("" when no path matched).
	Operation string
	// Response is true for an answer, false for a request.
	Response bool
	// Status is the answer's status (0 for requests).
	Status int
	// Message is the validator's complaint.
	Message string
}

func (v Violation) String() string {
	side := "request"
	if v.Response {
		side = fmt.Sprintf("response %d", v.Status)
	}
	return fmt.Sprintf("%s %s: %s", v.Operation, side, v.Message)
}

// Allow excuses the violations a known defect of the spec causes. Every entry must say why and
// must match at least one violation in the run, so the list cannot outlive the defect.
type Allow struct {
	// Operation limits the entry to "METHOD /path/template" ("" for every operation).
	Operation string
	// Response limits the entry to answers (true) or requests (false).
	Response bool
	// Match is a regular expression the validator's message must match.
	Match string
	// Why explains the defect of the spec, in a sentence.
	Why string
}

// Proxy is a validating reverse proxy: it checks every request against the spec, forwards it to
// the fake, checks the answer, and passes it back unchanged.
type Proxy struct {
	cfg    Config
	srv    *httptest.Server
	router routers.Router
	doc    *openapi3.T
	target *url.URL
	rt     http.RoundTripper

	mu         sync.Mutex
	violations []Violation
	seen       map[string]int // "METHOD /template" -> requests
}

// Start loads the spec and starts a Proxy in front of the fake; it stops with the test.
func Start(t testing.TB, cfg Config) *Proxy {
	t.Helper()
	doc, err := Load(cfg.Spec)
	if err != nil {
		t.Fatalf("conformance: loading %s: %v", cfg.Spec, err)
	}
	target, err := url.Parse(cfg.Target)
	if err != nil {
		t.Fatalf("conformance: target %q: %v", cfg.Target, err)
	}
	if cfg.Repair != nil && cfg.Repair(doc) == 0 {
		t.Fatalf("conformance: the repair of %s changed nothing; remove it", cfg.Spec)
	}
	registerDecoders(doc)
	p := &Proxy{cfg: cfg, doc: doc, target: target, rt: cfg.Transport, seen: map[string]int{}}
	if p.rt == nil {
		p.rt = http.DefaultTransport.(*http.Transport).Clone()
	}
	p.srv = httptest.NewUnstartedServer(http.HandlerFunc(p.serve))
	if cfg.TLS {
		p.srv.StartTLS()
	} else {
		p.srv.Start()
	}
	t.Cleanup(p.srv.Close)
	// The spec's servers are placeholders; the proxy is the server now.
	doc.Servers = openapi3.Servers{{URL: p.srv.URL + cfg.BasePath}}
	if p.router, err = legacy.NewRouter(doc, validationOptions...); err != nil {
		t.Fatalf("conformance: routing %s: %v", cfg.Spec, err)
	}
	return p
}

// validationOptions let the router take upstream files whose examples or extra keywords do
// not validate: the proxy checks traffic, not the file's own examples.
var validationOptions = []openapi3.ValidationOption{
	openapi3.DisableExamplesValidation(),
	openapi3.AllowExtraSiblingFields("example", "description", "title", "readOnly", "writeOnly", "nullable", "deprecated",
		"type", "format"), // WISEflow 1.34.0 repeats type and format beside $ref
}

// Load reads an OpenAPI file, with the external references of multi-file specs (Schulconnex).
func Load(path string) (*openapi3.T, error) {
	l := openapi3.NewLoader()
	l.IsExternalRefsAllowed = true
	return l.LoadFromFile(path)
}

// URL is the base URL a client under test is configured with: the proxy's root and BasePath.
func (p *Proxy) URL() string { return p.srv.URL + p.cfg.BasePath }

// Root is the proxy's scheme, host and port, for endpoints outside BasePath (token endpoints).
func (p *Proxy) Root() string { return p.srv.URL }

// RootCAs is a pool that trusts the proxy's TLS certificate (Config.TLS), for clients that
// take their trusted roots as an option.
func (p *Proxy) RootCAs() *x509.CertPool {
	pool := x509.NewCertPool()
	if cert := p.srv.Certificate(); cert != nil {
		pool.AddCert(cert)
	}
	return pool
}

// Client returns an HTTP client that trusts the proxy (plain HTTP or its TLS certificate).
func (p *Proxy) Client() *http.Client { return p.srv.Client() }

const maxBody = 64 << 20

func (p *Proxy) serve(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(io.LimitReader(r.Body, maxBody))
	if err != nil {
		http.Error(w, "conformance proxy: reading the request: "+err.Error(), http.StatusBadGateway)
		return
	}
	checked := strings.HasPrefix(r.URL.Path, p.cfg.BasePath+"/") || p.cfg.BasePath == ""
	var in *openapi3filter.RequestValidationInput
	if checked {
		in = p.checkRequest(r, body)
	}
	out := r.Clone(context.WithoutCancel(r.Context()))
	out.RequestURI = ""
	out.URL.Scheme, out.URL.Host = p.target.Scheme, p.target.Host
	out.Host = p.target.Host
	out.Body = io.NopCloser(bytes.NewReader(body))
	out.ContentLength = int64(len(body))
	resp, err := p.rt.RoundTrip(out)
	if err != nil {
		http.Error(w, "conformance proxy: the fake did not answer: "+err.Error(), http.StatusBadGateway)
		return
	}
	defer resp.Body.Close()
	rbody, err := io.ReadAll(io.LimitReader(resp.Body, maxBody))
	if err != nil {
		http.Error(w, "conformance proxy: reading the answer: "+err.Error(), http.StatusBadGateway)
		return
	}
	if in != nil {
		p.checkResponse(in, resp, rbody)
	}
	for k, vs := range resp.Header {
		w.Header()[k] = vs
	}
	w.WriteHeader(resp.StatusCode)
	_, _ = w.Write(rbody)
}

// checkRequest validates r against its route; it returns nil when no route matched (which is
// itself a violation).
func (p *Proxy) checkRequest(r *http.Request, body []byte) *openapi3filter.RequestValidationInput {
	vr := r.Clone(r.Context())
	vr.URL = &url.URL{Scheme: "http", Host: strings.TrimPrefix(strings.TrimPrefix(p.srv.URL, "http://"), "https://"),
		Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: r.URL.RawQuery}
	if p.cfg.TLS {
		vr.URL.Scheme = "https"
	}
	vr.Body = io.NopCloser(bytes.NewReader(body))
	route, params, err := p.router.FindRoute(vr)
	if err != nil {
		p.add(Violation{Operation: r.Method + " " + r.URL.Path, Message: "no operation of the spec has this method and path: " + err.Error()})
		return nil
	}
	op := route.Method + " " + route.Path
	p.mu.Lock()
	p.seen[op]++
	p.mu.Unlock()
	in := &openapi3filter.RequestValidationInput{Request: vr, PathParams: params, Route: route,
		Options: &openapi3filter.Options{MultiError: true, AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}}
	if err := openapi3filter.ValidateRequest(vr.Context(), in); err != nil {
		for _, m := range messages(err) {
			p.add(Violation{Operation: op, Message: m})
		}
	}
	return in
}

func (p *Proxy) checkResponse(in *openapi3filter.RequestValidationInput, resp *http.Response, body []byte) {
	op := in.Route.Method + " " + in.Route.Path
	out := &openapi3filter.ResponseValidationInput{RequestValidationInput: in, Status: resp.StatusCode,
		Header: resp.Header, Body: io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{MultiError: true, IncludeResponseStatus: true}}
	if err := openapi3filter.ValidateResponse(context.Background(), out); err != nil {
		for _, m := range messages(err) {
			p.add(Violation{Operation: op, Response: true, Status: resp.StatusCode, Message: m})
		}
	}
}

func (p *Proxy) add(v Violation) {
	p.mu.Lock()
	p.violations = append(p.violations, v)
	p.mu.Unlock()
}

// messages flattens the validator's multi-errors into one line each.
func messages(err error) []string {
	var me openapi3.MultiError
	if errors.As(err, &me) {
		var out []string
		for _, e := range me {
			out = append(out, messages(e)...)
		}
		return out
	}
	return []string{strings.Join(strings.Fields(err.Error()), " ")}
}

// Violations returns what the run found, in order.
func (p *Proxy) Violations() []Violation {
	p.mu.Lock()
	defer p.mu.Unlock()
	return slices.Clone(p.violations)
}

// Check fails t for every violation no entry of allow excuses, and for every entry that
// excused nothing (a defect that is gone, or an entry that is wrong).
func (p *Proxy) Check(t testing.TB, allow []Allow) {
	t.Helper()
	used := make([]int, len(allow))
	res := make([]*regexp.Regexp, len(allow))
	for i, a := range allow {
		if strings.TrimSpace(a.Why) == "" {
			t.Errorf("allow-list entry %d (%s %q) does not say why", i, a.Operation, a.Match)
		}
		res[i] = regexp.MustCompile(a.Match)
	}
	bad := 0
	for _, v := range p.Violations() {
		excused := false
		for i, a := range allow {
			if (a.Operation == "" || a.Operation == v.Operation) && a.Response == v.Response && res[i].MatchString(v.Message) {
				used[i]++
				excused = true
				break
			}
		}
		if !excused {
			bad++
			if bad <= 50 {
				t.Errorf("violation of %s: %s", p.name(), v)
			}
		}
	}
	if bad > 50 {
		t.Errorf("... and %d more violations", bad-50)
	}
	for i, n := range used {
		if n == 0 {
			t.Errorf("allow-list entry %d (%s %q: %s) matched nothing; remove it", i, allow[i].Operation, allow[i].Match, allow[i].Why)
		}
	}
}

func (p *Proxy) name() string {
	kind := "our"
	if p.cfg.Official {
		kind = "the official"
	}
	return kind + " file " + filepath.Base(p.cfg.Spec)
}

// Seen returns how many requests reached each operation ("METHOD /template" of the spec).
func (p *Proxy) Seen() map[string]int {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make(map[string]int, len(p.seen))
	for k, v := range p.seen {
		out[k] = v
	}
	return out
}

// Covered fails t for every operation of the file at path (ours, normally) that the run did
// not reach through the proxy. Operations are compared by method and path, with path
// parameters' names ignored, since the official files name them differently.
func (p *Proxy) Covered(t testing.TB, path string) {
	t.Helper()
	ours, err := Load(path)
	if err != nil {
		t.Fatalf("conformance: loading %s: %v", path, err)
	}
	seen := map[string]bool{}
	for op := range p.Seen() {
		seen[normal(op)] = true
	}
	var missing []string
	for tmpl, item := range ours.Paths.Map() {
		for method, op := range item.Operations() {
			if !seen[normal(strings.ToUpper(method)+" "+tmpl)] {
				missing = append(missing, op.OperationID+" ("+strings.ToUpper(method)+" "+tmpl+")")
			}
		}
	}
	slices.Sort(missing)
	for _, m := range missing {
		t.Errorf("operation %s was not run through the proxy", m)
	}
}

var param = regexp.MustCompile(`\{[^}]*\}`)

func normal(op string) string { return param.ReplaceAllString(op, "{}") }

// SharedSpecs returns the folder of upstream specifications (../shared/specs beside the
// repository). When it is absent the test is skipped with a message that cannot be missed;
// CI checks that the folder exists before it runs these tests, so there the skip cannot hide.
func SharedSpecs(t testing.TB) string {
	t.Helper()
	if dir := os.Getenv("EDUSYNC_SPECS"); dir != "" {
		return dir
	}
	_, file, _, _ := runtime.Caller(0)
	dir := filepath.Join(filepath.Dir(file), "..", "..", "..", "shared", "specs")
	if _, err := os.Stat(dir); err != nil {
		t.Skipf("\n\n*** SKIPPED: the official specifications are not at %s (set EDUSYNC_SPECS to their folder);\n"+
			"*** the conformance of client and fake against the OFFICIAL files was NOT checked. ***\n\n", dir)
	}
	return dir
}

// Repo returns the root of the edusync repository, for our own files under openapi/.
func Repo() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..")
}

// registerDecoders teaches the validator the media types of doc it does not know: vendor JSON
// types (application/vnd.ladok-kataloginformation+json) are JSON, XML and archives are checked
// as opaque bytes (the spec declares them as strings).
func registerDecoders(doc *openapi3.T) {
	decodersMu.Lock()
	defer decodersMu.Unlock()
	add := func(content openapi3.Content) {
		for ct := range content {
			if openapi3filter.RegisteredBodyDecoder(ct) != nil {
				continue
			}
			if strings.HasSuffix(ct, "+json") {
				openapi3filter.RegisterBodyDecoder(ct, openapi3filter.JSONBodyDecoder)
			} else {
				openapi3filter.RegisterBodyDecoder(ct, openapi3filter.FileBodyDecoder)
			}
		}
	}
	for _, item := range doc.Paths.Map() {
		for _, op := range item.Operations() {
			if op.RequestBody != nil && op.RequestBody.Value != nil {
				add(op.RequestBody.Value.Content)
			}
			for _, r := range op.Responses.Map() {
				if r.Value != nil {
					add(r.Value.Content)
				}
			}
		}
	}
}

var decodersMu sync.Mutex
