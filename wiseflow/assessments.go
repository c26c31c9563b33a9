package wiseflow

import (
	"context"

	"github.com/edusync/edusync/internal/apiclient"
)

func assessmentParticipant(a *Assessment) int64 { return a.ParticipantID }

// GetAssessments returns the grade of every participant of a flow: grade, administrative grade,
// their dates and whether they were exported to FS (GET /flow/{flowId}/assessments; one
// answer, no paging). A record that does not decode is reported in the RecordErrors returned
// with the others.
func (c *Client) GetAssessments(ctx context.Context, flowID int64) ([]Assessment, error) {
	if err := checkID("flow id", flowID); err != nil {
		return nil, err
	}
	return whole(ctx, c, &apiclient.Request{Path: "/flow/" + id(flowID) + "/assessments"}, "", assessmentParticipant)
}

// GetAssessment reads one participant's grade.
func (c *Client) GetAssessment(ctx context.Context, flowID, participantID int64) (Assessment, error) {
	var a Assessment
	if err := checkID("flow id", flowID); err != nil {
		return a, err
	}
	if err := checkID("participant id", participantID); err != nil {
		return a, err
	}
	_, err := callEnvelope(ctx, c, &apiclient.Request{Path: "/flow/" + id(flowID) + "/assessments/" + id(participantID)}, &a)
	return a, err
}
