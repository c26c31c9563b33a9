package wiseflowpoll_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowpoll"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

var hookScope = store.Scope{Flow: "wiseflow-hooks", Tenant: "uio"}

const secret = "webhook-secret-9f3e"

func post(t *testing.T, h http.Handler, body string, sign func(*http.Request)) int {
	t.Helper()
	req := httptest.NewRequest(http.MethodPost, "/hook", strings.NewReader(body))
	if sign != nil {
		sign(req)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec.Code
}

func signed(s wiseflow.Signature, body string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set(s.Header, s.Sign([]byte(secret), []byte(body))) }
}

func queued(t *testing.T, st store.Store) []store.Delivery {
	t.Helper()
	var out []store.Delivery
	must(t, st.View(context.Background(), hookScope, func(tx store.Tx) error {
		var err error
		out, err = tx.Messages(0)
		return err
	}))
	return out
}

func TestReceiverStoresACallBeforeItAnswers(t *testing.T) {
	st := openStore(t)
	now := time.Date(2026, 6, 22, 12, 0, 0, 0, time.UTC)
	r := &wiseflowpoll.Receiver{Store: st, Scope: hookScope, Secret: []byte(secret), Now: func() time.Time { return now }}
	call := `{"id":"c-1","event":"FINAL_GRADE","sequenceNumber":3,"callTime":"2026-06-22T11:59:00Z","payload":{"flowId":77,"participantId":5}}`
	hexScheme := wiseflow.Signature{Header: "X-Signature", Encoding: wiseflow.SignatureHex}
	tests := []struct {
		name   string
		recv   *wiseflowpoll.Receiver
		body   string
		sign   func(*http.Request)
		status int
		queued int
	}{
		{"signed", r, call, signed(wiseflow.DefaultSignature, call), 200, 1},
		{"the retry of the same call", r, call, signed(wiseflow.DefaultSignature, call), 200, 1},
		{"unsigned", r, call, nil, 401, 1},
		{"signed with another secret", r, call, func(q *http.Request) {
			q.Header.Set(wiseflow.DefaultSignatureHeader, wiseflow.DefaultSignature.Sign([]byte("other"), []byte(call)))
		}, 401, 1},
		{"body changed after signing", r, strings.Replace(call, "77", "78", 1), signed(wiseflow.DefaultSignature, call), 401, 1},
		{"signed but not a call", r, `[1,2]`, signed(wiseflow.DefaultSignature, `[1,2]`), 400, 1},
		{"too large", r, `{"id":"` + strings.Repeat("x", wiseflow.MaxWebhookBody) + `"}`, nil, 413, 1},
		{"a replay older than the window", r, strings.Replace(strings.Replace(call, "c-1", "c-old", 1), "2026-06-22", "2026-05-01", 1),
			signed(wiseflow.DefaultSignature, strings.Replace(strings.Replace(call, "c-1", "c-old", 1), "2026-06-22", "2026-05-01", 1)), 200, 1},
		{"a call without id", r, `{"event":"PAPER_SUBMITTED","payload":{"flowId":77}}`, signed(wiseflow.DefaultSignature, `{"event":"PAPER_SUBMITTED","payload":{"flowId":77}}`), 200, 2},
		{"hex in another header", &wiseflowpoll.Receiver{Store: st, Scope: hookScope, Secret: []byte(secret), Signature: hexScheme, Now: r.Now},
			strings.Replace(call, "c-1", "c-2", 1), signed(hexScheme, strings.Replace(call, "c-1", "c-2", 1)), 200, 3},
		{"no secret configured", &wiseflowpoll.Receiver{Store: st, Scope: hookScope}, strings.Replace(call, "c-1", "c-3", 1),
			func(q *http.Request) {
				q.Header.Set(wiseflow.DefaultSignatureHeader, wiseflow.DefaultSignature.Sign(nil, []byte(strings.Replace(call, "c-1", "c-3", 1))))
			}, 401, 3},
	}
	for _, tc := range tests {
		if got := post(t, tc.recv, tc.body, tc.sign); got != tc.status {
			t.Errorf("%s: status %d, want %d", tc.name, got, tc.status)
		}
		if n := len(queued(t, st)); n != tc.queued {
			t.Errorf("%s: %d calls queued, want %d", tc.name, n, tc.queued)
		}
	}
	msgs := queued(t, st)
	if c, err := wiseflow.ParseWebhookCall(msgs[0].Payload); err != nil || c.ID != "c-1" || msgs[0].OrderKey != "flow/77" {
		t.Errorf("queued %+v %v", msgs[0], err)
	}
	rec := httptest.NewRecorder()
	r.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "/hook", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("GET: %d", rec.Code)
	}
}

// TestReceiverAnswers503WhenTheStoreFails: nothing is acknowledged that is not stored.
func TestReceiverAnswers503WhenTheStoreFails(t *testing.T) {
	st := store.NewMemory()
	r := &wiseflowpoll.Receiver{Store: st, Scope: hookScope, Secret: []byte(secret)}
	st.Close()
	call := `{"id":"c-9","event":"FINAL_GRADE","payload":{"flowId":1}}`
	if got := post(t, r, call, signed(wiseflow.DefaultSignature, call)); got != http.StatusServiceUnavailable {
		t.Errorf("status %d, want 503", got)
	}
}

// TestFakeWebhooksReachTheReceiverAndHintThePoller: the fake calls a subscribed receiver
// signed; the call is queued once and the poller's next round reads the flow it names.
func TestFakeWebhooksReachTheReceiverAndHintThePoller(t *testing.T) {
	l := newLicence(t)
	ctx := context.Background()
	_, err := l.poller.Round(ctx)
	must(t, err)
	drain(t, l.st)
	recv := &wiseflowpoll.Receiver{Store: l.st, Scope: hookScope, Secret: []byte(secret), Poller: l.poller}
	hs := httptest.NewServer(recv)
	defer hs.Close()
	_, err = l.c.CreateWebhook(ctx, wiseflow.NewWebhook{Title: "edusync", URL: hs.URL + "/wiseflow", Secret: secret,
		Events: []wiseflow.WebhookEvent{wiseflow.WebhookEventASSESSMENT}})
	must(t, err)
	_, err = l.srv.RequestExplanation(l.exam, l.students[1])
	must(t, err)
	wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	must(t, l.srv.WaitDeliveries(wctx))
	if msgs := queued(t, l.st); len(msgs) != 1 {
		t.Fatalf("%d calls queued, want 1", len(msgs))
	}
	st, err := l.poller.Round(ctx)
	must(t, err)
	got := kinds(drain(t, l.st))
	if st.Hinted != 1 || len(got) != 1 || !strings.HasPrefix(got[0], "explanation") {
		t.Errorf("round %+v queued %v, want the hinted flow's explanation", st, got)
	}
	if d := l.srv.Deliveries(); len(d) != 1 || d[0].Status != 200 {
		t.Errorf("deliveries %+v", d)
	}
}

// TestFakeRetriesAFailedCallWithTheSameID: the first call fails (the receiver's store is
// down); WISEflow's retry carries the same id and is queued once.
func TestFakeRetriesAFailedCallWithTheSameID(t *testing.T) {
	srv := wiseflowtest.NewServer(wiseflowtest.WithWebhookRetries(8, 20*time.Millisecond))
	defer srv.Close()
	flow := srv.AddFlow(wiseflowtest.FlowSpec{Name: "f"})
	pid, err := srv.AddParticipant(flow, wiseflow.User{FirstName: "a", LastName: "b"}, "")
	must(t, err)
	st := openStore(t)
	recv := &wiseflowpoll.Receiver{Store: st, Scope: hookScope, Secret: []byte(secret)}
	fails := 2
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if fails > 0 {
			fails--
			http.Error(w, "down", http.StatusServiceUnavailable)
			return
		}
		recv.ServeHTTP(w, r)
	}))
	defer hs.Close()
	c, err := srv.Client()
	must(t, err)
	_, err = c.CreateWebhook(context.Background(), wiseflow.NewWebhook{URL: hs.URL, Secret: secret, Events: []wiseflow.WebhookEvent{wiseflow.WebhookEventFINALGRADE}})
	must(t, err)
	must(t, srv.GradeParticipant(flow, pid, "A"))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	must(t, srv.WaitDeliveries(ctx))
	d := srv.Deliveries()
	if len(d) != 3 || d[2].Attempt != 3 || d[0].Call.ID != d[2].Call.ID || d[2].Status != 200 {
		t.Errorf("deliveries %+v", d)
	}
	if n := len(queued(t, st)); n != 1 {
		t.Errorf("%d calls queued, want 1", n)
	}
}

// FuzzReceiver posts arbitrary bodies and signatures: never a panic, a status of the set, and
// only signed calls are queued.
func FuzzReceiver(f *testing.F) {
	f.Add([]byte(`{"id":"c","event":"FINAL_GRADE","payload":{"flowId":1}}`), "", true)
	f.Add([]byte(`{"id":"c","callTime":"2000-01-01T00:00:00Z"}`), "sha256=AAAA", false)
	f.Add([]byte(`{`), "!!", true)
	st := store.NewMemory()
	defer st.Close()
	r := &wiseflowpoll.Receiver{Store: st, Scope: hookScope, Secret: []byte(secret)}
	f.Fuzz(func(t *testing.T, body []byte, sig string, sign bool) {
		req := httptest.NewRequest(http.MethodPost, "/hook", bytes.NewReader(body))
		if sign {
			sig = wiseflow.DefaultSignature.Sign([]byte(secret), body)
		}
		req.Header.Set(wiseflow.DefaultSignatureHeader, sig)
		rec := httptest.NewRecorder()
		r.ServeHTTP(rec, req)
		switch rec.Code {
		case 200:
			if wiseflow.DefaultSignature.Verify([]byte(secret), body, req.Header) != nil {
				t.Fatal("an unsigned call was taken")
			}
		case 400, 401, 413:
		default:
			t.Fatalf("status %d", rec.Code)
		}
	})
}

// FuzzDecodeChange reads arbitrary payloads as changes: a change or ErrBadChange.
func FuzzDecodeChange(f *testing.F) {
	f.Add([]byte(`{"kind":"grade","flowId":1,"grade":{"participantId":2,"grade":"B"}}`))
	f.Add([]byte(`{"kind":"explanation","flowId":1,"explanation":{"id":3,"state":"ACCEPTED"}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		c, err := wiseflowpoll.DecodeChange(b)
		if err == nil && (c.FlowID <= 0 || c.Key() == "") {
			t.Fatalf("a change without a flow: %+v", c)
		}
	})
}
