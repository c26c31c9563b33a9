package ss12000test

import (
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/ss12000"
)

// receiver is a subscriber's callback endpoint.
type receiver struct {
	srv   *httptest.Server
	got   chan []byte
	fails atomic.Int32 // answer 500 to this many calls first
	calls atomic.Int32
}

func newReceiver(t *testing.T) *receiver {
	r := &receiver{got: make(chan []byte, 100)}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		r.calls.Add(1)
		if req.Method != http.MethodPost || req.Header.Get("Content-Type") != "application/json" {
			t.Errorf("callback %s with Content-Type %q", req.Method, req.Header.Get("Content-Type"))
		}
		b, _ := io.ReadAll(req.Body)
		if r.fails.Add(-1) >= 0 {
			w.WriteHeader(http.StatusInternalServerError)
			return
		}
		r.got <- b
	}))
	t.Cleanup(r.srv.Close)
	return r
}

// next waits for the next delivered callback.
func (r *receiver) next(t *testing.T) map[string]json.RawMessage {
	t.Helper()
	select {
	case b := <-r.got:
		var m map[string]json.RawMessage
		if err := json.Unmarshal(b, &m); err != nil {
			t.Fatalf("callback body %q: %v", b, err)
		}
		return m
	case <-time.After(3 * time.Second):
		t.Fatal("no callback")
		return nil
	}
}

// none checks that no callback arrives for a while.
func (r *receiver) none(t *testing.T, d time.Duration) {
	t.Helper()
	select {
	case b := <-r.got:
		t.Fatalf("unexpected callback %s", b)
	case <-time.After(d):
	}
}

func subscribe(t *testing.T, c *client, target string, types ...ss12000.EndPointsEnum) ss12000.Subscription {
	t.Helper()
	req := ss12000.CreateSubscription{Name: "edusync test", Target: target}
	for _, ty := range types {
		req.ResourceTypes = append(req.ResourceTypes, ss12000.SubscriptionResourceType{Resource: ty})
	}
	var sub ss12000.Subscription
	c.post("/subscriptions", nil, req, http.StatusCreated, &sub)
	return sub
}

func TestSubscriptionLifecycle(t *testing.T) {
	clock := testclock.New(time2026)
	s := NewServer(WithDataset(Dataset{}), WithClock(clock.Now), WithSubscriptionLifetime(time.Hour), WithLimits(2, 10))
	defer s.Close()
	c := newClient(t, s)
	sub := subscribe(t, c, "https://subscriber.example/hook", ss12000.EndPointsPerson)
	if sub.ID == "" || !sub.Expires.Equal(time2026.Add(time.Hour)) || sub.Name != "edusync test" {
		t.Fatalf("created %+v", sub)
	}
	var got ss12000.Subscription
	c.get("/subscriptions/"+sub.ID, nil, 200, &got)
	if d := cmp.Diff(sub, got); d != "" {
		t.Errorf("get (-created +got):\n%s", d)
	}
	for range 3 {
		subscribe(t, c, "http://other.example/cb", ss12000.EndPointsGroup)
	}
	ids, pages := c.listIDs("/subscriptions", nil)
	if len(ids) != 4 || pages != 2 {
		t.Errorf("list: %d subscriptions in %d pages", len(ids), pages)
	}
	clock.Advance(50 * time.Minute)
	var renewed ss12000.Subscription
	a := c.do("PATCH", "/subscriptions/"+sub.ID, nil, nil)
	if a.status != 200 || json.Unmarshal(a.body, &renewed) != nil || !renewed.Expires.Equal(clock.Now().Add(time.Hour)) {
		t.Fatalf("renew: %d %s", a.status, a.body)
	}
	clock.Advance(20 * time.Minute) // the others have expired, the renewed one lives
	ids, _ = c.listIDs("/subscriptions", nil)
	if d := cmp.Diff([]string{sub.ID}, ids); d != "" {
		t.Errorf("live subscriptions (-want +got):\n%s", d)
	}
	if d := cmp.Diff([]ss12000.Subscription{renewed}, s.Subscriptions()); d != "" {
		t.Errorf("Subscriptions (-want +got):\n%s", d)
	}
	if a := c.do("DELETE", "/subscriptions/"+sub.ID, nil, nil); a.status != 204 {
		t.Fatalf("delete: %d", a.status)
	}
	for _, m := range []string{"GET", "PATCH", "DELETE"} {
		if a := c.do(m, "/subscriptions/"+sub.ID, nil, nil); a.status != 404 {
			t.Errorf("%s after delete: %d", m, a.status)
		}
	}
	for _, body := range []string{
		`{"name":"x","target":"ftp://x/y","resourceTypes":[{"resource":"Person"}]}`,
		`{"name":"x","target":"/relative","resourceTypes":[{"resource":"Person"}]}`,
		`{"name":"x","target":"https://x/y","resourceTypes":[]}`,
		`{"name":"x","target":"https://x/y","resourceTypes":[{"resource":"Student"}]}`,
		`{"name":"","target":"https://x/y","resourceTypes":[{"resource":"Person"}]}`,
		`{"target":"https://x/y","resourceTypes":[{"resource":"Person"}]}`,
	} {
		if a := c.do("POST", "/subscriptions", nil, body); a.status != 400 {
			t.Errorf("%s: %d", body, a.status)
		}
	}
}

func TestSubscriptionCallbacks(t *testing.T) {
	// The window is wide enough that the burst below always falls into one.
	s := NewServer(WithDataset(SampleSchool()), WithCallbackWindow(100*time.Millisecond))
	defer s.Close()
	c := newClient(t, s)
	r := newReceiver(t)
	sub := subscribe(t, c, r.srv.URL+"/hook", ss12000.EndPointsPerson, ss12000.EndPointsGroup, ss12000.EndPointsAttendance)

	// A burst of changes of two types, with a removal, makes one callback.
	persons := All[ss12000.Person](s)
	for i := range 5 {
		if _, err := Modify(s, persons[i].ID, func(p *ss12000.Person) { p.MiddleName = "M" }); err != nil {
			t.Fatal(err)
		}
	}
	Upsert(s, All[ss12000.Group](s)[0])
	Delete[ss12000.Person](s, persons[9].ID)
	Upsert(s, All[ss12000.Room](s)[0]) // not subscribed
	m := r.next(t)
	if string(m["modifiedEntites"]) != `["Person","Group"]` || string(m["deletedEntities"]) != "true" || m["modifiedEntities"] != nil {
		t.Errorf("callback %v", m)
	}
	r.none(t, 250*time.Millisecond)

	// A change of an unsubscribed type alone makes none.
	Upsert(s, All[ss12000.Room](s)[0])
	r.none(t, 250*time.Millisecond)

	// Writes through the API notify too, without deletedEntities.
	c.post("/attendances", nil, `{"calendarEvent":{"id":"`+All[ss12000.CalendarEvent](s)[0].ID+`"},"student":{"id":"`+sampleID("student/0")+`"},"isReported":true}`, 200, nil)
	m = r.next(t)
	if string(m["modifiedEntites"]) != `["Attendance"]` || m["deletedEntities"] != nil {
		t.Errorf("callback after createAttendance %v", m)
	}
	cbs := waitCallbacks(s, 2)
	if len(cbs) != 2 || cbs[0].SubscriptionID != sub.ID || !cbs[0].Delivered || cbs[0].Attempts != 1 {
		t.Errorf("Callbacks %+v", cbs)
	}

	// A deleted subscription is not called.
	c.do("DELETE", "/subscriptions/"+sub.ID, nil, nil)
	Upsert(s, persons[0])
	r.none(t, 250*time.Millisecond)
}

func TestSubscriptionCallbackRetries(t *testing.T) {
	s := NewServer(WithDataset(SampleSchool()), WithCallbackWindow(10*time.Millisecond), WithCallbackRetries(2, 10*time.Millisecond),
		WithModifiedEntitiesSpelling(BothSpellings))
	defer s.Close()
	c := newClient(t, s)
	r := newReceiver(t)
	r.fails.Store(2)
	subscribe(t, c, r.srv.URL, ss12000.EndPointsDuty)
	Upsert(s, All[ss12000.Duty](s)[0])
	m := r.next(t)
	if string(m["modifiedEntites"]) != `["Duty"]` || string(m["modifiedEntities"]) != `["Duty"]` {
		t.Errorf("both spellings: %v", m)
	}
	if n := r.calls.Load(); n != 3 {
		t.Errorf("%d calls, want 3", n)
	}
	// A target that always fails is given up after the retries.
	r.fails.Store(100)
	Upsert(s, All[ss12000.Duty](s)[0])
	cbs := waitCallbacks(s, 2)
	if len(cbs) != 2 || cbs[0].Attempts != 3 || !cbs[0].Delivered || cbs[1].Attempts != 3 || cbs[1].Delivered {
		t.Errorf("Callbacks %+v", cbs)
	}
}

func TestCallbacksNeverBlock(t *testing.T) {
	release := make(chan struct{})
	hang := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer hang.Close()
	defer close(release)
	s := NewServer(WithDataset(SampleSchool()), WithCallbackWindow(time.Millisecond), WithModifiedEntitiesSpelling(CorrectSpelling))
	c := newClient(t, s)
	subscribe(t, c, hang.URL, ss12000.EndPointsPerson)
	p := All[ss12000.Person](s)[0]
	start := time.Now()
	for range 50 {
		Upsert(s, p)
		time.Sleep(time.Millisecond)
	}
	c.post("/absences", nil, absenceBody, 200, nil)
	if d := time.Since(start); d > 2*time.Second {
		t.Errorf("mutations took %v while the subscriber hung", d)
	}
	done := make(chan struct{})
	go func() { s.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close hangs on a hanging subscriber")
	}
}

// waitCallbacks waits until the server has recorded n callbacks (the receiver sees a call
// slightly before the server records it) and returns them.
func waitCallbacks(s *Server, n int) []Callback {
	deadline := time.Now().Add(3 * time.Second)
	for len(s.Callbacks()) < n && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	return s.Callbacks()
}
