package review

import (
	"bytes"
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/store"
)

// Action is what a request asks to do; the host's Check decides per action and pipeline.
type Action string

// The actions the page asks the host's Check about.
const (
	// ActionView: see a pipeline, its runs, plans, questions, hold and audit trail. Persons
	// with protected identity are shown reduced (name and an opaque id).
	ActionView Action = "view"
	// ActionViewProtected: see persons with protected identity in full (their other fields,
	// keys and changes), on top of ActionView. Personal numbers stay masked even then.
	ActionViewProtected Action = "view-protected"
	// ActionAnswer: approve or reject the questions of the latest plan.
	ActionAnswer Action = "answer"
	// ActionRelease: release a pipeline's safety hold.
	ActionRelease Action = "release"
	// ActionTrigger: ask for a run now.
	ActionTrigger Action = "trigger"
)

// Check is the host's authorisation: whether the person behind r may do act on the pipeline
// named, and who they are (a name kept with their answers and releases). The page brings no
// login: the host authenticates in its own middleware and answers here from its session, on
// every request and for every action shown. Anything but ok denies; an answer or release by
// someone the check does not name is refused too.
type Check func(r *http.Request, act Action, pipeline string) (who string, ok bool)

// ErrInvalid is returned by New for a missing store or check or a bad option.
var ErrInvalid = errors.New("review: invalid argument")

// Handler is the review page, an http.Handler to mount in a host's router (see the package
// documentation). It is safe for concurrent use.
type Handler struct {
	st    store.Store
	check Check
	cfg   config
	mux   *http.ServeMux
	pages map[string]map[string]*template.Template // language -> page -> template
	cache *cache
	cop   *http.CrossOriginProtection
	// assetVersion changes the assets' URLs when they change, so browsers may cache them.
	assetVersion string
}

// New returns the review page over the pipelines kept in st (the store their runners use; it
// may be another process's), allowing what check allows.
func New(st store.Store, check Check, opts ...Option) (*Handler, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: no store", ErrInvalid)
	}
	if check == nil {
		return nil, fmt.Errorf("%w: no authorisation check (the page brings no login of its own)", ErrInvalid)
	}
	cfg := config{logger: slog.New(slog.DiscardHandler), cacheRows: DefaultCacheRows, location: time.Local, lang: "en",
		local: map[string]*pipeline.Pipeline{}}
	for _, o := range opts {
		if o != nil {
			o(&cfg)
		}
	}
	if err := errors.Join(cfg.errs...); err != nil {
		return nil, err
	}
	if cfg.secret == nil {
		cfg.secret = make([]byte, 32)
		_, _ = rand.Read(cfg.secret)
	}
	h := &Handler{st: st, check: check, cfg: cfg, cache: newCache(cfg.cacheRows), cop: http.NewCrossOriginProtection()}
	var err error
	if h.pages, h.assetVersion, err = parseTemplates(); err != nil {
		return nil, err
	}
	h.routes()
	return h, nil
}

func (h *Handler) routes() {
	m := http.NewServeMux()
	m.HandleFunc("GET /{$}", h.page(h.overview))
	m.HandleFunc("GET /static/{file}", h.static)
	m.HandleFunc("GET /p/{name}/{$}", h.page(h.pipelinePage))
	m.HandleFunc("GET /p/{name}/runs/{run}/{$}", h.page(h.planPage))
	m.HandleFunc("GET /p/{name}/runs/{run}/audit", h.page(h.auditPage))
	m.HandleFunc("GET /p/{name}/questions", h.page(h.questionsPage))
	m.HandleFunc("POST /p/{name}/questions", h.page(h.answer))
	m.HandleFunc("POST /p/{name}/release", h.page(h.release))
	m.HandleFunc("POST /p/{name}/trigger", h.page(h.trigger))
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		h.fail(w, r, errNotFound)
	})
	h.mux = m
}

// page adapts a page's handler: an error it returns becomes the error page.
func (h *Handler) page(fn func(q *req) error) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if err := fn(h.req(w, r)); err != nil {
			h.fail(w, r, err)
		}
	}
}

// maxForm bounds what a form post may send: the largest is a page of questions selected for a
// bulk answer.
const maxForm = 256 << 10

// ServeHTTP serves the page. Every answer carries a Content-Security-Policy that allows no
// inline script or style and nothing from another origin; pages (which show personal data)
// are sent with Cache-Control: no-store.
func (h *Handler) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	hd := w.Header()
	hd.Set("Content-Security-Policy", "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; form-action 'self'; frame-ancestors 'self'; base-uri 'none'")
	hd.Set("X-Content-Type-Options", "nosniff")
	hd.Set("Referrer-Policy", "same-origin")
	if r.Method == http.MethodPost {
		r.Body = http.MaxBytesReader(w, r.Body, maxForm)
	}
	h.mux.ServeHTTP(w, r)
}

// req is what every page needs of a request: its language, where the page is mounted, and
// the host's answers.
type req struct {
	h    *Handler
	w    http.ResponseWriter
	r    *http.Request
	lang string
	base string
}

func (h *Handler) req(w http.ResponseWriter, r *http.Request) *req {
	return &req{h: h, w: w, r: r, lang: h.language(w, r), base: h.basePath(r)}
}

// basePath is the path the handler is mounted at: WithBasePath, or what http.StripPrefix took
// off the request's path. Anything that is not a plain absolute path is ignored, so that a
// crafted request cannot make the page link elsewhere.
func (h *Handler) basePath(r *http.Request) string {
	if h.cfg.base != "" {
		return h.cfg.base
	}
	u, err := url.ParseRequestURI(r.RequestURI)
	if err != nil {
		return ""
	}
	full, own := u.EscapedPath(), r.URL.EscapedPath()
	if !strings.HasSuffix(full, own) {
		return ""
	}
	return cleanBase(full[:len(full)-len(own)])
}

func cleanBase(b string) string {
	b = strings.TrimRight(b, "/")
	if b == "" || !strings.HasPrefix(b, "/") || strings.HasPrefix(b, "//") || strings.ContainsAny(b, "\\\"'<> \t\r\n") {
		return ""
	}
	return b
}

// allowed asks the host's check.
func (q *req) allowed(act Action, name string) (string, bool) {
	who, ok := q.h.check(q.r, act, name)
	return who, ok
}

// ledger returns the ledger of the pipeline named in the path, after checking that the store
// holds it and that the host allows act on it.
func (q *req) ledger(act Action) (*pipeline.Ledger, string, error) {
	name := q.r.PathValue("name")
	who, ok := q.allowed(act, name)
	if !ok {
		return nil, "", errForbidden
	}
	names, err := pipeline.Names(q.r.Context(), q.h.st)
	if err != nil {
		return nil, "", err
	}
	if !slices.Contains(names, name) {
		return nil, "", errNotFound
	}
	l, err := pipeline.OpenLedger(q.h.st, name)
	if err != nil {
		return nil, "", errNotFound
	}
	return l, who, nil
}

// pageError is an error the page explains to the person in their language.
type pageError struct {
	status int
	msg    string // catalogue key
}

func (e *pageError) Error() string { return e.msg }

var (
	errNotFound  = &pageError{http.StatusNotFound, "error.notFound"}
	errForbidden = &pageError{http.StatusForbidden, "error.forbidden"}
	errCSRF      = &pageError{http.StatusForbidden, "error.csrf"}
	errBadInput  = &pageError{http.StatusBadRequest, "error.badInput"}
	errNoWho     = &pageError{http.StatusForbidden, "error.noWho"}
	errStale     = &pageError{http.StatusConflict, "error.stale"}
	errNotHeld   = &pageError{http.StatusConflict, "error.notHeld"}
	errConfirm   = &pageError{http.StatusBadRequest, "error.confirmRelease"}
	errNoPlan    = &pageError{http.StatusNotFound, "error.noPlan"}
	errTooLarge  = &pageError{http.StatusRequestEntityTooLarge, "error.tooLarge"}
)

// fail answers with an error page; errors that are not the page's own are logged (personal
// numbers masked) and shown only as a reference the operator can find in the log.
func (h *Handler) fail(w http.ResponseWriter, r *http.Request, err error) {
	q := h.req(w, r)
	var pe *pageError
	switch {
	case errors.As(err, &pe):
	case errors.Is(err, pipeline.ErrNoRun):
		pe = errNotFound
	case errors.Is(err, pipeline.ErrNoPlan):
		pe = errNoPlan
	case errors.Is(err, pipeline.ErrNotHeld):
		pe = errNotHeld
	case errors.Is(err, context.Canceled):
		return
	default:
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			pe = errTooLarge
			break
		}
		ref := randomRef()
		h.cfg.logger.ErrorContext(r.Context(), "review: request failed", "ref", ref, "path", redact.Text(r.URL.Path),
			"error", redact.Text(err.Error()))
		_ = q.render(http.StatusInternalServerError, "error", q.t("error.title"), nil, errorBody{Message: q.t("error.internal", ref)})
		return
	}
	_ = q.render(pe.status, "error", q.t("error.title"), nil, errorBody{Message: q.t(pe.msg)})
}

type errorBody struct{ Message string }

func randomRef() string {
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	return fmt.Sprintf("%x", b)
}

// crumb is a step of the breadcrumb trail.
type crumb struct {
	Text string
	URL  string
}

// layout is what every page's frame shows.
type layout struct {
	Lang         string
	Title        string
	Base         string
	AssetVersion string
	Crumbs       []crumb
	Langs        []langLink
	CSRF         string
	Flash        string
	Body         any
}

// render writes a page: rendered into a buffer first, so that a template error becomes an
// error page rather than half a page.
func (q *req) render(status int, page, title string, crumbs []crumb, body any) error {
	l := layout{Lang: q.lang, Title: title, Base: q.base, AssetVersion: q.h.assetVersion, Crumbs: crumbs,
		Langs: q.langLinks(), Body: body}
	if page != "error" {
		l.CSRF = q.h.csrfToken(q.w, q.r, q.base)
		l.Flash = q.flash()
	}
	var buf bytes.Buffer
	if err := q.h.pages[q.lang][page].ExecuteTemplate(&buf, "layout", l); err != nil {
		ref := randomRef()
		q.h.cfg.logger.ErrorContext(q.r.Context(), "review: rendering failed", "ref", ref, "page", page, "error", redact.Text(err.Error()))
		http.Error(q.w, "internal error, reference "+ref, http.StatusInternalServerError)
		return nil
	}
	hd := q.w.Header()
	hd.Set("Content-Type", "text/html; charset=utf-8")
	hd.Set("Cache-Control", "no-store")
	hd.Set("Content-Language", q.lang)
	hd.Add("Vary", "Accept-Language, Cookie")
	q.w.WriteHeader(status)
	_, _ = q.w.Write(buf.Bytes())
	return nil
}

// redirect answers a form post with 303 to a page of the handler, with a message for it.
func (q *req) redirect(path string, query url.Values) error {
	http.Redirect(q.w, q.r, q.u(path, query), http.StatusSeeOther)
	return nil
}

// pipelinePath is the path of a pipeline's page (names may hold slashes: they are escaped).
func pipelinePath(name string) string { return "/p/" + url.PathEscape(name) + "/" }

func runPath(name string, run int64) string {
	return fmt.Sprintf("%sruns/%d/", pipelinePath(name), run)
}

// u builds a link to a page of the handler.
func (q *req) u(path string, query url.Values) string {
	s := q.base + path
	if len(query) > 0 {
		s += "?" + query.Encode()
	}
	return s
}
