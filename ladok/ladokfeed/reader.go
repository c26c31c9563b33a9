package ladokfeed

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/backoff"
	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/ladok"
)

// Handler handles one feed entry. It is called oldest entry first. An entry that could not be
// decoded arrives with Err set and Event nil: the handler decides whether to stop (return an
// error) or to park it (in store's dead letters, say) and go on (return nil).
//
// The reader guarantees at-least-once delivery: an entry is handed over again after a crash
// between the handler's success and the commit of the position, so handlers must be idempotent
// (the reader does skip entries whose keys it has committed).
type Handler func(ctx context.Context, e *ladok.Entry) error

// HandlerError is returned when the handler fails: the reader saved its position before the
// failed entry and stopped, so the next run starts with that entry.
type HandlerError struct {
	EntryID string
	Name    string // the event's local name
	Err     error
}

// Error names the entry; personal numbers in the handler's message are masked.
func (e *HandlerError) Error() string {
	// The entry id and the event's name are the feed's too: a hostile feed can put a personal
	// number in them.
	return redact.Text(fmt.Sprintf("ladokfeed: handler failed for entry %s (%s): %s", e.EntryID, e.Name, e.Err.Error()))
}

// Unwrap returns the handler's error.
func (e *HandlerError) Unwrap() error { return e.Err }

// ErrPositionLost means the saved position could not be found in the feed: the entry it names
// is neither on the saved page nor on the pages before it. The reader never guesses (it would
// skip or repeat events); the host must decide where to restart.
var ErrPositionLost = errors.New("ladokfeed: the saved feed position is not in the feed")

// Reader walks Ladok's event feed and hands every entry to a Handler, oldest first, never
// skipping a page: from its saved position it follows next-archive links page by page to the
// recent page, and then polls it. Its position and the keys of processed entries live in a
// State and move forward only after the handler succeeds.
//
// A Reader is used by one goroutine at a time (Run or CatchUp); Lag may be called from anywhere.
type Reader struct {
	c        *ladok.Client
	st       State
	h        Handler
	feed     string
	start    string
	poll     time.Duration
	back     int
	every    int
	attempts int
	baseWait time.Duration
	maxWait  time.Duration
	logger   *slog.Logger
	progress func(Progress)

	mu  sync.Mutex
	lag Lag
}

// Option configures a Reader.
type Option func(*Reader) error

// WithFeedName names the feed in the State (default "ladok:" plus the API host), so one
// database can hold the positions of several environments or readers.
func WithFeedName(name string) Option {
	return func(r *Reader) error {
		if name == "" {
			return errors.New("ladokfeed: empty feed name")
		}
		r.feed = name
		return nil
	}
}

// WithStart says where a reader without a saved position starts: ladok.FeedFirst (the default, so
// nothing is ever missed), ladok.FeedRecent (the events of the recent page and later), or the href of
// a page (FeedPageHref). With a saved position it is ignored.
func WithStart(href string) Option {
	return func(r *Reader) error {
		if href == "" {
			return errors.New("ladokfeed: empty start href")
		}
		r.start = href
		return nil
	}
}

// WithPollInterval sets how long Run waits between looks at the recent page (default 30 s).
func WithPollInterval(d time.Duration) Option {
	return func(r *Reader) error {
		if d <= 0 {
			return errors.New("ladokfeed: poll interval must be positive")
		}
		r.poll = d
		return nil
	}
}

// WithSearchBack sets how many older pages the reader searches for its saved entry when it is
// not on the saved page (default 10); that happens when Ladok's recent page was archived under
// another href.
func WithSearchBack(pages int) Option {
	return func(r *Reader) error {
		if pages < 0 {
			return errors.New("ladokfeed: negative search-back")
		}
		r.back = pages
		return nil
	}
}

// WithCommitEvery also commits after every n handled entries, not only at the end of each page,
// narrowing what a crash makes the reader hand over again (at the cost of more transactions).
func WithCommitEvery(n int) Option {
	return func(r *Reader) error {
		if n < 0 {
			return errors.New("ladokfeed: negative commit interval")
		}
		r.every = n
		return nil
	}
}

// WithPageRetry sets how often a page that fails (a network error, a server error, a cut-off
// body) is fetched before CatchUp gives up, and the backoff between tries (jittered, doubling
// from base up to max). Default: 6 attempts, 500 ms to 30 s. Run keeps trying after that, with
// the same backoff.
func WithPageRetry(attempts int, base, max time.Duration) Option {
	return func(r *Reader) error {
		if attempts < 1 || base <= 0 || max < base {
			return errors.New("ladokfeed: WithPageRetry needs attempts >= 1 and 0 < base <= max")
		}
		r.attempts, r.baseWait, r.maxWait = attempts, base, max
		return nil
	}
}

// WithLogger logs progress: catching up at Info, each page at Debug, retries at Warn.
// Entries are logged by id and event name only.
func WithLogger(l *slog.Logger) Option {
	return func(r *Reader) error { r.logger = l; return nil }
}

// WithProgress calls f after each page, for metrics (how far behind, how fast).
func WithProgress(f func(Progress)) Option {
	return func(r *Reader) error { r.progress = f; return nil }
}

// NewReader returns a reader of c's feed that hands entries to h and keeps its progress in st.
func NewReader(c *ladok.Client, st State, h Handler, opts ...Option) (*Reader, error) {
	if c == nil || st == nil || h == nil {
		return nil, errors.New("ladokfeed: NewReader needs a client, a state and a handler")
	}
	r := &Reader{
		c: c, st: st, h: h,
		feed:     "ladok:" + hostOf(c),
		start:    ladok.FeedFirst,
		poll:     30 * time.Second,
		back:     10,
		attempts: 6,
		baseWait: 500 * time.Millisecond,
		maxWait:  30 * time.Second,
		logger:   slog.New(slog.DiscardHandler),
	}
	for _, o := range opts {
		if o == nil {
			continue
		}
		if err := o(r); err != nil {
			return nil, err
		}
	}
	r.lag = Lag{Pages: -1}
	return r, nil
}

// Lag says how far behind the feed a reader is.
type Lag struct {
	// Pages is the number of feed pages after the one being read; -1 while unknown. It is
	// estimated from the page numbers in the pages' hrefs and ids.
	Pages int
	// Behind is how long ago the newest handled event was published, while pages remain
	// (zero when caught up).
	Behind time.Duration
	// CaughtUp is true once the recent page has been handled.
	CaughtUp bool
	// Position is the last committed position.
	Position Position
	// At is when the figures were taken.
	At time.Time
}

// Lag returns the latest figures of how far behind the reader is.
func (r *Reader) Lag() Lag {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lag
}

// Progress is reported after each page (WithProgress).
type Progress struct {
	Page       string // the page just handled
	Handled    int    // entries handed to the handler from this page
	Duplicates int    // entries skipped because their keys were already processed
	Lag        Lag
}

// Stats sums up a CatchUp.
type Stats struct {
	Pages      int // pages read
	Handled    int // entries handed to the handler (those with Err included)
	Failed     int // of those, entries that could not be decoded
	Duplicates int // entries skipped as already processed
	Commits    int // State.Commit calls (the committer saves what queued up at once)
}

// Run catches up and then polls the recent page every poll interval until ctx ends or the
// handler fails. Failures to read the feed (network, server, cut-off pages, the state) are
// retried with backoff for as long as Run runs; a handler failure or a lost position ends it,
// with the position saved before the failed entry.
func (r *Reader) Run(ctx context.Context) error {
	failures := 0
	for {
		_, err := r.CatchUp(ctx)
		wait := r.poll
		switch {
		case err == nil:
			failures = 0
		case ctx.Err() != nil:
			return ctx.Err()
		case isFatal(err):
			return err
		default:
			failures++
			wait = min(r.backoff(failures), r.poll)
			r.logger.Warn("ladokfeed: reading the feed failed; retrying", "feed", r.feed, "error", err, "wait", wait)
		}
		if err := backoff.Sleep(ctx, wait); err != nil {
			return err
		}
	}
}

func isFatal(err error) bool {
	var he *HandlerError
	return errors.As(err, &he) || errors.Is(err, ErrPositionLost)
}

// CatchUp reads from the saved position (or the start) to the end of the recent page, handing
// every new entry to the handler, and returns once everything handed over is committed. It
// never skips a page: it follows each page's next-archive link, however many pages are
// behind. A next-archive link that leads back to a page this catch-up has read ends it, after
// that page, with an error matching ladok.ErrPageCycle (the position stays where the handled
// entries put it).
//
// Reading, handling and committing overlap (see Window): the next pages are fetched and
// decoded while the handler works, and commits are saved in the background, several at once
// when they queue up. The position is never saved ahead of the handler.
func (r *Reader) CatchUp(ctx context.Context) (Stats, error) {
	var stats Stats
	pos, saved, err := r.st.LoadPosition(ctx, r.feed)
	if err != nil {
		return stats, fmt.Errorf("ladokfeed: loading the feed position: %w", err)
	}
	href := r.start
	if saved {
		href = pos.Page
	}
	page, err := r.fetch(ctx, href)
	if err != nil {
		if saved && errors.Is(err, ladok.ErrNotFound) {
			return stats, fmt.Errorf("%w: page %s does not exist: %w", ErrPositionLost, href, err)
		}
		return stats, err
	}
	stats.Pages++
	cur := r.canonical(page, href)
	var pending []int // indexes into page.Entries, oldest first
	if saved {
		var ok bool
		pending, ok = locate(page, pos)
		if !ok {
			page, cur, pending, err = r.searchBack(ctx, page, pos, &stats)
			if err != nil {
				return stats, err
			}
		}
	} else {
		pending = all(page)
		pos = Position{}
	}
	committed := saved && cur == pos.Page
	pos.Page = cur
	pos.Handled = len(page.Entries) - len(pending)
	head, headKnown := -1, false

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// A next-archive link that leads back to a page this catch-up has read would loop for ever.
	cycle := apiclient.NewCycle(r.feed)
	_ = cycle.Visit(cur)
	ahead := r.fetchAhead(ctx, page, cycle)
	c := r.newCommitter(context.WithoutCancel(ctx))
	// Whatever ends the catch-up, what was handed over is committed (or has failed) first.
	end := func(err error) (Stats, error) {
		err = errors.Join(err, c.finish())
		cancel()
		for range ahead { // the fetcher stops at once
		}
		stats.Commits = c.commits
		return stats, err
	}
	for n := 0; ; n++ {
		if err := c.waitWindow(n); err != nil {
			return end(nil)
		}
		before := stats
		if err := r.handlePage(ctx, c, n, page, pending, &pos, &committed, &stats); err != nil {
			return end(err)
		}
		handled, dups := stats.Handled-before.Handled, stats.Duplicates-before.Duplicates
		if page.Link(ladok.RelNextArchive) == "" {
			r.report(page, pos, handled, dups, 0)
			return end(nil)
		}
		if !headKnown {
			head, headKnown = r.headNumber(ctx), true
			r.logger.Info("ladokfeed: catching up with the feed", "feed", r.feed, "page", logHref(cur), "pages_behind", pagesBetween(page, cur, head))
		}
		r.report(page, pos, handled, dups, pagesBetween(page, cur, head))
		got, ok := <-ahead
		switch {
		case !ok:
			return end(ctxErr(ctx))
		case got.loop != nil:
			return end(got.loop)
		case got.err != nil:
			return end(got.err)
		}
		page = got.page
		stats.Pages++
		cur = r.canonical(page, got.href)
		pos = Position{Page: cur}
		committed = false
		pending = all(page)
	}
}

// ctxErr is why ctx ended, or a plain error when it has not (cannot happen: the fetcher
// only stops early when ctx ends).
func ctxErr(ctx context.Context) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return errors.New("ladokfeed: the page fetcher stopped")
}

// handlePage hands the pending entries of page (the n-th of this catch-up) to the handler,
// skipping duplicates, and asks c to commit them.
func (r *Reader) handlePage(ctx context.Context, c *committer, n int, page *ladok.Feed, pending []int, pos *Position, committed *bool, stats *Stats) error {
	var keys []string
	seen := map[string]bool{}
	if len(pending) > 0 {
		all := make([]string, 0, len(pending))
		for _, i := range pending {
			if k := EntryKey(&page.Entries[i]); k != "" {
				all = append(all, k)
			}
		}
		// Keys of commits still under way first: a commit that ends meanwhile has put its
		// keys in the State by the time the State is asked.
		seen = c.pendingKeys(all)
		done, err := r.st.Processed(ctx, r.feed, all)
		if err != nil {
			return fmt.Errorf("ladokfeed: reading processed keys: %w", err)
		}
		for k := range done {
			seen[k] = true
		}
		keys = make([]string, 0, len(all))
	}
	commit := func() error {
		err := c.ask(commitReq{page: n, pos: *pos, keys: keys})
		keys = nil
		*committed = true
		return err
	}
	sinceCommit := 0
	for _, i := range pending {
		e := &page.Entries[i]
		k := EntryKey(e)
		if k != "" && seen[k] {
			stats.Duplicates++
		} else if err := r.h(ctx, e); err != nil {
			herr := &HandlerError{EntryID: e.ID, Name: e.Name, Err: err}
			if len(keys) > 0 || !*committed {
				if cerr := commit(); cerr != nil {
					return errors.Join(herr, cerr)
				}
			}
			return herr
		} else {
			stats.Handled++
			if e.Err != nil {
				stats.Failed++
			}
		}
		if k != "" {
			seen[k] = true
			keys = append(keys, k)
		}
		pos.Entry = e.ID
		pos.Handled++
		sinceCommit++
		if r.every > 0 && sinceCommit >= r.every {
			if err := commit(); err != nil {
				return err
			}
			sinceCommit = 0
		}
	}
	if len(keys) > 0 || !*committed {
		return commit()
	}
	return nil
}

// EntryKey is the processed key of an entry: "handelse:" and its HandelseUID, which stays the
// same when Ladok delivers an event again under a new entry id, or "entry:" and the entry id
// for an entry without one; "" when it has neither. StoreState keeps these keys; a handler
// that records its own progress per event uses the same key.
func EntryKey(e *ladok.Entry) string {
	switch {
	case e.HandelseUID != "":
		return "handelse:" + e.HandelseUID
	case e.ID != "":
		return "entry:" + e.ID
	}
	return ""
}

// all returns every entry of page, oldest first (the page lists them newest first).
func all(page *ladok.Feed) []int {
	out := make([]int, len(page.Entries))
	for i := range out {
		out[i] = len(page.Entries) - 1 - i
	}
	return out
}

// locate returns the entries of page after pos, oldest first; ok is false when pos is not on
// the page.
func locate(page *ladok.Feed, pos Position) ([]int, bool) {
	n := len(page.Entries)
	if pos.Entry != "" {
		// Where the count says, if the entry is there; otherwise its oldest occurrence (a page
		// that repeats an id is handed over again from there rather than skipped).
		if k := n - pos.Handled; pos.Handled > 0 && k >= 0 && page.Entries[k].ID == pos.Entry {
			return all(page)[pos.Handled:], true
		}
		for i := n - 1; i >= 0; i-- {
			if page.Entries[i].ID == pos.Entry {
				return all(page)[n-i:], true
			}
		}
		return nil, false
	}
	if pos.Handled > n {
		return nil, false
	}
	return all(page)[pos.Handled:], true
}

// searchBack looks for pos.Entry on the pages before page (prev-archive), at most r.back pages.
func (r *Reader) searchBack(ctx context.Context, page *ladok.Feed, pos Position, stats *Stats) (*ladok.Feed, string, []int, error) {
	if pos.Entry == "" {
		return nil, "", nil, fmt.Errorf("%w: page %s has fewer than %d entries", ErrPositionLost, pos.Page, pos.Handled)
	}
	p := page
	for i := 0; i < r.back; i++ {
		prev := p.Link(ladok.RelPrevArchive)
		if prev == "" {
			break
		}
		var err error
		p, err = r.fetch(ctx, prev)
		if err != nil {
			return nil, "", nil, err
		}
		stats.Pages++
		if pending, ok := locate(p, pos); ok {
			cur := r.canonical(p, prev)
			r.logger.Info("ladokfeed: found the saved entry on an older page", "feed", r.feed, "page", logHref(cur))
			return p, cur, pending, nil
		}
	}
	return nil, "", nil, fmt.Errorf("%w: entry %s is neither on %s nor on the %d pages before it", ErrPositionLost, pos.Entry, pos.Page, r.back)
}

// canonicalHref returns href in the form positions keep (path and query), or href itself when it
// has none.
func (r *Reader) canonicalHref(href string) string {
	if h, err := r.c.FeedHref(href); err == nil {
		return h
	}
	return href
}

// canonical returns the href a position names page by: its self link, else the href it was
// fetched with, as path and query.
func (r *Reader) canonical(page *ladok.Feed, fetched string) string {
	if ref := page.Link(ladok.RelSelf); ref != "" {
		if h, err := r.c.FeedHref(ref); err == nil {
			return h
		}
	}
	if h, err := r.c.FeedHref(fetched); err == nil {
		return h
	}
	return fetched
}

// hostOf is the host (and port) of c's base URL.
func hostOf(c *ladok.Client) string {
	u, err := url.Parse(c.BaseURL())
	if err != nil {
		return ""
	}
	return u.Host
}

// fetch reads one page, retrying failures with backoff.
func (r *Reader) fetch(ctx context.Context, href string) (*ladok.Feed, error) {
	var last error
	for attempt := 1; attempt <= r.attempts; attempt++ {
		f, err := r.c.GetFeedPage(ctx, href)
		if err == nil {
			return f, nil
		}
		last = err
		if ctx.Err() != nil || !retryable(err) || attempt == r.attempts {
			break
		}
		wait := r.backoff(attempt)
		r.logger.Warn("ladokfeed: fetching a feed page failed; retrying", "feed", r.feed, "href", logHref(href), "attempt", attempt, "error", err, "wait", wait)
		if err := backoff.Sleep(ctx, wait); err != nil {
			return nil, err
		}
	}
	return nil, last
}

// retryable: everything but answers that will not change (the page does not exist, the
// certificate is refused, the href points elsewhere).
func retryable(err error) bool {
	var ae *ladok.APIError
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500 || ae.StatusCode == 429 || ae.StatusCode == 408
	}
	var fe *ladok.FeedError
	if errors.As(err, &fe) {
		return !errors.Is(err, ladok.ErrBodyTooLarge)
	}
	return !errors.Is(err, ladok.ErrForeignHref)
}

func (r *Reader) backoff(attempt int) time.Duration {
	return backoff.Delay(r.baseWait, r.maxWait, attempt)
}

// headNumber returns the number of the recent page, or -1 when it cannot be told.
func (r *Reader) headNumber(ctx context.Context) int {
	f, err := r.c.GetFeedPage(ctx, ladok.FeedRecent)
	if err != nil {
		return -1
	}
	return pageNumber(f, "")
}

// pageNumber reads a page's number from its id (urn:id:N) or the last path segment of its href.
func pageNumber(f *ladok.Feed, href string) int {
	if s, ok := strings.CutPrefix(f.ID, "urn:id:"); ok {
		if n, err := strconv.Atoi(s); err == nil {
			return n
		}
	}
	for _, h := range []string{f.Link(ladok.RelSelf), href} {
		if u, err := url.Parse(h); err == nil {
			if n, err := strconv.Atoi(u.Path[strings.LastIndexByte(u.Path, '/')+1:]); err == nil {
				return n
			}
		}
	}
	return -1
}

func pagesBetween(page *ladok.Feed, href string, head int) int {
	n := pageNumber(page, href)
	if n < 0 || head < 0 || head < n {
		return -1
	}
	return head - n
}

// committed records pos as the last committed position.
func (r *Reader) committed(pos Position) {
	r.mu.Lock()
	r.lag.Position = pos
	r.mu.Unlock()
}

// logHref renders a page's href for a log line: hrefs come from the pages' links, and a
// hostile feed can put a personal number in one.
func logHref(href string) string {
	if u, err := url.Parse(href); err == nil {
		return redact.URL(u)
	}
	return redact.Text(href)
}

// report updates the lag after a page and tells the progress callback and the log.
func (r *Reader) report(page *ladok.Feed, pos Position, handled, dups, pagesLeft int) {
	l := Lag{Pages: pagesLeft, At: time.Now(), CaughtUp: pagesLeft == 0}
	if pagesLeft != 0 {
		var newest time.Time
		for i := range page.Entries {
			if t := page.Entries[i].Updated; t.After(newest) {
				newest = t
			}
		}
		if !newest.IsZero() {
			l.Behind = l.At.Sub(newest)
		}
	}
	r.mu.Lock()
	l.Position = r.lag.Position
	r.lag = l
	r.mu.Unlock()
	r.logger.Debug("ladokfeed: feed page done", "feed", r.feed, "page", logHref(pos.Page), "handled", handled, "duplicates", dups, "pages_behind", pagesLeft, "behind", l.Behind)
	if r.progress != nil {
		r.progress(Progress{Page: pos.Page, Handled: handled, Duplicates: dups, Lag: l})
	}
}
