package canvas_test

import (
	"bytes"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
)

func conversationsSent(srv *canvastest.Server) int {
	n := 0
	for _, c := range srv.Conversations() {
		n += len(c.Messages)
	}
	return n
}

// CreateConversation sends one message per call and decodes Canvas's answer; neither body nor
// subject reaches the log.
func TestCreateConversation(t *testing.T) {
	srv := newFake(t)
	var logs bytes.Buffer
	c := newClient(t, srv, canvas.WithLogger(slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))))
	ctx := ctxT(t)
	course := srv.SeedEnrollments(canvastest.EnrollmentSeed{CourseSISID: "K", Students: 1, Teachers: 1})
	teacher := srv.SeedUsers("t", 1)[0]

	got, err := c.CreateConversation(ctx, canvas.ConversationRequest{Recipients: []string{canvas.UserRecipient(teacher)},
		Subject: "Hemligt ämne", Body: "Hemlig text", ContextCode: canvas.CourseContext(course), ForceNew: true})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || len(got[0].Audience) != 1 || got[0].Audience[0] != teacher || got[0].ContextName != "Benchmark course K" || got[0].LastMessageAt.IsZero() {
		t.Fatalf("answer %+v", got)
	}
	if strings.Contains(logs.String(), "Hemlig") {
		t.Errorf("the message reached the log:\n%s", logs.String())
	}
	if !strings.Contains(logs.String(), "/conversations") {
		t.Errorf("the request was not logged at all:\n%s", logs.String())
	}

	// Canvas's refusals are *APIErrors with its attribute and message; nothing is sent.
	_, err = c.CreateConversation(ctx, canvas.ConversationRequest{Recipients: []string{"999999"}, Body: "x"})
	var ae *canvas.APIError
	if !errors.As(err, &ae) || !errors.Is(err, canvas.ErrBadRequest) || ae.Code != "recipients: invalid" || errors.Is(err, canvas.ErrOutcomeUnknown) {
		t.Fatalf("unknown recipient: %v", err)
	}
	if conversationsSent(srv) != 1 {
		t.Fatalf("%d messages", conversationsSent(srv))
	}
}

// A conversation message has no key: after a lost answer it is never sent again, and the
// caller learns that it may have been delivered. Throttled attempts are repeated.
func TestCreateConversationNeverRepeated(t *testing.T) {
	ctx := ctxT(t)
	req := func(srv *canvastest.Server) canvas.ConversationRequest {
		return canvas.ConversationRequest{Recipients: []string{canvas.UserRecipient(srv.SeedUsers("u", 1)[0])}, Body: "Hej"}
	}
	cases := []struct {
		name      string
		faults    canvastest.Faults
		delivered int
		unknown   bool
		is        error
	}{
		{"answer dropped after the write", canvastest.Faults{DropAfterWriteRate: 1}, 1, true, nil},
		{"connection dropped before the write", canvastest.Faults{DropRate: 1}, 0, true, nil},
		{"server error", canvastest.Faults{ErrorRate: 1, ErrorStatuses: []int{http.StatusServiceUnavailable}}, 0, true, canvas.ErrServer},
		{"throttled throughout", canvastest.Faults{RateLimitRate: 1}, 0, false, canvas.ErrRateLimited},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			srv := newFake(t, canvastest.WithoutThrottle())
			c := newClient(t, srv, canvas.WithRetry(canvas.RetryPolicy{MaxAttempts: 3, BaseDelay: time.Millisecond, MaxDelay: 2 * time.Millisecond}))
			in := req(srv)
			tc.faults.Operations = []string{"createConversation"}
			srv.SetFaults(tc.faults)
			_, err := c.CreateConversation(ctx, in)
			if err == nil || errors.Is(err, canvas.ErrOutcomeUnknown) != tc.unknown || (tc.is != nil && !errors.Is(err, tc.is)) {
				t.Fatalf("error %v (unknown outcome: %v)", err, errors.Is(err, canvas.ErrOutcomeUnknown))
			}
			wantRequests := 1
			if !tc.unknown {
				wantRequests = 3 // throttled: repeated, nothing was done
			}
			if n := srv.Stats().Requests["createConversation"]; n != wantRequests {
				t.Errorf("%d requests, want %d", n, wantRequests)
			}
			if n := conversationsSent(srv); n != tc.delivered {
				t.Errorf("%d messages delivered, want %d", n, tc.delivered)
			}
		})
	}
	t.Run("throttled now and then", func(t *testing.T) {
		srv := newFake(t, canvastest.WithoutThrottle())
		c := newClient(t, srv)
		in := req(srv)
		srv.SetFaults(canvastest.Faults{Seed: 7, RateLimitRate: 0.5, Operations: []string{"createConversation"}})
		for range 10 {
			if _, err := c.CreateConversation(ctx, in); err != nil {
				t.Fatal(err)
			}
		}
		if n := conversationsSent(srv); n != 10 || srv.Stats().Faults["createConversation"] == 0 {
			t.Fatalf("%d messages, stats %+v", n, srv.Stats())
		}
	})
	t.Run("never sent", func(t *testing.T) {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		addr := ln.Addr().String()
		ln.Close() // nothing listens there: every attempt fails to connect
		c, err := canvas.New("http://"+addr, canvas.WithRetry(canvas.RetryPolicy{MaxAttempts: 2, BaseDelay: time.Millisecond}))
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.CreateConversation(ctx, canvas.ConversationRequest{Recipients: []string{"1"}, Body: "x"})
		if err == nil || errors.Is(err, canvas.ErrOutcomeUnknown) {
			t.Fatalf("connection refused: %v", err)
		}
	})
}

// An accepted message whose answer does not decode is reported as delivered.
func TestCreateConversationAnswerUnreadable(t *testing.T) {
	hs := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write([]byte(`[{"id":"not a number"`))
	}))
	defer hs.Close()
	c, err := canvas.New(hs.URL, canvas.WithoutThrottle())
	if err != nil {
		t.Fatal(err)
	}
	_, err = c.CreateConversation(ctxT(t), canvas.ConversationRequest{Recipients: []string{"1"}, Body: "x"})
	var de *canvas.DecodeError
	if !errors.Is(err, canvas.ErrAnswerUnreadable) || errors.Is(err, canvas.ErrOutcomeUnknown) || !errors.As(err, &de) {
		t.Fatalf("undecodable answer: %v", err)
	}
}
