package notify

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/internal/redact"
)

// Notifier sends flows' failures to a chat channel and gathers them for the daily e-mail
// digest. It is safe for concurrent use. A Notifier without a chat webhook or a digest does
// nothing, so that a flow can always be given one.
type Notifier struct {
	chatURL   *url.URL
	secrets   redact.Secrets // the chat URL and its parts, masked in whatever a service answers
	http      *http.Client
	retryBase time.Duration
	now       func() time.Time
	log       *slog.Logger
	digest    *Digest

	mu        sync.RWMutex
	blacklist map[string]map[string]bool // orgId ("" for all) -> kind -> true
}

// Option configures a Notifier.
type Option func(*Notifier) error

// New returns a Notifier configured by opts.
func New(opts ...Option) (*Notifier, error) {
	n := &Notifier{
		http:      &http.Client{Timeout: 20 * time.Second},
		retryBase: time.Second,
		now:       time.Now,
		log:       slog.New(slog.DiscardHandler),
		blacklist: map[string]map[string]bool{},
	}
	for _, o := range opts {
		if err := o(n); err != nil {
			return nil, err
		}
	}
	if n.digest != nil {
		n.digest.now = n.now
		n.digest.log = n.log
	}
	return n, nil
}

// WithChatWebhook posts every alert not blacklisted to a Slack-compatible incoming webhook.
// The URL is a secret (its path authorises the post): it never appears in errors or logs.
func WithChatWebhook(rawURL string) Option {
	return func(n *Notifier) error {
		u, err := url.Parse(rawURL)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
			return fmt.Errorf("%w: the chat webhook must be an http(s) URL with a host", ErrInvalid)
		}
		n.chatURL = u
		// A service or a proxy may echo the path in a refusal: each part of it (those long
		// enough to be a secret) is masked, as are the query's values.
		n.secrets.Add(rawURL, u.String(), u.EscapedPath(), u.Path, u.RawQuery)
		n.secrets.Add(strings.Split(u.Path, "/")...)
		for _, vs := range u.Query() {
			n.secrets.Add(vs...)
		}
		return nil
	}
}

// WithHTTPClient sets the client chat posts go through (default: one with a 20 s timeout).
func WithHTTPClient(c *http.Client) Option {
	return func(n *Notifier) error {
		if c == nil {
			return fmt.Errorf("%w: nil HTTP client", ErrInvalid)
		}
		n.http = c
		return nil
	}
}

// WithRetryBase sets the first wait between chat attempts (default 1 s); tests shorten it.
func WithRetryBase(d time.Duration) Option {
	return func(n *Notifier) error {
		if d <= 0 {
			return fmt.Errorf("%w: retry base must be positive", ErrInvalid)
		}
		n.retryBase = d
		return nil
	}
}

// WithBlacklist keeps alerts of the given kinds for a tenant (FS's orgId; "" for every tenant)
// out of the chat channel: failures an institution knows of and does not want to hear about
// again (a licence without WISEflow's reassessment module). They still reach the digest.
func WithBlacklist(orgID string, kinds ...string) Option {
	return func(n *Notifier) error {
		n.SetBlacklist(orgID, kinds...)
		return nil
	}
}

// WithClock sets the clock (default time.Now).
func WithClock(now func() time.Time) Option {
	return func(n *Notifier) error {
		if now == nil {
			return fmt.Errorf("%w: nil clock", ErrInvalid)
		}
		n.now = now
		return nil
	}
}

// WithLogger receives what the Notifier could not deliver (default: nothing is logged).
func WithLogger(l *slog.Logger) Option {
	return func(n *Notifier) error {
		if l != nil {
			n.log = l
		}
		return nil
	}
}

// WithDigest gathers every alert for the daily e-mail digest d (see Digest).
func WithDigest(d *Digest) Option {
	return func(n *Notifier) error {
		if err := d.validate(); err != nil {
			return err
		}
		n.digest = d
		return nil
	}
}

// SetBlacklist replaces the kinds blacklisted for a tenant (see WithBlacklist), as a host does
// when its configuration is reloaded.
func (n *Notifier) SetBlacklist(orgID string, kinds ...string) {
	set := map[string]bool{}
	for _, k := range kinds {
		if k = strings.TrimSpace(k); k != "" {
			set[k] = true
		}
	}
	n.mu.Lock()
	defer n.mu.Unlock()
	if len(set) == 0 {
		delete(n.blacklist, orgID)
		return
	}
	n.blacklist[orgID] = set
}

// Blacklisted reports whether alerts of kind for the tenant orgID stay out of the chat.
func (n *Notifier) Blacklisted(orgID, kind string) bool {
	if kind == "" {
		kind = "error"
	}
	n.mu.RLock()
	defer n.mu.RUnlock()
	return n.blacklist[orgID][kind] || n.blacklist[""][kind]
}

// Digest returns the digest alerts are gathered for, or nil.
func (n *Notifier) Digest() *Digest { return n.digest }

// Notify reports a failure: it is redacted, added to the digest (durably, when one is
// configured) and posted to the chat webhook unless its kind is blacklisted for its tenant.
// A nil Notifier does nothing. The error says what could not be delivered; flows log it and
// go on, as an alert that cannot be sent must not stop the work it is about.
func (n *Notifier) Notify(ctx context.Context, a Alert) error {
	if n == nil {
		return nil
	}
	if a.Time.IsZero() {
		a.Time = n.now()
	}
	r := a.Redacted()
	var errs []error
	if n.digest != nil {
		if err := n.digest.add(ctx, r); err != nil {
			errs = append(errs, err)
		}
	}
	if n.chatURL != nil && !n.Blacklisted(a.OrgID, a.Kind) {
		if err := n.postChat(ctx, ChatMessageFor(r)); err != nil {
			n.log.Warn("notify: the chat alert was not delivered", "module", r.Module, "kind", r.Kind, "error", err)
			errs = append(errs, err)
		}
	}
	return errors.Join(errs...)
}
