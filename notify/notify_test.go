package notify_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/notify"
	"github.com/edusync/edusync/notify/notifytest"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/store/sqlite"
)

var day = time.Date(2026, 12, 7, 14, 30, 0, 0, time.UTC)

func appealAlert() notify.Alert {
	return notify.Alert{
		Module: "examsync", Submodule: "wiseflow-appeal", Kind: "wiseflow-module-missing",
		OrgID: "185", OrgShortName: "uio", ExamSystem: "WISEFLOW", Instance: "europe",
		VurdID: "INF1000-1-2026-HØST-SKRIFTLIG", FetchDates: []time.Time{day.Add(-2 * time.Hour)},
		Message: "reassessment refused: module missing", Time: day,
	}
}

func newChat(t *testing.T, opts ...notify.Option) (*notify.Notifier, *notifytest.ChatReceiver) {
	t.Helper()
	rcv := notifytest.NewChatReceiver()
	t.Cleanup(rcv.Close)
	n, err := notify.New(append([]notify.Option{notify.WithChatWebhook(rcv.URL()), notify.WithRetryBase(time.Millisecond)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return n, rcv
}

func TestNotifyPostsTheFactsAsSlackCompatibleJSON(t *testing.T) {
	n, rcv := newChat(t)
	if err := n.Notify(context.Background(), appealAlert()); err != nil {
		t.Fatal(err)
	}
	msgs := rcv.Messages()
	if len(msgs) != 1 {
		t.Fatalf("got %d messages, want 1", len(msgs))
	}
	want := notify.ChatMessage{
		Text: "examsync/wiseflow-appeal failed for uio (185): wiseflow-module-missing",
		Attachments: []notify.ChatAttachment{{
			Color: "danger", Fallback: "examsync/wiseflow-appeal failed for uio (185): wiseflow-module-missing",
			Text: "reassessment refused: module missing", TS: day.Unix(),
			Fields: []notify.ChatField{
				{Title: "module", Value: "examsync", Short: true},
				{Title: "submodule", Value: "wiseflow-appeal", Short: true},
				{Title: "kind", Value: "wiseflow-module-missing", Short: true},
				{Title: "orgShortName", Value: "uio", Short: true},
				{Title: "orgId", Value: "185", Short: true},
				{Title: "examSystem", Value: "WISEFLOW", Short: true},
				{Title: "instance", Value: "europe", Short: true},
				{Title: "vurdId", Value: "INF1000-1-2026-HØST-SKRIFTLIG", Short: true},
				{Title: "fetchFsListDates", Value: "2026-12-07T12:30:00Z", Short: true},
			},
		}},
	}
	if diff := cmp.Diff(want, msgs[0]); diff != "" {
		t.Errorf("chat message (-want +got):\n%s", diff)
	}
}

func TestNotifyMasksPersonalDataEverywhere(t *testing.T) {
	n, rcv := newChat(t)
	a := appealAlert()
	a.Message = "candidate 01019912345 (personlopenr 734521, 19990101-1234) <!channel> failed"
	a.Fields = []notify.Field{{Name: "personlopenr", Value: "734521"}, {Name: "kandidatnr", Value: "734521-x"},
		{Name: "fødselsnummer", Value: "abc"}, {Name: "decodedFsTestId", Value: "185_INF1000_1_2026_HØST"}}
	a.Personal = []string{"734521"}
	if err := n.Notify(context.Background(), a); err != nil {
		t.Fatal(err)
	}
	body := string(bytes.Join(rcv.Bodies(), nil))
	for _, leak := range []string{"01019912345", "734521", "19990101", "<!channel>", "abc"} {
		if strings.Contains(body, leak) {
			t.Errorf("the chat message carries %q: %s", leak, body)
		}
	}
	if !strings.Contains(body, "185_INF1000_1_2026_HØST") {
		t.Errorf("an ordinary field was masked: %s", body)
	}
}

func TestBlacklistKeepsKindsOutOfTheChatPerTenant(t *testing.T) {
	tests := []struct {
		name       string
		org, kind  string
		wantPosted bool
	}{
		{"blacklisted for this tenant", "185", "wiseflow-module-missing", false},
		{"same kind, other tenant", "194", "wiseflow-module-missing", true},
		{"blacklisted for every tenant", "194", "fs-unavailable", false},
		{"other kind", "185", "inspera-refused", true},
		{"no kind counts as error", "185", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, rcv := newChat(t, notify.WithBlacklist("185", "wiseflow-module-missing"), notify.WithBlacklist("", "fs-unavailable"))
			a := appealAlert()
			a.OrgID, a.Kind = tt.org, tt.kind
			if err := n.Notify(context.Background(), a); err != nil {
				t.Fatal(err)
			}
			if got := len(rcv.Messages()) == 1; got != tt.wantPosted {
				t.Errorf("posted = %v, want %v", got, tt.wantPosted)
			}
		})
	}
}

func TestChatRetriesRateLimitsAndServerErrors(t *testing.T) {
	n, rcv := newChat(t)
	rcv.FailNext(0, http.StatusTooManyRequests, http.StatusBadGateway)
	if err := n.Notify(context.Background(), appealAlert()); err != nil {
		t.Fatal(err)
	}
	if len(rcv.Messages()) != 1 {
		t.Fatalf("the alert was not delivered after the failures")
	}
	rcv.FailNext(0, 503, 503, 503)
	err := n.Notify(context.Background(), appealAlert())
	if !errors.Is(err, notify.ErrChatUnavailable) {
		t.Fatalf("err = %v, want ErrChatUnavailable", err)
	}
}

func TestChatRefusalIsTypedNotRetriedAndKeepsTheURLSecret(t *testing.T) {
	n, rcv := newChat(t)
	rcv.FailNext(0, http.StatusForbidden, http.StatusForbidden)
	err := n.Notify(context.Background(), appealAlert())
	var ce *notify.ChatError
	if !errors.As(err, &ce) || ce.Status != 403 || !errors.Is(err, notify.ErrChatRefused) {
		t.Fatalf("err = %v, want a ChatError 403 matching ErrChatRefused", err)
	}
	// The second 403 is still pending: the refusal was not retried.
	if err := n.Notify(context.Background(), appealAlert()); !errors.Is(err, notify.ErrChatRefused) {
		t.Fatalf("second err = %v", err)
	}
	if strings.Contains(err.Error(), "secretpart") {
		t.Errorf("the error shows the webhook's secret path: %v", err)
	}

	down, err := notify.New(notify.WithChatWebhook("http://127.0.0.1:1/services/T/B/secretpart"), notify.WithRetryBase(time.Millisecond))
	if err != nil {
		t.Fatal(err)
	}
	err = down.Notify(context.Background(), appealAlert())
	if !errors.Is(err, notify.ErrChatUnavailable) || strings.Contains(err.Error(), "secretpart") {
		t.Errorf("unreachable service: err = %v", err)
	}
}

// A service or a proxy in front of it may echo the request's path in its refusal: the
// webhook's secret path, or any part of it, must not reach the error or the log.
func TestChatRefusalEchoingTheWebhookPathKeepsItSecret(t *testing.T) {
	echoes := map[string]func(*http.Request) string{
		"path":         func(r *http.Request) string { return "404 page not found: POST " + r.URL.Path },
		"escaped path": func(r *http.Request) string { return "no route " + r.URL.EscapedPath() },
		"last segment": func(r *http.Request) string {
			return "unknown hook " + r.URL.Path[strings.LastIndex(r.URL.Path, "/")+1:]
		},
		"query token": func(r *http.Request) string { return "bad token " + r.URL.Query().Get("token") },
	}
	for name, echo := range echoes {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				http.Error(w, echo(r), http.StatusNotFound)
			}))
			defer srv.Close()
			var logs bytes.Buffer
			n, err := notify.New(notify.WithChatWebhook(srv.URL+"/services/T0AB12CD/B0XYZ987/Zq9secretHookToken42?token=Qw7queryToken"),
				notify.WithRetryBase(time.Millisecond), notify.WithLogger(slog.New(slog.NewTextHandler(&logs, nil))))
			if err != nil {
				t.Fatal(err)
			}
			err = n.Notify(context.Background(), appealAlert())
			if !errors.Is(err, notify.ErrChatRefused) {
				t.Fatalf("err = %v, want ErrChatRefused", err)
			}
			for _, part := range []string{"T0AB12CD", "B0XYZ987", "Zq9secretHookToken42", "Qw7queryToken"} {
				if strings.Contains(err.Error(), part) || strings.Contains(logs.String(), part) {
					t.Fatalf("%s of the webhook's URL reached the error or the log: %v\n%s", part, err, logs.String())
				}
			}
		})
	}
}

func TestNewRejectsBadConfiguration(t *testing.T) {
	st := store.NewMemory()
	defer st.Close()
	good := notify.Digest{Store: st, SMTP: notify.SMTP{Addr: "127.0.0.1:25", From: "edusync@uio.no"}, Recipients: []notify.Recipient{{Address: "ops@uio.no"}}}
	tests := []struct {
		name string
		opt  notify.Option
	}{
		{"webhook not a URL", notify.WithChatWebhook("::")},
		{"webhook without host", notify.WithChatWebhook("https:///x")},
		{"webhook of another scheme", notify.WithChatWebhook("ftp://chat.example/x")},
		{"digest without store", notify.WithDigest(&notify.Digest{SMTP: good.SMTP, Recipients: good.Recipients})},
		{"digest without recipients", notify.WithDigest(&notify.Digest{Store: st, SMTP: good.SMTP})},
		{"recipient adding a header", notify.WithDigest(&notify.Digest{Store: st, SMTP: good.SMTP, Recipients: []notify.Recipient{{Address: "ops@uio.no\r\nBcc: x@y.z"}}})},
		{"sender with a display name", notify.WithDigest(&notify.Digest{Store: st, SMTP: notify.SMTP{Addr: "h:25", From: "Ops <ops@uio.no>"}, Recipients: good.Recipients})},
		{"SMTP address without port", notify.WithDigest(&notify.Digest{Store: st, SMTP: notify.SMTP{Addr: "mail", From: "a@b.no"}, Recipients: good.Recipients})},
		{"digest time beyond the day", notify.WithDigest(&notify.Digest{Store: st, SMTP: good.SMTP, Recipients: good.Recipients, At: 25 * time.Hour})},
		{"nil clock", notify.WithClock(nil)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := notify.New(tt.opt); !errors.Is(err, notify.ErrInvalid) {
				t.Errorf("err = %v, want ErrInvalid", err)
			}
		})
	}
	if _, err := notify.New(notify.WithDigest(&good)); err != nil {
		t.Errorf("a good digest was refused: %v", err)
	}
}

func TestNilNotifierDoesNothing(t *testing.T) {
	var n *notify.Notifier
	if err := n.Notify(context.Background(), appealAlert()); err != nil {
		t.Fatal(err)
	}
}

// newSMTP starts a local SMTP server for the test.
func newSMTP(t *testing.T) *notifytest.SMTPServer {
	t.Helper()
	smtpd, err := notifytest.NewSMTPServer()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { smtpd.Close() })
	return smtpd
}

// digestSetup opens a Notifier with a digest on an SQLite file and a local SMTP server.
func digestSetup(t *testing.T, path string, clock *testclock.Clock, smtpd *notifytest.SMTPServer, opts ...notify.Option) (*notify.Notifier, *sqlite.Store) {
	t.Helper()
	st, err := sqlite.Open(context.Background(), path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	d := &notify.Digest{
		Store: st, SMTP: notify.SMTP{Addr: smtpd.Addr(), From: "edusync@sikt.no"},
		Recipients: []notify.Recipient{{Address: "ops@sikt.no"}, {Address: "exam@uio.no", OrgIDs: []string{"185"}}, {Address: "exam@ntnu.no", OrgIDs: []string{"194"}}},
		Location:   time.UTC,
	}
	n, err := notify.New(append([]notify.Option{notify.WithDigest(d), notify.WithClock(clock.Now)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return n, st
}

func TestDigestMailsEachRecipientTheirTenantsOnceAfterARestart(t *testing.T) {
	ctx := context.Background()
	smtpd := newSMTP(t)
	clock := testclock.New(day)
	path := filepath.Join(t.TempDir(), "digest.db")
	n, st := digestSetup(t, path, clock, smtpd, notify.WithBlacklist("185", "wiseflow-module-missing"))
	a := appealAlert()
	a.Personal = []string{"734521"}
	a.Message = "personlopenr 734521 refused"
	for range 3 {
		if err := n.Notify(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	other := appealAlert()
	other.OrgID, other.OrgShortName, other.Kind = "186", "uib", "inspera-refused"
	if err := n.Notify(ctx, other); err != nil {
		t.Fatal(err)
	}
	st.Close() // a restart: the alerts wait in the file

	clock.Set(day.Add(12 * time.Hour)) // 02:30 next day: before the digest's time
	n, _ = digestSetup(t, path, clock, smtpd)
	if sent, err := n.Digest().SendDue(ctx); err != nil || sent != 0 {
		t.Fatalf("before 06:00: sent %d, err %v", sent, err)
	}
	clock.Set(day.Add(16 * time.Hour))
	sent, err := n.Digest().SendDue(ctx)
	if err != nil || sent != 2 {
		t.Fatalf("sent %d, err %v; want 2 mails (ntnu had no failures)", sent, err)
	}
	if sent, err := n.Digest().SendDue(ctx); err != nil || sent != 0 {
		t.Fatalf("a second round sent %d, err %v", sent, err)
	}
	mails := smtpd.Mails()
	got := map[string]string{}
	for _, m := range mails {
		got[strings.Join(m.To, ",")] = string(m.Data)
	}
	if !strings.Contains(got["ops@sikt.no"], "Subject: edusync: 4 failure(s) on 2026-12-07") {
		t.Errorf("ops mail:\n%s", got["ops@sikt.no"])
	}
	uio := got["exam@uio.no"]
	if !strings.Contains(uio, "Subject: edusync: 3 failure(s) on 2026-12-07") || strings.Contains(uio, "uib") {
		t.Errorf("uio mail:\n%s", uio)
	}
	for _, m := range mails {
		if strings.Contains(string(m.Data), "734521") {
			t.Errorf("a digest carries the personlopenr:\n%s", m.Data)
		}
	}
	if p, err := n.Digest().Pending(ctx); err != nil || p != 0 {
		t.Errorf("pending after sending = %d, %v", p, err)
	}
}

func TestDigestKeepsTheDayWhenTheMailServerRefuses(t *testing.T) {
	ctx := context.Background()
	smtpd := newSMTP(t)
	clock := testclock.New(day)
	n, _ := digestSetup(t, filepath.Join(t.TempDir(), "d.db"), clock, smtpd)
	if err := n.Notify(ctx, appealAlert()); err != nil {
		t.Fatal(err)
	}
	clock.Set(day.Add(24 * time.Hour))
	smtpd.RejectNext(1)
	sent, err := n.Digest().SendDue(ctx)
	if !errors.Is(err, notify.ErrMail) || sent != 1 {
		t.Fatalf("sent %d, err %v; want one mail sent and ErrMail for the refused one", sent, err)
	}
	if p, _ := n.Digest().Pending(ctx); p != 1 {
		t.Fatalf("the day's alerts were dropped although a recipient did not get them")
	}
	sent, err = n.Digest().SendDue(ctx)
	if err != nil || sent != 1 {
		t.Fatalf("retry: sent %d, err %v; want only the refused recipient", sent, err)
	}
	if len(smtpd.Mails()) != 2 {
		t.Errorf("mails = %d, want 2 (ops and uio, each once)", len(smtpd.Mails()))
	}
}

func TestDigestBoundsALargeDay(t *testing.T) {
	ctx := context.Background()
	smtpd := newSMTP(t)
	clock := testclock.New(day)
	n, _ := digestSetup(t, filepath.Join(t.TempDir(), "d.db"), clock, smtpd)
	a := appealAlert()
	a.Message = strings.Repeat("x", 5000)
	for i := range 260 {
		a.Kind = "kind-" + string(rune('a'+i%250))
		if err := n.Notify(ctx, a); err != nil {
			t.Fatal(err)
		}
	}
	clock.Set(day.Add(24 * time.Hour))
	if _, err := n.Digest().SendDue(ctx); err != nil {
		t.Fatal(err)
	}
	for _, m := range smtpd.Mails() {
		if len(m.Data) > 1<<20 {
			t.Errorf("a digest of %d bytes", len(m.Data))
		}
		if !regexp.MustCompile(`\.\.\. and 60 more`).Match(m.Data) {
			t.Errorf("the mail does not count what it leaves out")
		}
	}
}
