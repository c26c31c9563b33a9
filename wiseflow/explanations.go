package wiseflow

import (
	"context"
	"errors"
	"net/http"

	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/httpx"
)

func explanationID(e *ExplanationRequest) int64 { return e.ExplanationID }

// GetExplanationRequests returns every grade-explanation request of a flow (GET
// /flow/{flowId}/explanation/request; one answer, no paging). A request that does not decode is
// left out and reported in the RecordErrors returned with the others.
func (c *Client) GetExplanationRequests(ctx context.Context, flowID int64) ([]ExplanationRequest, error) {
	if err := checkID("flow id", flowID); err != nil {
		return nil, err
	}
	return whole(ctx, c, &apiclient.Request{Path: "/flow/" + id(flowID) + "/explanation/request"}, "", explanationID)
}

// GetExplanationRequest reads one request with its participant, assigned assessor and dates.
func (c *Client) GetExplanationRequest(ctx context.Context, flowID, requestID int64) (ExplanationRequest, error) {
	var e ExplanationRequest
	if err := checkID("flow id", flowID); err != nil {
		return e, err
	}
	if err := checkID("explanation request id", requestID); err != nil {
		return e, err
	}
	_, err := callBare(ctx, c, &apiclient.Request{Path: "/flow/" + id(flowID) + "/explanation/request/" + id(requestID)}, &e)
	return e, err
}

// CreateExplanationRequest asks for an explanation of a participant's grade on the
// participant's behalf (POST /flow/{flowId}/explanation/request), as FS forwards a student's
// request. When the participant has a request already, WISEflow returns its id and created is
// false; that is success too, so the call may be repeated safely (a lost answer is retried).
// showJustification applies to a new request only; change an existing one with
// UpdateExplanationRequest.
func (c *Client) CreateExplanationRequest(ctx context.Context, flowID int64, req NewExplanationRequest) (ref ExplanationRequestRef, created bool, err error) {
	if err := checkID("flow id", flowID); err != nil {
		return ref, false, err
	}
	if err := checkID("participant id", req.ParticipantID); err != nil {
		return ref, false, err
	}
	path := "/flow/" + id(flowID) + "/explanation/request"
	resp, err := callBare(httpx.WithIdempotent(ctx), c, &apiclient.Request{Method: http.MethodPost, Path: path, Body: req}, &ref)
	if err != nil {
		return ref, false, err
	}
	if ref.ExplanationRequestID <= 0 {
		return ref, false, c.core.DecodeError(path, errors.New("the answer has no explanationRequestId"))
	}
	return ref, resp.StatusCode == http.StatusCreated, nil
}

// UpdateExplanationRequest shows the explanation to the participant (show true) or hides it
// (PATCH .../explanation/request/{id}, showJustification). Turning it on makes WISEflow e-mail
// the participant. Setting the same value again changes nothing, so a lost answer is retried.
func (c *Client) UpdateExplanationRequest(ctx context.Context, flowID, requestID int64, show bool) (ExplanationRequestRef, error) {
	var refs []ExplanationRequestRef
	if err := checkID("flow id", flowID); err != nil {
		return ExplanationRequestRef{}, err
	}
	if err := checkID("explanation request id", requestID); err != nil {
		return ExplanationRequestRef{}, err
	}
	path := "/flow/" + id(flowID) + "/explanation/request/" + id(requestID)
	if _, err := callEnvelope(httpx.WithIdempotent(ctx), c, &apiclient.Request{Method: http.MethodPatch, Path: path,
		Body: ExplanationVisibility{ShowJustification: show}}, &refs); err != nil {
		return ExplanationRequestRef{}, err
	}
	for _, r := range refs {
		if r.ExplanationRequestID == requestID {
			return r, nil
		}
	}
	// The file declares an array; an answer without the request still reports the value set.
	return ExplanationRequestRef{ExplanationRequestID: requestID, ShowJustification: show}, nil
}
