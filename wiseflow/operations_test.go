package wiseflow_test

import (
	"context"
	"errors"
	"io"
	"os"
	"reflect"
	"regexp"
	"slices"
	"testing"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

// TestEveryOperationHasAMethod keeps the facade in step with openapi/wiseflow.yaml: each
// operationId is a Client method of the same name (the token endpoint, which the
// authentication calls, excepted).
func TestEveryOperationHasAMethod(t *testing.T) {
	spec, err := os.ReadFile("../openapi/wiseflow.yaml")
	must(t, err)
	ops := regexp.MustCompile(`(?m)^\s+operationId: (\w+)$`).FindAllSubmatch(spec, -1)
	ct := reflect.TypeFor[*wiseflow.Client]()
	n := 0
	for _, m := range ops {
		id := string(m[1])
		if id == "createToken" {
			continue
		}
		n++
		if _, ok := ct.MethodByName(string(id[0]-'a'+'A') + id[1:]); !ok {
			t.Errorf("operation %s has no Client method", id)
		}
	}
	if n != 24 {
		t.Errorf("the spec has %d client operations, want 24", n)
	}
}

// TestFakeServesEveryOperation keeps the fake in step with the spec: it routes every operation
// id of openapi/wiseflow.yaml.
func TestFakeServesEveryOperation(t *testing.T) {
	spec, err := os.ReadFile("../openapi/wiseflow.yaml")
	must(t, err)
	srv := wiseflowtest.NewServer()
	defer srv.Close()
	routes := map[string]bool{}
	for _, id := range srv.Operations() {
		routes[id] = true
	}
	for _, m := range regexp.MustCompile(`(?m)^\s+operationId: (\w+)$`).FindAllSubmatch(spec, -1) {
		id := string(m[1])
		if id == "createToken" {
			id = "token"
		}
		if !routes[id] {
			t.Errorf("the fake has no operation %s", id)
		}
	}
}

func TestFlowReads(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	f, err := w.c.GetFlow(ctx, w.exam)
	must(t, err)
	if f.ID != w.exam || f.State != wiseflow.FlowStateConcluded || f.Type != wiseflow.FlowTypeLock || f.Purpose != wiseflow.FlowPurposeExamination {
		t.Errorf("GetFlow = %+v", f)
	}
	if len(f.SisInformation) != 1 || f.SisInformation[0].Code != "185||INF1000||1||SKR||2026||VÅR" {
		t.Errorf("SIS codes = %+v", f.SisInformation)
	}
	m, err := w.c.GetFlowMetadata(ctx, w.thesis)
	must(t, err)
	if m.Purpose != wiseflow.FlowPurposeMaster || m.ExaminationType != wiseflow.FlowVariantOrdinary || m.Term != "2026 VÅR" {
		t.Errorf("GetFlowMetadata = %+v", m)
	}
	if _, err := w.c.GetFlow(ctx, 999999); !errors.Is(err, wiseflow.ErrNotFound) {
		t.Errorf("GetFlow of an unknown flow: %v, want ErrNotFound", err)
	}
	if _, err := w.c.GetFlow(ctx, 0); err == nil {
		t.Error("GetFlow(0) made a request")
	}
}

func TestSearchFlowsByPurposeAndState(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	tests := []struct {
		name string
		q    wiseflow.FlowQuery
		want []int64
	}{
		{"master", wiseflow.FlowQuery{Purposes: []wiseflow.FlowPurpose{wiseflow.FlowPurposeMaster}}, []int64{w.thesis}},
		{"concluded", wiseflow.FlowQuery{States: []wiseflow.FlowState{wiseflow.FlowStateConcluded}}, []int64{w.exam}},
		{"either state", wiseflow.FlowQuery{States: []wiseflow.FlowState{wiseflow.FlowStateConcluded, wiseflow.FlowStateParticipationEnded}}, []int64{w.exam, w.thesis}},
		{"title part", wiseflow.FlowQuery{Title: "masteroppg"}, []int64{w.thesis}},
		{"none", wiseflow.FlowQuery{States: []wiseflow.FlowState{wiseflow.FlowStateArchived}}, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var got []int64
			for f, err := range w.c.SearchFlows(ctx, tc.q) {
				must(t, err)
				got = append(got, f.FlowID)
			}
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("flows (-want +got):\n%s", diff)
			}
		})
	}
	if _, err := w.c.SearchFlowsPage(ctx, wiseflow.FlowQuery{States: []wiseflow.FlowState{wiseflow.FlowStateUnknown}}, 0, 10); !errors.Is(err, wiseflow.ErrBadQuery) {
		t.Errorf("a state without a name: %v, want ErrBadQuery", err)
	}
}

// TestListingsPageThroughTheFake reads more records than one page holds, with small pages.
func TestListingsPageThroughTheFake(t *testing.T) {
	srv := wiseflowtest.NewServer()
	defer srv.Close()
	flow := srv.AddFlow(wiseflowtest.FlowSpec{Name: "Stor eksamen", Purpose: wiseflow.FlowPurposeExamination})
	var want []int64
	for i := range 23 {
		pid, err := srv.AddParticipant(flow, wiseflow.User{FirstName: "S", LastName: string(rune('a' + i))}, "")
		must(t, err)
		_, err = srv.DeliverThesis(flow, pid, nil)
		must(t, err)
		want = append(want, pid)
	}
	for _, size := range []int{1, 5, 100} {
		c, err := srv.Client(wiseflow.WithPageSize(size))
		must(t, err)
		srv.ResetStats()
		var got []int64
		for p, err := range c.ListParticipants(context.Background(), flow) {
			must(t, err)
			got = append(got, p.ParticipantID)
		}
		if diff := cmp.Diff(want, got); diff != "" {
			t.Errorf("page size %d (-want +got):\n%s", size, diff)
		}
		if n, pages := srv.Stats().Requests["listParticipants"], (23+size-1)/size; n != pages {
			t.Errorf("page size %d: %d requests, want %d (the total ends the listing)", size, n, pages)
		}
		subs := 0
		for _, err := range c.ListSubmissions(context.Background(), flow) {
			must(t, err)
			subs++
		}
		if subs != 23 {
			t.Errorf("page size %d: %d submissions, want 23", size, subs)
		}
	}
	c, err := srv.Client()
	must(t, err)
	p, err := c.ListParticipantsPage(context.Background(), flow, 20, 10)
	must(t, err)
	if len(p.Items) != 3 || p.Total != 23 || p.More() {
		t.Errorf("last page: %d items, total %d, more %v", len(p.Items), p.Total, p.More())
	}
	if _, err := c.ListParticipantsPage(context.Background(), flow, 0, 101); err == nil {
		t.Error("a limit over 100 was sent")
	}
	one, err := c.GetParticipant(context.Background(), flow, want[4])
	must(t, err)
	if one.ParticipantID != want[4] || one.User.LastName != "e" || one.SubmissionID == nil {
		t.Errorf("GetParticipant = %+v", one)
	}
}

func TestGradesAndExplanations(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	grades, err := w.c.GetAssessments(ctx, w.exam)
	must(t, err)
	if len(grades) != 3 || grades[1].Grade != "B" || grades[1].Date.IsZero() {
		t.Fatalf("GetAssessments = %+v", grades)
	}
	a, err := w.c.GetAssessment(ctx, w.exam, w.students[2])
	must(t, err)
	if a.Grade != "C" || a.ParticipantID != w.students[2] {
		t.Errorf("GetAssessment = %+v", a)
	}

	ref, created, err := w.c.CreateExplanationRequest(ctx, w.exam, wiseflow.NewExplanationRequest{ParticipantID: w.students[0], ShowJustification: true})
	must(t, err)
	if !created || ref.ExplanationRequestID == 0 {
		t.Fatalf("first request: %+v created %v", ref, created)
	}
	again, created, err := w.c.CreateExplanationRequest(ctx, w.exam, wiseflow.NewExplanationRequest{ParticipantID: w.students[0], ShowJustification: true})
	must(t, err)
	if created || again.ExplanationRequestID != ref.ExplanationRequestID {
		t.Errorf("the repeat: %+v created %v, want the same request, not created", again, created)
	}
	must(t, w.srv.AssignExplanation(w.exam, ref.ExplanationRequestID, w.assessor))
	must(t, w.srv.GiveExplanation(w.exam, ref.ExplanationRequestID))
	all, err := w.c.GetExplanationRequests(ctx, w.exam)
	must(t, err)
	if len(all) != 1 || all[0].State != wiseflow.ExplanationStateSubmitted || all[0].AssignedAssessor.AssessorID != w.assessor {
		t.Errorf("GetExplanationRequests = %+v", all)
	}
	one, err := w.c.GetExplanationRequest(ctx, w.exam, ref.ExplanationRequestID)
	must(t, err)
	if one.Participant.ParticipantID != w.students[0] || one.RequestDate.IsZero() {
		t.Errorf("GetExplanationRequest = %+v", one)
	}
	upd, err := w.c.UpdateExplanationRequest(ctx, w.exam, ref.ExplanationRequestID, false)
	must(t, err)
	if upd.ShowJustification || w.srv.ExplanationRequests(w.exam)[0].ShowJustification {
		t.Errorf("UpdateExplanationRequest did not hide it: %+v", upd)
	}
	if _, _, err := w.c.CreateExplanationRequest(ctx, w.exam, wiseflow.NewExplanationRequest{ParticipantID: 424242}); !errors.Is(err, wiseflow.ErrNotFound) {
		t.Errorf("a request for an unknown participant: %v, want ErrNotFound", err)
	}
	writes := w.srv.Writes()
	if len(writes) != 3 || !writes[0].Created || writes[1].Created || writes[2].Operation != "updateExplanationRequest" {
		t.Errorf("writes = %+v", writes)
	}
}

func TestReassessment(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	if _, ok, err := w.c.GetRemarkingFlow(ctx, w.exam); err != nil || ok {
		t.Fatalf("a flow without a remarking flow: %v %v", ok, err)
	}
	r, created, err := w.c.CreateReassessment(ctx, w.exam, true)
	must(t, err)
	if !created || !r.QueuedForSynchronization || r.ReassessmentFlowID == 0 {
		t.Fatalf("CreateReassessment = %+v created %v", r, created)
	}
	again, created, err := w.c.CreateReassessment(ctx, w.exam, true)
	must(t, err)
	if created || again.ReassessmentFlowID != r.ReassessmentFlowID || again.QueuedForSynchronization {
		t.Errorf("the repeat = %+v created %v; want the same flow, not created, not queued again", again, created)
	}
	id, ok, err := w.c.GetRemarkingFlow(ctx, w.exam)
	must(t, err)
	if !ok || id != r.ReassessmentFlowID {
		t.Errorf("GetRemarkingFlow = %d %v", id, ok)
	}
	rf, err := w.c.GetFlow(ctx, id)
	must(t, err)
	if rf.Variant != wiseflow.FlowVariantRemarking {
		t.Errorf("the remarking flow's variant is %v", rf.Variant)
	}

	w.srv.SetReassessmentModule(false)
	_, _, err = w.c.CreateReassessment(ctx, w.thesis, false)
	var me *wiseflow.ModuleError
	if !errors.As(err, &me) || !errors.Is(err, wiseflow.ErrModuleMissing) || !errors.Is(err, wiseflow.ErrForbidden) || me.Module != "reassessment" {
		t.Errorf("without the module: %v, want a *ModuleError", err)
	}
}

func TestSubmissionsAndFiles(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	var subs []wiseflow.Submission
	for s, err := range w.c.ListSubmissions(ctx, w.thesis) {
		must(t, err)
		subs = append(subs, s)
	}
	if len(subs) != 1 || subs[0].ID != w.submission || !subs[0].Status.HandedIn || subs[0].Status.HandedInDate == nil {
		t.Fatalf("ListSubmissions = %+v", subs)
	}
	d, err := w.c.GetSubmission(ctx, w.thesis, w.submission)
	must(t, err)
	if len(d.CoverSheet) != 2 || d.CoverSheet[0].Value != "Om alt" || d.Participants[0].ID != w.author {
		t.Errorf("GetSubmission = %+v", d)
	}
	files, err := w.c.GetSubmissionFiles(ctx, w.thesis, w.submission)
	must(t, err)
	if len(files) != 1 || files[0].Size != int64(len(w.pdf)) || files[0].Link == "" || files[0].Type != wiseflow.FileTypeDOCUMENT {
		t.Fatalf("GetSubmissionFiles = %+v", files)
	}
	f, err := w.c.GetSubmissionFile(ctx, w.thesis, w.submission, files[0].ID)
	must(t, err)
	if f.Filename != "master.pdf" {
		t.Errorf("GetSubmissionFile = %+v", f)
	}
	r, err := w.c.OpenFile(ctx, w.thesis, w.submission, files[0].ID)
	must(t, err)
	got, err := io.ReadAll(r)
	must(t, err)
	must(t, r.Close())
	if !slices.Equal(got, w.pdf) {
		t.Errorf("the download has %d bytes, want the file's %d", len(got), len(w.pdf))
	}
	if _, err := w.c.GetSubmission(ctx, w.exam, w.submission); !errors.Is(err, wiseflow.ErrForbidden) {
		t.Errorf("another flow's submission: %v, want 403", err)
	}
}

func TestSearchSources(t *testing.T) {
	w := newWorld(t)
	ctx := context.Background()
	code := wiseflow.FSCode{Institution: "185", CourseCode: "INF1000"}
	var got []wiseflow.Source
	for s, err := range w.c.SearchSources(ctx, code.String(), 0) {
		must(t, err)
		got = append(got, s)
	}
	if len(got) != 1 || got[0].Flow.Flowid != w.exam || got[0].Flow.State != wiseflow.FlowStateConcluded {
		t.Fatalf("SearchSources = %+v", got)
	}
	p, err := w.c.SearchSourcesPage(ctx, code.String(), w.thesis, 0, 10)
	must(t, err)
	if len(p.Items) != 0 {
		t.Errorf("limited to the thesis flow: %+v", p.Items)
	}
	if _, err := w.c.SearchSourcesPage(ctx, "ab||*||cd", 0, 0, 10); !errors.Is(err, wiseflow.ErrBadSourceCode) {
		t.Errorf("a code without a long part: %v", err)
	}
}
