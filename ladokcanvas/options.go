package ladokcanvas

import (
	"errors"
	"log/slog"
	"time"

	"github.com/edusync/edusync/ladok/ladokfeed"
)

// Option configures an Adapter.
type Option func(*options) error

type options struct {
	logger     *slog.Logger
	now        func() time.Time
	workers    int
	maxPending int
	tenant     string
	feedName   string
	readerOpts []ladokfeed.Option
	messenger  Messenger
	noticeText NoticeText
	poll       time.Duration
	retryWait  time.Duration
	retryMax   time.Duration
	timerCheck time.Duration

	existingState bool
}

func defaultOptions() options {
	return options{
		logger:     slog.New(slog.DiscardHandler),
		now:        time.Now,
		workers:    32,
		maxPending: 4096,
		poll:       30 * time.Second,
		retryWait:  time.Second,
		retryMax:   5 * time.Minute,
		timerCheck: time.Minute,
		noticeText: SwedishNoticeText,
	}
}

// WithLogger logs what the adapter does to l: each change in Canvas at Debug, dead-lettered
// events and retries at Warn. Students are logged by Ladok UID; personal numbers, names and
// e-mail addresses never appear.
func WithLogger(l *slog.Logger) Option {
	return func(o *options) error {
		if l == nil {
			return errors.New("ladokcanvas: nil logger")
		}
		o.logger = l
		return nil
	}
}

// WithClock sets the clock that decides which suspensions are in force and when timers are
// due (default time.Now). For tests and simulations.
func WithClock(now func() time.Time) Option {
	return func(o *options) error {
		if now == nil {
			return errors.New("ladokcanvas: nil clock")
		}
		o.now = now
		return nil
	}
}

// WithConcurrency sets how many events are worked on at once (default 32). The Canvas client's
// adaptive throttle still decides how many requests are in flight, so this only needs to be
// large enough to keep Canvas's bucket busy; 1 applies one event at a time.
func WithConcurrency(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return errors.New("ladokcanvas: concurrency must be at least 1")
		}
		o.workers = n
		return nil
	}
}

// WithMaxPending caps how many events may be queued or in progress before the feed reader
// waits (default 4096).
func WithMaxPending(n int) Option {
	return func(o *options) error {
		if n < 1 {
			return errors.New("ladokcanvas: max pending must be at least 1")
		}
		o.maxPending = n
		return nil
	}
}

// WithTenant names the tenant (a university) of the adapter's state in the store (default:
// the Ladok host), so one store can hold several adapters.
func WithTenant(name string) Option {
	return func(o *options) error {
		if name == "" {
			return errors.New("ladokcanvas: empty tenant")
		}
		o.tenant = name
		return nil
	}
}

// WithReaderOptions passes options to the ladokfeed.Reader the adapter reads the feed with (the
// start page, page retries, a logger, progress callbacks). WithFeedName is set by the adapter
// from the tenant unless given here.
func WithReaderOptions(opts ...ladokfeed.Option) Option {
	return func(o *options) error {
		o.readerOpts = append(o.readerOpts, opts...)
		return nil
	}
}

// WithFeedName names the feed reader's state (default "ladok-canvas:" plus the tenant).
func WithFeedName(name string) Option {
	return func(o *options) error {
		if name == "" {
			return errors.New("ladokcanvas: empty feed name")
		}
		o.feedName = name
		return nil
	}
}

// WithMessenger sends the messages to teachers that RestrictionsSendMessageToTeachers asks
// for through m (e-mail, a ticket system, ...) instead of the built-in Canvas messenger, which
// sends every teacher a Canvas conversation (see WithNoticeText).
func WithMessenger(m Messenger) Option {
	return func(o *options) error {
		if m == nil {
			return errors.New("ladokcanvas: nil messenger")
		}
		o.messenger = m
		return nil
	}
}

// WithNoticeText sets the subject and text of the built-in Canvas messenger's messages to
// teachers (default SwedishNoticeText; EnglishNoticeText is the same in English). It has no
// effect with WithMessenger.
func WithNoticeText(f NoticeText) Option {
	return func(o *options) error {
		if f == nil {
			return errors.New("ladokcanvas: nil notice text")
		}
		o.noticeText = f
		return nil
	}
}

// WithPollInterval sets how long Run waits between looks at Ladok's recent feed page once it
// has caught up (default 30 s).
func WithPollInterval(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return errors.New("ladokcanvas: poll interval must be positive")
		}
		o.poll = d
		return nil
	}
}

// WithRetryBackoff sets how long Run waits after a failed catch-up (Canvas or Ladok down after
// the clients' own retries) before trying again: from first, doubling, up to max (default 1 s
// to 5 min).
func WithRetryBackoff(first, max time.Duration) Option {
	return func(o *options) error {
		if first <= 0 || max < first {
			return errors.New("ladokcanvas: WithRetryBackoff needs 0 < first <= max")
		}
		o.retryWait, o.retryMax = first, max
		return nil
	}
}

// WithTimerCheck sets how often Run looks for due timers and unfinished suspension work at
// the latest (default 1 min); Run also wakes for the earliest timer.
func WithTimerCheck(d time.Duration) Option {
	return func(o *options) error {
		if d <= 0 {
			return errors.New("ladokcanvas: timer check interval must be positive")
		}
		o.timerCheck = d
		return nil
	}
}

// WithExistingState says the store must already hold the adapter's state (a feed position):
// Start refuses with an error matching store.ErrNoState instead of reading the whole feed
// again as a new installation would, when the state was lost (a restore gone wrong, an empty
// file, the wrong tenant or feed name). Use it for every start after the first, together with
// sqlite.MustExist.
func WithExistingState() Option {
	return func(o *options) error {
		o.existingState = true
		return nil
	}
}
