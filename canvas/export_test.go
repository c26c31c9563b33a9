package canvas

import (
	"bytes"

	"github.com/edusync/edusync/internal/apiclient"
)

// DecodeEnrollmentsPage decodes one page of enrolments with the decoder the iterators and the
// Page methods use (record by record, Canvas's options), for BenchmarkDecodeEnrollments.
func DecodeEnrollmentsPage(c *Client, page []byte) ([]Enrollment, error) {
	s := shape("", enrollmentID)
	p, err := apiclient.DecodePage(c.core, bytes.NewBuffer(page), "/courses/1/enrollments", &s)
	if err != nil {
		return nil, err
	}
	return p.Items, nil
}
