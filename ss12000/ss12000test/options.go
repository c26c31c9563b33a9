package ss12000test

import (
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/internal/ss12000serve"
)

// Defaults of the options.
const (
	// DefaultBasePath is the path under the server's root where the API lives. Real services put
	// the API under a path too, so a client that drops the base URL's path fails here as well.
	DefaultBasePath = "/ss12000/v2"
	// TokenPath is the OAuth2 token endpoint under the server's root (not under the base path).
	TokenPath = "/oauth2/token"
	// DefaultLimit is the page size when a list request sets no limit.
	DefaultLimit = 100
	// DefaultMaxLimit caps the limit a client may ask for; larger limits get pages of this size.
	DefaultMaxLimit = 1000
	// DefaultMaxLookup is how many keys one lookup body may carry before it is refused (413).
	DefaultMaxLookup = 100
	// DefaultPageTokenTTL is how long a pageToken stays usable after the page that carried it.
	DefaultPageTokenTTL = 10 * time.Minute
	// DefaultTokenLifetime is how long bearer tokens from the token endpoint are valid.
	DefaultTokenLifetime = time.Hour
	// DefaultSubscriptionLifetime is how long a subscription lives before it must be renewed.
	DefaultSubscriptionLifetime = 24 * time.Hour
	// DefaultCallbackWindow is how long changes are collected before subscribers are called,
	// so a burst of changes makes one callback.
	DefaultCallbackWindow = 50 * time.Millisecond
	// DefaultMaxBody caps request bodies; larger ones are answered 413.
	DefaultMaxBody = 10 << 20
	// DefaultTimestampResolution is the precision of the meta timestamps the server stamps.
	DefaultTimestampResolution = time.Millisecond
	// DefaultClientID and DefaultClientSecret are the credentials the token endpoint accepts
	// unless WithClientCredentials says otherwise.
	DefaultClientID     = "edusync-test"
	DefaultClientSecret = "edusync-test-secret"
)

// Spelling chooses between a field name the standard misspells and the correct one that
// services send in practice. Clients should read both; the fake can send either or both.
type Spelling = ss12000serve.Spelling

const (
	// StandardSpelling uses the standard's names: "activitites" in /deletedEntities and
	// "modifiedEntites" in subscription callbacks.
	StandardSpelling = ss12000serve.StandardSpelling
	// CorrectSpelling uses "activities" and "modifiedEntities".
	CorrectSpelling = ss12000serve.CorrectSpelling
	// BothSpellings sends the value under both names.
	BothSpellings = ss12000serve.BothSpellings
)

type options struct {
	basePath        string
	tokens          []string
	noAuth          bool
	clientID        string
	clientSecret    string
	tokenLifetime   time.Duration
	pageTTL         time.Duration
	defaultLimit    int
	maxLimit        int
	maxLookup       int
	now             func() time.Time
	resolution      time.Duration
	deletedSpelling Spelling
	notifySpelling  Spelling
	logger          *slog.Logger
	subLifetime     time.Duration
	window          time.Duration
	retries         int
	retryBackoff    time.Duration
	callbackClient  *http.Client
	maxBody         int64
	nullPageToken   bool
	faults          Faults
	dataset         Dataset
}

func defaultOptions() options {
	return options{
		tokens:        []string{"ss12000test-" + fakekit.NewKey()},
		basePath:      DefaultBasePath,
		clientID:      DefaultClientID,
		clientSecret:  DefaultClientSecret,
		tokenLifetime: DefaultTokenLifetime,
		pageTTL:       DefaultPageTokenTTL,
		defaultLimit:  DefaultLimit,
		maxLimit:      DefaultMaxLimit,
		maxLookup:     DefaultMaxLookup,
		now:           time.Now,
		resolution:    DefaultTimestampResolution,
		subLifetime:   DefaultSubscriptionLifetime,
		window:        DefaultCallbackWindow,
		retries:       3,
		retryBackoff:  50 * time.Millisecond,
		maxBody:       DefaultMaxBody,
	}
}

// Option configures a Server.
type Option func(*options)

// WithBasePath serves the API under p instead of DefaultBasePath ("" or "/" for the root).
func WithBasePath(p string) Option {
	return func(o *options) {
		o.basePath = "/" + strings.Trim(p, "/")
		o.basePath = strings.TrimSuffix(o.basePath, "/")
	}
}

// WithTokens sets the static bearer tokens the server accepts (Token returns the first). By
// default the server makes one random token.
func WithTokens(tokens ...string) Option {
	return func(o *options) {
		if len(tokens) > 0 {
			o.tokens = tokens
		}
	}
}

// WithoutAuth serves every request without a bearer token, as some internal services do.
func WithoutAuth() Option { return func(o *options) { o.noAuth = true } }

// WithClientCredentials sets the client id and secret the OAuth2 token endpoint (TokenURL)
// accepts, instead of DefaultClientID and DefaultClientSecret.
func WithClientCredentials(id, secret string) Option {
	return func(o *options) { o.clientID, o.clientSecret = id, secret }
}

// WithTokenLifetime sets how long tokens from the token endpoint are valid.
func WithTokenLifetime(d time.Duration) Option { return func(o *options) { o.tokenLifetime = d } }

// WithPageTokenTTL sets how long a pageToken stays usable after it was handed out; a client
// that comes back later gets 410 Gone and has to start the listing again.
func WithPageTokenTTL(d time.Duration) Option { return func(o *options) { o.pageTTL = d } }

// WithLimits sets the page size used when a request sets no limit and the largest page the
// server sends (a larger limit is lowered to it, as the standard allows).
func WithLimits(defaultLimit, maxLimit int) Option {
	return func(o *options) {
		if defaultLimit > 0 {
			o.defaultLimit = defaultLimit
		}
		if maxLimit > 0 {
			o.maxLimit = maxLimit
		}
		if o.defaultLimit > o.maxLimit {
			o.defaultLimit = o.maxLimit
		}
	}
}

// WithMaxLookup sets how many keys one lookup body may carry; more is answered 413, and
// clients are expected to split the batch.
func WithMaxLookup(n int) Option {
	return func(o *options) {
		if n > 0 {
			o.maxLookup = n
		}
	}
}

// WithClock sets the server's clock (default time.Now). Meta timestamps, removal times,
// pageToken and bearer-token expiry and subscription expiry follow it, so a test can move time.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithTimestampResolution truncates the meta timestamps the server stamps to d (default one
// millisecond). Many services keep whole seconds; with time.Second several changes share one
// meta.modified, which a delta sync with the exclusive meta.modified.after has to survive.
func WithTimestampResolution(d time.Duration) Option {
	return func(o *options) { o.resolution = d }
}

// WithDeletedActivitiesSpelling chooses the key under which /deletedEntities lists removed
// activities: "activitites" as in the standard (the default), "activities", or both.
func WithDeletedActivitiesSpelling(s Spelling) Option {
	return func(o *options) { o.deletedSpelling = s }
}

// WithModifiedEntitiesSpelling chooses the key under which subscription callbacks list the
// changed types: "modifiedEntites" as in the standard (the default), "modifiedEntities", or both.
func WithModifiedEntitiesSpelling(s Spelling) Option {
	return func(o *options) { o.notifySpelling = s }
}

// WithLogger logs every request (at Debug) and callback failures (at Warn) to l. URLs are
// redacted: civic numbers, tokens and page tokens never reach the log.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithSubscriptionLifetime sets how long a subscription lives after it was created or renewed.
func WithSubscriptionLifetime(d time.Duration) Option {
	return func(o *options) { o.subLifetime = d }
}

// WithCallbackWindow sets how long changes are collected before subscribers are called.
func WithCallbackWindow(d time.Duration) Option { return func(o *options) { o.window = d } }

// WithCallbackRetries sets how often a failing callback is repeated (default 3) and the wait
// before the first repetition (doubling after each; default 50 ms).
func WithCallbackRetries(n int, backoff time.Duration) Option {
	return func(o *options) { o.retries, o.retryBackoff = n, backoff }
}

// WithCallbackClient sets the HTTP client used to call subscribers (default: a client with a
// five-second timeout).
func WithCallbackClient(c *http.Client) Option { return func(o *options) { o.callbackClient = c } }

// WithMaxBody caps request bodies at n bytes (default 10 MiB); larger ones are answered 413.
func WithMaxBody(n int64) Option { return func(o *options) { o.maxBody = n } }

// WithNullPageToken makes the last page of a listing carry "pageToken": null instead of no
// pageToken at all. Services do both; a client must stop on either.
func WithNullPageToken() Option { return func(o *options) { o.nullPageToken = true } }

// WithDataset starts the server with the records of ds (SampleSchool, FromPopulation, or a
// Dataset of the test's own); without it the server starts empty.
func WithDataset(ds Dataset) Option { return func(o *options) { o.dataset = ds } }

// WithFaults starts the server with faults switched on (see SetFaults).
func WithFaults(f Faults) Option { return func(o *options) { o.faults = f } }
