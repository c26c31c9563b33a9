package insperahook_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperahook"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

var scope = store.Scope{Flow: "inspera-hook", Tenant: "uib"}

const secret = "subscription-secret-9f2"

type hook struct {
	h    *insperahook.Handler
	st   store.Store
	logs *bytes.Buffer
}

func newHook(t *testing.T, st store.Store) *hook {
	t.Helper()
	if st == nil {
		st = store.NewMemory()
	}
	var logs bytes.Buffer
	h, err := insperahook.NewHandler(insperahook.Config{Store: st, Scope: scope,
		Secrets: []insperahook.Secret{{Name: "grades", Value: secret}},
		Logger:  slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(h.Close)
	return &hook{h: h, st: st, logs: &logs}
}

// post delivers body with sig (none when sig is "-") and returns the status.
func (k *hook) post(body, sig string) int {
	r := httptest.NewRequest(http.MethodPost, "/inspera", strings.NewReader(body))
	switch sig {
	case "-":
	case "":
		r.Header.Set(insperahook.SignatureHeader, insperahook.Sign(secret, []byte(body)))
	default:
		r.Header.Set(insperahook.SignatureHeader, sig)
	}
	w := httptest.NewRecorder()
	k.h.ServeHTTP(w, r)
	return w.Code
}

func (k *hook) queued(t *testing.T) []insperahook.Event {
	t.Helper()
	var out []insperahook.Event
	err := k.st.View(context.Background(), scope, func(tx store.Tx) error {
		ms, err := tx.Messages(0)
		for _, m := range ms {
			ev, err := insperahook.Decode(m.Payload)
			if err != nil {
				return err
			}
			out = append(out, ev)
		}
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return out
}

const grades = `{"eventName":"confirm_final_grades","contextObjectId":35199862,"contextObjectType":"ASSESSMENT_RUN",
 "associatedObjectId":null,"triggeringUserId":"4711","triggeringUserName":"Kari Sensor","timestamp":"2026-06-20T10:15:00Z",
 "org":"uib","instance":"uib","env":"prod","examSystem":"INSPERA","somethingNew":{"a":1}}`

func TestDeliveriesAreAnsweredAsInsperaExpects(t *testing.T) {
	for _, tc := range []struct {
		name, method, body, sig string
		want                    int
		queued                  int
	}{
		{"signed event", http.MethodPost, grades, "", 200, 1},
		{"validation request: no signature, no body", http.MethodPost, "", "-", 200, 0},
		{"validation request: an empty object", http.MethodPost, "{}", "-", 200, 0},
		{"signed body without an event", http.MethodPost, `{"hello":"inspera"}`, "", 200, 0},
		{"event without a signature", http.MethodPost, grades, "-", 401, 0},
		{"wrong signature", http.MethodPost, grades, insperahook.Sign("guess", []byte(grades)), 401, 0},
		{"upper-case signature", http.MethodPost, grades, strings.ToUpper(insperahook.Sign(secret, []byte(grades))), 200, 1},
		{"signed garbage", http.MethodPost, "not an event", "", 400, 0},
		{"unsigned garbage", http.MethodPost, "not an event", "-", 401, 0},
		{"too large", http.MethodPost, `{"eventName":"x","pad":"` + strings.Repeat("a", insperahook.DefaultMaxBody) + `"}`, "", 413, 0},
		{"GET", http.MethodGet, "", "-", 405, 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			k := newHook(t, nil)
			r := httptest.NewRequest(tc.method, "/inspera", strings.NewReader(tc.body))
			if tc.sig == "" {
				r.Header.Set(insperahook.SignatureHeader, insperahook.Sign(secret, []byte(tc.body)))
			} else if tc.sig != "-" {
				r.Header.Set(insperahook.SignatureHeader, tc.sig)
			}
			w := httptest.NewRecorder()
			k.h.ServeHTTP(w, r)
			if w.Code != tc.want || len(k.queued(t)) != tc.queued {
				t.Errorf("status %d with %d queued, want %d with %d", w.Code, len(k.queued(t)), tc.want, tc.queued)
			}
			if tc.want == 401 && (strings.Contains(k.logs.String(), "Kari") || strings.Contains(k.logs.String(), "35199862")) {
				t.Errorf("a refused delivery's body is in the log: %s", k.logs)
			}
		})
	}
}

func TestEventIsQueuedAsInsperaSentIt(t *testing.T) {
	k := newHook(t, nil)
	if code := k.post(grades, ""); code != 200 {
		t.Fatal(code)
	}
	got := k.queued(t)
	want := []insperahook.Event{{Name: inspera.EventConfirmFinalGrades, ContextObjectID: "35199862", ContextObjectType: "ASSESSMENT_RUN",
		TriggeringUserID: "4711", TriggeringUserName: "Kari Sensor", Timestamp: time.Date(2026, 6, 20, 10, 15, 0, 0, time.UTC),
		Org: "uib", Instance: "uib", Env: "prod", ExamSystem: "INSPERA", Subscription: "grades"}}
	if d := cmp.Diff(want, got, cmpopts.IgnoreFields(insperahook.Event{}, "Received")); d != "" {
		t.Errorf("queued (-want +got):\n%s", d)
	}
	if got[0].TestID() != 35199862 || got[0].Received.IsZero() {
		t.Errorf("test %d, received %v", got[0].TestID(), got[0].Received)
	}
}

func TestOlderPayloadsAreAccepted(t *testing.T) {
	k := newHook(t, nil)
	for _, body := range []string{
		`{contextObjectId=35199862, event=confirm_final_grades, timestamp=2018-10-04T16:47:55Z}`,
		`{"event":"confirm_final_grades","contextObjectId":"35199863","timestamp":"2018-10-04T16:47:55Z"}`,
	} {
		if code := k.post(body, ""); code != 200 {
			t.Errorf("%s: %d", body, code)
		}
	}
	got := k.queued(t)
	if len(got) != 2 || got[0].Name != "confirm_final_grades" || got[0].TestID() != 35199862 || got[1].TestID() != 35199863 ||
		got[0].Timestamp != time.Date(2018, 10, 4, 16, 47, 55, 0, time.UTC) {
		t.Errorf("queued %+v", got)
	}
}

func TestRepeatedDeliveriesAreQueuedOnce(t *testing.T) {
	k := newHook(t, nil)
	reordered := `{"timestamp":"2026-06-20T10:15:00Z","eventName":"confirm_final_grades","contextObjectType":"ASSESSMENT_RUN",
		"contextObjectId":"35199862","triggeringUserId":4711,"triggeringUserName":"Kari Sensor","org":"uib","instance":"uib",
		"env":"prod","examSystem":"INSPERA"}`
	for _, body := range []string{grades, grades, reordered} {
		if code := k.post(body, ""); code != 200 {
			t.Fatal(code)
		}
	}
	other := strings.Replace(grades, "10:15:00", "10:16:00", 1)
	if code := k.post(other, ""); code != 200 {
		t.Fatal(code)
	}
	if n := len(k.queued(t)); n != 2 {
		t.Errorf("%d queued, want 2 (one repeated event, one other)", n)
	}
	if s := k.h.Stats(); s.Accepted != 2 || s.Duplicates != 2 {
		t.Errorf("stats %+v", s)
	}
	// Processed by a worker, once each.
	handled := 0
	w := store.Worker{Store: k.st, Scope: scope, Handle: insperahook.EventHandler(func(ctx context.Context, ev insperahook.Event) error {
		handled++
		return nil
	})}
	if _, err := w.Drain(context.Background()); err != nil {
		t.Fatal(err)
	}
	if code := k.post(grades, ""); code != 200 || handled != 2 {
		t.Errorf("handled %d; a repeat after processing answered %d", handled, code)
	}
	if _, err := w.Drain(context.Background()); err != nil || handled != 2 {
		t.Errorf("a repeat after processing was handled again (%d, %v)", handled, err)
	}
}

// failing is a store whose Update fails while fail is set.
type failing struct {
	store.Store
	fail bool
}

func (f *failing) Update(ctx context.Context, s store.Scope, fn func(store.Tx) error) error {
	if f.fail {
		return errors.New("disk full")
	}
	return f.Store.Update(ctx, s, fn)
}

func TestStoreFailureIsAnsweredSoInsperaRetries(t *testing.T) {
	st := &failing{Store: store.NewMemory(), fail: true}
	k := newHook(t, st)
	if code := k.post(grades, ""); code != http.StatusServiceUnavailable {
		t.Fatalf("status %d while the store fails", code)
	}
	st.fail = false
	if code := k.post(grades, ""); code != 200 || len(k.queued(t)) != 1 {
		t.Errorf("the retry: %d", code)
	}
}

// An event answered 200 is in the database file, whatever happens to the process after.
func TestAcknowledgedEventIsDurable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "hook.db")
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	k := newHook(t, st)
	if code := k.post(grades, ""); code != 200 {
		t.Fatal(code)
	}
	k.h.Close()
	st.Close()
	st, err = sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	k.st = st
	if n := len(k.queued(t)); n != 1 {
		t.Errorf("%d events after reopening, want 1", n)
	}
}

func TestClosedHandlerAnswers503(t *testing.T) {
	k := newHook(t, nil)
	k.h.Close()
	if code := k.post(grades, ""); code != http.StatusServiceUnavailable {
		t.Errorf("status %d after Close", code)
	}
}

func TestSecretsRotate(t *testing.T) {
	k := newHook(t, nil)
	if err := k.h.SetSecrets(insperahook.Secret{Name: "new", Value: "rotated"}); err != nil {
		t.Fatal(err)
	}
	if code := k.post(grades, ""); code != 401 {
		t.Errorf("the dropped secret still verifies: %d", code)
	}
	if code := k.post(grades, insperahook.Sign("rotated", []byte(grades))); code != 200 {
		t.Errorf("the new secret: %d", code)
	}
	if err := k.h.SetSecrets(); err == nil {
		t.Error("no secrets were accepted")
	}
	if _, err := insperahook.NewHandler(insperahook.Config{Scope: scope, Secrets: []insperahook.Secret{{Value: "x"}}}); err == nil {
		t.Error("a handler without a store")
	}
}
