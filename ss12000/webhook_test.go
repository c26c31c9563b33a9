package ss12000

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
)

func TestParseNotification(t *testing.T) {
	cases := []struct {
		body string
		want Notification
		ok   bool
	}{
		{`{"modifiedEntites":["Person","Group"]}`, Notification{Types: []EndPointsEnum{"Group", "Person"}}, true},
		{`{"modifiedEntities":["Person"],"deletedEntities":true}`, Notification{Types: []EndPointsEnum{"Person"}, Deleted: true}, true},
		{`{"modifiedEntites":["Person"],"modifiedEntities":["Person","Duty"]}`, Notification{Types: []EndPointsEnum{"Duty", "Person"}}, true},
		{`{}`, Notification{}, true},
		{`{"modifiedEntites":"Person"}`, Notification{}, false},
		{`[1]`, Notification{}, false},
		{`{"deletedEntities":true} {}`, Notification{}, false},
		{``, Notification{}, false},
		{`{"modifiedEntites":[`, Notification{}, false},
	}
	for _, c := range cases {
		got, err := ParseNotification([]byte(c.body))
		if (err == nil) != c.ok {
			t.Errorf("ParseNotification(%s) error = %v", c.body, err)
			continue
		}
		if c.ok {
			if d := cmp.Diff(c.want, got); d != "" {
				t.Errorf("ParseNotification(%s): %s", c.body, d)
			}
		}
	}
}

func FuzzParseNotification(f *testing.F) {
	f.Add([]byte(`{"modifiedEntites":["Person"],"deletedEntities":true}`))
	f.Add([]byte(`{"modifiedEntities":null}`))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := ParseNotification(body)
		if err == nil {
			for _, tp := range n.Types {
				if tp == "" {
					t.Fatal("empty type delivered")
				}
			}
		}
	})
}

func TestWebhookHandlerCoalesces(t *testing.T) {
	var mu sync.Mutex
	var calls []Notification
	release := make(chan struct{})
	h := NewWebhookHandler(func(ctx context.Context, n Notification) {
		mu.Lock()
		calls = append(calls, n)
		first := len(calls) == 1
		mu.Unlock()
		if first {
			<-release // a slow first sync; notifications meanwhile go to the next run
		}
	}, WithWebhookQuietPeriod(300*time.Millisecond)) // long enough that the six posts below fall into one quiet period even on a loaded machine
	defer h.Close()
	srv := httptest.NewServer(h)
	defer srv.Close()
	post := func(body string) int {
		resp, err := http.Post(srv.URL, "application/json", strings.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp.StatusCode
	}
	for range 5 {
		if c := post(`{"modifiedEntites":["Person"]}`); c != 200 {
			t.Fatalf("status %d", c)
		}
	}
	post(`{"modifiedEntities":["Group"],"deletedEntities":true}`)
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(calls) == 1 })
	post(`{"modifiedEntites":["Duty"]}`)
	post(`{"modifiedEntites":["Person"]}`)
	time.Sleep(60 * time.Millisecond)
	mu.Lock()
	if len(calls) != 1 {
		t.Fatalf("a second sync started while the first ran: %v", calls)
	}
	mu.Unlock()
	close(release)
	waitFor(t, func() bool { mu.Lock(); defer mu.Unlock(); return len(calls) == 2 })
	want := []Notification{
		{Types: []EndPointsEnum{"Group", "Person"}, Deleted: true},
		{Types: []EndPointsEnum{"Duty", "Person"}},
	}
	mu.Lock()
	defer mu.Unlock()
	if d := cmp.Diff(want, calls); d != "" {
		t.Fatal(d)
	}
}

func TestWebhookHandlerRejects(t *testing.T) {
	h := NewWebhookHandler(func(context.Context, Notification) { t.Error("sync called for a rejected body") },
		WithWebhookMaxBody(100), WithWebhookQuietPeriod(time.Millisecond),
		WithWebhookAuthorizer(func(r *http.Request) bool { return r.URL.Query().Get("secret") == "s" }))
	defer h.Close()
	cases := []struct {
		method, target, body string
		want                 int
	}{
		{"GET", "/?secret=s", "", 405},
		{"POST", "/", `{}`, 401},
		{"POST", "/?secret=s", `{"modifiedEntites":["Person"],"x":"` + strings.Repeat("a", 200) + `"}`, 400},
		{"POST", "/?secret=s", `not json`, 400},
	}
	for _, c := range cases {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, httptest.NewRequest(c.method, c.target, strings.NewReader(c.body)))
		if rec.Code != c.want {
			t.Errorf("%s %s %q: %d, want %d", c.method, c.target, c.body, rec.Code, c.want)
		}
	}
	time.Sleep(20 * time.Millisecond)
}

func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatal("condition not reached in 5 s")
		}
		time.Sleep(5 * time.Millisecond)
	}
}
