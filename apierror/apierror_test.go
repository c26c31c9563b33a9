package apierror

import (
	"errors"
	"fmt"
	"strings"
	"testing"
)

func TestAPIErrorSentinels(t *testing.T) {
	for code, want := range map[int]error{400: ErrBadRequest, 401: ErrUnauthorized, 403: ErrForbidden, 404: ErrNotFound,
		409: ErrConflict, 410: ErrGone, 413: ErrTooLarge, 429: ErrRateLimited, 503: ErrServer} {
		e := &APIError{StatusCode: code}
		if !errors.Is(e, want) {
			t.Errorf("%d is not %v", code, want)
		}
		if code != 404 && errors.Is(e, ErrNotFound) {
			t.Errorf("%d matches ErrNotFound", code)
		}
	}
	if e := (&APIError{StatusCode: 403, RateLimited: true}); !errors.Is(e, ErrRateLimited) || errors.Is(e, ErrForbidden) || !e.Temporary() {
		t.Error("throttling 403 misclassified")
	}
}

// %v and %s print Error(); %+v adds the body excerpt, quoted, so no character of it can start
// a new log line.
func TestAPIErrorFormat(t *testing.T) {
	e := &APIError{Method: "GET", URL: "https://x/persons", StatusCode: 404, Code: "NotFound", Message: "gone", RequestID: "r1",
		Body: "line one\nline two"}
	want := "GET https://x/persons: 404 Not Found (code NotFound): gone [request r1]"
	if got := fmt.Sprintf("%v|%s", e, e); got != want+"|"+want {
		t.Errorf("%%v|%%s = %q", got)
	}
	plus := fmt.Sprintf("%+v", e)
	if !strings.HasPrefix(plus, want) || !strings.Contains(plus, `"line one\nline two"`) || strings.Count(plus, "\n") != 0 {
		t.Errorf("%%+v = %q", plus)
	}
	if got := fmt.Sprintf("%+v", fmt.Errorf("wrapped: %w", e)); strings.Contains(got, "line one") {
		t.Errorf("a wrapped error shows the body: %q", got)
	}
}

func TestBodyTooLargeNamesTheLimit(t *testing.T) {
	for _, tc := range []struct {
		err  *BodyTooLargeError
		want string
	}{
		{&BodyTooLargeError{Limit: 64 << 20, ContentLength: -1}, "response body exceeds the limit of 64 MiB (67108864 bytes); raise it with WithMaxResponseBody"},
		{&BodyTooLargeError{Limit: 1000, ContentLength: 300 << 20}, "response body exceeds the limit of 1000 bytes (Content-Length 300 MiB (314572800 bytes)); raise it with WithMaxResponseBody"},
	} {
		if tc.err.Error() != tc.want || !errors.Is(tc.err, ErrBodyTooLarge) {
			t.Errorf("%q", tc.err.Error())
		}
	}
}

func TestRecordErrors(t *testing.T) {
	cause := errors.New("bad date")
	errs := RecordErrors{{Path: "/persons", Index: 3, ID: "p3", Err: cause}, {Path: "/persons", Index: 5, Err: ErrNoID}}
	if errs.Error() != "/persons record 3 (id p3): bad date (and 1 more bad records)" {
		t.Errorf("%q", errs.Error())
	}
	var re *RecordError
	if !errors.Is(errs, ErrNoID) || !errors.Is(errs, cause) || !errors.As(errs, &re) || re.Index != 3 {
		t.Error("RecordErrors does not unwrap to its records")
	}
	pc := &PageCycleError{Path: "/persons", Pages: 2}
	if !errors.Is(pc, ErrPageCycle) || !strings.Contains(pc.Error(), "after 2 pages") {
		t.Errorf("%v", pc)
	}
	if te := (&TokenError{Status: "400 Bad Request, error invalid_grant", StatusCode: 400}); !errors.Is(te, ErrUnauthorized) {
		t.Error("a refused token request does not match ErrUnauthorized")
	}
}
