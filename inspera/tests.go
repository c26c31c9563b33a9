package inspera

import (
	"context"
	"iter"
	"net/http"
	"net/url"
	"strconv"

	"github.com/go-json-experiment/json/jsontext"

	"github.com/edusync/edusync/internal/apiclient"
)

// testMembers are the members of a test answer besides its candidates, read whole.
var testMembers = []string{"assessmentRunId", "generalInfo", "assessmentInfo", "externalTestInfo",
	"options", "committees", "contributors", "organizationalUnits"}

// candidateShape reads a test answer candidate by candidate as it arrives: a candidate that
// does not decode, or has no userId, becomes a RecordError and the others are kept.
var candidateShape = apiclient.Shape[Candidate]{
	Items: "candidates", Keep: testMembers, Optional: true, MaxRecords: MaxListRecords,
	ID:    func(c *Candidate) string { return idText(c.UserID) },
	HasID: func(c *Candidate) bool { return c.UserID != 0 },
}

func idText(id ID) string {
	if id == 0 {
		return ""
	}
	return id.String()
}

// GetTest reads a test with its options, committees, candidates (their committee, grading
// status, final grade, deadlines, external ids and submitted files) and contributors. The
// candidates are decoded one by one: those that cannot be used are left out and reported in a
// RecordErrors returned together with the test (WithStrict fails instead). The download links of
// the candidates' files live as long as the token that read them (about an hour); fetch them
// promptly (OpenFile).
func (c *Client) GetTest(ctx context.Context, test TestRef) (*Test, error) {
	path, q, err := test.path("")
	if err != nil {
		return nil, c.core.Errorf("GetTest: %w", err)
	}
	page, err := apiclient.GetPage(ctx, c.core, &apiclient.Request{Path: path, Query: q}, &candidateShape)
	if err != nil {
		return nil, err
	}
	t := &Test{}
	for _, name := range testMembers {
		v, ok := page.Members[name]
		if !ok || v.Kind() == 'n' {
			continue
		}
		if err := c.core.Unmarshal(wrap(name, v), t); err != nil {
			return nil, c.core.DecodeError(path, err)
		}
	}
	if t.AssessmentRunID == 0 {
		return nil, c.core.DecodeError(path, errNoRunID)
	}
	t.Candidates = page.Items
	if len(page.RecordErrors) > 0 {
		return t, RecordErrors(page.RecordErrors)
	}
	return t, nil
}

// wrap makes {"name": v}, so a kept member decodes into its field of the whole record.
func wrap(name string, v jsontext.Value) []byte {
	b := make([]byte, 0, len(name)+len(v)+8)
	b = append(b, `{"`...)
	b = append(b, name...)
	b = append(b, `":`...)
	b = append(b, v...)
	return append(b, '}')
}

var errNoRunID = errorString("the test has no assessmentRunId")

type errorString string

func (e errorString) Error() string { return string(e) }

// TestSearch are the criteria of SearchTests; all given criteria must match.
type TestSearch struct {
	// Title matches tests whose title contains it, without regard to case.
	Title string
	// Instance is the Inspera instance (tenant) the tests belong to.
	Instance string
	// ExternalTestID matches the external system's id exactly (FS's vurdId).
	ExternalTestID string
	// Offset and Limit select one page for SearchTestsPage; SearchTests starts at Offset and
	// asks for Limit (default: the client's page size) per page.
	Offset, Limit int
}

// TestPage is one page of a test search.
type TestPage struct {
	Tests []TestSummary
	// RecordErrors are the tests of the page that could not be used.
	RecordErrors []*RecordError
	// TotalHits is how many tests match in all.
	TotalHits int64
	// Next is the search for the next page; zero when this was the last.
	Next TestSearch
}

var testShape = apiclient.Shape[TestSummary]{
	Items: "tests", Keep: []string{"totalHits"}, Optional: true, MaxRecords: MaxListRecords,
	ID:    func(t *TestSummary) string { return idText(t.AssessmentRunID) },
	HasID: func(t *TestSummary) bool { return t.AssessmentRunID != 0 },
}

func (c *Client) searchRequest(s TestSearch) *apiclient.Request {
	q := url.Values{}
	for k, v := range map[string]string{"title": s.Title, "instance": s.Instance, "externalTestId": s.ExternalTestID} {
		if v != "" {
			q.Set(k, v)
		}
	}
	limit := s.Limit
	if limit <= 0 {
		limit = c.core.PageSize()
	}
	q.Set("offset", strconv.Itoa(max(s.Offset, 0)))
	q.Set("limit", strconv.Itoa(limit))
	return &apiclient.Request{Path: "/v1/test/search", Query: q}
}

func totalHits(p *apiclient.PageInfo) (int64, bool) {
	n, ok, err := p.Int("totalHits")
	return n, ok && err == nil
}

// SearchTests returns every test that matches s, page by page (offset paging, ordered by id),
// each once: a test created while the pages are read shifts the later ones, so a test already
// returned may come again and is skipped. A whole page of tests already returned means the
// search does not converge (a server that keeps announcing more hits), and ends the listing with
// a *PageCycleError, as does a page that would be requested twice.
func (c *Client) SearchTests(ctx context.Context, s TestSearch) iter.Seq2[TestSummary, error] {
	first := c.searchRequest(s)
	limit, _ := strconv.Atoi(first.Query.Get("limit"))
	seq := apiclient.Walk(ctx, c.core, &apiclient.Listing[TestSummary]{
		First: first, Shape: testShape,
		Next: apiclient.OffsetPaging("offset", "limit", totalHits),
	})
	return func(yield func(TestSummary, error) bool) {
		seen := map[ID]bool{}
		repeats := 0
		for t, err := range seq {
			if err == nil {
				if seen[t.AssessmentRunID] {
					if repeats++; repeats >= limit {
						yield(TestSummary{}, &PageCycleError{Path: c.core.Where(first.Path), Pages: len(seen)/limit + 1})
						return
					}
					continue
				}
				seen[t.AssessmentRunID], repeats = true, 0
			}
			if !yield(t, err) {
				return
			}
		}
	}
}

// SearchTestsPage returns one page of a test search (s.Offset, s.Limit).
func (c *Client) SearchTestsPage(ctx context.Context, s TestSearch) (*TestPage, error) {
	r := c.searchRequest(s)
	page, err := apiclient.GetPage(ctx, c.core, r, &testShape)
	if err != nil {
		return nil, err
	}
	out := &TestPage{Tests: page.Items, RecordErrors: page.RecordErrors}
	out.TotalHits, _ = totalHits(&page.PageInfo)
	limit, _ := strconv.Atoi(r.Query.Get("limit"))
	offset, _ := strconv.Atoi(r.Query.Get("offset"))
	if page.Records > 0 && int64(offset+page.Records) < out.TotalHits {
		out.Next = s
		out.Next.Offset, out.Next.Limit = offset+page.Records, limit
	}
	return out, nil
}

// SetTestOptions sets options of a test (the groups and options named in opts; others keep
// their values) and returns the options now in force. Setting the same options again changes
// nothing, so the request is retried like a PUT.
func (c *Client) SetTestOptions(ctx context.Context, test TestRef, opts TestOptions) (*TestOptions, error) {
	path, q, err := test.path("/options")
	if err != nil {
		return nil, c.core.Errorf("SetTestOptions: %w", err)
	}
	var out TestOptionsBody
	err = c.core.Call(ctx, &apiclient.Request{Method: http.MethodPost, Path: path, Query: q,
		Body: TestOptionsBody{TestOptions: opts}, Idempotent: true}, &out)
	if err != nil {
		return nil, err
	}
	return &out.TestOptions, nil
}

// EnableExplanationAdministration turns on administered explanations of grades on a test, which
// RequestExplanations needs (the flows do it before they request the first one).
func (c *Client) EnableExplanationAdministration(ctx context.Context, test TestRef) error {
	_, err := c.SetTestOptions(ctx, test, TestOptions{ExplanationOptions: []TestOption{
		{Option: OptionExplanationAdministration, Value: true}}})
	return err
}
