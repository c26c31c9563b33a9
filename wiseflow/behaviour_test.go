package wiseflow_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

func TestTokensAreFetchedWithTheSecretInTheFormAndRenewed(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	_, err := w.c.GetFlow(ctx, w.exam)
	must(t, err)
	_, err = w.c.GetFlow(ctx, w.exam)
	must(t, err)
	if n := w.srv.Stats().Grants["client_credentials"]; n != 1 {
		t.Fatalf("%d tokens for two calls, want 1", n)
	}
	w.srv.ExpireTokens()
	_, err = w.c.GetFlow(ctx, w.exam)
	must(t, err)
	if n := w.srv.Stats().Grants["client_credentials"]; n != 2 {
		t.Errorf("%d tokens after the first was refused, want 2", n)
	}
	bad, err := wiseflow.New(w.srv.URL(), wiseflow.WithClientCredentials(w.srv.Credentials().ClientID, "wrong"), wiseflow.WithoutRetry())
	must(t, err)
	_, err = bad.GetFlow(ctx, w.exam)
	var te *wiseflow.TokenError
	if !errors.As(err, &te) || !errors.Is(err, wiseflow.ErrUnauthorized) {
		t.Errorf("a wrong secret: %v, want a *TokenError", err)
	}
	if strings.Contains(err.Error(), "wrong") {
		t.Errorf("the error shows the secret: %v", err)
	}
}

func TestAPIKey(t *testing.T) {
	w := newWorld(t)
	c, err := wiseflow.New(w.srv.URL(), wiseflow.WithAPIKey(w.srv.Credentials().APIKey))
	must(t, err)
	if _, err := c.GetFlow(context.Background(), w.exam); err != nil {
		t.Fatal(err)
	}
	c, err = wiseflow.New(w.srv.URL(), wiseflow.WithAPIKey("not-the-key"), wiseflow.WithoutRetry())
	must(t, err)
	if _, err := c.GetFlow(context.Background(), w.exam); !errors.Is(err, wiseflow.ErrUnauthorized) {
		t.Errorf("a wrong key: %v, want ErrUnauthorized", err)
	}
}

// answer is a scripted server for the shapes the fake never sends.
func answer(t *testing.T, status int, header map[string]string, body string) *wiseflow.Client {
	t.Helper()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		for k, v := range header {
			w.Header().Set(k, v)
		}
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		_, _ = io.WriteString(w, body)
	}))
	t.Cleanup(srv.Close)
	c, err := wiseflow.New(srv.URL+"/v1", wiseflow.WithBearerToken("tok"), wiseflow.WithoutRetry())
	must(t, err)
	return c
}

func TestErrorEnvelopes(t *testing.T) {
	ctx := context.Background()
	t.Run("error status with reasons", func(t *testing.T) {
		c := answer(t, 400, nil, `{"success":false,"data":null,"error":{"code":400,"message":"Invalid query parameters","errors":[{"reason":"limit","message":"at most 100"}]}}`)
		_, err := c.GetFlowMetadata(ctx, 1)
		var env *wiseflow.EnvelopeError
		if !errors.As(err, &env) || !errors.Is(err, wiseflow.ErrBadRequest) {
			t.Fatalf("%v, want an *EnvelopeError matching ErrBadRequest", err)
		}
		if env.Code != "400" || env.Message != "Invalid query parameters" || len(env.Reasons) != 1 || env.Reasons[0] != (wiseflow.Reason{Reason: "limit", Message: "at most 100"}) {
			t.Errorf("envelope error = %+v %+v", env.APIError, env.Reasons)
		}
	})
	t.Run("success false in a 200", func(t *testing.T) {
		c := answer(t, 200, nil, `{"success":false,"data":null,"error":{"code":404,"message":"Flow not found","errors":[{"reason":"FLOW","message":"gone"}]}}`)
		_, err := c.GetParticipant(ctx, 1, 2)
		var env *wiseflow.EnvelopeError
		if !errors.As(err, &env) || !errors.Is(err, wiseflow.ErrNotFound) || env.StatusCode != 404 {
			t.Fatalf("%v, want an error matching ErrNotFound", err)
		}
	})
	t.Run("empty reasons are left out, whatever the status", func(t *testing.T) {
		const envelope = `{"success":false,"data":null,"error":{"code":409,"message":"Conflict","errors":[{},{"reason":"STATE","message":"concluded"},{"reason":"","message":""}]}}`
		for _, status := range []int{409, 200} {
			_, err := answer(t, status, nil, envelope).GetFlow(ctx, 1)
			var env *wiseflow.EnvelopeError
			if !errors.As(err, &env) || !errors.Is(err, wiseflow.ErrConflict) {
				t.Fatalf("status %d: %v, want an *EnvelopeError matching ErrConflict", status, err)
			}
			if diff := cmp.Diff([]wiseflow.Reason{{Reason: "STATE", Message: "concluded"}}, env.Reasons); diff != "" {
				t.Errorf("status %d: reasons (-want +got):\n%s", status, diff)
			}
		}
		_, err := answer(t, 200, nil, `{"success":false,"data":null,"error":{"code":409,"message":"Conflict","errors":[{}]}}`).GetFlow(ctx, 1)
		var env *wiseflow.EnvelopeError
		if errors.As(err, &env) || !errors.Is(err, wiseflow.ErrConflict) || strings.Contains(err.Error(), "[") {
			t.Errorf("%v, want an *APIError without reasons", err)
		}
	})
	t.Run("success false in a page", func(t *testing.T) {
		c := answer(t, 200, nil, `{"success":false,"data":[],"error":{"code":403,"message":"Invalid license"}}`)
		var err error
		for _, e := range c.ListParticipants(ctx, 1) {
			err = e
		}
		if !errors.Is(err, wiseflow.ErrForbidden) {
			t.Errorf("%v, want ErrForbidden", err)
		}
		if _, err := c.ListSubmissionsPage(ctx, 1, 0, 10); !errors.Is(err, wiseflow.ErrForbidden) {
			t.Errorf("page: %v, want ErrForbidden", err)
		}
	})
	t.Run("gateway message", func(t *testing.T) {
		c := answer(t, 401, nil, `{"message":"No API key found in request"}`)
		_, err := c.GetFlow(ctx, 1)
		var api *wiseflow.APIError
		if !errors.As(err, &api) || api.Message != "No API key found in request" || !errors.Is(err, wiseflow.ErrUnauthorized) {
			t.Errorf("%v", err)
		}
	})
	t.Run("not JSON", func(t *testing.T) {
		c := answer(t, 200, nil, `<html>maintenance</html>`)
		_, err := c.GetFlow(ctx, 1)
		var de *wiseflow.DecodeError
		if !errors.As(err, &de) {
			t.Errorf("%v, want a *DecodeError", err)
		}
	})
	t.Run("a bad record among good ones", func(t *testing.T) {
		c := answer(t, 200, nil, `[{"explanationId":1,"flowId":9,"title":"t","requestDate":1,"state":0},{"explanationId":2,"flowId":9,"title":"t","requestDate":"soon","state":1},{"explanationId":3,"flowId":9,"title":"t","requestDate":1,"state":"ACCEPTED"},{"flowId":9}]`)
		got, err := c.GetExplanationRequests(ctx, 9)
		var res wiseflow.RecordErrors
		if !errors.As(err, &res) || len(res) != 2 {
			t.Fatalf("%v, want two RecordErrors", err)
		}
		if len(got) != 2 || got[1].State != wiseflow.ExplanationStateAccepted {
			t.Errorf("good records = %+v", got)
		}
		if !errors.Is(res[1], wiseflow.ErrNoID) {
			t.Errorf("the record without an id: %v", res[1])
		}
	})
}

func TestSubmissionListingEndsOnTheTotalWhenPagingIsIgnored(t *testing.T) {
	var calls atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		calls.Add(1)
		var subs []string
		for i := 1; i <= 150; i++ {
			subs = append(subs, `{"id":`+itoa(i)+`,"status":{"handedIn":true,"handedInBlank":false,"handedInDate":null,"handedInIp":null}}`)
		}
		_, _ = io.WriteString(w, `{"success":true,"data":[`+strings.Join(subs, ",")+`],"pagination":{"limit":100,"offset":0,"total":150}}`)
	}))
	defer srv.Close()
	c, err := wiseflow.New(srv.URL, wiseflow.WithBearerToken("t"))
	must(t, err)
	n := 0
	for _, err := range c.ListSubmissions(context.Background(), 5) {
		must(t, err)
		n++
	}
	if n != 150 || calls.Load() != 1 {
		t.Errorf("%d submissions in %d requests, want 150 in 1", n, calls.Load())
	}
}

func itoa(i int) string { b, _ := json.Marshal(i); return string(b) }

// TestThrottleKeepsWithinTheLimits runs more requests than one window allows from several
// goroutines: the client waits for the windows and the fake refuses nothing.
func TestThrottleKeepsWithinTheLimits(t *testing.T) {
	if testing.Short() {
		t.Skip("waits for rate-limit windows")
	}
	w := newWorld(t, wiseflowtest.WithRateLimits(20, 1000))
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	errs := make(chan error, 50)
	for range 5 {
		wg.Go(func() {
			for range 10 {
				if _, err := w.c.GetFlow(ctx, w.exam); err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Error(err)
	}
	if n := w.srv.Stats().Throttled["getFlow"]; n != 0 {
		t.Errorf("the fake refused %d requests; the client should have waited", n)
	}
	// 50 requests at 20 a second need at least two window resets.
	if d := time.Since(start); d < 2*time.Second || d > 5*time.Second {
		t.Errorf("50 requests took %v, want between 2 s (the limit) and 5 s", d)
	}
	st := w.c.RateLimitStats()
	if st.Waits == 0 || st.Second.Limit != 20 || st.Minute.Limit != 1000 {
		t.Errorf("RateLimitStats = %+v", st)
	}
}

// TestRateLimitedAnswerWaitsForTheReset: a 429 from another program's use of the credentials
// is retried after RateLimit-Reset (WISEflow sends no Retry-After).
func TestRateLimitedAnswerWaitsForTheReset(t *testing.T) {
	var n atomic.Int32
	var first, second time.Time
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if n.Add(1) == 1 {
			first = time.Now()
			w.Header().Set("RateLimit-Limit", "200")
			w.Header().Set("RateLimit-Remaining", "0")
			w.Header().Set("RateLimit-Reset", "1")
			w.WriteHeader(http.StatusTooManyRequests)
			_, _ = io.WriteString(w, `{"message":"API rate limit exceeded"}`)
			return
		}
		second = time.Now()
		_, _ = io.WriteString(w, `{"id":7,"creationDate":1,"type":2,"state":4,"variant":0,"purpose":3,"participantStartDate":1,"participantEndDate":1,"assessorStartDate":1,"assessorEndDate":1}`)
	}))
	defer srv.Close()
	c, err := wiseflow.New(srv.URL, wiseflow.WithBearerToken("t"))
	must(t, err)
	f, err := c.GetFlow(context.Background(), 7)
	must(t, err)
	if f.Purpose != wiseflow.FlowPurposeMaster {
		t.Errorf("flow = %+v", f)
	}
	if wait := second.Sub(first); wait < 900*time.Millisecond {
		t.Errorf("retried after %v, want RateLimit-Reset's second", wait)
	}
	if st := c.RateLimitStats(); st.Throttled != 1 {
		t.Errorf("RateLimitStats = %+v", st)
	}
}

func TestDownloadResumesAndRefreshesItsLink(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	files, err := w.c.GetSubmissionFiles(ctx, w.thesis, w.submission)
	must(t, err)
	// The first download is cut in half; its link expires before the resume.
	w.srv.SetFaults(wiseflowtest.Faults{Rules: []wiseflowtest.Rule{{Operation: "downloadFile", Truncate: true, Times: 1}}})
	r, err := w.c.OpenFile(ctx, w.thesis, w.submission, files[0].ID)
	must(t, err)
	w.srv.ExpireLinks()
	got, err := io.ReadAll(r)
	if err != nil {
		t.Fatalf("reading: %v", err)
	}
	if !slices.Equal(got, w.pdf) || r.Resumes() != 1 {
		t.Errorf("%d bytes after %d resumes, want %d after 1", len(got), r.Resumes(), len(w.pdf))
	}
	if n := w.srv.Stats().Requests["getSubmissionFile"]; n != 2 {
		t.Errorf("%d requests for the file's link, want 2 (the open and the fresh link)", n)
	}
	// Every download cut short: the reader gives up with ErrIncomplete.
	w.srv.SetFaults(wiseflowtest.Faults{Rules: []wiseflowtest.Rule{{Operation: "downloadFile", Truncate: true}}})
	r, err = w.c.OpenFile(ctx, w.thesis, w.submission, files[0].ID)
	must(t, err)
	if _, err := io.ReadAll(r); !errors.Is(err, wiseflow.ErrIncomplete) {
		t.Errorf("always truncated: %v, want ErrIncomplete", err)
	}
	w.srv.SetFaults(wiseflowtest.Faults{})
	must(t, w.srv.Quarantine(w.thesis, w.submission, files[0].ID, "infected"))
	if _, err := w.c.OpenFile(ctx, w.thesis, w.submission, files[0].ID); !errors.Is(err, wiseflow.ErrQuarantined) {
		t.Errorf("a quarantined file: %v, want ErrQuarantined", err)
	}
}

func TestDownloadRefusesAFileLongerThanItsSize(t *testing.T) {
	var api *httptest.Server
	files := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, strings.Repeat("x", 100))
	}))
	defer files.Close()
	api = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"success":true,"data":{"id":3,"filename":"a.pdf","size":10,"link":"`+files.URL+`/a.pdf?X-Amz-Signature=secret"}}`)
	}))
	defer api.Close()
	c, err := wiseflow.New(api.URL, wiseflow.WithBearerToken("t"))
	must(t, err)
	r, err := c.OpenFile(context.Background(), 1, 2, 3)
	must(t, err)
	if _, err := io.ReadAll(r); !errors.Is(err, wiseflow.ErrIncomplete) {
		t.Errorf("100 bytes of a 10-byte file: %v, want ErrIncomplete", err)
	}
}

func TestWebhooksAreManagedAndCallBackSigned(t *testing.T) {
	secret := "a-long-shared-secret"
	calls := make(chan *http.Request, 10)
	bodies := make(chan []byte, 10)
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		calls <- r
		bodies <- b
	}))
	defer recv.Close()
	w := newWorld(t)
	ctx := context.Background()
	active := true
	h, err := w.c.CreateWebhook(ctx, wiseflow.NewWebhook{Title: "edusync", URL: recv.URL + "/hook", Secret: secret, Active: &active,
		Events: []wiseflow.WebhookEvent{wiseflow.WebhookEventFINALGRADE, wiseflow.WebhookEventFLOWSTATEUPDATED}})
	must(t, err)
	all, err := w.c.GetWebhooks(ctx)
	must(t, err)
	if len(all) != 1 || all[0].ID != h.ID || !all[0].Active {
		t.Fatalf("GetWebhooks = %+v", all)
	}
	must(t, w.c.TestWebhook(ctx, h.ID))
	must(t, w.srv.GradeParticipant(w.exam, w.students[0], "A"))
	for range 2 {
		r, body := <-calls, <-bodies
		if err := wiseflow.DefaultSignature.Verify([]byte(secret), body, r.Header); err != nil {
			t.Errorf("the call's signature: %v", err)
		}
		call, err := wiseflow.ParseWebhookCall(body)
		must(t, err)
		if call.ID == "" || (call.Event == string(wiseflow.WebhookEventFINALGRADE) && call.Payload.ParticipantID != w.students[0]) {
			t.Errorf("call = %+v", call)
		}
	}
	off := false
	upd, err := w.c.UpdateWebhook(ctx, h.ID, wiseflow.WebhookUpdate{Active: &off})
	must(t, err)
	if upd.Active || upd.Title != "edusync" {
		t.Errorf("UpdateWebhook = %+v", upd)
	}
	got, err := w.c.GetWebhook(ctx, h.ID)
	must(t, err)
	if got.Active {
		t.Error("the webhook is still active")
	}
	must(t, w.c.DeleteWebhook(ctx, h.ID))
	if _, err := w.c.GetWebhook(ctx, h.ID); !errors.Is(err, wiseflow.ErrNotFound) {
		t.Errorf("a deleted webhook: %v", err)
	}
}

// TestCreateWebhookAfterALostAnswerMakesOne: the create is carried out but its answer lost;
// the client finds the webhook instead of making a second one.
func TestCreateWebhookAfterALostAnswerMakesOne(t *testing.T) {
	w := newWorld(t)
	w.srv.SetFaults(wiseflowtest.Faults{Rules: []wiseflowtest.Rule{{Operation: "createWebhook", AfterWrite: true, Times: 1}}})
	h, err := w.c.CreateWebhook(context.Background(), wiseflow.NewWebhook{Title: "t", URL: "https://hooks.example.no/wf", Secret: "s",
		Events: []wiseflow.WebhookEvent{wiseflow.WebhookEventPAPERSUBMITTED}})
	must(t, err)
	all, err := w.c.GetWebhooks(context.Background())
	must(t, err)
	if len(all) != 1 || all[0].ID != h.ID {
		t.Errorf("webhooks after a lost answer: %+v, want the one", all)
	}
}

// TestWritesAreRepeatedAfterALostAnswer: the explanation request and the reassessment are
// carried out but their answers lost; the repeats find them (200) and report them.
func TestWritesAreRepeatedAfterALostAnswer(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	w.srv.SetFaults(wiseflowtest.Faults{Rules: []wiseflowtest.Rule{{AfterWrite: true, Method: http.MethodPost, Times: 2}}})
	ref, _, err := w.c.CreateExplanationRequest(ctx, w.exam, wiseflow.NewExplanationRequest{ParticipantID: w.students[1], ShowJustification: true})
	must(t, err)
	r, _, err := w.c.CreateReassessment(ctx, w.exam, false)
	must(t, err)
	if reqs := w.srv.ExplanationRequests(w.exam); len(reqs) != 1 || reqs[0].ExplanationID != ref.ExplanationRequestID {
		t.Errorf("explanation requests = %+v", reqs)
	}
	if id, _ := w.srv.RemarkingFlow(w.exam); id != r.ReassessmentFlowID {
		t.Errorf("remarking flow %d, answer %d", id, r.ReassessmentFlowID)
	}
}

// TestAListingOfRepeatedPagesEnds: a server that answers every offset with the same records
// and a total that is never reached; the listing ends with a *PageCycleError.
func TestAListingOfRepeatedPagesEnds(t *testing.T) {
	var n atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		n.Add(1)
		var recs []string
		for i := 1; i <= 100; i++ {
			recs = append(recs, `{"participantId":`+itoa(i)+`}`)
		}
		_, _ = io.WriteString(w, `{"success":true,"data":[`+strings.Join(recs, ",")+`],"pagination":{"total":1000000000}}`)
	}))
	defer srv.Close()
	c, err := wiseflow.New(srv.URL, wiseflow.WithBearerToken("t"))
	must(t, err)
	var last error
	records := 0
	for _, err := range c.ListParticipants(context.Background(), 1) {
		if err != nil {
			last = err
			break
		}
		records++
	}
	var pc *wiseflow.PageCycleError
	if !errors.As(last, &pc) || records != 100 || n.Load() != 2 {
		t.Errorf("%v after %d records and %d pages, want a PageCycleError after the first page's 100 and a second page", last, records, n.Load())
	}
}

// TestAHostileResetIsBounded: an answer that says the window resets in 50 minutes holds the
// client for a minute at most.
func TestAHostileResetIsBounded(t *testing.T) {
	c := answer(t, 200, map[string]string{"X-RateLimit-Second-Limit": "200", "X-RateLimit-Second-Remaining": "0", "X-RateLimit-Second-Reset": "3000"},
		`{"id":7,"creationDate":1,"type":2,"state":4,"variant":0,"purpose":3,"participantStartDate":1,"participantEndDate":1,"assessorStartDate":1,"assessorEndDate":1}`)
	_, err := c.GetFlow(context.Background(), 7)
	must(t, err)
	if reset := c.RateLimitStats().Second.Reset; time.Until(reset) > 62*time.Second {
		t.Errorf("the client would wait %v", time.Until(reset))
	}
}

// TestBareCallsReadAFailedEnvelopeAsAnError: an /flow/... read answered 2xx with an envelope
// that says the request failed (a gateway's or a newer version's answer) is an error with the
// envelope's code, not an empty record.
func TestBareCallsReadAFailedEnvelopeAsAnError(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.WriteString(w, `{"success":false,"data":null,"error":{"code":404,"message":"Flow not found","errors":[{"reason":"FLOW","message":"gone"}]}}`)
	}))
	defer srv.Close()
	c, err := wiseflow.New(srv.URL, wiseflow.WithBearerToken("t"), wiseflow.WithoutRetry())
	must(t, err)
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"GetFlow":               func() error { _, err := c.GetFlow(ctx, 1); return err },
		"GetExplanationRequest": func() error { _, err := c.GetExplanationRequest(ctx, 1, 2); return err },
		"GetSubmission":         func() error { _, err := c.GetSubmission(ctx, 1, 2); return err },
		"CreateReassessment":    func() error { _, _, err := c.CreateReassessment(ctx, 1, false); return err },
		"CreateExplanationRequest": func() error {
			_, _, err := c.CreateExplanationRequest(ctx, 1, wiseflow.NewExplanationRequest{ParticipantID: 2})
			return err
		},
	} {
		err := call()
		var env *wiseflow.EnvelopeError
		if !errors.Is(err, wiseflow.ErrNotFound) || !errors.As(err, &env) || len(env.Reasons) != 1 {
			t.Errorf("%s: err = %v, want the envelope's 404 with its reason", name, err)
		}
	}
}

// TestListAnswersOverMaxListRecordsAreRefused: a page or a whole list with more records than
// MaxListRecords (a server sending an endless list, each record tiny) is refused as broken
// instead of being held in memory.
func TestListAnswersOverMaxListRecordsAreRefused(t *testing.T) {
	many := func(prefix, rec, suffix string) string {
		return prefix + strings.Repeat(rec+",", wiseflow.MaxListRecords) + rec + suffix
	}
	ctx := context.Background()
	cases := map[string]struct {
		body string
		call func(c *wiseflow.Client) error
	}{
		"assessments": {many(`[`, `{"participantId":1}`, `]`),
			func(c *wiseflow.Client) error { _, err := c.GetAssessments(ctx, 1); return err }},
		"explanation requests": {many(`[`, `{}`, `]`),
			func(c *wiseflow.Client) error { _, err := c.GetExplanationRequests(ctx, 1); return err }},
		"participants page": {many(`{"success":true,"data":[`, `{}`, `],"pagination":{"offset":0,"limit":100,"total":1}}`),
			func(c *wiseflow.Client) error { _, err := c.ListParticipantsPage(ctx, 1, 0, 100); return err }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = io.WriteString(w, tc.body) }))
			defer srv.Close()
			c, err := wiseflow.New(srv.URL, wiseflow.WithBearerToken("t"), wiseflow.WithoutRetry())
			must(t, err)
			var de *wiseflow.DecodeError
			if err := tc.call(c); !errors.As(err, &de) {
				t.Fatalf("err = %v, want a DecodeError", err)
			}
		})
	}
}
