package conformance

import (
	"context"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

// wiseflowAllowed are the defects of the official WISEflow 1.34.0 file that our traffic meets
// (each is listed in openapi/wiseflow.yaml's header).
var wiseflowAllowed = []Allow{
	{Response: true, Match: `^Error at "/error": Value is not nullable`,
		Why: "success envelopes carry error: null, as the file's own examples show, but its schemas do not allow null"},
	{Response: true, Match: `^Error at "/data": Value is not nullable`,
		Why: "answers without data carry data: null, as the file's example of success-api-response-no-data shows, but its schema does not allow null"},
	{Operation: "GET /flows/{flowId}/submissions/{submissionId}", Response: true, Match: `^Error at "/participants/\d+/participantId": property "participantId" is missing`,
		Why: "flow-participant-info requires participantId, a property it does not declare; the participant's id is id (our defect 4)"},
	{Operation: "GET /flows/{flowId}/submissions/{submissionId}", Response: true, Match: `^Error at "/participants/\d+/finalGrade/grade": value must be an integer`,
		Why: "finalGrade.grade is declared an integer; Norwegian grades are letters and words (our defect 4)"},
}

// TestWISEflowAgainstTheOfficialFile runs every operation of package wiseflow through a proxy
// that checks requests and answers against the official WISEflow 1.34.0 OpenAPI file.
func TestWISEflowAgainstTheOfficialFile(t *testing.T) {
	specs := SharedSpecs(t)
	fake := wiseflowtest.NewServer()
	defer fake.Close()
	proxy := Start(t, Config{Spec: filepath.Join(specs, "wiseflow", "wiseflow-api-1.34.0.openapi.yaml"), Official: true,
		Target: strings.TrimSuffix(fake.URL(), wiseflowtest.BasePath), BasePath: wiseflowtest.BasePath, Repair: repairWISEflow})
	cr := fake.Credentials()
	c, err := wiseflow.New(proxy.URL(), wiseflow.WithClientCredentials(cr.ClientID, cr.ClientSecret), wiseflow.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	runWISEflow(t, c, fake)
	proxy.Covered(t, filepath.Join(Repo(), "openapi", "wiseflow.yaml"))
	proxy.Check(t, wiseflowAllowed)
}

// repairWISEflow mends the defects of the 1.34.0 file that keep the validator from loading it,
// all outside the operations we use or in its declarations: array schemas without "items"
// (assessor-group-response's assessorGroupIds and three more) get items of any type, and the
// OAuth2 client-credentials flow, which declares no scopes, an empty set of them.
func repairWISEflow(doc *openapi3.T) int {
	n := 0
	for _, ss := range doc.Components.SecuritySchemes {
		if f := ss.Value.Flows; f != nil && f.ClientCredentials != nil && f.ClientCredentials.Scopes == nil {
			f.ClientCredentials.Scopes = map[string]string{}
			n++
		}
	}
	var walk func(*openapi3.Schema, map[*openapi3.Schema]bool)
	walk = func(s *openapi3.Schema, seen map[*openapi3.Schema]bool) {
		if s == nil || seen[s] {
			return
		}
		seen[s] = true
		if s.Type.Is("array") && s.Items == nil {
			s.Items = openapi3.NewSchemaRef("", openapi3.NewSchema())
			n++
		}
		for _, p := range s.Properties {
			walk(p.Value, seen)
		}
		if s.Items != nil {
			walk(s.Items.Value, seen)
		}
		for _, list := range [][]*openapi3.SchemaRef{s.AllOf, s.AnyOf, s.OneOf} {
			for _, x := range list {
				walk(x.Value, seen)
			}
		}
	}
	seen := map[*openapi3.Schema]bool{}
	for _, s := range doc.Components.Schemas {
		walk(s.Value, seen)
	}
	return n
}

func runWISEflow(t *testing.T, c *wiseflow.Client, fake *wiseflowtest.Server) {
	ctx := context.Background()
	day := time.Date(2026, 5, 20, 9, 0, 0, 0, time.UTC)
	code := wiseflow.FSCode{Institution: "185", CourseCode: "INF1000", Version: "1", AssessmentCode: "SKR", Year: "2026", Term: "VÅR"}
	exam := fake.AddFlow(wiseflowtest.FlowSpec{Name: "Introduksjon til programmering", SubName: "INF1000", Type: wiseflow.FlowTypeLock,
		Purpose: wiseflow.FlowPurposeExamination, State: wiseflow.FlowStateConcluded, ParticipationStart: day, ParticipationEnd: day.Add(4 * time.Hour),
		MarkingStart: day.Add(4 * time.Hour), MarkingEnd: day.AddDate(0, 0, 21), Code: "INF1000", Term: "2026 VÅR", SourceCodes: []string{code.String()}})
	assessor, _ := fake.AddAssessor(exam, wiseflow.User{FirstName: "Ola", LastName: "Sensor", Phone: "+4712345678"})
	var students []int64
	for i, grade := range []string{"B", "E"} {
		pid, err := fake.AddParticipant(exam, wiseflow.User{FirstName: "Kari", LastName: string(rune('A' + i)), Phone: "+4798765432",
			ExternalIds: []wiseflow.ExternalID{{Name: "username", Value: "kari"}}}, "K00"+string(rune('1'+i)))
		must(t, "AddParticipant", err)
		must(t, "AllocateAssessor", fake.AllocateAssessor(exam, pid, assessor))
		must(t, "GradeParticipant", fake.GradeParticipant(exam, pid, grade))
		students = append(students, pid)
	}
	thesis := fake.AddFlow(wiseflowtest.FlowSpec{Name: "Masteroppgave", Type: wiseflow.FlowTypeHandin, Purpose: wiseflow.FlowPurposeMaster,
		State: wiseflow.FlowStateParticipationEnded, ParticipationStart: day.AddDate(0, -5, 0), ParticipationEnd: day, MarkingStart: day, MarkingEnd: day.AddDate(0, 1, 0)})
	author, _ := fake.AddParticipant(thesis, wiseflow.User{FirstName: "Per", LastName: "Student", Phone: ""}, "K900")
	sub, err := fake.DeliverThesis(thesis, author, []wiseflow.CoverSheetElement{{ElementID: wiseflowtest.CoverTitle, Value: "Om alt"},
		{ElementID: wiseflowtest.CoverPublish, Value: "yes"}},
		wiseflowtest.File{Name: "master.pdf", ContentType: "application/pdf", Data: []byte("%PDF-1.7 thesis")})
	must(t, "DeliverThesis", err)

	_, err = c.GetFlow(ctx, exam)
	must(t, "GetFlow", err)
	first(t, "SearchFlows", c.SearchFlows(ctx, wiseflow.FlowQuery{States: []wiseflow.FlowState{wiseflow.FlowStateConcluded},
		Purposes: []wiseflow.FlowPurpose{wiseflow.FlowPurposeExamination}, Title: "programmering"}))
	_, err = c.SearchFlowsPage(ctx, wiseflow.FlowQuery{}, 0, 1)
	must(t, "SearchFlowsPage", err)
	_, err = c.GetFlowMetadata(ctx, exam)
	must(t, "GetFlowMetadata", err)
	first(t, "ListParticipants", c.ListParticipants(ctx, exam))
	_, err = c.GetParticipant(ctx, exam, students[0])
	must(t, "GetParticipant", err)
	_, err = c.GetAssessments(ctx, exam)
	must(t, "GetAssessments", err)
	_, err = c.GetAssessment(ctx, exam, students[1])
	must(t, "GetAssessment", err)

	ref, _, err := c.CreateExplanationRequest(ctx, exam, wiseflow.NewExplanationRequest{ParticipantID: students[0], ShowJustification: true})
	must(t, "CreateExplanationRequest", err)
	_, _, err = c.CreateExplanationRequest(ctx, exam, wiseflow.NewExplanationRequest{ParticipantID: students[0], ShowJustification: true})
	must(t, "CreateExplanationRequest again", err)
	must(t, "AssignExplanation", fake.AssignExplanation(exam, ref.ExplanationRequestID, assessor))
	_, err = c.GetExplanationRequests(ctx, exam)
	must(t, "GetExplanationRequests", err)
	_, err = c.GetExplanationRequest(ctx, exam, ref.ExplanationRequestID)
	must(t, "GetExplanationRequest", err)
	_, err = c.UpdateExplanationRequest(ctx, exam, ref.ExplanationRequestID, false)
	must(t, "UpdateExplanationRequest", err)

	_, _, err = c.GetRemarkingFlow(ctx, exam)
	must(t, "GetRemarkingFlow (none)", err)
	_, _, err = c.CreateReassessment(ctx, exam, true)
	must(t, "CreateReassessment", err)
	_, _, err = c.CreateReassessment(ctx, exam, true)
	must(t, "CreateReassessment again", err)
	_, _, err = c.GetRemarkingFlow(ctx, exam)
	must(t, "GetRemarkingFlow", err)

	first(t, "ListSubmissions", c.ListSubmissions(ctx, thesis))
	must(t, "GradeParticipant", fake.GradeParticipant(thesis, author, "B"))
	_, err = c.GetSubmission(ctx, thesis, sub)
	must(t, "GetSubmission", err)
	files, err := c.GetSubmissionFiles(ctx, thesis, sub)
	must(t, "GetSubmissionFiles", err)
	r, err := c.OpenFile(ctx, thesis, sub, files[0].ID)
	must(t, "OpenFile", err)
	_, err = io.Copy(io.Discard, r)
	must(t, "reading the file", err)
	r.Close()
	first(t, "SearchSources", c.SearchSources(ctx, wiseflow.FSCode{CourseCode: "INF1000"}.String(), 0))

	active := true
	h, err := c.CreateWebhook(ctx, wiseflow.NewWebhook{Title: "edusync", URL: "https://hooks.example.no/wiseflow", Secret: "s3cret",
		Active: &active, Events: []wiseflow.WebhookEvent{wiseflow.WebhookEventFINALGRADE}})
	must(t, "CreateWebhook", err)
	_, err = c.GetWebhooks(ctx)
	must(t, "GetWebhooks", err)
	_, err = c.GetWebhook(ctx, h.ID)
	must(t, "GetWebhook", err)
	_, err = c.UpdateWebhook(ctx, h.ID, wiseflow.WebhookUpdate{Title: "edusync (staging)"})
	must(t, "UpdateWebhook", err)
	must(t, "TestWebhook", c.TestWebhook(ctx, h.ID))
	must(t, "DeleteWebhook", c.DeleteWebhook(ctx, h.ID))
}
