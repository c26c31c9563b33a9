package ss12000_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000test"
)

const hookTarget = "https://integration.example/ss12000/hook"

func subTypes(s ss12000.Subscription) []ss12000.EndPointsEnum {
	var out []ss12000.EndPointsEnum
	for _, rt := range s.ResourceTypes {
		out = append(out, rt.Resource)
	}
	slices.Sort(out)
	return out
}

// mine returns the service's live subscriptions with the manager's name and target.
func mine(srv *ss12000test.Server, m *ss12000.SubscriptionManager) []ss12000.Subscription {
	var out []ss12000.Subscription
	for _, s := range srv.Subscriptions() {
		if s.Name == m.Name && s.Target == m.Target {
			out = append(out, s)
		}
	}
	return out
}

// writes counts the subscription writes the service carried out, by operation.
func writes(srv *ss12000test.Server) map[string]int {
	out := map[string]int{}
	for _, w := range srv.Writes() {
		out[w.Operation]++
	}
	return out
}

func TestSubscriptionManagerEnsure(t *testing.T) {
	clk := testclock.New(t0)
	srv := startFake(t, ss12000test.Dataset{}, ss12000test.WithClock(clk.Now), ss12000test.WithSubscriptionLifetime(24*time.Hour))
	c := fakeClient(t, srv)
	ctx := context.Background()
	m := &ss12000.SubscriptionManager{Client: c, Name: "edusync", Target: hookTarget,
		Types: []ss12000.EndPointsEnum{ss12000.EndPointsPerson, ss12000.EndPointsGroup}, RenewBefore: time.Hour, Now: clk.Now}
	// Someone else's subscription is never touched.
	foreign, err := c.CreateSubscription(ctx, ss12000.CreateSubscription{Name: "other system", Target: hookTarget,
		ResourceTypes: []ss12000.SubscriptionResourceType{{Resource: ss12000.EndPointsPerson}}})
	if err != nil {
		t.Fatal(err)
	}
	checkForeign := func() {
		t.Helper()
		if !slices.ContainsFunc(srv.Subscriptions(), func(s ss12000.Subscription) bool { return s.ID == foreign.ID }) {
			t.Fatal("the manager removed another system's subscription")
		}
	}

	// Missing: created.
	s1, err := m.Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	have := mine(srv, m)
	if len(have) != 1 || have[0].ID != s1.ID {
		t.Fatalf("after Ensure the service has %+v, Ensure returned %+v", have, s1)
	}
	if d := cmp.Diff([]ss12000.EndPointsEnum{"Group", "Person"}, subTypes(have[0])); d != "" {
		t.Fatalf("types: %s", d)
	}
	if !s1.Expires.Equal(t0.Add(24 * time.Hour)) {
		t.Fatalf("expires %s", s1.Expires)
	}

	// Present and far from expiry: kept, nothing written.
	before := writes(srv)
	clk.Advance(22 * time.Hour) // 2 h left, renewal starts at 1 h
	s2, err := m.Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s2.ID != s1.ID || !s2.Expires.Equal(s1.Expires) {
		t.Fatalf("Ensure replaced or renewed a good subscription: %+v -> %+v", s1, s2)
	}
	if d := cmp.Diff(before, writes(srv)); d != "" {
		t.Fatalf("Ensure wrote to the service: %s", d)
	}

	// Within RenewBefore of expiry: renewed, same id.
	clk.Advance(61 * time.Minute) // 59 min left
	s3, err := m.Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if s3.ID != s1.ID || !s3.Expires.Equal(clk.Now().Add(24*time.Hour)) {
		t.Fatalf("renewal gave %+v (now %s)", s3, clk.Now())
	}
	if got := writes(srv)["renewSubscription"]; got != 1 {
		t.Fatalf("%d renewals, want 1", got)
	}
	if have := mine(srv, m); len(have) != 1 || !have[0].Expires.Equal(s3.Expires) {
		t.Fatalf("service has %+v after the renewal", have)
	}

	// Other types wanted: the old one is replaced.
	m.Types = []ss12000.EndPointsEnum{ss12000.EndPointsPerson, ss12000.EndPointsDuty}
	s4, err := m.Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	have = mine(srv, m)
	if len(have) != 1 || have[0].ID != s4.ID || s4.ID == s1.ID {
		t.Fatalf("after a change of types the service has %+v (old %s, returned %s)", have, s1.ID, s4.ID)
	}
	if d := cmp.Diff([]ss12000.EndPointsEnum{"Duty", "Person"}, subTypes(have[0])); d != "" {
		t.Fatalf("types after replacement: %s", d)
	}

	// Duplicates (two hosts, or a crash between create and save): one is kept.
	for range 2 {
		if _, err := c.CreateSubscription(ctx, ss12000.CreateSubscription{Name: m.Name, Target: m.Target,
			ResourceTypes: []ss12000.SubscriptionResourceType{{Resource: ss12000.EndPointsDuty}, {Resource: ss12000.EndPointsPerson}}}); err != nil {
			t.Fatal(err)
		}
	}
	// The same name at another target is another subscription.
	elsewhere, err := c.CreateSubscription(ctx, ss12000.CreateSubscription{Name: m.Name, Target: hookTarget + "/other",
		ResourceTypes: []ss12000.SubscriptionResourceType{{Resource: ss12000.EndPointsPerson}}})
	if err != nil {
		t.Fatal(err)
	}
	if n := len(mine(srv, m)); n != 3 {
		t.Fatalf("test setup: %d subscriptions", n)
	}
	s5, err := m.Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	have = mine(srv, m)
	if len(have) != 1 || have[0].ID != s5.ID {
		t.Fatalf("duplicates left: %+v (returned %s)", have, s5.ID)
	}
	checkForeign()
	if !slices.ContainsFunc(srv.Subscriptions(), func(s ss12000.Subscription) bool { return s.ID == elsewhere.ID }) {
		t.Fatal("the manager removed a subscription with another target")
	}

	// Expired while the host was down: the service forgot it; a new one is made.
	clk.Advance(25 * time.Hour)
	s6, err := m.Ensure(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if have := mine(srv, m); len(have) != 1 || have[0].ID != s6.ID || s6.ID == s5.ID {
		t.Fatalf("after expiry: %+v", have)
	}

	// Remove deletes the manager's subscriptions only.
	if err := m.Remove(ctx); err != nil {
		t.Fatal(err)
	}
	if have := mine(srv, m); len(have) != 0 {
		t.Fatalf("after Remove: %+v", have)
	}
	if err := m.Remove(ctx); err != nil {
		t.Fatalf("Remove without subscriptions: %v", err)
	}

	bad := &ss12000.SubscriptionManager{Client: c, Name: "x", Target: hookTarget}
	if _, err := bad.Ensure(ctx); err == nil {
		t.Fatal("Ensure without types succeeded")
	}
}

// The manager and the service may disagree about the time; RenewBefore is judged by the
// manager's clock against the expiry the service set.
func TestSubscriptionManagerRenewBoundary(t *testing.T) {
	for _, c := range []struct {
		left  time.Duration // time to expiry by the manager's clock
		renew bool
	}{{time.Hour + time.Second, false}, {time.Hour, true}, {time.Hour - time.Second, true}, {time.Second, true}} {
		srvClock := testclock.New(t0)
		srv := startFake(t, ss12000test.Dataset{}, ss12000test.WithClock(srvClock.Now), ss12000test.WithSubscriptionLifetime(10*time.Hour))
		hostClock := testclock.New(t0.Add(10*time.Hour - c.left))
		m := &ss12000.SubscriptionManager{Client: fakeClient(t, srv), Name: "edusync", Target: hookTarget,
			Types: []ss12000.EndPointsEnum{ss12000.EndPointsPerson}, RenewBefore: time.Hour, Now: hostClock.Now}
		first, err := m.Ensure(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		srvClock.Advance(time.Minute)
		got, err := m.Ensure(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		renewed := writes(srv)["renewSubscription"] == 1
		if renewed != c.renew || got.ID != first.ID {
			t.Errorf("%s left: renewed=%v (want %v), id %s -> %s", c.left, renewed, c.renew, first.ID, got.ID)
		}
		if renewed && !got.Expires.Equal(srvClock.Now().Add(10*time.Hour)) {
			t.Errorf("%s left: renewed expiry %s", c.left, got.Expires)
		}
	}
}

// Run keeps one subscription alive across several short lifetimes, renewing it before it
// expires (never letting the service forget it), and returns when ctx ends.
func TestSubscriptionManagerRunRenewsBeforeExpiry(t *testing.T) {
	t.Parallel() // waits in real time
	// A RenewBefore under a second; Run should wake up well inside the window (here about
	// half a second after each renewal, with 700 ms to spare before the expiry).
	const lifetime = 1200 * time.Millisecond
	srv := startFake(t, ss12000test.Dataset{}, ss12000test.WithSubscriptionLifetime(lifetime))
	m := &ss12000.SubscriptionManager{Client: fakeClient(t, srv), Name: "edusync", Target: hookTarget,
		Types: []ss12000.EndPointsEnum{ss12000.EndPointsPerson}, RenewBefore: 900 * time.Millisecond}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	var errs []error
	var mu sync.Mutex
	done := make(chan error, 1)
	go func() {
		done <- m.Run(ctx, 20*time.Millisecond, func(err error) { mu.Lock(); errs = append(errs, err); mu.Unlock() })
	}()
	var ids []string
	const watch = 2 * time.Second
	deadline := time.Now().Add(watch)
	for time.Now().Before(deadline) {
		for _, s := range mine(srv, m) {
			if !slices.Contains(ids, s.ID) {
				ids = append(ids, s.ID)
			}
		}
		time.Sleep(10 * time.Millisecond)
	}
	cancel()
	select {
	case err := <-done:
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("Run returned %v, want context.Canceled", err)
		}
	case <-time.After(2 * time.Second):
		t.Fatal("Run did not return after ctx was cancelled")
	}
	mu.Lock()
	defer mu.Unlock()
	if len(errs) != 0 {
		t.Fatalf("Run reported errors: %v", errs)
	}
	w := writes(srv)
	if len(ids) != 1 || w["createSubscription"] != 1 {
		t.Fatalf("the subscription expired and was made again: ids %v, writes %v", ids, w)
	}
	// Watched for longer than one lifetime, the subscription is only still the same if it was renewed.
	if w["renewSubscription"] < 1 {
		t.Fatalf("no renewal in %s with a lifetime of %s", watch, lifetime)
	}
}

// Run reports errors and tries again after retryAfter; when the service recovers the
// subscription is made.
func TestSubscriptionManagerRunRetries(t *testing.T) {
	srv := startFake(t, ss12000test.Dataset{})
	srv.SetFaults(ss12000test.Faults{ErrorRate: 1, ErrorStatuses: []int{500}, Operations: []string{"listSubscriptions"}})
	m := &ss12000.SubscriptionManager{Client: fakeClient(t, srv), Name: "edusync", Target: hookTarget,
		Types: []ss12000.EndPointsEnum{ss12000.EndPointsPerson}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	errc := make(chan error, 100)
	done := make(chan error, 1)
	go func() { done <- m.Run(ctx, 10*time.Millisecond, func(err error) { errc <- err }) }()
	for range 3 {
		select {
		case err := <-errc:
			if !errors.Is(err, ss12000.ErrServer) {
				t.Fatalf("reported %v, want a server error", err)
			}
		case <-time.After(2 * time.Second):
			t.Fatal("no error reported")
		}
	}
	srv.SetFaults(ss12000test.Faults{})
	waitUntil(t, func() bool { return len(mine(srv, m)) == 1 })
	cancel()
	if err := <-done; !errors.Is(err, context.Canceled) {
		t.Fatalf("Run returned %v", err)
	}
}

func waitUntil(t testing.TB, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// End to end: the service's subscription calls back a real HTTP server running the
// WebhookHandler, which coalesces the burst of callbacks into one delta run that picks up
// every change.
func TestWebhookCallbackRunsOneDeltaSync(t *testing.T) {
	t.Parallel() // waits in real time
	srv := startFake(t, ss12000test.Dataset{Persons: testPersons(30), Groups: testGroups(4)},
		ss12000test.WithCallbackWindow(2*time.Millisecond))
	c := fakeClient(t, srv)
	syncer := &ss12000.Syncer{Client: c, Types: personsAndGroups}
	h := newHost()
	var st ss12000.SyncState
	if _, err := syncer.Delta(context.Background(), &st, h.handler(t)); err != nil {
		t.Fatal(err)
	}
	h.takeLog()

	var mu sync.Mutex
	var runs []ss12000.Notification
	var runErr error
	wh := ss12000.NewWebhookHandler(func(ctx context.Context, n ss12000.Notification) {
		mu.Lock()
		defer mu.Unlock()
		runs = append(runs, n)
		if _, err := syncer.Delta(ctx, &st, h.handler(t)); err != nil {
			runErr = err
		}
	}, ss12000.WithWebhookQuietPeriod(time.Second))
	var arrived atomic.Int32
	receiver := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		arrived.Add(1)
		wh.ServeHTTP(w, r)
	}))
	t.Cleanup(receiver.Close)
	t.Cleanup(wh.Close)

	m := &ss12000.SubscriptionManager{Client: c, Name: "edusync", Target: receiver.URL + "/hook", Types: personsAndGroups}
	if _, err := m.Ensure(context.Background()); err != nil {
		t.Fatal(err)
	}

	// A burst of changes by an administrator, each after the callback for the one before
	// arrived: the handler receives several notifications well inside its quiet period.
	step := func(change func()) {
		n := arrived.Load()
		change()
		waitUntil(t, func() bool { return arrived.Load() > n })
	}
	var want []string
	for _, i := range []int{1, 4, 9, 16, 25} {
		step(func() { rename(t, srv, personID(i), "Burst") })
		want = append(want, "Person "+personID(i))
	}
	step(func() { renameGroup(t, srv, groupID(2), "Burst") })
	var added ss12000.Person
	step(func() { added = ss12000test.Upsert(srv, ss12000.Person{GivenName: "New", FamilyName: "Pupil"})[0] })
	step(func() { ss12000test.Delete[ss12000.Person](srv, personID(7)) })
	want = sorted(want, []string{"Group " + groupID(2), "Person " + added.ID, "Person " + personID(7) + " deleted"})

	waitUntil(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(runs) > 0 })
	// Give a second, wrongly uncoalesced run the time to start.
	time.Sleep(300 * time.Millisecond)
	mu.Lock()
	defer mu.Unlock()
	if runErr != nil {
		t.Fatal(runErr)
	}
	if len(runs) != 1 {
		t.Fatalf("%d sync runs for one burst of %d callbacks: %+v", len(runs), arrived.Load(), runs)
	}
	if d := cmp.Diff(ss12000.Notification{Types: []ss12000.EndPointsEnum{"Group", "Person"}, Deleted: true}, runs[0]); d != "" {
		t.Fatalf("notification: %s", d)
	}
	if d := cmp.Diff(want, takeLog(h)); d != "" {
		t.Fatalf("the webhook's delta run delivered (-want +got):\n%s", d)
	}
	h.checkCopy(t, srv, personsAndGroups...)
	for _, cb := range srv.Callbacks() {
		if !cb.Delivered {
			t.Fatalf("callback not accepted: %+v", cb)
		}
	}
}

// A service that keeps calling back (a long import) cannot postpone the sync forever.
func TestWebhookSteadyStreamStillSyncs(t *testing.T) {
	t.Parallel() // waits in real time
	var mu sync.Mutex
	runs := 0
	const quiet = 40 * time.Millisecond
	wh := ss12000.NewWebhookHandler(func(context.Context, ss12000.Notification) { mu.Lock(); runs++; mu.Unlock() },
		ss12000.WithWebhookQuietPeriod(quiet))
	defer wh.Close()
	receiver := httptest.NewServer(wh)
	defer receiver.Close()
	// One notification every half quiet period, for 20 quiet periods.
	stop := time.Now().Add(20 * quiet)
	for time.Now().Before(stop) {
		resp, err := receiver.Client().Post(receiver.URL, "application/json", strings.NewReader(`{"modifiedEntities":["Person"]}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != 200 {
			t.Fatalf("status %d", resp.StatusCode)
		}
		time.Sleep(quiet / 2)
	}
	mu.Lock()
	n := runs
	mu.Unlock()
	if n < 2 {
		t.Fatalf("%d sync runs during %s of notifications every %s", n, 20*quiet, quiet/2)
	}
}

// hookTransport calls before for every request, then sends it.
type hookTransport struct {
	before func(*http.Request)
	next   http.RoundTripper
}

func (h hookTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	h.before(r)
	return h.next.RoundTrip(r)
}

// A subscription that expires between the listing and the renewal is made again.
func TestSubscriptionManagerRenewalFindsItGone(t *testing.T) {
	clk := testclock.New(t0)
	srv := startFake(t, ss12000test.Dataset{}, ss12000test.WithClock(clk.Now), ss12000test.WithSubscriptionLifetime(time.Hour))
	slow := hookTransport{next: http.DefaultTransport, before: func(r *http.Request) {
		if r.Method == http.MethodPatch {
			clk.Advance(time.Hour) // the renewal arrives after the expiry
		}
	}}
	m := &ss12000.SubscriptionManager{Client: fakeClient(t, srv, ss12000.WithHTTPClient(&http.Client{Transport: slow})),
		Name: "edusync", Target: hookTarget, Types: []ss12000.EndPointsEnum{ss12000.EndPointsPerson}, RenewBefore: 10 * time.Minute, Now: clk.Now}
	first, err := m.Ensure(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	clk.Advance(55 * time.Minute)
	got, err := m.Ensure(context.Background())
	if err != nil {
		t.Fatalf("Ensure when the renewal finds the subscription gone: %v", err)
	}
	have := mine(srv, m)
	if len(have) != 1 || have[0].ID != got.ID || got.ID == first.ID {
		t.Fatalf("service has %+v, Ensure returned %+v", have, got)
	}
}
