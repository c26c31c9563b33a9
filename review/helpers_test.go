package review_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/review"
	"github.com/edusync/edusync/store"
)

// hostile is what a hostile source puts in every field: markup, script, an event handler, a
// javascript: URL and identity numbers in several spellings.
const hostile = `<script>window.__xss=1</script>"><img src=x onerror="window.__xss=1">'javascript:alert(1)`

// numbers are identity numbers as they turn up in records: Swedish (with and without century,
// with dash, plus and space), Norwegian and German.
var numbers = []string{"199001011234", "19900101-1234", "900101-1234", "900101+1234", "900101 1234", "01019012345", "010190 12345", "12 345 678 901"}

// school is a source with a question of each kind, a protected person, a person keyed by a
// personal number, one with hostile values everywhere, and enough pupils to page.
func school(pupils int) (*reconcile.Snapshot, *reconcile.Snapshot) {
	born := reconcile.NewDate(2012, 3, 4)
	src := &reconcile.Snapshot{
		Groups: []reconcile.Group{{Keys: reconcile.Keys{SourceKey: "G-7a"}, Name: "7a", Type: "Klasse"}},
		Persons: []reconcile.Person{
			{Keys: reconcile.Keys{SourceKey: "S-berg"}, FamilyName: "Berg", GivenNames: "Eva", BirthDate: born, Emails: []string{"eva@school.example"}},
			{Keys: reconcile.Keys{SourceKey: "S-hidden"}, FamilyName: "Hemlig", GivenNames: "Hanna", BirthDate: born,
				BirthPlace: "Hemliga staden", Emails: []string{"hanna@secret.example"}, Protected: true,
				Attributes: map[string]string{"address": "Gömda gatan 1"}},
			{Keys: reconcile.Keys{SourceKey: numbers[0]}, FamilyName: "Nummer", GivenNames: "Nils " + numbers[1], BirthDate: born,
				Emails: []string{numbers[2] + "@school.example"}},
			{Keys: reconcile.Keys{SourceKey: "S-evil" + hostile}, FamilyName: hostile, GivenNames: hostile + " " + numbers[3],
				BirthPlace: hostile + numbers[4], Emails: []string{hostile, numbers[5]},
				Attributes: map[string]string{hostile: hostile + numbers[6], "taxid": numbers[7]}},
		},
	}
	src.Memberships = append(src.Memberships, reconcile.Membership{Person: "S-hidden", Group: "G-7a", Role: "Lern"})
	for i := range pupils {
		key := fmt.Sprintf("S-%03d", i)
		src.Persons = append(src.Persons, reconcile.Person{Keys: reconcile.Keys{SourceKey: key},
			FamilyName: fmt.Sprintf("Elev%03d", i), GivenNames: "Kim", BirthDate: reconcile.NewDate(2012, 1, 1+i%28)})
		src.Memberships = append(src.Memberships, reconcile.Membership{Person: key, Group: "G-7a", Role: "Lern"})
	}
	tgt := &reconcile.Snapshot{Persons: []reconcile.Person{
		// Case 3: the same pupil, entered without a key (and without the birth place).
		{Keys: reconcile.Keys{TargetID: "t-berg"}, FamilyName: "Berg", GivenNames: "Eva", BirthDate: born},
		// Case 3 again, for a person with protected identity.
		{Keys: reconcile.Keys{TargetID: "t-hidden"}, FamilyName: "Hemlig", GivenNames: "Hanna", BirthDate: born, Protected: true,
			Emails: []string{"hanna.old@secret.example"}},
		// Case 5: only in the target, with hostile values.
		{Keys: reconcile.Keys{TargetID: "t-evil" + hostile}, FamilyName: "Yılmaz" + hostile, GivenNames: "Deniz " + numbers[0],
			Emails: []string{numbers[4] + "@x.example"}},
	}}
	return src, tgt
}

// fixture is a store with two pipelines: "kommun-x/elever", waiting for answers, and
// "kommun-x/held", held by a safety hold; and the page over them.
type fixture struct {
	t       testing.TB
	st      store.Store
	src     *reconcile.Snapshot
	tgt     *reconciletest.Target
	waiting *pipeline.Pipeline
	held    *pipeline.Pipeline
	heldSrc *reconcile.Snapshot
	perms   *perms
	h       *review.Handler
	srv     *httptest.Server
}

const (
	waitingName = "kommun-x/elever"
	heldName    = "kommun-x/held"
)

// perms is what the test's host allows; it answers the page's Check.
type perms struct {
	mu    sync.Mutex
	allow map[review.Action]bool
	who   string
}

func (p *perms) check(r *http.Request, act review.Action, name string) (string, bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.who, p.allow[act]
}

func (p *perms) set(who string, acts ...review.Action) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.who, p.allow = who, map[review.Action]bool{}
	for _, a := range acts {
		p.allow[a] = true
	}
}

var everything = []review.Action{review.ActionView, review.ActionViewProtected, review.ActionAnswer, review.ActionRelease, review.ActionTrigger}

func newFixture(t testing.TB, opts ...review.Option) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{t: t, st: store.NewMemory(), perms: &perms{}}
	t.Cleanup(func() { f.st.Close() })
	f.perms.set("Anna Admin", everything...)
	var tgt *reconcile.Snapshot
	f.src, tgt = school(120)
	f.tgt = reconciletest.NewTarget(tgt)
	var err error
	f.waiting, err = pipeline.New(waitingName, f.src.AsSource(), f.tgt, f.st,
		pipeline.WithOptions(reconcile.Options{IncludeProtected: true}))
	if err != nil {
		t.Fatal(err)
	}
	if r, err := f.waiting.Run(ctx); r.Status != pipeline.StatusWaiting {
		t.Fatalf("first run: %s, %v", r.Status, err)
	}

	full := &reconcile.Snapshot{}
	for i := range 30 {
		full.Persons = append(full.Persons, reconcile.Person{Keys: reconcile.Keys{SourceKey: fmt.Sprint("H-", i)},
			FamilyName: fmt.Sprint("Lärare ", i), GivenNames: "Alex"})
	}
	f.heldSrc = &reconcile.Snapshot{Persons: full.Persons}
	f.held, err = pipeline.New(heldName, f.heldSrc.AsSource(), reconciletest.NewTarget(nil), f.st,
		pipeline.WithOptions(reconcile.Options{Removals: reconcile.Removals{Enabled: true, GraceDays: 30}}))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.held.Run(ctx); err != nil {
		t.Fatal(err)
	}
	f.heldSrc.Persons = full.Persons[:12]
	if r, _ := f.held.Run(ctx); r.Status != pipeline.StatusHeld {
		t.Fatalf("second run of the held pipeline: %s", r.Status)
	}

	opts = append([]review.Option{review.WithPipelines(f.waiting, f.held), review.WithSecret([]byte(strings.Repeat("k", 32)))}, opts...)
	f.h, err = review.New(f.st, f.perms.check, opts...)
	if err != nil {
		t.Fatal(err)
	}
	mux := http.NewServeMux()
	mux.Handle("/admin/sync/", http.StripPrefix("/admin/sync", f.h))
	f.srv = httptest.NewServer(mux)
	t.Cleanup(f.srv.Close)
	return f
}

// client is a browser: it keeps cookies and reads pages.
type client struct {
	t  testing.TB
	f  *fixture
	hc *http.Client
}

func (f *fixture) client() *client {
	jar, _ := cookiejar.New(nil)
	return &client{t: f.t, f: f, hc: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error {
		return http.ErrUseLastResponse
	}}}
}

// follow reads the page a redirect names.
func (c *client) follow(loc string) (int, string) {
	c.t.Helper()
	return c.get(strings.TrimPrefix(loc, "/admin/sync"))
}

// path is the page's URL for a path below the mount point.
func (f *fixture) path(p string) string { return f.srv.URL + "/admin/sync" + p }

func pipelinePath(name string) string { return "/p/" + url.PathEscape(name) + "/" }

func (c *client) get(p string) (int, string) {
	c.t.Helper()
	return c.do(http.MethodGet, p, nil, nil)
}

func (c *client) do(method, p string, form url.Values, header http.Header) (int, string) {
	c.t.Helper()
	var body io.Reader
	if form != nil {
		body = strings.NewReader(form.Encode())
	}
	req, err := http.NewRequest(method, c.f.path(p), body)
	if err != nil {
		c.t.Fatal(err)
	}
	if form != nil {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		c.t.Fatal(err)
	}
	if resp.StatusCode == http.StatusSeeOther {
		return resp.StatusCode, resp.Header.Get("Location")
	}
	return resp.StatusCode, string(b)
}

var csrfRe = regexp.MustCompile(`name="csrf" value="([^"]+)"`)

// token is the form token of the page at p (which sets the cookie it rests on).
func (c *client) token(p string) string {
	c.t.Helper()
	code, body := c.get(p)
	m := csrfRe.FindStringSubmatch(body)
	if code != http.StatusOK || m == nil {
		c.t.Fatalf("GET %s: %d, no form token", p, code)
	}
	return m[1]
}

// post sends a form from the page at from, with that page's token.
func (c *client) post(from, to string, form url.Values) (int, string) {
	c.t.Helper()
	form.Set("csrf", c.token(from))
	return c.do(http.MethodPost, to, form, nil)
}

var keyRe = regexp.MustCompile(`name="approve" value="([a-z2-9]+)"`)

// questionKeys are the opaque ids of the questions on the page at p, in order.
func (c *client) questionKeys(p string) []string {
	c.t.Helper()
	_, body := c.get(p)
	var out []string
	for _, m := range keyRe.FindAllStringSubmatch(body, -1) {
		out = append(out, m[1])
	}
	return out
}

// count is how often s occurs in body.
func count(body, s string) int { return strings.Count(body, s) }
