package inspera

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"maps"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/leakcheck"
)

func fuzzClient(t testing.TB, strict bool) *Client {
	opts := []Option{WithoutRetry()}
	if strict {
		opts = append(opts, WithStrict())
	}
	c, err := New("https://tenant.example/api", opts...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// FuzzDecodeTest feeds a test answer to the decoder GetTest uses: no panic, only typed errors,
// no candidate without a userId delivered, in tolerant and strict mode.
func FuzzDecodeTest(f *testing.F) {
	for _, seed := range []string{
		`{"assessmentRunId":1,"candidates":[{"userId":1,"candidateId":"101","finalGrade":"A","gradedDate":"2026-06-10T12:00:00Z"}]}`,
		`{"assessmentRunId":"2","committees":[{"committeeId":1,"name":"K","type":"REASSESSMENT"}],"candidates":[{"userId":"x"},{"candidateId":"c"}]}`,
		`{"candidates":null}`, `[]`, `{"candidates":[{"userId":1e400}]}`, `{"candidates":[{"userId":1,"externalIds":"no"}]}`,
		`{"assessmentRunId":1,"options":{"explanationOptions":[{"option":"X","value":{"a":[1]}}]}}`,
		`{"candidates":[{"userId":1,"assetsDownloadInfo":[{"url":"https://x/y","size":-1}]}]`,
	} {
		f.Add([]byte(seed))
	}
	tolerant, strict := fuzzClient(f, false), fuzzClient(f, true)
	f.Fuzz(func(t *testing.T, body []byte) {
		for _, c := range []*Client{tolerant, strict} {
			page, err := apiclient.DecodePage(c.core, bytes.NewReader(body), "/v1/test/1", &candidateShape)
			if err != nil {
				var de *apierror.DecodeError
				var re *apierror.RecordError
				if !errors.As(err, &de) && !errors.As(err, &re) && !errors.Is(err, apierror.ErrBodyTooLarge) {
					t.Fatalf("untyped error %T: %v", err, err)
				}
				continue
			}
			for _, cd := range page.Items {
				if cd.UserID == 0 {
					t.Fatalf("a candidate without userId was delivered: %+v", cd)
				}
			}
			for name, v := range page.Members {
				var tst Test
				_ = c.core.Unmarshal(wrap(name, v), &tst)
			}
		}
	})
}

// FuzzDecodeErrorBody feeds error bodies to decodeError and classify: no panic, and a refusal's
// sentinel matches only with its code.
func FuzzDecodeErrorBody(f *testing.F) {
	for _, seed := range []string{
		`{"status":409,"error":"Conflict","code":"EXPLANATION_PUBLISHED","message":"final","candidateIds":["101"]}`,
		`{"error":"invalid_token"}`, `{"error":"Multiple tokens for user","description":"Please contact inspera support"}`,
		`{"code":123}`, `not json`, `{"code":"NOT_GRADED","candidateIds":"x"}`, ``,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		e := &APIError{StatusCode: http.StatusConflict, Body: string(body)}
		decodeError(e, body)
		err := classify(e)
		var ae *APIError
		if !errors.As(err, &ae) {
			t.Fatalf("classify lost the APIError: %T", err)
		}
		if errors.Is(err, ErrExplanationPublished) != (e.Code == "EXPLANATION_PUBLISHED") {
			t.Fatalf("code %q matched wrongly", e.Code)
		}
		_ = err.Error()
	})
}

// FuzzIDAndGrade reads ids and grades from any JSON value: no panic, and an id that reads is
// what its digits say.
func FuzzIDAndGrade(f *testing.F) {
	for _, seed := range []string{`1`, `"2"`, `" 3 "`, `null`, `""`, `1.5`, `"x"`, `-9223372036854775808`, `99999999999999999999`, `true`, `{}`} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var id ID
		if err := id.UnmarshalJSON(b); err == nil && id != 0 && !strings.Contains(string(b), id.String()) {
			t.Fatalf("%s read as %d", b, id)
		}
		var g GradeValue
		_ = g.UnmarshalJSON(b)
	})
}

// FuzzAnswers answers every operation of the client, the token grant included, with any status
// and body: no panic, every error typed (one of apierror's), and neither the API key, the
// token (once issued) nor a subscription's secret in an error, wherever the answer echoes them.
func FuzzAnswers(f *testing.F) {
	const key, token, hookSecret = "fuzz-api-key-Zx81", "fuzz-token-Qp27", "fuzz-hook-secret-Lm55"
	okToken := []byte(`{"access_token":"` + token + `","expires_in":3600}`)
	for _, s := range []struct {
		tokenStatus, status uint16
		tokenBody, body     string
	}{
		{0, 0, string(okToken), `{"assessmentRunId":1,"candidates":[{"userId":1}]}`},
		{0, 0, string(okToken), `{"totalHits":3,"tests":[{"assessmentRunId":1},{"assessmentRunId":"2"}]}`},
		{0, 0, string(okToken), `{"jobId":"j","status":"FINISHED","files":[{"url":"https://s3.example/f?sig=` + token + `"}]}`},
		{0, 0, string(okToken), `[{"subscriptionId":1,"eventName":"x","url":"https://h.example/` + hookSecret + `"}]`},
		{0, 209, string(okToken), `{"status":409,"code":"EXPLANATION_PUBLISHED","message":"` + key + `","candidateIds":["1"]}`},
		{0, 201, string(okToken), `{"error":"invalid_token ` + token + `"}`},
		{201, 0, `{"error":"invalid_grant ` + key + `"}`, ``},
		{0, 0, `{"access_token":""}`, ``},
		{0, 0, `{"access_token":"` + token + `","expires_in":"soon"}`, `null`},
		{0, 229, string(okToken), `{"message":"slow down"}`},
	} {
		f.Add(s.tokenStatus, s.status, []byte(s.tokenBody), []byte(s.body))
	}
	f.Fuzz(func(t *testing.T, tokenStatus, status uint16, tokenBody, body []byte) {
		ft := &leakcheck.Answers{TokenPath: "/authenticate/token/", TokenStatus: leakcheck.Status(tokenStatus), TokenBody: tokenBody,
			Status: leakcheck.Status(status), Body: body}
		c, err := New("https://tenant.example/api", WithAPIKey("tenant", key), WithoutRetry(),
			WithHTTPClient(&http.Client{Transport: ft}), WithMaxResponseBody(1<<20))
		if err != nil {
			t.Fatal(err)
		}
		// The token is a secret once issued; before, the text is just text.
		var grant struct {
			AccessToken string `json:"access_token"`
		}
		issued := ft.TokenStatus == http.StatusOK && json.Unmarshal(tokenBody, &grant) == nil && grant.AccessToken == token
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		test := TestID(1)
		calls := map[string]func() error{
			"GetTest":         func() error { _, err := c.GetTest(ctx, test); return err },
			"SearchTestsPage": func() error { _, err := c.SearchTestsPage(ctx, TestSearch{Title: "x"}); return err },
			"SearchTests": func() error {
				n := 0
				for _, err := range c.SearchTests(ctx, TestSearch{Limit: 2}) {
					if err != nil {
						return err
					}
					if n++; n == 10 {
						break
					}
				}
				return nil
			},
			"SetTestOptions":      func() error { _, err := c.SetTestOptions(ctx, test, TestOptions{}); return err },
			"GetExplanations":     func() error { _, err := c.GetExplanations(ctx, test); return err },
			"RequestExplanations": func() error { _, err := c.RequestExplanations(ctx, test, "1"); return err },
			"RegisterAppeals":     func() error { _, err := c.RegisterAppeals(ctx, ExternalTest("V1"), "1"); return err },
			"WithdrawAppeals":     func() error { _, err := c.WithdrawAppeals(ctx, test, "1"); return err },
			"CreateCommittees": func() error {
				_, err := c.CreateCommittees(ctx, test, Committee{Name: "K", Type: Reassessment})
				return err
			},
			"MoveCommitteeCandidates": func() error { _, err := c.MoveCommitteeCandidates(ctx, test, 2, "1"); return err },
			"GetCandidateResults":     func() error { _, err := c.GetCandidateResults(ctx, 1, 2); return err },
			"OrderFileExport":         func() error { _, err := c.OrderFileExport(ctx, FileExportOrder{TestID: 1}); return err },
			"GetFileExportStatus":     func() error { _, err := c.GetFileExportStatus(ctx, "j"); return err },
			"GetUser":                 func() error { _, err := c.GetUser(ctx, 2); return err },
			"GetSubscriptionEvents":   func() error { _, err := c.GetSubscriptionEvents(ctx); return err },
			"GetSubscriptions":        func() error { _, err := c.GetSubscriptions(ctx); return err },
			"CreateSubscription": func() error {
				_, err := c.CreateSubscription(ctx, SubscriptionInput{EventName: "x", URL: "https://h.example/in", Secret: hookSecret})
				return err
			},
			"DeleteSubscription": func() error { return c.DeleteSubscription(ctx, 3) },
			"DownloadFile": func() error {
				_, err := c.DownloadFile(ctx, "https://s3.example/f?X-Amz-Signature=abc", io.Discard)
				return err
			},
		}
		secrets := []string{key, hookSecret}
		if issued {
			secrets = append(secrets, token)
		}
		// In a fixed order, so an API call has fetched the token before DownloadFile (a
		// pre-signed link, sent without it) meets an answer echoing it: the client can only
		// mask a token it has seen.
		for _, name := range slices.Sorted(maps.Keys(calls)) {
			leakcheck.Typed(t, name, calls[name](), secrets, ErrExportFailed)
		}
	})
}
