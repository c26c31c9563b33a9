package ladokfeed_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladokfeed"
	"github.com/edusync/edusync/ladok/ladoktest"
	"github.com/edusync/edusync/store"
)

// memState is a reader state in package store's memory backend.
func memState() *ladokfeed.StoreState { return ladokfeed.NewStoreState(store.NewMemory()) }

func setPosition(t testing.TB, st *ladokfeed.StoreState, feed string, pos ladokfeed.Position) {
	t.Helper()
	if err := st.SetPosition(context.Background(), feed, pos); err != nil {
		t.Fatal(err)
	}
}

// failingState fails its next Commit with fail (storing nothing), as a full disk would.
type failingState struct {
	ladokfeed.State
	fail error
}

func (f *failingState) Commit(ctx context.Context, feed string, pos ladokfeed.Position, keys []string) error {
	if err := f.fail; err != nil {
		f.fail = nil
		return err
	}
	return f.State.Commit(ctx, feed, pos, keys)
}

// fakeFeed starts a fake with n mixed events on pages of perPage entries and returns it with a
// client (fast retries) and the events' HandelseUIDs, oldest first.
func fakeFeed(t testing.TB, n, perPage int, opts ...ladoktest.Option) (*ladoktest.Server, *ladok.Client, []string) {
	t.Helper()
	s := ladoktest.NewServer(append([]ladoktest.Option{ladoktest.WithEntriesPerPage(perPage)}, opts...)...)
	t.Cleanup(s.Close)
	evs := ladoktest.Mix(7, n)
	s.Append(evs...)
	uids := make([]string, n)
	for i, e := range evs {
		uids[i] = e.EventHeader().HandelseUID
	}
	c, err := s.Client(ladok.WithRetry(ladok.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}))
	if err != nil {
		t.Fatal(err)
	}
	return s, c, uids
}

// recorder is a handler that records the HandelseUIDs it sees and can be told to fail.
type recorder struct {
	mu     sync.Mutex
	got    []string
	failAt string // HandelseUID to fail on
	fails  int    // how many times to fail there
}

func (r *recorder) handle(_ context.Context, e *ladok.Entry) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if e.HandelseUID == r.failAt && r.fails > 0 {
		r.fails--
		return errors.New("downstream unavailable")
	}
	r.got = append(r.got, e.HandelseUID)
	return nil
}

func (r *recorder) seen() []string {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]string(nil), r.got...)
}

func newReader(t testing.TB, c *ladok.Client, st ladokfeed.State, h ladokfeed.Handler, opts ...ladokfeed.Option) *ladokfeed.Reader {
	t.Helper()
	opts = append([]ladokfeed.Option{ladokfeed.WithPageRetry(8, time.Millisecond, 5*time.Millisecond)}, opts...)
	r, err := ladokfeed.NewReader(c, st, h, opts...)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCatchUpFromOldPositionVisitsEveryPage(t *testing.T) {
	const n, per = 1003, 7 // 144 pages, the last one partly filled
	s, c, uids := fakeFeed(t, n, per, ladoktest.WithFirstPage(5000))
	st := memState()
	rec := &recorder{}
	var progress []ladokfeed.Progress
	r := newReader(t, c, st, rec.handle, ladokfeed.WithProgress(func(p ladokfeed.Progress) { progress = append(progress, p) }))

	stats, err := r.CatchUp(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(uids, rec.seen()); diff != "" {
		t.Fatalf("delivered events differ from the feed, oldest first (-want +got):\n%s", diff)
	}
	pages := s.Pages()
	if stats.Pages != pages || stats.Handled != n || stats.Duplicates != 0 {
		t.Errorf("stats = %+v, want %d pages and %d handled", stats, pages, n)
	}
	for p := 5000; p < 5000+pages; p++ {
		path := ladok.FeedPageHref(p)
		if got := s.Stats().RequestsTo(path); got == 0 && p != 5000 {
			t.Errorf("page %d was never fetched", p)
		}
	}
	// The lag shrinks to zero, one page at a time.
	if len(progress) != pages {
		t.Fatalf("%d progress reports for %d pages", len(progress), pages)
	}
	for i, p := range progress {
		if want := pages - 1 - i; p.Lag.Pages != want {
			t.Fatalf("report %d: %d pages behind, want %d", i, p.Lag.Pages, want)
		}
	}
	if l := r.Lag(); !l.CaughtUp || l.Pages != 0 || l.Position.Handled != n%per {
		t.Errorf("final lag %+v", l)
	}

	// A second run finds nothing new; new events are picked up from the saved position.
	more := ladoktest.Mix(8, 10)
	s.Append(more...)
	stats, err = r.CatchUp(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Handled != 10 {
		t.Fatalf("second run handled %d, want 10", stats.Handled)
	}
	got := rec.seen()[n:]
	for i, e := range more {
		if got[i] != e.EventHeader().HandelseUID {
			t.Fatalf("new event %d out of order", i)
		}
	}
}

func TestRestartAfterHandlerFailureResumesAtFailedEntry(t *testing.T) {
	for _, tc := range []struct {
		name    string
		failIdx int
		every   int
	}{
		{"middle of a page", 23, 0},
		{"first entry of a page", 30, 0},
		{"very first entry", 0, 0},
		{"last entry", 49, 0},
		{"commit every entry", 23, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, c, uids := fakeFeed(t, 50, 10)
			st := memState()
			rec := &recorder{failAt: uids[tc.failIdx], fails: 1}
			r := newReader(t, c, st, rec.handle, ladokfeed.WithCommitEvery(tc.every))
			_, err := r.CatchUp(context.Background())
			var he *ladokfeed.HandlerError
			if !errors.As(err, &he) {
				t.Fatalf("err = %v, want a HandlerError", err)
			}
			if diff := cmp.Diff(uids[:tc.failIdx], rec.seen(), cmpopts.EquateEmpty()); diff != "" {
				t.Fatalf("before the failure (-want +got):\n%s", diff)
			}
			// A new reader (a restarted process) with the same state starts at the failed entry.
			rec2 := &recorder{}
			r2 := newReader(t, c, st, rec2.handle)
			if _, err := r2.CatchUp(context.Background()); err != nil {
				t.Fatal(err)
			}
			if diff := cmp.Diff(uids[tc.failIdx:], rec2.seen()); diff != "" {
				t.Fatalf("after the restart (-want +got):\n%s", diff)
			}
		})
	}
}

func TestDuplicatesRecognised(t *testing.T) {
	s, c, uids := fakeFeed(t, 25, 10)
	st := memState()
	rec := &recorder{}
	r := newReader(t, c, st, rec.handle)
	if _, err := r.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}

	// Ladok publishes an event again under a new entry id: recognised by its HandelseUID.
	again := &ladok.AvbrottEvent{Header: ladok.Header{HandelseUID: uids[3]}, StudentUID: "s1"}
	fresh := &ladok.AvbrottEvent{StudentUID: "s2"}
	s.Append(again, fresh)
	stats, err := r.CatchUp(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Handled != 1 || stats.Duplicates != 1 {
		t.Fatalf("stats = %+v, want 1 handled and 1 duplicate", stats)
	}

	// The host restores an old position (a backup): everything is recognised by entry id.
	setPosition(t, st, "ladok:"+hostOf(c), ladokfeed.Position{Page: ladok.FeedPageHref(1)})
	stats, err = r.CatchUp(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Handled != 0 || stats.Duplicates != 27 {
		t.Fatalf("stats after restoring an old position = %+v, want 27 duplicates", stats)
	}
	if got := len(rec.seen()); got != 26 {
		t.Fatalf("handler saw %d entries, want 26", got)
	}
}

func hostOf(c *ladok.Client) string {
	u := c.BaseURL()
	return u[len("https://"):]
}

func TestFaultsLoseNothing(t *testing.T) {
	s, c, uids := fakeFeed(t, 300, 20)
	s.SetFaults(ladoktest.Faults{Rules: []ladoktest.Rule{{Path: "/handelser/feed/", Status: 503, Every: 3}, {Path: "/handelser/feed/", Truncate: true, Every: 4}, {Path: "/handelser/feed/", Status: 500, Times: 2}, {Path: "/handelser/feed/", Drop: true, Every: 7}}})
	st := memState()
	rec := &recorder{}
	r := newReader(t, c, st, rec.handle, ladokfeed.WithPageRetry(20, time.Millisecond, 2*time.Millisecond))
	if _, err := r.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(uids, rec.seen()); diff != "" {
		t.Fatalf("events lost or repeated under faults (-want +got):\n%s", diff)
	}
}

func TestRunStopsOnHandlerErrorAndPollsForNewEvents(t *testing.T) {
	s, c, uids := fakeFeed(t, 12, 5)
	st := memState()
	rec := &recorder{}
	r := newReader(t, c, st, rec.handle, ladokfeed.WithPollInterval(5*time.Millisecond))
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- r.Run(ctx) }()
	deadline := time.Now().Add(5 * time.Second)
	for len(rec.seen()) < 12 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	bad := &ladok.AterbudEvent{StudentUID: "x"}
	s.Append(&ladok.AterbudEvent{StudentUID: "y"}) // picked up by polling
	for len(rec.seen()) < 13 && time.Now().Before(deadline) {
		time.Sleep(time.Millisecond)
	}
	if got := rec.seen(); len(got) != 13 || got[11] != uids[11] {
		t.Fatalf("Run delivered %d entries, want 13", len(got))
	}
	// A failing handler ends Run with a HandlerError.
	s.Append(bad)
	rec.mu.Lock()
	rec.failAt, rec.fails = bad.HandelseUID, 1
	rec.mu.Unlock()
	select {
	case err := <-done:
		var he *ladokfeed.HandlerError
		if !errors.As(err, &he) {
			t.Fatalf("Run returned %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("Run did not stop on a handler error")
	}
	cancel()
}

func TestStartAtRecentPage(t *testing.T) {
	s, c, uids := fakeFeed(t, 23, 10)
	rec := &recorder{}
	r := newReader(t, c, memState(), rec.handle, ladokfeed.WithStart(ladok.FeedRecent))
	if _, err := r.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if diff := cmp.Diff(uids[20:], rec.seen()); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
	// The recent page fills up and is archived: the reader, positioned on it, follows on.
	more := ladoktest.Mix(9, 15)
	s.Append(more...)
	if _, err := r.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	if got := len(rec.seen()); got != 3+15 {
		t.Fatalf("after the roll-over the handler saw %d entries, want 18", got)
	}
}

func TestSavedPositionOnRecentHrefIsFoundOnOlderPage(t *testing.T) {
	s, c, _ := fakeFeed(t, 40, 10)
	tail := ladoktest.Mix(3, 5)
	ids := s.Append(tail...) // entries 40..44, on page 5, the recent page
	st := memState()
	// A position saved by a reader that stored the recent page's href, after entry 42.
	setPosition(t, st, "ladok:"+hostOf(c), ladokfeed.Position{Page: ladok.FeedRecent, Entry: ids[2], Handled: 3})
	more := ladoktest.Mix(4, 20)
	s.Append(more...) // the recent page is archived and two more pages follow
	rec := &recorder{}
	if _, err := newReader(t, c, st, rec.handle).CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, e := range append(tail[3:], more...) {
		want = append(want, e.EventHeader().HandelseUID)
	}
	if diff := cmp.Diff(want, rec.seen()); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

func TestLostPositionIsAnError(t *testing.T) {
	_, c, _ := fakeFeed(t, 30, 10)
	st := memState()
	setPosition(t, st, "ladok:"+hostOf(c), ladokfeed.Position{Page: ladok.FeedPageHref(3), Entry: "no-such-entry"})
	rec := &recorder{}
	r := newReader(t, c, st, rec.handle)
	if _, err := r.CatchUp(context.Background()); !errors.Is(err, ladokfeed.ErrPositionLost) {
		t.Fatalf("err = %v, want ErrPositionLost", err)
	}
	if len(rec.seen()) != 0 {
		t.Fatal("entries delivered from a lost position")
	}
	if err := r.Run(context.Background()); !errors.Is(err, ladokfeed.ErrPositionLost) {
		t.Fatalf("Run: err = %v, want ErrPositionLost", err)
	}
	// A saved page that does not exist (any more) is a lost position too.
	setPosition(t, st, "ladok:"+hostOf(c), ladokfeed.Position{Page: ladok.FeedPageHref(999), Entry: "x"})
	if _, err := r.CatchUp(context.Background()); !errors.Is(err, ladokfeed.ErrPositionLost) || !errors.Is(err, ladok.ErrNotFound) {
		t.Fatalf("missing page: err = %v", err)
	}
}

func TestUndecodableEntriesReachTheHandler(t *testing.T) {
	s, c, _ := fakeFeed(t, 3, 10)
	bad := s.AppendRaw(ladok.NSStudiedeltagande+"/RegistreringEvent",
		[]byte(`<sd:RegistreringEvent xmlns:sd="`+ladok.NSStudiedeltagande+`"><sd:HandelseUID>h-bad</sd:HandelseUID><sd:Period>tre</sd:Period></sd:RegistreringEvent>`))
	s.Append(&ladok.AvbrottEvent{StudentUID: "s"})
	var parked []string
	h := func(_ context.Context, e *ladok.Entry) error {
		if e.Err != nil {
			if e.Event != nil {
				t.Error("entry with Err has an Event")
			}
			parked = append(parked, e.ID)
		}
		return nil
	}
	stats, err := newReader(t, c, memState(), h).CatchUp(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if stats.Handled != 5 || stats.Failed != 1 || len(parked) != 1 || parked[0] != bad {
		t.Fatalf("stats %+v, parked %v", stats, parked)
	}
}

func TestCommitFailureRedeliversNothingIsLost(t *testing.T) {
	_, c, uids := fakeFeed(t, 20, 10)
	st := &failingState{State: memState(), fail: errors.New("disk full")}
	rec := &recorder{}
	r := newReader(t, c, st, rec.handle)
	if _, err := r.CatchUp(context.Background()); err == nil {
		t.Fatal("commit failure not reported")
	}
	if _, err := r.CatchUp(context.Background()); err != nil {
		t.Fatal(err)
	}
	got := rec.seen()
	// The first page is handed over again (and the second too when the first run handed it
	// over before the failed commit stopped it: the window allows one page more), then
	// everything once, in order.
	again := 10
	if len(got) == 40 {
		again = 20
	}
	if diff := cmp.Diff(append(append([]string(nil), uids[:again]...), uids...), got); diff != "" {
		t.Fatalf("(-want +got):\n%s", diff)
	}
}

func TestReaderOptionsValidated(t *testing.T) {
	_, c, _ := fakeFeed(t, 1, 10)
	h := func(context.Context, *ladok.Entry) error { return nil }
	for i, o := range []ladokfeed.Option{
		ladokfeed.WithFeedName(""), ladokfeed.WithStart(""), ladokfeed.WithPollInterval(0), ladokfeed.WithSearchBack(-1),
		ladokfeed.WithCommitEvery(-1), ladokfeed.WithPageRetry(0, time.Second, time.Second),
	} {
		if _, err := ladokfeed.NewReader(c, memState(), h, o); err == nil {
			t.Errorf("option %d accepted", i)
		}
	}
	if _, err := ladokfeed.NewReader(nil, memState(), h); err == nil {
		t.Error("nil client accepted")
	}
}

func ExampleReader() {
	fake := ladoktest.NewServer(ladoktest.WithEntriesPerPage(2))
	defer fake.Close()
	fake.Append(
		&ladok.RegistreringEvent{RegistreringBas: ladok.RegistreringBas{StudentUID: "student-1", KurstillfalleUID: "kt-1"}},
		&ladok.StudentrestriktionEvent{StudentUID: "student-2", Restriktionstyp: ladok.RestriktionAvstangning,
			Giltighetsperiod: ladok.Datumperiod{Startdatum: "2026-10-01", Slutdatum: "2026-11-30"}},
		&ladok.AvbrottEvent{StudentUID: "student-1", UtbildningstillfalleUID: "kt-1"},
	)
	client, err := fake.Client()
	if err != nil {
		panic(err)
	}
	handle := func(ctx context.Context, e *ladok.Entry) error {
		switch ev := e.Event.(type) {
		case *ladok.RegistreringEvent:
			fmt.Println("registered:", ev.StudentUID, "on", ev.KurstillfalleUID)
		case *ladok.StudentrestriktionEvent:
			fmt.Println("suspended:", ev.StudentUID, ev.IsSuspension(), "until", ev.Giltighetsperiod.Slutdatum)
		default:
			fmt.Println("other event:", e.Name)
		}
		return nil
	}
	// In production the state is store's SQLite database; the reader keeps its position there.
	reader, err := ladokfeed.NewReader(client, memState(), handle)
	if err != nil {
		panic(err)
	}
	stats, err := reader.CatchUp(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Println(stats.Pages, "pages,", stats.Handled, "events")
	// Output:
	// registered: student-1 on kt-1
	// suspended: student-2 true until 2026-11-30
	// other event: AvbrottEvent
	// 2 pages, 3 events
}

func TestEntryWithoutIDIsPositionedByCount(t *testing.T) {
	s, c, _ := fakeFeed(t, 3, 10)
	// No id and no HandelseUID: only the count on the page can place the position after it.
	s.AppendEntryXML([]byte(`<entry><content><sd:AvbrottEvent xmlns:sd="` + ladok.NSStudiedeltagande + `"><sd:StudentUID>s</sd:StudentUID></sd:AvbrottEvent></content></entry>`))
	st := memState()
	var n, noID int
	h := func(_ context.Context, e *ladok.Entry) error {
		n++
		if errors.Is(e.Err, ladok.ErrNoEntryID) {
			noID++
		}
		return nil
	}
	r := newReader(t, c, st, h)
	for range 2 {
		if _, err := r.CatchUp(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if n != 4 || noID != 1 {
		t.Fatalf("handled %d entries (%d without id), want 4 (1)", n, noID)
	}
	if l := r.Lag(); l.Position.Entry != "" || l.Position.Handled != 4 {
		t.Fatalf("position %+v", l.Position)
	}
	s.Append(&ladok.AvbrottEvent{StudentUID: "t"})
	if _, err := r.CatchUp(context.Background()); err != nil || n != 5 {
		t.Fatalf("after one more event: %d handled, %v", n, err)
	}
}

func TestStoreStateKeepsPositionAndExpiringKeys(t *testing.T) {
	ctx := context.Background()
	now := time.Date(2026, 9, 1, 12, 0, 0, 0, time.UTC)
	mem := store.NewMemory(store.WithClock(func() time.Time { return now }))
	st := ladokfeed.NewStoreState(mem, ladokfeed.WithKeyRetention(48*time.Hour), ladokfeed.WithStateClock(func() time.Time { return now }))
	if _, ok, err := st.LoadPosition(ctx, "uu"); ok || err != nil {
		t.Fatalf("empty state: ok=%v err=%v", ok, err)
	}
	pos := ladokfeed.Position{Page: ladok.FeedPageHref(7), Entry: "urn:e:3", Handled: 3}
	if err := st.Commit(ctx, "uu", pos, []string{"entry:a", "handelse:b"}); err != nil {
		t.Fatal(err)
	}
	got, ok, err := st.LoadPosition(ctx, "uu")
	if err != nil || !ok || got != pos {
		t.Fatalf("LoadPosition = %+v %v %v, want %+v", got, ok, err, pos)
	}
	seen, err := st.Processed(ctx, "uu", []string{"entry:a", "handelse:b", "entry:c"})
	if err != nil || !seen["entry:a"] || !seen["handelse:b"] || seen["entry:c"] {
		t.Fatalf("Processed = %v, %v", seen, err)
	}
	// Feeds are separate scopes: another reader's feed sees neither position nor keys.
	if _, ok, _ := st.LoadPosition(ctx, "kth"); ok {
		t.Fatal("a position leaked into another feed")
	}
	if seen, _ := st.Processed(ctx, "kth", []string{"entry:a"}); seen["entry:a"] {
		t.Fatal("a key leaked into another feed")
	}
	// The position lives in the store under the documented scope.
	if p, ok, err := store.LoadPosition(ctx, mem, st.Scope("uu")); err != nil || !ok || p.Cursor != pos.Page || p.Last != pos.Entry || p.Offset != 3 {
		t.Fatalf("store position = %+v %v %v", p, ok, err)
	}
	now = now.Add(49 * time.Hour)
	if seen, _ := st.Processed(ctx, "uu", []string{"entry:a"}); seen["entry:a"] {
		t.Fatal("a key outlived its retention")
	}
	if err := st.Commit(ctx, "uu", ladokfeed.Position{}, nil); err == nil {
		t.Fatal("a position without page was accepted")
	}
	if err := st.SetPosition(ctx, "uu", ladokfeed.Position{Page: ladok.FeedFirst}); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := st.LoadPosition(ctx, "uu"); got.Page != ladok.FeedFirst || got.Handled != 0 {
		t.Fatalf("after SetPosition: %+v", got)
	}
}
