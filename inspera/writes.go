package inspera

import (
	"context"
	"net/http"

	"github.com/edusync/edusync/internal/apiclient"
)

var explanationShape = apiclient.Shape[Explanation]{
	Items: "explanations", Optional: true, MaxRecords: MaxListRecords,
	ID:    func(e *Explanation) string { return idText(e.UserID) },
	HasID: func(e *Explanation) bool { return e.UserID != 0 },
}

// GetExplanations returns the test's published explanations of grades: those sent to the
// candidates, with when they were requested, given and published, and the text or document.
// Requested and draft explanations are not listed. Explanations that cannot be used are left
// out and reported in a RecordErrors returned together with the others.
func (c *Client) GetExplanations(ctx context.Context, test TestRef) ([]Explanation, error) {
	path, q, err := test.path("/explanations")
	if err != nil {
		return nil, c.core.Errorf("GetExplanations: %w", err)
	}
	page, err := apiclient.GetPage(ctx, c.core, &apiclient.Request{Path: path, Query: q}, &explanationShape)
	if err != nil {
		return nil, err
	}
	if len(page.RecordErrors) > 0 {
		return page.Items, RecordErrors(page.RecordErrors)
	}
	return page.Items, nil
}

// RequestExplanations asks for explanations of the grades of candidates (candidate numbers,
// kandidatnr). The test needs administered explanations (EnableExplanationAdministration,
// else ErrExplanationsDisabled) and each candidate a final grade (else ErrNotGraded). A
// published explanation is final: a request that names one is refused as a whole with
// ErrExplanationPublished, its *RefusalError naming the candidates. Requesting again what is
// requested changes nothing, so the request is retried like a PUT; the result says which
// candidates changed.
func (c *Client) RequestExplanations(ctx context.Context, test TestRef, candidateIDs ...string) (*WriteResult, error) {
	return c.candidateWrite(ctx, "RequestExplanations", test, "/explanations", candidateIDs)
}

// RegisterAppeals registers appeals (klage) of candidates' grades: each gets a new evaluation
// round, to be graded by the test's REASSESSMENT committee (move the candidates there with
// MoveCommitteeCandidates). A candidate without a final grade is refused with ErrNotGraded.
// A candidate whose appeal round is open already is unchanged, so the request is retried like
// a PUT; one registered again after a withdrawal gets a new round.
func (c *Client) RegisterAppeals(ctx context.Context, test TestRef, candidateIDs ...string) (*WriteResult, error) {
	return c.candidateWrite(ctx, "RegisterAppeals", test, "/appeals", candidateIDs)
}

// WithdrawAppeals withdraws candidates' appeals (FS klagestatus TRUKKET): the open appeal round
// closes and the grade before it stands. An appeal already graded is refused with
// ErrAppealDecided; a candidate without an open appeal is unchanged.
func (c *Client) WithdrawAppeals(ctx context.Context, test TestRef, candidateIDs ...string) (*WriteResult, error) {
	return c.candidateWrite(ctx, "WithdrawAppeals", test, "/appeals/withdraw", candidateIDs)
}

// candidateWrite posts {"candidateIds": ids} to a test's suffix path.
func (c *Client) candidateWrite(ctx context.Context, op string, test TestRef, suffix string, ids []string) (*WriteResult, error) {
	path, q, err := test.path(suffix)
	if err != nil {
		return nil, c.core.Errorf("%s: %w", op, err)
	}
	if len(ids) == 0 {
		return nil, c.core.Errorf("%s: %w", op, errNoCandidates)
	}
	var out WriteResult
	err = c.core.Call(ctx, &apiclient.Request{Method: http.MethodPost, Path: path, Query: q,
		Body: CandidateIdsBody{CandidateIds: ids}, Idempotent: true}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

var errNoCandidates = errorString("no candidates given")

// CreateCommittees creates committees on a test (type Grading, or Reassessment for an appeal
// committee; a name of at most 50 characters) and returns them with their ids. A committee
// named like one the test has is updated instead, so the request is retried like a PUT.
func (c *Client) CreateCommittees(ctx context.Context, test TestRef, committees ...Committee) ([]Committee, error) {
	path, q, err := test.path("/committees")
	if err != nil {
		return nil, c.core.Errorf("CreateCommittees: %w", err)
	}
	if len(committees) == 0 {
		return nil, c.core.Errorf("CreateCommittees: %w", errorString("no committees given"))
	}
	for _, cm := range committees {
		if cm.Name == "" || len([]rune(cm.Name)) > 50 {
			return nil, c.core.Errorf("CreateCommittees: %w", errorString("a committee needs a name of 1 to 50 characters"))
		}
	}
	var out CommitteesBody
	err = c.core.Call(ctx, &apiclient.Request{Method: http.MethodPost, Path: path, Query: q,
		Body: CommitteesBody{Committees: committees}, Idempotent: true}, &out)
	if err != nil {
		return nil, err
	}
	return out.Committees, nil
}

// MoveCommitteeCandidates moves candidates into a committee of the test (an appeal's candidate
// into the REASSESSMENT committee that grades it, FS's kommisjonsidNy). Candidates in the
// committee already are unchanged.
func (c *Client) MoveCommitteeCandidates(ctx context.Context, test TestRef, committee ID, candidateIDs ...string) (*WriteResult, error) {
	path, q, err := test.path("/committees/candidates/move")
	if err != nil {
		return nil, c.core.Errorf("MoveCommitteeCandidates: %w", err)
	}
	if len(candidateIDs) == 0 {
		return nil, c.core.Errorf("MoveCommitteeCandidates: %w", errNoCandidates)
	}
	var out WriteResult
	err = c.core.Call(ctx, &apiclient.Request{Method: http.MethodPost, Path: path, Query: q,
		Body: MoveCandidatesBody{CommitteeID: committee, CandidateIds: candidateIDs}, Idempotent: true}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetCandidateResults returns one candidate's results on a test (by Inspera's ids): every
// evaluation round with its final grade and scores; a round after the first is an appeal's.
func (c *Client) GetCandidateResults(ctx context.Context, test, user ID) (*CandidateResults, error) {
	var out CandidateResults
	err := c.core.Call(ctx, &apiclient.Request{Path: "/v1/candidates/allResults/" + test.String() + "/" + user.String()}, &out)
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// GetUser returns one user.
func (c *Client) GetUser(ctx context.Context, user ID) (*User, error) {
	var out User
	if err := c.core.Call(ctx, &apiclient.Request{Path: "/v1/users/" + user.String()}, &out); err != nil {
		return nil, err
	}
	return &out, nil
}
