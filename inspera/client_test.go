package inspera_test

import (
	"context"
	"crypto/sha256"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/internal/testclock"
	"github.com/edusync/edusync/synth"
)

func TestAPIKeyIsExchangedForATokenOnce(t *testing.T) {
	srv, c := tenant(t)
	ctx := context.Background()
	for range 3 {
		if _, err := c.GetTest(ctx, inspera.TestID(examID)); err != nil {
			t.Fatal(err)
		}
	}
	if got := srv.Stats().Grants["authorization_code"]; got != 1 {
		t.Errorf("%d tokens fetched for three calls, want 1", got)
	}
}

func TestRefusedAPIKeyIsATokenError(t *testing.T) {
	srv, _ := tenant(t)
	for name, opt := range map[string]inspera.Option{
		"wrong key":    inspera.WithAPIKey(srv.Tenant(), "not-the-key-xyz"),
		"wrong tenant": inspera.WithAPIKey("other-tenant", srv.APIKey()),
	} {
		c, err := inspera.New(srv.URL(), opt, inspera.WithoutRetry())
		if err != nil {
			t.Fatal(err)
		}
		_, err = c.GetTest(context.Background(), inspera.TestID(examID))
		var te *inspera.TokenError
		if !errors.As(err, &te) || !errors.Is(err, inspera.ErrUnauthorized) || te.StatusCode != http.StatusUnauthorized {
			t.Errorf("%s: %v", name, err)
		}
		if strings.Contains(err.Error(), "not-the-key-xyz") || strings.Contains(err.Error(), srv.APIKey()) {
			t.Errorf("%s: the key is in the error: %v", name, err)
		}
	}
}

func TestTokenRenewedAfterExpiryAndBeforeExpiresIn(t *testing.T) {
	srv, c := tenant(t)
	ctx := context.Background()
	if _, err := c.GetTest(ctx, inspera.TestID(examID)); err != nil {
		t.Fatal(err)
	}
	srv.ExpireTokens() // the API refuses the token: renewed once, the call succeeds
	if _, err := c.GetTest(ctx, inspera.TestID(examID)); err != nil {
		t.Fatal(err)
	}
	if got := srv.Stats().Grants["authorization_code"]; got != 2 {
		t.Errorf("%d tokens after a refusal, want 2", got)
	}

	// Tokens that live less than the client's margin are fetched anew for every call.
	short, c2 := tenant(t, insperatest.WithTokenLifetime(2*time.Second))
	for range 3 {
		if _, err := c2.GetTest(ctx, inspera.TestID(examID)); err != nil {
			t.Fatal(err)
		}
	}
	if got := short.Stats().Grants["authorization_code"]; got != 3 {
		t.Errorf("%d tokens for three calls with 2 s tokens, want 3", got)
	}
	if n := short.Stats().Answers[fakekit.Answer{Operation: "getTest", Status: 401}]; n != 0 {
		t.Errorf("%d calls went out with an expiring token", n)
	}
}

func TestGetTestByIDAndExternalID(t *testing.T) {
	_, c := tenant(t)
	ctx := context.Background()
	byID, err := c.GetTest(ctx, inspera.TestID(examID))
	if err != nil {
		t.Fatal(err)
	}
	byExt, err := c.GetTest(ctx, inspera.ExternalTest(vurdID))
	if err != nil {
		t.Fatal(err)
	}
	ignoreLinks := cmp.Transformer("links", func(a inspera.Asset) inspera.Asset { a.URL = ""; return a })
	if d := cmp.Diff(byID, byExt, ignoreLinks); d != "" {
		t.Errorf("by id and by vurdId differ (-id +ext):\n%s", d)
	}
	if byID.ExternalTestInfo.ExternalTestID != vurdID || byID.GeneralInfo.Title == "" || len(byID.Candidates) != 4 {
		t.Fatalf("test %+v", byID)
	}
	got, ok := byID.Candidate("104")
	if !ok {
		t.Fatal("candidate 104 missing")
	}
	want := inspera.Candidate{UserID: 204, CandidateID: "104", AttendanceStatus: "SUBMITTED", DeliveryMode: "ONLINE",
		CommitteeID: ordinary, CommitteeName: "Kommisjon 1", CommitteeGradingStatus: inspera.GradingConfirmed,
		FinalGrade: "B", GradedDate: gradedDay, StartTime: examDay, DeliveryDeadline: examDay.Add(4 * time.Hour),
		AssetsDownloadInfo: []inspera.Asset{{FileName: thesis.Name, ContentType: thesis.ContentType, Size: thesis.Size}}}
	if d := cmp.Diff(want, *got, ignoreLinks); d != "" {
		t.Errorf("candidate (-want +got):\n%s", d)
	}
	if ac := byID.AppealCommittees(); len(ac) != 1 || ac[0].CommitteeID != appeals {
		t.Errorf("appeal committees %+v", ac)
	}
	if _, err := c.GetTest(ctx, inspera.ExternalTest("999_NOPE_1_SKR_2026_VÅR")); !errors.Is(err, inspera.ErrNotFound) {
		t.Errorf("unknown external id: %v", err)
	}
	if _, err := c.GetTest(ctx, inspera.TestRef{}); err == nil {
		t.Error("a zero TestRef was sent")
	}
}

func TestGetTestKeepsGoodCandidatesOfABadAnswer(t *testing.T) {
	body := `{"assessmentRunId": "77", "generalInfo": {"title": "T", "unknown": 1}, "candidates": [
		{"userId": 1, "candidateId": "a", "finalGrade": 4},
		{"userId": "x", "candidateId": "b"},
		{"candidateId": "c"},
		{"userId": 4, "candidateId": "d", "gradedDate": "yesterday"},
		{"userId": "5", "candidateId": "e", "finalGrade": "C"}], "extra": [1,2]}`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, body) }))
	defer srv.Close()
	c, err := inspera.New(srv.URL, inspera.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	test, err := c.GetTest(context.Background(), inspera.TestID(77))
	var res inspera.RecordErrors
	if !errors.As(err, &res) || len(res) != 3 {
		t.Fatalf("error %v, want three record errors", err)
	}
	var got []string
	for _, cd := range test.Candidates {
		got = append(got, cd.CandidateID+":"+string(cd.FinalGrade))
	}
	if d := cmp.Diff([]string{"a:4", "e:C"}, got); d != "" || test.AssessmentRunID != 77 || test.GeneralInfo.Title != "T" {
		t.Errorf("test %d %q, candidates (-want +got):\n%s", test.AssessmentRunID, test.GeneralInfo.Title, d)
	}
	strict, _ := inspera.New(srv.URL, inspera.WithoutRetry(), inspera.WithStrict())
	if _, err := strict.GetTest(context.Background(), inspera.TestID(77)); err == nil || errors.As(err, &res) {
		t.Errorf("strict: %v", err)
	}
}

// A list answer with more records than MaxListRecords (a server sending an endless list of
// candidates or tests, each tiny) is refused as broken instead of being held in memory; bad
// records count too (and keep the test quick).
func TestListAnswersOverMaxListRecordsAreRefused(t *testing.T) {
	many := func(prefix, rec string) string {
		return prefix + strings.Repeat(rec+",", inspera.MaxListRecords) + rec + "]}"
	}
	ctx := context.Background()
	cases := map[string]struct {
		body string
		call func(c *inspera.Client) error
	}{
		"candidates": {many(`{"assessmentRunId":1,"candidates":[`, `{}`),
			func(c *inspera.Client) error { _, err := c.GetTest(ctx, inspera.TestID(1)); return err }},
		"explanations": {many(`{"explanations":[`, `{"userId":1}`),
			func(c *inspera.Client) error { _, err := c.GetExplanations(ctx, inspera.TestID(1)); return err }},
		"search page": {many(`{"totalHits":1,"tests":[`, `{"assessmentRunId":1}`),
			func(c *inspera.Client) error { _, err := c.SearchTestsPage(ctx, inspera.TestSearch{}); return err }},
	}
	for name, tc := range cases {
		t.Run(name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { io.WriteString(w, tc.body) }))
			defer srv.Close()
			c, err := inspera.New(srv.URL, inspera.WithoutRetry())
			if err != nil {
				t.Fatal(err)
			}
			var de *inspera.DecodeError
			if err := tc.call(c); !errors.As(err, &de) {
				t.Fatalf("err = %v, want a DecodeError", err)
			}
		})
	}
}

func TestSearchTestsPagesThroughEveryMatch(t *testing.T) {
	srv := insperatest.NewServer()
	defer srv.Close()
	res := srv.LoadPopulation(smallUniversity(t), insperatest.LoadOptions{})
	c, err := srv.Client(inspera.WithPageSize(4))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var ids []inspera.ID
	for ts, err := range c.SearchTests(ctx, inspera.TestSearch{}) {
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, ts.AssessmentRunID)
	}
	if d := cmp.Diff(srv.TestIDs(), ids); d != "" || len(ids) != res.Tests {
		t.Errorf("search of %d tests (-want +got):\n%s", res.Tests, d)
	}
	if pages := srv.Stats().Requests["searchTests"]; pages != (res.Tests+3)/4 {
		t.Errorf("%d pages for %d tests of 4", pages, res.Tests)
	}
	first, _ := srv.Test(ids[0])
	page, err := c.SearchTestsPage(ctx, inspera.TestSearch{ExternalTestID: first.ExternalTestInfo.ExternalTestID})
	if err != nil || len(page.Tests) != 1 || page.Tests[0].AssessmentRunID != ids[0] || page.TotalHits != 1 || page.Next != (inspera.TestSearch{}) {
		t.Errorf("by vurdId: %+v %v", page, err)
	}
	page, err = c.SearchTestsPage(ctx, inspera.TestSearch{Title: strings.ToUpper(first.GeneralInfo.Title[:6]), Limit: 1})
	if err != nil || len(page.Tests) != 1 || (page.TotalHits > 1) != (page.Next.Offset == 1) {
		t.Errorf("by title: %+v %v", page, err)
	}
}

func TestExplanationRules(t *testing.T) {
	srv, c := tenant(t)
	ctx := context.Background()
	exam := inspera.TestID(examID)
	if _, err := c.RequestExplanations(ctx, exam, "101"); !errors.Is(err, inspera.ErrExplanationsDisabled) || !errors.Is(err, inspera.ErrConflict) {
		t.Fatalf("before enabling: %v", err)
	}
	if err := c.EnableExplanationAdministration(ctx, exam); err != nil {
		t.Fatal(err)
	}
	got, _ := c.GetTest(ctx, exam)
	if !got.Options.ExplanationAdministration() {
		t.Errorf("options %+v", got.Options)
	}
	var refusal *inspera.RefusalError
	if _, err := c.RequestExplanations(ctx, exam, "101", "103"); !errors.Is(err, inspera.ErrNotGraded) || !errors.As(err, &refusal) || !slices.Equal(refusal.CandidateIDs, []string{"103"}) {
		t.Fatalf("ungraded: %v", err)
	}
	if srv.ExplanationStatus(examID, "101") != "" {
		t.Fatal("a refused request was applied")
	}
	res, err := c.RequestExplanations(ctx, exam, "101", "102")
	if err != nil || !slices.Equal(res.Changed, []string{"101", "102"}) {
		t.Fatalf("request: %+v %v", res, err)
	}
	if res, err := c.RequestExplanations(ctx, exam, "101"); err != nil || !slices.Equal(res.Unchanged, []string{"101"}) {
		t.Errorf("again: %+v %v", res, err)
	}
	if err := srv.GiveExplanation(examID, "101", "Godt svar på oppgave 2.", synth.File{}); err != nil {
		t.Fatal(err)
	}
	if list, err := c.GetExplanations(ctx, exam); err != nil || len(list) != 0 {
		t.Errorf("a given explanation is listed before it is published: %+v %v", list, err)
	}
	if err := srv.PublishExplanation(examID, "101"); err != nil {
		t.Fatal(err)
	}
	list, err := c.GetExplanations(ctx, inspera.ExternalTest(vurdID))
	if err != nil || len(list) != 1 || list[0].CandidateID != "101" || list[0].Text != "Godt svar på oppgave 2." ||
		list[0].Status != "PUBLISHED" || list[0].PublishedDate.IsZero() || list[0].RequestedDate.IsZero() {
		t.Fatalf("published: %+v %v", list, err)
	}
	_, err = c.RequestExplanations(ctx, exam, "102", "101")
	if !errors.Is(err, inspera.ErrExplanationPublished) || !errors.As(err, &refusal) || !slices.Equal(refusal.CandidateIDs, []string{"101"}) {
		t.Fatalf("requesting a published one: %v", err)
	}
	if _, err := c.RequestExplanations(ctx, exam, "999"); !errors.Is(err, inspera.ErrCandidateNotFound) || !errors.Is(err, inspera.ErrNotFound) {
		t.Errorf("unknown candidate: %v", err)
	}
	if _, err := c.RequestExplanations(ctx, exam); err == nil {
		t.Error("a request without candidates was sent")
	}
}

func TestAppealRules(t *testing.T) {
	srv, c := tenant(t)
	ctx := context.Background()
	exam := inspera.ExternalTest(vurdID)
	step := func(name string, res *inspera.WriteResult, err error, changed ...string) {
		t.Helper()
		if err != nil || !slices.Equal(res.Changed, changed) {
			t.Fatalf("%s: %+v %v, want changed %v", name, res, err, changed)
		}
	}
	res, err := c.RegisterAppeals(ctx, exam, "102")
	step("register", res, err, "102")
	res, err = c.RegisterAppeals(ctx, exam, "102")
	step("register again", res, err)
	res, err = c.MoveCommitteeCandidates(ctx, exam, appeals, "102")
	step("move to the appeal committee", res, err, "102")
	if test, _ := c.GetTest(ctx, exam); test != nil {
		cd, _ := test.Candidate("102")
		if cd.CommitteeID != appeals || cd.CommitteeGradingStatus != inspera.GradingInProgress || cd.FinalGrade != "F" {
			t.Errorf("during the appeal: %+v", cd)
		}
	}
	res, err = c.WithdrawAppeals(ctx, exam, "102")
	step("withdraw", res, err, "102")
	res, err = c.WithdrawAppeals(ctx, exam, "102")
	step("withdraw again", res, err)
	res, err = c.RegisterAppeals(ctx, exam, "102")
	step("register after withdrawing", res, err, "102")
	if err := srv.ConcludeAppeal(examID, "102", "E"); err != nil {
		t.Fatal(err)
	}
	if _, err := c.WithdrawAppeals(ctx, exam, "102"); !errors.Is(err, inspera.ErrAppealDecided) {
		t.Errorf("withdrawing a decided appeal: %v", err)
	}
	if _, err := c.RegisterAppeals(ctx, exam, "102"); !errors.Is(err, inspera.ErrAppealDecided) {
		t.Errorf("appealing a decision: %v", err)
	}
	if _, err := c.RegisterAppeals(ctx, exam, "101", "103"); !errors.Is(err, inspera.ErrNotGraded) {
		t.Errorf("appealing no grade: %v", err)
	}
	rounds := srv.Rounds(examID, "102")
	causes := []string{}
	for _, r := range rounds {
		causes = append(causes, r.Cause+"/"+r.Grade+"/"+map[bool]string{true: "withdrawn", false: "standing"}[r.Withdrawn])
	}
	if d := cmp.Diff([]string{"ORDINARY/F/standing", "APPEAL//withdrawn", "APPEAL/E/standing"}, causes); d != "" {
		t.Errorf("rounds (-want +got):\n%s", d)
	}
	results, err := c.GetCandidateResults(ctx, examID, 202)
	if err != nil || len(results.EvaluationRounds) != 2 || results.EvaluationRounds[1].FinalGrade != "E" || results.CandidateID != "102" {
		t.Errorf("results: %+v %v", results, err)
	}
	if test, _ := c.GetTest(ctx, exam); test != nil {
		if cd, _ := test.Candidate("102"); cd.FinalGrade != "E" || cd.CommitteeGradingStatus != inspera.GradingConfirmed {
			t.Errorf("after the decision: %+v", cd)
		}
	}
}

func TestCommitteesAreCreatedOnceByName(t *testing.T) {
	_, c := tenant(t)
	ctx := context.Background()
	exam := inspera.TestID(examID)
	first, err := c.CreateCommittees(ctx, exam, inspera.Committee{Name: "Klagekommisjon 2", Type: inspera.Reassessment})
	if err != nil || len(first) != 1 || first[0].CommitteeID == 0 || first[0].Type != inspera.Reassessment {
		t.Fatalf("create: %+v %v", first, err)
	}
	again, err := c.CreateCommittees(ctx, exam, inspera.Committee{Name: "Klagekommisjon 2", Type: inspera.Reassessment})
	if err != nil || again[0].CommitteeID != first[0].CommitteeID {
		t.Errorf("again: %+v %v", again, err)
	}
	if _, err := c.CreateCommittees(ctx, exam, inspera.Committee{Name: strings.Repeat("x", 51)}); err == nil {
		t.Error("a 51-character name was sent")
	}
	if _, err := c.MoveCommitteeCandidates(ctx, exam, 999999, "101"); !errors.Is(err, inspera.ErrNotFound) {
		t.Errorf("unknown committee: %v", err)
	}
}

func TestUsersAndSubscriptionEvents(t *testing.T) {
	_, c := tenant(t)
	ctx := context.Background()
	u, err := c.GetUser(ctx, 203)
	if err != nil || u.Username != "per" {
		t.Errorf("user: %+v %v", u, err)
	}
	if _, err := c.GetUser(ctx, 1); !errors.Is(err, inspera.ErrNotFound) {
		t.Errorf("unknown user: %v", err)
	}
	events, err := c.GetSubscriptionEvents(ctx)
	if err != nil || !slices.ContainsFunc(events, func(e inspera.EventType) bool { return e.EventName == inspera.EventConfirmFinalGrades }) {
		t.Errorf("events: %+v %v", events, err)
	}
}

func TestFileExportStreamsTheThesis(t *testing.T) {
	srv, c := tenant(t, insperatest.WithExportPolls(2))
	ctx := context.Background()
	job, err := c.ExportFiles(ctx, inspera.FileExportOrder{TestID: examID, CandidateIds: []string{"104"}}, time.Millisecond)
	if err != nil || job.Status != inspera.ExportFinished || len(job.Files) != 1 {
		t.Fatalf("export: %+v %v", job, err)
	}
	if srv.Stats().Requests["getFileExportStatus"] != 3 {
		t.Errorf("%d status reads, want 3", srv.Stats().Requests["getFileExportStatus"])
	}
	h := sha256.New()
	n, err := c.DownloadFile(ctx, job.Files[0].URL, h)
	if err != nil || n != thesis.Size || [32]byte(h.Sum(nil)) != thesis.SHA256() {
		t.Fatalf("download: %d bytes, %v", n, err)
	}
	f, err := c.OpenFile(ctx, job.Files[0].URL)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	if f.Name != thesis.Name || f.Size != thesis.Size || f.ContentType != "application/pdf" {
		t.Errorf("file %+v", f)
	}

	small, err := srv.Client(inspera.WithMaxDownload(1 << 20))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := small.DownloadFile(ctx, job.Files[0].URL, io.Discard); !errors.Is(err, inspera.ErrBodyTooLarge) {
		t.Errorf("over the download cap: %v", err)
	}
	if _, err := c.DownloadFile(ctx, srv.Root()+"/storage/forged?X-Amz-Signature=nope", io.Discard); !errors.Is(err, inspera.ErrLinkRefused) {
		t.Errorf("a forged link: %v", err)
	}
	order, err := c.OrderFileExport(ctx, inspera.FileExportOrder{TestID: examID})
	if err != nil {
		t.Fatal(err)
	}
	srv.FailExport(order.JobID)
	if _, err := c.WaitFileExport(ctx, order.JobID, time.Millisecond); !errors.Is(err, inspera.ErrExportFailed) {
		t.Errorf("a failed export: %v", err)
	}
}

func TestDownloadLinksLiveAsLongAsTheToken(t *testing.T) {
	clock := testclock.New(time.Date(2026, 6, 22, 8, 0, 0, 0, time.UTC))
	srv, c := tenant(t, insperatest.WithClock(clock.Now))
	ctx := context.Background()
	test, err := c.GetTest(ctx, inspera.TestID(examID))
	if err != nil {
		t.Fatal(err)
	}
	cd, _ := test.Candidate("104")
	link := cd.AssetsDownloadInfo[0].URL
	if _, err := c.DownloadFile(ctx, link, io.Discard); err != nil {
		t.Fatalf("a fresh link: %v", err)
	}
	clock.Advance(61 * time.Minute)
	if _, err := c.DownloadFile(ctx, link, io.Discard); !errors.Is(err, inspera.ErrLinkRefused) || !errors.Is(err, inspera.ErrForbidden) {
		t.Errorf("a link older than its token: %v", err)
	}
	_ = srv
}

// A test server that answers a subscription's validation POST and records the deliveries.
type receiver struct {
	*httptest.Server
	got chan *http.Request
}

func newReceiver(t *testing.T, status int) *receiver {
	r := &receiver{got: make(chan *http.Request, 100)}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		req.Body = io.NopCloser(strings.NewReader(string(body)))
		if len(body) > 0 {
			r.got <- req
		}
		w.WriteHeader(status)
	}))
	t.Cleanup(r.Close)
	return r
}

func TestSubscriptionsDeliverSignedEventsToOtherUsers(t *testing.T) {
	srv, writer := tenant(t, insperatest.WithWebhookRetries(time.Millisecond))
	srv.AddAPIUser("listener", "listener-key")
	listener, err := srv.ClientAs("listener-key")
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	rcv := newReceiver(t, http.StatusOK)
	in := inspera.SubscriptionInput{EventName: inspera.EventSubmissionsExportFinished, URL: rcv.URL + "/hook", Secret: "s3cret-per-subscription"}
	// The writer subscribes too: its own export must not reach it, the listener's must.
	for _, c := range []*inspera.Client{writer, listener} {
		if _, err := c.CreateSubscription(ctx, in); err != nil {
			t.Fatal(err)
		}
	}
	if subs, err := listener.GetSubscriptions(ctx); err != nil || len(subs) != 1 || subs[0].URL != in.URL {
		t.Fatalf("listener's subscriptions: %+v %v", subs, err)
	}
	if inspera.SameUser(writer, listener) || !inspera.SameUser(writer, writer) {
		t.Error("SameUser cannot tell the users apart")
	}
	if _, err := writer.ExportFiles(ctx, inspera.FileExportOrder{TestID: examID}, time.Millisecond); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	if len(rcv.got) != 1 {
		t.Fatalf("%d deliveries, want 1 (to the listener only)", len(rcv.got))
	}
	req := <-rcv.got
	body, _ := io.ReadAll(req.Body)
	if sig := req.Header.Get("X-Inspera-Signature"); sig != insperatest.Sign(in.Secret, body) {
		t.Errorf("signature %q does not sign %s", sig, body)
	}
	if !strings.Contains(string(body), `"eventName":"submissions_export_finished"`) || !strings.Contains(string(body), `"contextObjectId":1001`) {
		t.Errorf("payload %s", body)
	}
	subs, _ := writer.GetSubscriptions(ctx)
	if err := writer.DeleteSubscription(ctx, subs[0].SubscriptionID); err != nil {
		t.Fatal(err)
	}
	if err := writer.DeleteSubscription(ctx, subs[0].SubscriptionID); !errors.Is(err, inspera.ErrNotFound) {
		t.Errorf("deleting twice: %v", err)
	}

	refusing := newReceiver(t, http.StatusServiceUnavailable)
	in.URL = refusing.URL
	if _, err := listener.CreateSubscription(ctx, in); !errors.Is(err, inspera.ErrValidationFailed) || strings.Contains(err.Error(), in.Secret) {
		t.Errorf("a URL that fails validation: %v", err)
	}
}

func TestFailedDeliveriesAreRetriedThreeTimes(t *testing.T) {
	srv, c := tenant(t, insperatest.WithWebhookRetries(time.Millisecond, time.Millisecond, time.Millisecond))
	var n atomic.Int32
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.ContentLength > 0 {
			n.Add(1)
			w.WriteHeader(http.StatusInternalServerError)
		}
	}))
	defer hook.Close()
	srv.AddAPIUser("listener", "listener-key")
	listener, _ := srv.ClientAs("listener-key")
	ctx := context.Background()
	if _, err := listener.CreateSubscription(ctx, inspera.SubscriptionInput{EventName: inspera.EventExplanationPublished, URL: hook.URL, Secret: "k"}); err != nil {
		t.Fatal(err)
	}
	if err := c.EnableExplanationAdministration(ctx, inspera.TestID(examID)); err != nil {
		t.Fatal(err)
	}
	if _, err := c.RequestExplanations(ctx, inspera.TestID(examID), "101"); err != nil {
		t.Fatal(err)
	}
	if err := srv.GiveExplanation(examID, "101", "x", synth.File{}); err != nil {
		t.Fatal(err)
	}
	if err := srv.PublishExplanation(examID, "101"); err != nil {
		t.Fatal(err)
	}
	if err := srv.WaitDeliveries(ctx); err != nil {
		t.Fatal(err)
	}
	if n.Load() != 4 || len(srv.Deliveries()) != 4 {
		t.Errorf("%d attempts, %d recorded, want 4 (one and three retries)", n.Load(), len(srv.Deliveries()))
	}
}

func TestStateSettingWritesAreRetried(t *testing.T) {
	srv, c := tenant(t)
	ctx := context.Background()
	exam := inspera.TestID(examID)
	srv.SetFaults(insperatest.Faults{Rules: []insperatest.Rule{{Operation: "registerAppeals", Status: 503, Times: 1}}})
	if res, err := c.RegisterAppeals(ctx, exam, "101"); err != nil || !slices.Equal(res.Changed, []string{"101"}) {
		t.Fatalf("after a 503: %+v %v", res, err)
	}
	// Applied, then the connection drops: the repeat finds it done.
	srv.SetFaults(insperatest.Faults{Rules: []insperatest.Rule{{Operation: "withdrawAppeals", AfterWrite: true, Times: 1}}})
	if res, err := c.WithdrawAppeals(ctx, exam, "101"); err != nil || !slices.Equal(res.Unchanged, []string{"101"}) {
		t.Fatalf("after a dropped answer: %+v %v", res, err)
	}
	// An export order creates a job and is not repeated.
	srv.SetFaults(insperatest.Faults{Rules: []insperatest.Rule{{Operation: "orderFileExport", Status: 503, Times: 1}}})
	if _, err := c.OrderFileExport(ctx, inspera.FileExportOrder{TestID: examID}); !errors.Is(err, inspera.ErrServer) {
		t.Errorf("an export order after a 503: %v", err)
	}
	if n := srv.Stats().Requests["orderFileExport"]; n != 1 {
		t.Errorf("the order was sent %d times", n)
	}
	// A subscription whose answer was lost is found, not made twice.
	rcv := newReceiver(t, http.StatusOK)
	srv.SetFaults(insperatest.Faults{Rules: []insperatest.Rule{{Operation: "createSubscription", AfterWrite: true, Times: 1}}})
	sub, err := c.CreateSubscription(ctx, inspera.SubscriptionInput{EventName: inspera.EventAppealGraded, URL: rcv.URL, Secret: "k"})
	if err != nil || sub.SubscriptionID == 0 || len(srv.Subscriptions()) != 1 {
		t.Errorf("after a lost answer: %+v %v, %d subscriptions", sub, err, len(srv.Subscriptions()))
	}
	srv.SetFaults(insperatest.Faults{})
	// Rate limiting is retried for any request.
	srv.SetFaults(insperatest.Faults{Rules: []insperatest.Rule{{Operation: "orderFileExport", Status: 429, Times: 1}}})
	if _, err := c.OrderFileExport(ctx, inspera.FileExportOrder{TestID: examID}); err != nil {
		t.Errorf("an export order after a 429: %v", err)
	}
}

// A search whose server keeps announcing more hits but sends the same tests again ends with a
// PageCycleError once a whole page repeats; a test that comes twice (shifted by a new one) is
// returned once.
func TestSearchTestsEndsWhenPagesRepeat(t *testing.T) {
	var requests atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		switch r.URL.Query().Get("offset") {
		case "0":
			io.WriteString(w, `{"totalHits": 1000000, "tests": [{"assessmentRunId": 1}, {"assessmentRunId": 2}]}`)
		case "2":
			io.WriteString(w, `{"totalHits": 1000000, "tests": [{"assessmentRunId": 2}, {"assessmentRunId": 3}]}`)
		default:
			io.WriteString(w, `{"totalHits": 1000000, "tests": [{"assessmentRunId": 3}, {"assessmentRunId": 1}]}`)
		}
	}))
	defer srv.Close()
	c, _ := inspera.New(srv.URL, inspera.WithPageSize(2), inspera.WithoutRetry())
	var ids []inspera.ID
	var last error
	for ts, err := range c.SearchTests(context.Background(), inspera.TestSearch{}) {
		if err != nil {
			last = err
			break
		}
		ids = append(ids, ts.AssessmentRunID)
	}
	if !errors.Is(last, inspera.ErrPageCycle) || !slices.Equal(ids, []inspera.ID{1, 2, 3}) || requests.Load() != 3 {
		t.Errorf("ids %v after %d requests, error %v", ids, requests.Load(), last)
	}
}

// An error body longer than the part the client reads still gives its code.
func TestRefusalWithALongMessageIsTyped(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusConflict)
		io.WriteString(w, `{"status":409,"code":"NOT_GRADED","message":"`+strings.Repeat("long ", 2000)+`"}`)
	}))
	defer srv.Close()
	c, _ := inspera.New(srv.URL, inspera.WithoutRetry())
	if _, err := c.RegisterAppeals(context.Background(), inspera.TestID(1), "101"); !errors.Is(err, inspera.ErrNotGraded) {
		t.Errorf("%v", err)
	}
}
