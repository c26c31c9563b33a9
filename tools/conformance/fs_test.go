package conformance

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/fs/fstest"
)

// fsAllowed is empty: FS publishes no OpenAPI file for its DigEks services, so the check is
// against our own openapi/fs.yaml, where a violation is always a defect of ours.
var fsAllowed = []Allow{}

// TestFSAgainstOurFile runs every operation of package fs through a proxy that checks requests
// and answers against openapi/fs.yaml, the answers FS refuses with included.
func TestFSAgainstOurFile(t *testing.T) {
	fake := fstest.NewServer()
	defer fake.Close()
	spec := filepath.Join(Repo(), "openapi", "fs.yaml")
	proxy := Start(t, Config{Spec: spec, Target: fake.URL()})
	user, password := fake.Credentials()
	c, err := fs.New(proxy.URL(), fs.WithBasicAuth(user, password), fs.WithoutRetry())
	if err != nil {
		t.Fatal(err)
	}
	exam := fs.ExamKey{Institution: "999", CourseCode: "INF1000", Version: "1", AssessmentCode: "SKR", Year: 2026, Term: "VÅR"}
	must(t, "AddExam", fake.AddExam(fs.Inspera, exam, "5199", fsrules.Date{}))
	for _, k := range []fs.Number{"10001", "10002"} {
		must(t, "AddCandidate", fake.AddCandidate(exam.VurdID(), fstest.Candidate{Kandidatnr: k, Personlopenr: "73" + k,
			Brukernavn: "u" + string(k), Fornavn: "Kari", Etternavn: "Nordmann", Committee: "5101"}))
	}
	must(t, "FileAppeal", fake.FileAppeal(exam.VurdID(), "10001", fsrules.NewDate(2026, 6, 20)))
	must(t, "RequestExplanation", fake.RequestExplanation(exam.VurdID(), "10002", fsrules.NewDate(2026, 6, 12)))

	ctx := context.Background()
	q := fs.ChangeQuery{System: fs.Inspera, Institution: "999", Since: time.Now().Add(-time.Hour)}
	_, err = c.ListChangedAppealsPage(ctx, q)
	must(t, "ListChangedAppealsPage", err)
	_, err = c.ListChangedExplanationRequestsPage(ctx, q)
	must(t, "ListChangedExplanationRequestsPage", err)
	_, err = c.GetExamAppeals(ctx, fs.Inspera, exam)
	must(t, "GetExamAppeals", err)
	_, err = c.GetExamExplanationRequests(ctx, fs.Inspera, exam)
	must(t, "GetExamExplanationRequests", err)
	must(t, "CreateExplanation", c.CreateExplanation(ctx, fs.Inspera, &fs.Explanation{VurdID: exam.VurdID(), Kandidatnr: "10002",
		DatoBegrunnelseBedtOm: fsrules.NewDate(2026, 6, 12), DatoBegrunnelseGitt: fsrules.NewDate(2026, 6, 19),
		URLBegrunnelse: "https://uio.inspera.no/explanations/77", DokumentBegrunnelse: []byte("%PDF-1.7"), ContentTypeBegrunnelse: "application/pdf"}))
	_, err = c.GetVersion(ctx)
	must(t, "GetVersion", err)
	// Refusals answer in the declared error body too.
	if _, err := c.GetExamAppeals(ctx, fs.WISEflow, exam); err == nil {
		t.Error("GetExamAppeals of an exam of the other system succeeded")
	}
	if err := c.CreateExplanation(ctx, fs.Inspera, &fs.Explanation{VurdID: exam.VurdID(), Kandidatnr: "10001",
		DatoBegrunnelseGitt: fsrules.NewDate(2026, 6, 19), URLBegrunnelse: "https://uio.inspera.no/explanations/78"}); err == nil {
		t.Error("CreateExplanation for a candidate without a request succeeded")
	}
	proxy.Covered(t, spec)
	proxy.Check(t, fsAllowed)
}
