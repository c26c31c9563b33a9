package review

import (
	"fmt"
	"log/slog"
	"net/http"
	"time"

	"github.com/edusync/edusync/pipeline"
)

// Option configures a Handler.
type Option func(*config)

// DefaultCacheRows is how many plan and audit rows the page keeps decoded in memory by default
// (WithCache); a stored plan never changes, so pages of a plan it holds are filtered without
// reading the store again.
const DefaultCacheRows = 100_000

type config struct {
	secret    []byte
	session   func(*http.Request) string
	secure    bool
	base      string
	local     map[string]*pipeline.Pipeline
	logger    *slog.Logger
	cacheRows int
	location  *time.Location
	lang      string
	errs      []error
}

func (c *config) invalid(format string, args ...any) {
	c.errs = append(c.errs, fmt.Errorf("%w: "+format, append([]any{ErrInvalid}, args...)...))
}

// WithSecret sets the key (at least 32 random bytes) the page signs its form tokens and
// opaque record ids with. Without it each Handler draws its own, so forms shown before a
// restart, or by another replica behind a load balancer, are refused: give every replica
// the same secret.
func WithSecret(key []byte) Option {
	return func(c *config) {
		if len(key) < 32 {
			c.invalid("the secret must be at least 32 bytes")
			return
		}
		c.secret = append([]byte(nil), key...)
	}
}

// WithSession binds the form tokens to the host's session: session returns an identifier of
// the signed-in person's session (never shown, only signed), and a form is accepted only with
// the token made for that session. Without it, or when it returns "", the page uses a signed
// double-submit cookie.
func WithSession(session func(r *http.Request) string) Option {
	return func(c *config) { c.session = session }
}

// WithSecureCookies marks the page's cookies (form token, language) Secure even when the
// request did not arrive over TLS, for hosts behind a proxy that ends TLS.
func WithSecureCookies() Option { return func(c *config) { c.secure = true } }

// WithBasePath sets the path the handler is mounted at ("/admin/sync"), for links and
// redirects. By default the page works it out from what http.StripPrefix removed.
func WithBasePath(path string) Option {
	return func(c *config) {
		b := cleanBase(path)
		if b == "" && path != "" && path != "/" {
			c.invalid("the base path must be an absolute path such as /admin/sync")
		}
		c.base = b
	}
}

// WithPipelines names pipelines that run in this process: asking for a run of one triggers
// it at once (Pipeline.Trigger) instead of waiting for its Start loop to poll the store.
func WithPipelines(ps ...*pipeline.Pipeline) Option {
	return func(c *config) {
		for _, p := range ps {
			if p != nil {
				c.local[p.Name()] = p
			}
		}
	}
}

// WithLogger sets where failures are logged (default nowhere); personal numbers are masked.
func WithLogger(l *slog.Logger) Option {
	return func(c *config) {
		if l != nil {
			c.logger = l
		}
	}
}

// WithCache sets how many plan and audit rows are kept decoded in memory (default
// DefaultCacheRows; 0 keeps none). A plan larger than that is read from the store for every
// page, one stored chunk at a time, so memory stays bounded whatever its size.
func WithCache(rows int) Option {
	return func(c *config) {
		if rows < 0 {
			c.invalid("the cache size must not be negative")
			return
		}
		c.cacheRows = rows
	}
}

// WithLocation sets the time zone times are shown in (default the process's local zone).
func WithLocation(loc *time.Location) Option {
	return func(c *config) {
		if loc != nil {
			c.location = loc
		}
	}
}

// WithLanguage sets the language shown when neither the chooser nor the browser's
// Accept-Language names one the page speaks: "sv", "de", "nb" or "en" (the default).
func WithLanguage(lang string) Option {
	return func(c *config) {
		if _, ok := catalogue[lang]; !ok {
			c.invalid("the page speaks sv, de, nb and en, not %q", lang)
			return
		}
		c.lang = lang
	}
}
