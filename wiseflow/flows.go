package wiseflow

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"time"

	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/httpx"
)

// GetFlow reads a flow's basic information: name, type, state, variant, purpose, dates and SIS
// codes (GET /flow/{flowId}, a bare object).
func (c *Client) GetFlow(ctx context.Context, flowID int64) (Flow, error) {
	var f Flow
	if err := checkID("flow id", flowID); err != nil {
		return f, err
	}
	_, err := callBare(ctx, c, &apiclient.Request{Path: "/flow/" + id(flowID)}, &f)
	return f, err
}

// FlowQuery says which flows SearchFlows finds; every criterion given must match, and the zero
// FlowQuery finds every flow of the licence. Titles match parts.
type FlowQuery struct {
	Title, Subtitle         string
	Code, Term              string
	ExternalSourceReference string
	// States and Purposes match any of those listed (FlowStateConcluded, FlowPurposeMaster).
	States   []FlowState
	Purposes []FlowPurpose
	// SIS, when set, finds only flows made from a student-information system (true) or only
	// others (false).
	SIS *bool
	// CreatedFrom and CreatedTo bound the creation time (both included; zero: open).
	CreatedFrom, CreatedTo time.Time
	// Dates compares the participation and marking periods (WISEflow's comparators).
	Dates FlowSearchDates
}

// ErrBadQuery is matched by the error of a FlowQuery with a value WISEflow has no name for.
var ErrBadQuery = errors.New("wiseflow: the query has a value WISEflow has no name for")

// body returns the search request.
func (q FlowQuery) body() (FlowSearch, error) {
	m := FlowSearchMetadata{Title: q.Title, Subtitle: q.Subtitle, Code: q.Code, Term: q.Term,
		ExternalSourceReference: q.ExternalSourceReference, IsSis: q.SIS,
		CreatedAt: FlowSearchRange{From: UnixTimeOf(q.CreatedFrom), To: UnixTimeOf(q.CreatedTo)}}
	for _, s := range q.States {
		if s.Name() == "" {
			return FlowSearch{}, ErrBadQuery
		}
		m.States = append(m.States, FlowSearchMetadataStates(s.Name()))
	}
	for _, p := range q.Purposes {
		if p.Name() == "" {
			return FlowSearch{}, ErrBadQuery
		}
		m.Purposes = append(m.Purposes, FlowSearchMetadataPurposes(p.Name()))
	}
	return FlowSearch{Metadata: m, Dates: q.Dates}, nil
}

func flowSummaryID(f *FlowSummary) int64 { return f.FlowID }

// SearchFlows returns every flow matching q (POST /flows/search), page by page. The offsets
// are WISEflow's: a flow that leaves the result while the listing runs shifts the pages left,
// so a flow after it may be missed (one that enters shifts them right; the flow read twice is
// delivered once); wiseflowpoll reads the pages so that nothing is missed either.
func (c *Client) SearchFlows(ctx context.Context, q FlowQuery) iter.Seq2[FlowSummary, error] {
	body, err := q.body()
	if err != nil {
		return func(yield func(FlowSummary, error) bool) { yield(FlowSummary{}, err) }
	}
	return list(ctx, c, &apiclient.Request{Method: http.MethodPost, Path: "/flows/search", Body: body}, flowSummaryID)
}

// SearchFlowsPage reads one page of SearchFlows (limit at most 100).
func (c *Client) SearchFlowsPage(ctx context.Context, q FlowQuery, offset int64, limit int) (*Page[FlowSummary], error) {
	body, err := q.body()
	if err != nil {
		return nil, err
	}
	return page(ctx, c, &apiclient.Request{Method: http.MethodPost, Path: "/flows/search", Body: body}, offset, limit, flowSummaryID)
}

// GetFlowMetadata reads a flow's title, subtitle, code, term, examination type and purpose
// (GET /flows/{flowId}/metadata).
func (c *Client) GetFlowMetadata(ctx context.Context, flowID int64) (FlowMetadata, error) {
	var m FlowMetadata
	if err := checkID("flow id", flowID); err != nil {
		return m, err
	}
	_, err := callEnvelope(ctx, c, &apiclient.Request{Path: "/flows/" + id(flowID) + "/metadata"}, &m)
	return m, err
}

// GetRemarkingFlow returns the id of a flow's remarking flow (the new grading of appeals), and
// false when it has none (GET /flows/{flowId}/remarking).
func (c *Client) GetRemarkingFlow(ctx context.Context, flowID int64) (int64, bool, error) {
	if err := checkID("flow id", flowID); err != nil {
		return 0, false, err
	}
	var r *RemarkingFlow
	if _, err := callEnvelope(ctx, c, &apiclient.Request{Path: "/flows/" + id(flowID) + "/remarking"}, &r); err != nil {
		return 0, false, err
	}
	if r == nil || r.FlowID <= 0 {
		return 0, false, nil
	}
	return r.FlowID, true, nil
}

// CreateReassessment makes the reassessment flow of a flow, where an appeal committee grades
// the appealing candidates anew (POST /flow/{flowId}/reassessment); synchronize queues it for
// synchronisation with the flow's source (FS adds the appellants). When the flow has one
// already, WISEflow returns it and queues nothing: created is false, and that is success too, so
// the call may be repeated safely (a lost answer is retried). A licence without the
// reassessment module answers 403: the error is a *ModuleError (ErrModuleMissing).
func (c *Client) CreateReassessment(ctx context.Context, flowID int64, synchronize bool) (r Reassessment, created bool, err error) {
	if err := checkID("flow id", flowID); err != nil {
		return r, false, err
	}
	resp, err := callBare(httpx.WithIdempotent(ctx), c, &apiclient.Request{Method: http.MethodPost,
		Path: "/flow/" + id(flowID) + "/reassessment", Body: ReassessmentRequest{Synchronize: synchronize}}, &r)
	if err != nil {
		if errors.Is(err, ErrForbidden) {
			return r, false, &ModuleError{Module: "reassessment", Err: err}
		}
		return r, false, err
	}
	if r.ReassessmentFlowID <= 0 {
		return r, false, c.core.DecodeError("/flow/"+id(flowID)+"/reassessment", errors.New("the answer has no reassessmentFlowId"))
	}
	return r, resp.StatusCode == http.StatusCreated, nil
}
