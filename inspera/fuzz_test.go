package inspera

import (
	"bytes"
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/apiclient"
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
