package apierror_test

import (
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/edusync/edusync/apierror"
)

// One function handles the failures of every client (ss12000, schulconnex, ladok, canvas, ...),
// since they all return these types.
func Example() {
	classify := func(err error) string {
		var ae *apierror.APIError
		var re *apierror.RecordError
		var tooLarge *apierror.BodyTooLargeError
		switch {
		case errors.As(err, &re):
			return fmt.Sprintf("skip record %d of %s: %v", re.Index, re.Path, re.Err)
		case errors.Is(err, apierror.ErrRateLimited) && errors.As(err, &ae):
			return fmt.Sprintf("throttled; try again in %v", ae.RetryAfter)
		case errors.Is(err, apierror.ErrNotFound):
			return "gone at the source"
		case errors.As(err, &tooLarge):
			return fmt.Sprintf("answer over the %d byte cap", tooLarge.Limit)
		case errors.Is(err, apierror.ErrPageCycle):
			return "the server's paging loops; report it"
		}
		return "fail: " + err.Error()
	}
	for _, err := range []error{
		&apierror.RecordError{Path: "/persons", Index: 7, ID: "p7", Err: apierror.ErrNoID},
		fmt.Errorf("ss12000: %w", &apierror.APIError{Method: "GET", URL: "https://sis.example/persons", StatusCode: http.StatusTooManyRequests, RetryAfter: 30 * time.Second}),
		&apierror.APIError{Method: "GET", URL: "https://sis.example/persons/p9", StatusCode: http.StatusNotFound},
		&apierror.BodyTooLargeError{Limit: 64 << 20, ContentLength: -1},
		&apierror.PageCycleError{Path: "/persons", Pages: 3},
	} {
		fmt.Println(classify(err))
	}
	// Output:
	// skip record 7 of /persons: record has no id
	// throttled; try again in 30s
	// gone at the source
	// answer over the 67108864 byte cap
	// the server's paging loops; report it
}
