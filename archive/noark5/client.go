package noark5

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/apiclient"
	"golang.org/x/oauth2"
)

// Client talks to one archive's Noark 5 tjenestegrensesnitt. It is safe for concurrent use.
type Client struct {
	core      *apiclient.Client
	chunk     int64
	threshold int64

	mu   sync.Mutex
	root Links // the arkivstruktur links, once discovered
}

type config struct {
	core      apiclient.Settings
	chunk     int64
	threshold int64
}

// Option configures a Client.
type Option func(*config) error

func coreOption(o apiclient.Option) Option { return func(c *config) error { return o(&c.core) } }

// WithTokenSource authenticates with OAuth2 bearer tokens from ts (the archive's identity
// provider); a refused token is renewed once.
func WithTokenSource(ts oauth2.TokenSource) Option { return coreOption(apiclient.WithTokenSource(ts)) }

// WithBearerToken sends a fixed bearer token; it is masked wherever a server echoes it.
func WithBearerToken(token string) Option { return coreOption(apiclient.WithBearerToken(token)) }

// WithBasicAuth authenticates with HTTP Basic, as some archives' test installations do.
func WithBasicAuth(user, password string) Option {
	return coreOption(apiclient.WithBasicAuth(user, password))
}

// WithHTTPClient uses hc as the base HTTP client; edusync wraps its transport.
func WithHTTPClient(hc *http.Client) Option { return coreOption(apiclient.WithHTTPClient(hc)) }

// WithLogger logs requests (at Debug) and retries (at Info) to l, URLs redacted.
func WithLogger(l *slog.Logger) Option { return coreOption(apiclient.WithLogger(l)) }

// WithRetry replaces the default retry policy. Reads, updates and deletions are retried after
// server faults and lost connections; creations are not (a lost answer is checked by the
// caller through the source key, see FindRegistrering).
func WithRetry(p apierror.RetryPolicy) Option { return coreOption(apiclient.WithRetry(p)) }

// WithoutRetry turns retries off, for hosts that retry themselves.
func WithoutRetry() Option { return coreOption(apiclient.WithoutRetry()) }

// WithMaxResponseBody caps how many bytes of one answer are read (default 64 MiB).
func WithMaxResponseBody(n int64) Option { return coreOption(apiclient.WithMaxResponseBody(n)) }

// WithChunking sets how files are uploaded: a file of at most threshold bytes in one request,
// a larger one in chunks of chunk bytes, each held in memory while it is sent (defaults 8 MiB
// and 8 MiB).
func WithChunking(threshold, chunk int64) Option {
	return func(c *config) error {
		if threshold < 0 || chunk < 64<<10 || chunk > 256<<20 {
			return errors.New("WithChunking: chunk must be between 64 KiB and 256 MiB, threshold not negative")
		}
		c.threshold, c.chunk = threshold, chunk
		return nil
	}
}

// New returns a client of the service interface whose root (the href that lists the packages,
// such as https://arkiv.example.no/noark5v5/) is baseURL. Nothing is sent until the first call.
func New(baseURL string, opts ...Option) (*Client, error) {
	cfg := config{chunk: 8 << 20, threshold: 8 << 20}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(&cfg); err != nil {
			return nil, fmt.Errorf("noark5: %w", err)
		}
	}
	core, err := apiclient.New(apiclient.Config{Name: "noark5", BaseURL: baseURL, Settings: cfg.core,
		ErrorBody: decodeError, Classify: classify})
	if err != nil {
		return nil, err
	}
	return &Client{core: core, chunk: cfg.chunk, threshold: cfg.threshold}, nil
}

// BaseURL returns the root the client was made for.
func (c *Client) BaseURL() string { return c.core.BaseURL() }

// Discover reads the root and follows its arkivstruktur relation, and returns that package's
// links (arkivdel, mappe, registrering, ny-* ...). The result is kept; later calls that need it
// do not ask again.
func (c *Client) Discover(ctx context.Context) (Links, error) {
	c.mu.Lock()
	root := c.root
	c.mu.Unlock()
	if root != nil {
		return root, nil
	}
	var top struct {
		Links Links `json:"_links"`
	}
	if err := c.get(ctx, c.core.BaseURL()+"/", nil, &top); err != nil {
		return nil, err
	}
	href, ok := top.Links.Href(RelArkivstruktur)
	if !ok {
		return nil, &MissingLinkError{Rel: RelArkivstruktur, Where: "root"}
	}
	var as struct {
		Links Links `json:"_links"`
	}
	if err := c.get(ctx, href, nil, &as); err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.root = as.Links
	c.mu.Unlock()
	return as.Links, nil
}

// FindArkivdel returns the series whose title or systemID is name.
func (c *Client) FindArkivdel(ctx context.Context, name string) (*Arkivdel, error) {
	root, err := c.Discover(ctx)
	if err != nil {
		return nil, err
	}
	href, ok := root.Href(RelArkivdel)
	if !ok {
		return nil, &MissingLinkError{Rel: RelArkivdel, Where: "arkivstruktur"}
	}
	var found *Arkivdel
	err = walk(ctx, c, href, nil, func(a *Arkivdel) bool {
		if a.Tittel == name || a.SystemID == name {
			found = a
			return false
		}
		return true
	})
	if err != nil {
		return nil, err
	}
	if found == nil {
		return nil, fmt.Errorf("noark5: no arkivdel named %q: %w", name, ErrNotFound)
	}
	return found, nil
}

// CreateMappe files a new case file in the series (or, with a parent case file's links, as a
// sub-file): it reads the ny-mappe template, lays m over the defaults and POSTs it.
func (c *Client) CreateMappe(ctx context.Context, parent Links, m *Mappe) (*Mappe, error) {
	return create(ctx, c, parent, RelNyMappe, m)
}

// CreateRegistrering adds a registration to case file parent.
func (c *Client) CreateRegistrering(ctx context.Context, parent *Mappe, r *Registrering) (*Registrering, error) {
	return create(ctx, c, parent.Links, RelNyRegistrering, r)
}

// CreateDokumentbeskrivelse adds a document to registration parent.
func (c *Client) CreateDokumentbeskrivelse(ctx context.Context, parent *Registrering, d *Dokumentbeskrivelse) (*Dokumentbeskrivelse, error) {
	return create(ctx, c, parent.Links, RelNyDokumentbeskrivelse, d)
}

// CreateDokumentobjekt adds a document object (a file's metadata, its checksum included) to
// document parent; Upload then sends the file.
func (c *Client) CreateDokumentobjekt(ctx context.Context, parent *Dokumentbeskrivelse, o *Dokumentobjekt) (*Dokumentobjekt, error) {
	return create(ctx, c, parent.Links, RelNyDokumentobjekt, o)
}

// UpdateDokumentbeskrivelse writes d back with If-Match: the archive refuses it (ErrStale) when
// someone changed the document since d was read. d's ETag is renewed on success.
func (c *Client) UpdateDokumentbeskrivelse(ctx context.Context, d *Dokumentbeskrivelse) error {
	return update(ctx, c, d)
}

// UpdateMappe writes m back with If-Match (see UpdateDokumentbeskrivelse).
func (c *Client) UpdateMappe(ctx context.Context, m *Mappe) error { return update(ctx, c, m) }

// UpdateRegistrering writes r back with If-Match (see UpdateDokumentbeskrivelse).
func (c *Client) UpdateRegistrering(ctx context.Context, r *Registrering) error {
	return update(ctx, c, r)
}

// Delete removes the entity at its self link with If-Match etag (any version when etag is "");
// a registration's or document's children go with it. An entity already gone is not an error.
func (c *Client) Delete(ctx context.Context, m Meta) error {
	self := m.Self()
	if self == "" {
		return c.missingLink(RelSelf, "entity", m.SystemID)
	}
	h := http.Header{}
	if m.ETag != "" {
		h.Set("If-Match", m.ETag)
	}
	resp, err := c.core.Do(ctx, &apiclient.Request{Method: http.MethodDelete, Path: self, Accept: MediaType, Header: h, Idempotent: true})
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	drain(resp)
	return nil
}

// FindMappe returns the case file holding source key key (see SourceKeyField), or nil.
func (c *Client) FindMappe(ctx context.Context, key string) (*Mappe, error) {
	return find[Mappe](ctx, c, RelMappe, key)
}

// FindRegistrering returns the registration holding source key key, or nil: how a delivery
// whose answer was lost is found before it is made again.
func (c *Client) FindRegistrering(ctx context.Context, key string) (*Registrering, error) {
	return find[Registrering](ctx, c, RelRegistrering, key)
}

// GetMappe reads the case file at href (its self link).
func (c *Client) GetMappe(ctx context.Context, href string) (*Mappe, error) {
	var m Mappe
	return &m, c.get(ctx, href, nil, &m)
}

// Dokumentbeskrivelser lists the documents of registration r.
func (c *Client) Dokumentbeskrivelser(ctx context.Context, r *Registrering) ([]Dokumentbeskrivelse, error) {
	href, ok := r.Links.Href(RelDokumentbeskrivelse)
	if !ok {
		return nil, c.missingLink(RelDokumentbeskrivelse, "registrering", r.SystemID)
	}
	var out []Dokumentbeskrivelse
	err := walk(ctx, c, href, nil, func(d *Dokumentbeskrivelse) bool { out = append(out, *d); return true })
	return out, err
}

func find[T any, P interface {
	*T
	entity
}](ctx context.Context, c *Client, rel, key string) (*T, error) {
	root, err := c.Discover(ctx)
	if err != nil {
		return nil, err
	}
	href, ok := root.Href(rel)
	if !ok {
		return nil, &MissingLinkError{Rel: rel, Where: "arkivstruktur"}
	}
	var found *T
	q := url.Values{"$filter": {SourceKeyFilter(key)}}
	err = walk(ctx, c, href, q, func(v P) bool {
		if md := metadataOf(v); SourceKeyOf(md) == key {
			found = (*T)(v)
			return false
		}
		return true
	})
	return found, err
}

func metadataOf(v any) map[string]any {
	switch e := v.(type) {
	case *Mappe:
		return e.VirksomhetsspesifikkeMetadata
	case *Registrering:
		return e.VirksomhetsspesifikkeMetadata
	}
	return nil
}

// maxPages bounds a listing: an archive whose next links never end cannot keep a call going.
const maxPages = 1000

// walk reads the collection at href page by page (following next), each page decoded record by
// record as it arrives (the core's Walk, which also ends a listing whose next links lead back),
// and calls fn for each result until it returns false. A result that does not decode ends the
// listing with its *apierror.RecordError.
func walk[T any, P interface {
	*T
	entity
}](ctx context.Context, c *Client, href string, q url.Values, fn func(P) bool) error {
	pages := 0
	l := &apiclient.Listing[T]{
		First: &apiclient.Request{Path: href, Query: q, Accept: MediaType},
		Shape: apiclient.Shape[T]{Items: "results", Keep: []string{"_links"}, Optional: true},
		Next: func(prev *apiclient.Request, p *apiclient.PageInfo) (*apiclient.Request, error) {
			var links Links
			if _, err := p.Decode("_links", &links); err != nil {
				return nil, err
			}
			next, ok := links.Href(relNext)
			if !ok || next == "" {
				return nil, nil
			}
			if pages++; pages == maxPages {
				return nil, fmt.Errorf("went on past %d pages; stopping (%w)", maxPages, ErrPageCycle)
			}
			r := *prev
			r.Path, r.Query = next, nil // the next link carries the query
			return &r, nil
		},
	}
	for v, err := range apiclient.Walk(ctx, c.core, l) {
		if err != nil {
			return err
		}
		if !fn(P(&v)) {
			return nil
		}
	}
	return nil
}

func create[T any, P interface {
	*T
	entity
}](ctx context.Context, c *Client, parent Links, rel string, v P) (P, error) {
	href, ok := parent.Href(rel)
	if !ok {
		return nil, &MissingLinkError{Rel: rel, Where: "parent"}
	}
	// The template holds the archive's defaults (dates, codes, the arkivdel's screening); the
	// caller's fields are laid over them.
	var tmpl map[string]json.RawMessage
	if err := c.get(ctx, href, nil, &tmpl); err != nil {
		return nil, err
	}
	own, err := json.Marshal(v)
	if err != nil {
		return nil, fmt.Errorf("noark5: encoding %s: %w", relName(rel), err)
	}
	var fields map[string]json.RawMessage
	if err := json.Unmarshal(own, &fields); err != nil {
		return nil, fmt.Errorf("noark5: encoding %s: %w", relName(rel), err)
	}
	body := map[string]json.RawMessage{}
	for k, x := range tmpl {
		if k != "_links" && k != "systemID" {
			body[k] = x
		}
	}
	for k, x := range fields {
		if k != "_links" && k != "systemID" && !emptyJSON(x) {
			body[k] = x
		}
	}
	b, err := json.Marshal(body)
	if err != nil {
		return nil, err
	}
	resp, err := c.core.Do(ctx, &apiclient.Request{Method: http.MethodPost, Path: href, Body: b, ContentType: MediaType, Accept: MediaType})
	if err != nil {
		return nil, err
	}
	out := P(new(T))
	if err := c.core.Decode(resp, "POST "+relName(rel), out); err != nil {
		return nil, err
	}
	out.meta().ETag = resp.Header.Get("ETag")
	return out, nil
}

func update[T any, P interface {
	*T
	entity
}](ctx context.Context, c *Client, v P) error {
	m := v.meta()
	self := m.Self()
	if self == "" {
		return c.missingLink(RelSelf, "entity", m.SystemID)
	}
	if m.ETag == "" {
		return errors.New("noark5: update without an ETag: read the entity first")
	}
	b, err := json.Marshal(v)
	if err != nil {
		return err
	}
	h := http.Header{"If-Match": {m.ETag}}
	resp, err := c.core.Do(ctx, &apiclient.Request{Method: http.MethodPut, Path: self, Body: b, ContentType: MediaType, Accept: MediaType, Header: h, Idempotent: true})
	if err != nil {
		return err
	}
	etag := resp.Header.Get("ETag")
	if err := c.core.Decode(resp, "PUT "+m.SystemID, v); err != nil {
		return err
	}
	v.meta().ETag = etag
	return nil
}

func (c *Client) get(ctx context.Context, href string, q url.Values, out any) error {
	resp, err := c.core.Do(ctx, &apiclient.Request{Path: href, Query: q, Accept: MediaType})
	if err != nil {
		return err
	}
	if err := c.core.Decode(resp, "GET", out); err != nil {
		return err
	}
	if e, ok := out.(entity); ok {
		e.meta().ETag = resp.Header.Get("ETag")
	}
	return nil
}

func relName(rel string) string { return strings.TrimSuffix(strings.TrimPrefix(rel, RelBase), "/") }

func drain(resp *http.Response) {
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	_ = resp.Body.Close()
}

func decodeError(e *apierror.APIError, body []byte) {
	b := bytes.TrimSpace(body)
	if len(b) == 0 || b[0] != '{' {
		return
	}
	var m struct {
		Code    any    `json:"kode"`
		Message string `json:"melding"`
		Msg     string `json:"message"`
	}
	if json.Unmarshal(b, &m) != nil {
		return
	}
	if m.Code != nil {
		e.Code = fmt.Sprint(m.Code)
	}
	e.Message = m.Message
	if e.Message == "" {
		e.Message = m.Msg
	}
}

func classify(e *apierror.APIError) error {
	if e.StatusCode == http.StatusPreconditionFailed {
		return &StaleError{APIError: e}
	}
	return e
}

// cancelTimeout bounds the clean-up request of an abandoned upload.
const cancelTimeout = 10 * time.Second

// emptyJSON reports whether raw is a zero value (0, "", false, null, [] or an object of only
// such), which must not hide a template's default.
func emptyJSON(raw json.RawMessage) bool {
	switch string(bytes.TrimSpace(raw)) {
	case "0", `""`, "false", "null", "[]", "{}":
		return true
	}
	var m map[string]json.RawMessage
	if json.Unmarshal(raw, &m) != nil {
		return false
	}
	for _, v := range m {
		if !emptyJSON(v) {
			return false
		}
	}
	return true
}
