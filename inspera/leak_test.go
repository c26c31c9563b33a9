package inspera_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/edusync/edusync/inspera"
	"github.com/edusync/edusync/inspera/insperatest"
	"github.com/edusync/edusync/internal/leakcheck"
)

const (
	leakKey   = "inspera-api-key-Qw71zP"
	leakToken = "inspera-token-Hy38vL"
)

// poisonedAnswers returns, per path, a real answer of the fake with every field holding value.
func poisonedAnswers(t *testing.T, value string, asNumber bool) map[string][]byte {
	t.Helper()
	srv, _ := tenant(t)
	view, _ := srv.Test(examID)
	records := map[string]any{
		"test":    view,
		"search":  inspera.TestSearchResult{TotalHits: 1, Tests: []inspera.TestSummary{{AssessmentRunID: 1, Title: "t"}}},
		"expl":    inspera.ExplanationList{Explanations: []inspera.Explanation{{UserID: 1, CandidateID: "c", Text: "t", Document: inspera.Asset{URL: "u"}}}},
		"results": inspera.CandidateResults{UserID: 1, EvaluationRounds: []inspera.EvaluationRound{{RoundID: 1, FinalGrade: "A"}}},
		"user":    inspera.User{UserID: 1, Username: "u", ExternalIds: []inspera.ExternalUserID{{AuthType: "NIN", ExternalUserID: "x"}}},
		"job":     inspera.FileExportJob{JobID: "j", Files: []inspera.ExportedFile{{UserID: 1, URL: "u"}}},
		"subs":    []inspera.Subscription{{SubscriptionID: 1, URL: "u"}},
		"error":   inspera.ErrorBody{Status: 409, Code: "EXPLANATION_PUBLISHED", Message: "m", CandidateIds: []string{"c"}},
	}
	out := map[string][]byte{}
	for k, v := range records {
		b, err := json.Marshal(v)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = leakcheck.Fill(b, value, asNumber)
	}
	return out
}

// Every decoder of the client is fed answers whose every field holds a valid identity number
// (in each of its forms, as a string and as a number), the API key or the token: none of them
// reaches err.Error(), %+v or the log, in tolerant and in strict mode.
func TestDecodersLeakNoIdentityNumberKeyOrToken(t *testing.T) {
	values := append([]string{leakKey, leakToken}, leakcheck.Numbers...)
	for _, value := range values {
		for _, asNumber := range []bool{false, true} {
			recs := poisonedAnswers(t, value, asNumber)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				p := strings.TrimPrefix(r.URL.Path, "/api")
				switch {
				case p == "/authenticate/token/":
					fmt.Fprintf(w, `{"access_token":%q,"expires_in":3600}`, leakToken)
				case strings.HasSuffix(p, "/explanations") && r.Method == http.MethodPost:
					w.WriteHeader(http.StatusConflict)
					w.Write(recs["error"])
				case strings.HasPrefix(p, "/v1/test/search"):
					w.Write(recs["search"])
				case strings.HasSuffix(p, "/explanations"):
					w.Write(recs["expl"])
				case strings.HasPrefix(p, "/v1/test/"):
					w.Write(recs["test"])
				case strings.HasPrefix(p, "/v1/candidates/"):
					w.Write(recs["results"])
				case strings.HasPrefix(p, "/v1/users/"):
					w.Write(recs["user"])
				case strings.HasPrefix(p, "/v1/fileExport/"):
					w.Write(recs["job"])
				case p == "/v1/subscription":
					w.Write(recs["subs"])
				default:
					w.WriteHeader(http.StatusForbidden)
					w.Write(recs["error"])
				}
			}))
			for _, strict := range []bool{false, true} {
				var logs bytes.Buffer
				opts := []inspera.Option{inspera.WithAPIKey("tenant", leakKey), inspera.WithoutRetry(),
					inspera.WithLogger(leakcheck.Logger(&logs))}
				if strict {
					opts = append(opts, inspera.WithStrict())
				}
				c, err := inspera.New(srv.URL+"/api", opts...)
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				var errs []error
				_, err = c.GetTest(ctx, inspera.TestID(1))
				errs = append(errs, err)
				for _, err := range c.SearchTests(ctx, inspera.TestSearch{}) {
					errs = append(errs, err)
				}
				_, err = c.GetExplanations(ctx, inspera.TestID(1))
				errs = append(errs, err)
				_, err = c.RequestExplanations(ctx, inspera.TestID(1), "c")
				errs = append(errs, err)
				_, err = c.GetCandidateResults(ctx, 1, 1)
				errs = append(errs, err)
				_, err = c.GetUser(ctx, 1)
				errs = append(errs, err)
				_, err = c.GetFileExportStatus(ctx, "j")
				errs = append(errs, err)
				_, err = c.GetSubscriptions(ctx)
				errs = append(errs, err)
				_, err = c.GetSubscriptionEvents(ctx)
				errs = append(errs, err)
				_, err = c.DownloadFile(ctx, srv.URL+"/storage/"+value+"?X-Amz-Signature="+value, io.Discard)
				errs = append(errs, err)
				leakcheck.Decoders(t, value, leakToken, errs, logs.String(), 2, srv.Listener.Addr().String())
				leakcheck.Clean(t, append(textsOf(errs), logs.String()), nil, []string{leakKey})
			}
			srv.Close()
		}
	}
}

func textsOf(errs []error) []string {
	var out []string
	for _, err := range errs {
		out = append(out, leakcheck.Texts(err)...)
	}
	return out
}

// A token endpoint that echoes the key, and requests that fail at the transport with identity
// numbers in the path and the query, name the request without them.
func TestTransportErrorsAndRefusalsLeakNoIdentityNumberOrKey(t *testing.T) {
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.WriteHeader(http.StatusUnauthorized)
		fmt.Fprintf(w, `{"error":"invalid_grant %s","description":"key %s"}`, r.Header.Get("code"), r.Header.Get("code"))
	}))
	defer echo.Close()
	var logs bytes.Buffer
	c, _ := inspera.New(echo.URL, inspera.WithAPIKey("tenant", leakKey), inspera.WithoutRetry(), inspera.WithLogger(leakcheck.Logger(&logs)))
	_, err := c.GetTest(context.Background(), inspera.TestID(1))
	if err == nil {
		t.Fatal("no error from a refusing token endpoint")
	}
	texts := append(leakcheck.Texts(err), logs.String())

	addr := leakcheck.Unreachable(t)
	logs.Reset()
	c, _ = inspera.New("http://"+addr+"/api", inspera.WithAPIKey("tenant", leakKey), inspera.WithoutRetry(), inspera.WithLogger(leakcheck.Logger(&logs)))
	ctx := context.Background()
	for _, n := range leakcheck.Numbers {
		_, err := c.GetTest(ctx, inspera.ExternalTest(n))
		texts = append(texts, leakcheck.Texts(err)...)
		for _, err := range c.SearchTests(ctx, inspera.TestSearch{ExternalTestID: n, Title: "Annika " + n}) {
			texts = append(texts, leakcheck.Texts(err)...)
		}
		_, err = c.DownloadFile(ctx, "http://"+addr+"/storage/"+n+"?sig="+n, io.Discard)
		texts = append(texts, leakcheck.Texts(err)...)
	}
	texts = append(texts, logs.String())
	leakcheck.Clean(t, texts, leakcheck.Numbers, []string{leakKey, "Annika"}, addr)
}

// The fake's users carry FS personlopenr and Feide names, never fødselsnummer.
func TestFakeHoldsNoIdentityNumbers(t *testing.T) {
	srv := insperatest.NewServer()
	defer srv.Close()
	pop := smallUniversity(t)
	srv.LoadPopulation(pop, insperatest.LoadOptions{})
	var all bytes.Buffer
	for _, id := range srv.TestIDs() {
		test, _ := srv.Test(id)
		json.NewEncoder(&all).Encode(test)
	}
	for _, p := range pop.Persons {
		if p.CivicNo != "" && bytes.Contains(all.Bytes(), []byte(p.CivicNo)) {
			t.Fatalf("the fake shows a fødselsnummer")
		}
	}
}
