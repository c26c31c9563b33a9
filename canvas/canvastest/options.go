package canvastest

import (
	"log/slog"
	"net/http"
	"time"
)

// Defaults of the options.
const (
	// BasePath is where the API lives under the server's root, as on every Canvas instance.
	BasePath = "/api/v1"
	// DefaultToken is the bearer token the server accepts unless WithTokens says otherwise.
	DefaultToken = "canvastest-token"
	// DefaultPerPage is the page size when a list request sets no per_page (Canvas's default).
	DefaultPerPage = 10
	// DefaultMaxPerPage caps per_page; larger values get pages of this size, as on Canvas.
	DefaultMaxPerPage = 100
	// DefaultSISImportDelay is how long an SIS import waits before it is processed, so clients
	// have to poll as they do against Canvas.
	DefaultSISImportDelay = 20 * time.Millisecond
	// DefaultMaxBody caps request bodies (SIS uploads included); larger ones are answered 413.
	DefaultMaxBody = 64 << 20
)

// Throttle is Canvas's leaky-bucket rate limit, kept per access token.
//
// Each request puts UpFront units into its token's bucket when it arrives and, when it ends,
// takes them out again and adds its cost. The bucket drains at Outflow units a second and never
// holds more than Maximum. A request that arrives while the bucket is at or above HighWater is
// refused (403 with "403 Forbidden (Rate Limit Exceeded)", or 429) and nothing is done. Every
// answer, refused ones included, carries X-Rate-Limit-Remaining (HighWater minus the bucket's
// level, at least 0) and X-Request-Cost.
type Throttle struct {
	// Off switches throttling off (the headers are still sent).
	Off bool
	// HighWater is the level at which requests are refused (default 600).
	HighWater float64
	// Maximum is the most the bucket holds (default 800).
	Maximum float64
	// Outflow is how many units drain per second (default 10).
	Outflow float64
	// UpFront is the charge per request in flight (default 50).
	UpFront float64
	// Cost is what every request costs; zero means the time the server spent on it in seconds
	// (simulated latency included), which is what Canvas charges.
	Cost float64
	// Status is the answer to a throttled request: 403 (default, Canvas until 2025) or 429.
	Status int
}

// DefaultThrottle returns Canvas's default bucket.
func DefaultThrottle() Throttle {
	return Throttle{HighWater: 600, Maximum: 800, Outflow: 10, UpFront: 50, Status: http.StatusForbidden}
}

func (t Throttle) withDefaults() Throttle {
	d := DefaultThrottle()
	if t.HighWater <= 0 {
		t.HighWater = d.HighWater
	}
	if t.Maximum < t.HighWater {
		t.Maximum = max(d.Maximum, t.HighWater)
	}
	if t.Outflow <= 0 {
		t.Outflow = d.Outflow
	}
	if t.UpFront < 0 {
		t.UpFront = 0
	} else if t.UpFront == 0 {
		t.UpFront = d.UpFront
	}
	if t.Status != http.StatusTooManyRequests {
		t.Status = http.StatusForbidden
	}
	return t
}

type options struct {
	tokens      []string
	throttle    Throttle
	latency     time.Duration
	perPage     int
	maxPerPage  int
	faults      Faults
	logger      *slog.Logger
	now         func() time.Time
	seed        uint64
	customRoles []CustomRole
	sisDelay    time.Duration
	maxBody     int64
	accountName string
}

func defaultOptions() options {
	return options{
		tokens:      []string{DefaultToken},
		throttle:    DefaultThrottle(),
		perPage:     DefaultPerPage,
		maxPerPage:  DefaultMaxPerPage,
		now:         time.Now,
		seed:        1,
		sisDelay:    DefaultSISImportDelay,
		maxBody:     DefaultMaxBody,
		accountName: "Edusync University",
	}
}

// Option configures a Server.
type Option func(*options)

// WithTokens sets the bearer tokens the server accepts (each has its own throttle bucket).
func WithTokens(tokens ...string) Option {
	return func(o *options) {
		if len(tokens) > 0 {
			o.tokens = append([]string(nil), tokens...)
		}
	}
}

// WithThrottle sets the rate limit (zero fields take Canvas's defaults).
func WithThrottle(t Throttle) Option { return func(o *options) { o.throttle = t.withDefaults() } }

// WithoutThrottle switches the rate limit off, for benchmarks of everything else.
func WithoutThrottle() Option { return func(o *options) { o.throttle.Off = true } }

// WithLatency delays every request by d while it holds its up-front charge, as the time a real
// Canvas spends on a request does.
func WithLatency(d time.Duration) Option { return func(o *options) { o.latency = max(d, 0) } }

// WithPerPage sets the default and the largest page size.
func WithPerPage(def, maximum int) Option {
	return func(o *options) {
		if def > 0 {
			o.perPage = def
		}
		if maximum > 0 {
			o.maxPerPage = maximum
		}
		o.perPage = min(o.perPage, o.maxPerPage)
	}
}

// WithFaults starts the server with faults switched on (see Faults and SetFaults).
func WithFaults(f Faults) Option { return func(o *options) { o.faults = f } }

// WithLogger logs requests at Debug level (URLs redacted) and problems at Warn level.
func WithLogger(l *slog.Logger) Option { return func(o *options) { o.logger = l } }

// WithClock replaces the server's clock (timestamps of created objects).
func WithClock(now func() time.Time) Option {
	return func(o *options) {
		if now != nil {
			o.now = now
		}
	}
}

// WithSeed changes where the server's ids start, so that ids differ between two fakes as they
// differ between two Canvas instances (role ids above all). The default seed is 1.
func WithSeed(seed uint64) Option { return func(o *options) { o.seed = seed } }

// CustomRole is a course role an institution defined on top of a base enrolment type.
type CustomRole struct {
	// Label is the role's name in Canvas (custom roles are named by their label).
	Label string
	// BaseType is the enrolment type it builds on (StudentEnrollment, TeacherEnrollment, ...).
	BaseType string
	// Inactive roles are listed only when asked for state[]=inactive.
	Inactive bool
}

// WithCustomRoles defines custom course roles in the root account.
func WithCustomRoles(roles ...CustomRole) Option {
	return func(o *options) { o.customRoles = append(o.customRoles, roles...) }
}

// WithSISImportDelay sets how long an SIS import waits before it is processed.
func WithSISImportDelay(d time.Duration) Option { return func(o *options) { o.sisDelay = max(d, 0) } }

// WithMaxBody caps request bodies.
func WithMaxBody(n int64) Option {
	return func(o *options) {
		if n > 0 {
			o.maxBody = n
		}
	}
}

// WithAccountName names the root account.
func WithAccountName(name string) Option {
	return func(o *options) {
		if name != "" {
			o.accountName = name
		}
	}
}
