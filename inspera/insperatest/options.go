package insperatest

import (
	"log/slog"
	"time"
)

// Option configures a Server.
type Option func(*options)

type options struct {
	tenant, apiKey string
	org, env       string
	tokenLifetime  time.Duration
	now            func() time.Time
	logger         *slog.Logger

	webhookTimeout time.Duration
	webhookRetries []time.Duration
	repeatRate     float64
	seed           uint64
	exportPolls    int
}

func defaultOptions() options {
	return options{
		tenant: DefaultTenant, apiKey: DefaultAPIKey, org: DefaultTenant, env: "prod",
		tokenLifetime: DefaultTokenLifetime, now: time.Now,
		logger:         slog.New(slog.DiscardHandler),
		webhookTimeout: DefaultWebhookTimeout, webhookRetries: DefaultWebhookRetries,
		exportPolls: 1,
	}
}

// WithTenant sets the tenant (the client_id of the token grant, the events' instance and, unless
// WithOrg says otherwise, their org).
func WithTenant(tenant string) Option { return func(o *options) { o.tenant, o.org = tenant, tenant } }

// WithAPIKey sets the integration user's API key (default DefaultAPIKey).
func WithAPIKey(key string) Option { return func(o *options) { o.apiKey = key } }

// WithOrg sets the org and env the webhook events carry (Sikt's org short name and
// environment, "prod" by default).
func WithOrg(org, env string) Option { return func(o *options) { o.org, o.env = org, env } }

// WithTokenLifetime sets how long tokens (and the download links read with them) live (default
// an hour, as Inspera's).
func WithTokenLifetime(d time.Duration) Option { return func(o *options) { o.tokenLifetime = d } }

// WithClock runs the server on now instead of time.Now: token and link expiry, the dates the
// hooks set, event timestamps.
func WithClock(now func() time.Time) Option { return func(o *options) { o.now = now } }

// WithLogger logs requests (Debug) and webhook deliveries (Info) to l.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) {
		if l != nil {
			o.logger = l
		}
	}
}

// WithWebhookTimeout sets how long a delivery waits for the subscriber's 200 (default
// DefaultWebhookTimeout) and a subscription's validation POST too.
func WithWebhookTimeout(d time.Duration) Option { return func(o *options) { o.webhookTimeout = d } }

// WithWebhookRetries sets the waits before the retries of a failed delivery (default
// DefaultWebhookRetries: three retries); tests shorten them.
func WithWebhookRetries(waits ...time.Duration) Option {
	return func(o *options) { o.webhookRetries = append([]time.Duration(nil), waits...) }
}

// WithRepeatedDeliveries makes the server deliver a share of events twice (Inspera signs no
// timestamp or delivery id and repeats deliveries, so receivers must de-duplicate), drawn from
// seed.
func WithRepeatedDeliveries(share float64, seed uint64) Option {
	return func(o *options) { o.repeatRate, o.seed = share, seed }
}

// WithExportPolls sets how many status reads an export job answers IN_PROGRESS before it is
// FINISHED (default 1).
func WithExportPolls(n int) Option { return func(o *options) { o.exportPolls = max(n, 0) } }
