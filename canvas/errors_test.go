package canvas

import (
	"errors"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"unicode/utf8"
)

func TestParseErrorBody(t *testing.T) {
	cases := []struct {
		name      string
		body      string
		code, msg string
		throttled bool
	}{
		{"message list", `{"errors":[{"message":"The specified resource does not exist."}]}`, "", "The specified resource does not exist.", false},
		{"status and messages", `{"status":"unauthenticated","errors":[{"message":"user authorization required"}]}`, "unauthenticated", "user authorization required", false},
		{"field errors", `{"errors":{"unique_id":[{"attribute":"unique_id","type":"taken","message":"ID already in use"}],"name":[{"attribute":"name","type":"blank","message":"can't be blank"}]}}`,
			"name: blank", "name: can't be blank; unique_id: ID already in use", false},
		{"field error without message", `{"errors":{"sis_source_id":[{"attribute":"sis_source_id","type":"taken"}]}}`, "sis_source_id: taken", "sis_source_id: taken", false},
		{"field as string", `{"errors":{"base":"Invalid state"}}`, "", "base: Invalid state", false},
		{"strings in list", `{"errors":["one","two","one"]}`, "", "one; two", false},
		{"message only", `{"message":"An error occurred."}`, "", "An error occurred.", false},
		{"error string", `{"error":"invalid_grant"}`, "", "invalid_grant", false},
		{"error object", `{"error":{"message":"nope"}}`, "", "nope", false},
		{"throttled text 403", "403 Forbidden (Rate Limit Exceeded)\n", "", "403 Forbidden (Rate Limit Exceeded)", true},
		{"throttled json", `{"errors":[{"message":"Rate Limit Exceeded"}]}`, "", "Rate Limit Exceeded", true},
		{"html page", "<html><body>Bad Gateway</body></html>", "", "", false},
		{"broken json", `{"errors":[`, "", "", false},
		{"empty", "", "", "", false},
		{"control characters", "{\"message\":\"a\\u0000b\\nc\"}", "", "a b c", false},
		{"bare array (conversations)", `[{"attribute":"recipients","message":"blank"}]`, "recipients: blank", "recipients: blank", false},
		{"bare array of two", `[{"attribute":"body","message":"blank"},{"message":"other"}]`, "body: blank", "body: blank; other", false},
		{"bare array of strings", `["one"]`, "", "one", false},
		{"bare array of numbers", `[1,2]`, "", "", false},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			code, msg, thr := parseErrorBody([]byte(c.body))
			if code != c.code || msg != c.msg || thr != c.throttled {
				t.Fatalf("parseErrorBody = %q, %q, %v; want %q, %q, %v", code, msg, thr, c.code, c.msg, c.throttled)
			}
		})
	}
}

func TestDecodeErrorClassifies(t *testing.T) {
	cases := []struct {
		status          int
		body            string
		rateLimited     bool
		forbidden       bool
		wantMessagePart string
	}{
		{403, "403 Forbidden (Rate Limit Exceeded)\n", true, false, "Rate Limit"},
		{429, "429 Too Many Requests (Rate Limit Exceeded)", true, false, "Rate Limit"},
		{429, "", true, false, ""},
		{403, `{"status":"unauthorized","errors":[{"message":"user not authorized to perform that action"}]}`, false, true, "not authorized"},
	}
	cl, err := New("https://c.example")
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range cases {
		req := &http.Request{Method: "GET", URL: &url.URL{Scheme: "https", Host: "c.example", Path: "/api/v1/courses/1"}}
		resp := &http.Response{StatusCode: c.status, Header: http.Header{}, Request: req, Body: io.NopCloser(strings.NewReader(c.body))}
		err := cl.core.APIError(resp)
		if errors.Is(err, ErrRateLimited) != c.rateLimited || errors.Is(err, ErrForbidden) != c.forbidden {
			t.Errorf("%d %q: rate limited %v, forbidden %v", c.status, c.body, errors.Is(err, ErrRateLimited), errors.Is(err, ErrForbidden))
		}
		if !strings.Contains(err.Error(), c.wantMessagePart) {
			t.Errorf("%d: %v lacks %q", c.status, err, c.wantMessagePart)
		}
	}
}

func TestIsThrottledKeepsBody(t *testing.T) {
	body := "403 Forbidden (Rate Limit Exceeded)\n"
	resp := &http.Response{StatusCode: 403, Body: io.NopCloser(strings.NewReader(body))}
	if !isThrottled(resp) {
		t.Fatal("throttling 403 not recognised")
	}
	rest, _ := io.ReadAll(resp.Body)
	if string(rest) != body {
		t.Fatalf("body after peeking = %q", rest)
	}
	other := &http.Response{StatusCode: 403, Body: io.NopCloser(strings.NewReader(`{"errors":[{"message":"forbidden"}]}`))}
	if isThrottled(other) {
		t.Fatal("plain 403 taken for throttling")
	}
}

// FuzzParseErrorBody checks that no body makes the decoder panic or return text that is not
// valid, bounded, single-line UTF-8.
func FuzzParseErrorBody(f *testing.F) {
	for _, s := range []string{
		`{"errors":[{"message":"x"}]}`, `{"errors":{"f":[{"attribute":"f","type":"t","message":"m"}]}}`, `{"errors":{"f":"m"}}`,
		`{"message":"m","status":"s"}`, `{"error":{"message":"m"}}`, "403 Forbidden (Rate Limit Exceeded)", "{", `{"errors":[1,null,{}]}`, "\xff\xfe",
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		code, msg, _ := parseErrorBody(b)
		for _, s := range []string{code, msg} {
			if !utf8.ValidString(s) || strings.ContainsAny(s, "\n\r\x00") || len(s) > maxMessage+len("…") {
				t.Fatalf("unsafe output %q from %q", s, b)
			}
		}
	})
}
