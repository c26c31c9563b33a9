package wiseflow

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/leakcheck"
)

var pageSeeds = []string{
	`{"success":true,"data":[{"flowId":1,"state":"CONCLUDED","purpose":"MASTER"},{"flowId":2,"state":4}],"error":null,"pagination":{"limit":100,"offset":0,"total":2}}`,
	`{"success":false,"data":null,"error":{"code":400,"message":"bad","errors":[{"reason":"r","message":"m"}]}}`,
	`{"data":[{"flowId":0},{"title":"no id"},{"flowId":"x"},{"flowId":3,"createdAt":"1e3"}]}`,
	`{"data":[{"flowId":1}],"data":[{"flowId":2}]}`,
	`[{"flowId":1}]`, `{"data":{}}`, `{"data":[1,2,3`, `{"pagination":` + string(bytes.Repeat([]byte(`[`), 500)),
	`{"data":[{"flowId":1,"participation":{"start":-1e300}}]}`,
}

// FuzzDecodePage feeds arbitrary answers to the page decoder with the flow search's shape:
// no panic, only typed errors, and no record without an id delivered, tolerant or strict.
func FuzzDecodePage(f *testing.F) {
	for _, s := range pageSeeds {
		f.Add([]byte(s))
	}
	tolerant, _ := New("http://127.0.0.1:1/v1", WithBearerToken("t"))
	strictC, _ := New("http://127.0.0.1:1/v1", WithBearerToken("t"), WithStrict())
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, c := range []*Client{tolerant, strictC} {
			shape := listShape(flowSummaryID)
			p, err := apiclient.DecodePage(c.core, bytes.NewReader(body), "/flows/search", &shape)
			if err != nil {
				var de *apierror.DecodeError
				if !errors.As(err, &de) {
					t.Fatalf("untyped error %T: %v", err, err)
				}
				continue
			}
			for _, it := range p.Items {
				if it.FlowID <= 0 {
					t.Fatalf("a record without an id was delivered: %+v", it)
				}
			}
			_ = c.verdict(&p.PageInfo, http.StatusOK)
			_, _ = total(&p.PageInfo)
		}
	})
}

// FuzzErrorBody feeds arbitrary error bodies to the error decoder and the classification.
func FuzzErrorBody(f *testing.F) {
	for _, s := range []string{
		`{"success":false,"data":null,"error":{"code":404,"message":"Flow not found","errors":[{"reason":"FLOW","message":"gone"}]}}`,
		`{"message":"No API key found in request"}`, `{"error":"invalid_client","error_description":"d"}`,
		`{"error":{"code":"403","errors":[{}, {"reason":1}]}}`, `Unauthorized`, `{"error":[]}`, `{"success":"no"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e := &APIError{StatusCode: 400, Body: string(body)}
		decodeError(e, body)
		err := classify(e)
		if !errors.Is(err, ErrBadRequest) {
			t.Fatalf("the classified error lost its status: %v", err)
		}
		var env *EnvelopeError
		if errors.As(err, &env) && len(env.Reasons) > maxReasons {
			t.Fatalf("%d reasons kept", len(env.Reasons))
		}
		_ = err.Error()
	})
}

// FuzzParseWebhookCall feeds arbitrary bodies to the webhook call decoder: a call or
// ErrBadWebhookCall, never a panic.
func FuzzParseWebhookCall(f *testing.F) {
	for _, s := range []string{
		`{"id":"c1","event":"FINAL_GRADE","sequenceNumber":7,"payload":{"flowId":13510,"participantId":16842}}`,
		`{"flowId":13510,"explanationRequestId":36,"participantId":16842,"assessorId":813879}`,
		`{"id":1e99,"data":{"flowId":"9"}}`, `{"payload":[]}`, `{"id":null}`, `[]`, `{"a":"\ud800"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		call, err := ParseWebhookCall(body)
		if err != nil {
			if !errors.Is(err, ErrBadWebhookCall) {
				t.Fatalf("untyped error: %v", err)
			}
			return
		}
		if _, err := json.Marshal(call); err != nil {
			t.Fatalf("a parsed call does not encode: %v", err)
		}
	})
}

// FuzzVerifySignature checks arbitrary signature headers: only the body's true HMAC is
// accepted, in either encoding's scheme.
func FuzzVerifySignature(f *testing.F) {
	secret := []byte("fuzz-secret")
	body := []byte(`{"id":"x"}`)
	f.Add(DefaultSignature.Sign(secret, body), body)
	f.Add("sha256="+Signature{Encoding: SignatureHex}.Sign(secret, body), body)
	f.Add("", []byte{})
	f.Add("====", []byte("x"))
	f.Fuzz(func(t *testing.T, header string, body []byte) {
		for _, s := range []Signature{DefaultSignature, {Header: "X-Sig", Encoding: SignatureHex}} {
			h := http.Header{}
			h.Set(s.Header, header)
			err := s.Verify(secret, body, h)
			if err == nil {
				got, _ := s.decode(trimPrefix(h.Get(s.Header)))
				want, _ := s.decode(s.Sign(secret, body))
				if !bytes.Equal(got, want) {
					t.Fatalf("accepted a signature that is not the body's HMAC: %q", header)
				}
			} else if !errors.Is(err, ErrSignatureInvalid) && !errors.Is(err, ErrSignatureMissing) {
				t.Fatalf("untyped error: %v", err)
			}
			h.Set(s.Header, s.Sign(secret, body))
			if err := s.Verify(secret, body, h); err != nil {
				t.Fatalf("the true signature was refused: %v", err)
			}
		}
	})
}

func trimPrefix(v string) string {
	v = string(bytes.TrimSpace([]byte(v)))
	if len(v) > 7 && (v[:7] == "sha256=" || v[:7] == "SHA256=") {
		return v[7:]
	}
	return v
}

// FuzzModels decodes arbitrary JSON into the models with custom readers (enumerations, unix
// times, grades): no panic, and what was read encodes again.
func FuzzModels(f *testing.F) {
	for _, s := range []string{
		`{"id":1,"state":"ACTIVATED","type":"FLOWassign","variant":2,"purpose":"MASTER","creationDate":"1720364028"}`,
		`{"explanationId":1,"state":3,"requestDate":1720364028000}`, `{"grade":10.5}`, `{"state":99999999999}`,
		`{"date":1e19}`, `{"state":"\u0000"}`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var flow Flow
		var sum FlowSummary
		var ex ExplanationRequest
		var g GradeEntry
		var a Assessment
		for _, v := range []any{&flow, &sum, &ex, &g, &a} {
			if json.Unmarshal(b, v) == nil {
				if _, err := json.Marshal(v); err != nil {
					t.Fatalf("%T read but does not encode: %v", v, err)
				}
			}
		}
	})
}

// FuzzFSCode reads arbitrary source codes and vurdIds: what parses prints back to itself.
func FuzzFSCode(f *testing.F) {
	for _, s := range []string{"185||INF1000||1||SKR||2026||VÅR", "*||*||*||*||*||*", "a||b", "185_INF1000_1_SKR_2026_VÅR", "|||||||||||"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if c, err := ParseFSCode(s); err == nil {
			if back, err := ParseFSCode(c.String()); err != nil || back != c {
				t.Fatalf("%q -> %+v -> %q -> %+v %v", s, c, c.String(), back, err)
			}
		}
		if c, err := FSCodeFromVurdID(s); err == nil && c.VurdID() != s {
			t.Fatalf("%q -> %q", s, c.VurdID())
		}
		_ = checkSourceCode(s)
		if dec, err := DecodeSourceCodePath(EncodeSourceCodePath(s)); err == nil && dec != s {
			t.Fatalf("path encoding of %q gives %q", s, dec)
		}
	})
}

// FuzzAnswers answers every operation of the client, the token request included, with any
// status and body: no panic, every error typed (one of apierror's or the package's), and
// neither the client secret, the token (once issued) nor a webhook's secret in an error,
// wherever the answer echoes them.
func FuzzAnswers(f *testing.F) {
	const secret, token, hookSecret = "fuzz-client-secret-Rt62", "fuzz-token-Vb19", "fuzz-hook-secret-Kc40"
	okToken := `{"access_token":"` + token + `","token_type":"Bearer","expires_in":3600}`
	for _, s := range []struct {
		tokenStatus, status uint16
		tokenBody, body     string
	}{
		{0, 0, okToken, `{"id":1,"type":2,"state":4,"purpose":3}`},
		{0, 0, okToken, `{"success":true,"data":[{"flowId":1},{"participantId":2}],"pagination":{"limit":100,"offset":0,"total":5}}`},
		{0, 0, okToken, `{"success":false,"data":null,"error":{"code":404,"message":"` + secret + `","errors":[{"reason":"` + token + `"}]}}`},
		{0, 1, okToken, `{"explanationRequestId":3,"reassessmentFlowId":4}`},
		{0, 203, okToken, `{"success":false,"error":{"code":403,"message":"module"}}`},
		{0, 0, okToken, `{"success":true,"data":{"id":3,"size":4,"link":"https://s3.example/f?sig=` + token + `"}}`},
		{0, 0, okToken, `[{"id":1,"secret":"` + hookSecret + `","url":"https://h.example/"}]`},
		{200, 0, `{"error":"invalid_client","error_description":"` + secret + `"}`, ``},
		{0, 0, `{"access_token":""}`, ``},
		{0, 0, `not json`, ``},
	} {
		f.Add(s.tokenStatus, s.status, []byte(s.tokenBody), []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, tokenStatus, status uint16, tokenBody, body []byte) {
		ft := &leakcheck.Answers{TokenPath: TokenPath, TokenStatus: leakcheck.Status(tokenStatus), TokenBody: tokenBody,
			Status: leakcheck.Status(status), Body: body}
		c, err := New("https://api.example/v1", WithClientCredentials("id", secret), WithoutRetry(), WithoutThrottle(),
			WithHTTPClient(&http.Client{Transport: ft}), WithMaxResponseBody(1<<20))
		if err != nil {
			t.Fatal(err)
		}
		// The token is a secret once issued; before, the text is just text.
		var grant struct {
			AccessToken string `json:"access_token"`
		}
		issued := ft.TokenStatus/100 == 2 && json.Unmarshal(tokenBody, &grant) == nil && grant.AccessToken == token
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		first := func(seq func(func(Participant, error) bool)) error {
			n := 0
			for _, err := range seq {
				if err != nil {
					return err
				}
				if n++; n == 10 {
					break
				}
			}
			return nil
		}
		active := true
		calls := map[string]func() error{
			"GetFlow":         func() error { _, err := c.GetFlow(ctx, 1); return err },
			"GetFlowMetadata": func() error { _, err := c.GetFlowMetadata(ctx, 1); return err },
			"SearchFlowsPage": func() error { _, err := c.SearchFlowsPage(ctx, FlowQuery{Title: "x"}, 0, 10); return err },
			"SearchFlows": func() error {
				for _, err := range c.SearchFlows(ctx, FlowQuery{}) {
					if err != nil {
						return err
					}
				}
				return nil
			},
			"ListParticipants":       func() error { return first(c.ListParticipants(ctx, 1)) },
			"GetParticipant":         func() error { _, err := c.GetParticipant(ctx, 1, 2); return err },
			"GetAssessments":         func() error { _, err := c.GetAssessments(ctx, 1); return err },
			"GetAssessment":          func() error { _, err := c.GetAssessment(ctx, 1, 2); return err },
			"ListSubmissionsPage":    func() error { _, err := c.ListSubmissionsPage(ctx, 1, 0, 100); return err },
			"GetSubmission":          func() error { _, err := c.GetSubmission(ctx, 1, 2); return err },
			"GetSubmissionFiles":     func() error { _, err := c.GetSubmissionFiles(ctx, 1, 2); return err },
			"GetSubmissionFile":      func() error { _, err := c.GetSubmissionFile(ctx, 1, 2, 3); return err },
			"GetRemarkingFlow":       func() error { _, _, err := c.GetRemarkingFlow(ctx, 1); return err },
			"CreateReassessment":     func() error { _, _, err := c.CreateReassessment(ctx, 1, true); return err },
			"GetExplanationRequests": func() error { _, err := c.GetExplanationRequests(ctx, 1); return err },
			"GetExplanationRequest":  func() error { _, err := c.GetExplanationRequest(ctx, 1, 2); return err },
			"CreateExplanationRequest": func() error {
				_, _, err := c.CreateExplanationRequest(ctx, 1, NewExplanationRequest{ParticipantID: 2})
				return err
			},
			"UpdateExplanationRequest": func() error { _, err := c.UpdateExplanationRequest(ctx, 1, 2, true); return err },
			"SearchSourcesPage": func() error {
				_, err := c.SearchSourcesPage(ctx, "185||INF1000||1||SKR||2026||VÅR", 0, 0, 10)
				return err
			},
			"GetWebhooks": func() error { _, err := c.GetWebhooks(ctx); return err },
			"GetWebhook":  func() error { _, err := c.GetWebhook(ctx, 1); return err },
			"CreateWebhook": func() error {
				_, err := c.CreateWebhook(ctx, NewWebhook{Title: "t", URL: "https://h.example/in", Secret: hookSecret, Active: &active, Events: []WebhookEvent{"FINAL_GRADE"}})
				return err
			},
			"UpdateWebhook": func() error { _, err := c.UpdateWebhook(ctx, 1, WebhookUpdate{Title: "t"}); return err },
			"DeleteWebhook": func() error { return c.DeleteWebhook(ctx, 1) },
			"TestWebhook":   func() error { return c.TestWebhook(ctx, 1) },
			"OpenFile": func() error {
				r, err := c.OpenFile(ctx, 1, 2, 3)
				if err != nil {
					return err
				}
				defer r.Close()
				_, err = io.Copy(io.Discard, r)
				return err
			},
		}
		secrets := []string{secret, hookSecret}
		if issued {
			secrets = append(secrets, token)
		}
		// In a fixed order, so the token is fetched by an API call before OpenFile's download
		// link meets an answer echoing it (the client can only mask a token it has seen).
		for _, name := range slices.Sorted(maps.Keys(calls)) {
			leakcheck.Typed(t, name, calls[name](), secrets, ErrIncomplete, ErrQuarantined)
		}
	})
}

// FuzzRateLimitHeaders feeds any rate-limit headers, on answers and 429s, to the throttle: no
// panic, and whatever they said, once every window and the longest reset the throttle accepts
// have passed, a request leaves at once: a hostile answer cannot hold the client longer.
func FuzzRateLimitHeaders(f *testing.F) {
	f.Add(false, "200", "0", "1", "5000", "4000", "30", "200", "0", "1")
	f.Add(false, "200", "0", "3600", "", "", "", "", "", "")
	f.Add(true, "", "", "", "", "", "", "1", "0", "1e308")
	f.Add(true, "1", "-5", "NaN", "-1", "x", "99999", "", "", "-0")
	f.Add(false, "2147483648", "9223372036854775807", "3600", "1", "0", "61", " 7 ", "0", "0.5")
	f.Fuzz(func(t *testing.T, limited bool, sl, sr, sreset, ml, mr, mreset, gl, gr, greset string) {
		now := time.Unix(1_000_000, 0)
		th := newThrottle(func() time.Time { return now })
		ctx, cancel := context.WithCancel(context.Background())
		cancel() // a request that would have to wait fails at once instead
		req := httptest.NewRequest(http.MethodGet, "https://api.example/v1/flow/1", nil).WithContext(ctx)
		h := http.Header{}
		for name, v := range map[string]string{
			"X-RateLimit-Second-Limit": sl, "X-RateLimit-Second-Remaining": sr, "X-RateLimit-Second-Reset": sreset,
			"X-RateLimit-Minute-Limit": ml, "X-RateLimit-Minute-Remaining": mr, "X-RateLimit-Minute-Reset": mreset,
			"RateLimit-Limit": gl, "RateLimit-Remaining": gr, "RateLimit-Reset": greset,
		} {
			if v != "" {
				h.Set(name, v)
			}
		}
		status := http.StatusOK
		if limited {
			status = http.StatusTooManyRequests
		}
		for range 3 {
			sent, err := th.acquire(req)
			if err != nil {
				break // held: the windows said so
			}
			resp := &http.Response{StatusCode: status, Header: h.Clone()}
			th.observe(resp, sent)
			if ra := resp.Header.Get("Retry-After"); limited && h.Get("Retry-After") == "" {
				if n, err := strconv.Atoi(ra); err != nil || n < 0 || time.Duration(n)*time.Second > maxReset+time.Second {
					t.Fatalf("Retry-After %q for a 429", ra)
				}
			}
			now = now.Add(10 * time.Millisecond)
		}
		_ = th.stats()
		now = now.Add(maxReset + time.Minute + time.Second)
		if _, err := th.acquire(req); err != nil {
			t.Fatalf("a request is still held %v after the last answer: %+v", maxReset+time.Minute, th.stats())
		}
	})
}
