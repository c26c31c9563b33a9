package wiseflow

import (
	"context"
	"iter"

	"github.com/edusync/edusync/internal/apiclient"
)

func participantID(p *Participant) int64 { return p.ParticipantID }

// ListParticipants returns the participants of a flow, page by page (GET
// /flows/{flowId}/participants, the current listing; /flow/{flowId}/participants is gone).
// Each carries its user (names, external ids), submission and assessors.
func (c *Client) ListParticipants(ctx context.Context, flowID int64) iter.Seq2[Participant, error] {
	if err := checkID("flow id", flowID); err != nil {
		return func(yield func(Participant, error) bool) { yield(Participant{}, err) }
	}
	return list(ctx, c, &apiclient.Request{Path: "/flows/" + id(flowID) + "/participants"}, participantID)
}

// ListParticipantsPage reads one page of ListParticipants (limit at most 100).
func (c *Client) ListParticipantsPage(ctx context.Context, flowID, offset int64, limit int) (*Page[Participant], error) {
	if err := checkID("flow id", flowID); err != nil {
		return nil, err
	}
	return page(ctx, c, &apiclient.Request{Path: "/flows/" + id(flowID) + "/participants"}, offset, limit, participantID)
}

// GetParticipant reads one participant of a flow.
func (c *Client) GetParticipant(ctx context.Context, flowID, participantID int64) (Participant, error) {
	var p Participant
	if err := checkID("flow id", flowID); err != nil {
		return p, err
	}
	if err := checkID("participant id", participantID); err != nil {
		return p, err
	}
	_, err := callEnvelope(ctx, c, &apiclient.Request{Path: "/flows/" + id(flowID) + "/participants/" + id(participantID)}, &p)
	return p, err
}
