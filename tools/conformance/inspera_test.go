package conformance

import (
	"context"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/synth"
)

// insperaAllowed is empty: Inspera's own Swagger description could not be read (see
// openapi/inspera.yaml's header), so the check is against our file, where a violation is always
// a defect of ours.
var insperaAllowed = []Allow{}

// TestInsperaAgainstOurFile runs every operation of package inspera, the token grant included,
// through a proxy that checks requests and answers against openapi/inspera.yaml.
func TestInsperaAgainstOurFile(t *testing.T) {
	fake := insperatest.NewServer()
	defer fake.Close()
	graded := time.Date(2026, 6, 10, 12, 0, 0, 0, time.UTC)
	fake.AddTest(insperatest.TestData{ID: 1001, Title: "Introduksjon til informatikk", ExternalID: "999_INF1000_1_SKR_2026_VÅR",
		Start: graded.AddDate(0, 0, -21), End: graded.AddDate(0, 0, -21).Add(4 * time.Hour), GradingDeadline: graded,
		Scale: "A-F", Purpose: "EXAMINATION",
		Committees: []insperatest.CommitteeData{{ID: 11, Name: "Kommisjon 1", Examiners: []inspera.ID{500}},
			{ID: 12, Name: "Klagekommisjon", Type: inspera.Reassessment}},
		Candidates: []insperatest.CandidateData{
			{UserID: 201, CandidateID: "101", Grade: "C", Graded: graded, Username: "kari", FirstName: "Kari", LastName: "Nordmann"},
			{UserID: 202, CandidateID: "102", Grade: "D", Graded: graded, Username: "ola",
				Files: []synth.File{{Name: "oppgave.pdf", ContentType: "application/pdf", Size: 4096, Seed: 1}}},
		}})
	spec := filepath.Join(Repo(), "openapi", "inspera.yaml")
	proxy := Start(t, Config{Spec: spec, Target: fake.Root(), BasePath: insperatest.BasePath})
	c, err := inspera.New(proxy.URL(), inspera.WithAPIKey(fake.Tenant(), fake.APIKey()), inspera.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	val := func(name string, err error) { must(t, name, err) }
	exam := inspera.ExternalTest("999_INF1000_1_SKR_2026_VÅR")

	_, err = c.GetTest(ctx, exam)
	val("GetTest", err)
	first(t, "SearchTests", c.SearchTests(ctx, inspera.TestSearch{Title: "informatikk"}))
	val("EnableExplanationAdministration", c.EnableExplanationAdministration(ctx, exam))
	_, err = c.RequestExplanations(ctx, exam, "101")
	val("RequestExplanations", err)
	must(t, "GiveExplanation", fake.GiveExplanation(1001, "101", "Begrunnelse.", synth.File{Name: "begrunnelse.pdf", ContentType: "application/pdf", Size: 2048, Seed: 2}))
	must(t, "PublishExplanation", fake.PublishExplanation(1001, "101"))
	_, err = c.GetExplanations(ctx, exam)
	val("GetExplanations", err)
	_, err = c.RequestExplanations(ctx, exam, "101") // published: the 409 answer is checked too
	if err == nil {
		t.Error("requesting a published explanation succeeded")
	}
	_, err = c.RegisterAppeals(ctx, exam, "102")
	val("RegisterAppeals", err)
	committees, err := c.CreateCommittees(ctx, exam, inspera.Committee{Name: "Klagekommisjon 2", Type: inspera.Reassessment})
	val("CreateCommittees", err)
	_, err = c.MoveCommitteeCandidates(ctx, exam, committees[0].CommitteeID, "102")
	val("MoveCommitteeCandidates", err)
	_, err = c.WithdrawAppeals(ctx, exam, "102")
	val("WithdrawAppeals", err)
	_, err = c.GetCandidateResults(ctx, 1001, 202)
	val("GetCandidateResults", err)
	_, err = c.GetUser(ctx, 201)
	val("GetUser", err)
	job, err := c.ExportFiles(ctx, inspera.FileExportOrder{TestID: 1001}, time.Millisecond)
	val("ExportFiles", err)
	if len(job.Files) != 1 || !strings.HasPrefix(job.Files[0].URL, fake.Root()) {
		t.Errorf("export %+v", job)
	}
	_, err = c.GetSubscriptionEvents(ctx)
	val("GetSubscriptionEvents", err)
	receiver := httptest.NewServer(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {}))
	defer receiver.Close()
	sub, err := c.CreateSubscription(ctx, inspera.SubscriptionInput{EventName: inspera.EventAppealGraded, URL: receiver.URL, Secret: "s"})
	val("CreateSubscription", err)
	_, err = c.GetSubscriptions(ctx)
	val("GetSubscriptions", err)
	val("DeleteSubscription", c.DeleteSubscription(ctx, sub.SubscriptionID))

	proxy.Covered(t, spec)
	proxy.Check(t, insperaAllowed)
}
