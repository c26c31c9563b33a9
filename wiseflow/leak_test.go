package wiseflow_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/edusync/edusync/internal/leakcheck"
	"github.com/edusync/edusync/wiseflow"
)

const leakToken = "wiseflow-token-Qm27xP"

// poisoned returns one record of each kind the client decodes with every field holding value
// (an identity number or the client's token), as a string or a number.
func poisoned(t *testing.T, value string, asNumber bool) map[string][]byte {
	t.Helper()
	user := wiseflow.User{ID: 1, FirstName: "f", LastName: "l", Phone: "p", ExternalIds: []wiseflow.ExternalID{{Name: "n", Value: "v"}}}
	sub := int64(3)
	recs := map[string]any{
		"flow":        wiseflow.Flow{ID: 1, Name: "n", SisInformation: []wiseflow.SISInformation{{Code: "c"}}},
		"summary":     wiseflow.FlowSummary{FlowID: 1, Title: "t", ExternalSourceReferences: []string{"r"}},
		"participant": wiseflow.Participant{ParticipantID: 1, UserID: 2, User: user, SubmissionID: &sub, AssessorIds: []int64{4}},
		"explanation": wiseflow.ExplanationRequest{ExplanationID: 1, FlowID: 2, Title: "t", Participant: wiseflow.ExplanationParticipant{ParticipantID: 5, User: user}},
		"assessment":  wiseflow.Assessment{ParticipantID: 1, Grade: "A"},
		"submission":  wiseflow.SubmissionDetail{ID: 1, CoverSheet: []wiseflow.CoverSheetElement{{ElementID: 1, Value: "v"}}, Participants: []wiseflow.SubmissionParticipant{{ID: 1, UserID: 2}}},
		"file":        wiseflow.SubmissionFile{ID: 1, Filename: "f", Link: "https://s3.example/f"},
		"webhook":     wiseflow.Webhook{ID: 1, Title: "t", URL: "https://h.example"},
		"metadata":    wiseflow.FlowMetadata{Title: "t", Code: "c"},
		"error":       map[string]any{"success": false, "error": map[string]any{"code": 400, "message": "m", "errors": []any{map[string]any{"reason": "r", "message": "m"}}}},
	}
	out := map[string][]byte{}
	for k, rec := range recs {
		b, err := json.Marshal(rec)
		if err != nil {
			t.Fatal(err)
		}
		out[k] = leakcheck.Fill(b, value, asNumber)
	}
	return out
}

// Every decoder is fed records whose every field holds a valid identity number (as a string
// and as a number) or the client's token; no four digits of the number, and not the token,
// reach an error's text or the log, in tolerant and in strict mode.
func TestDecodersLeakNoIdentityNumberOrToken(t *testing.T) {
	values := append([]string{leakToken}, leakcheck.Numbers...)
	for _, value := range values {
		for _, asNumber := range []bool{false, true} {
			recs := poisoned(t, value, asNumber)
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				p := r.URL.Path
				env := func(kind string, list bool) {
					if list {
						fmt.Fprintf(w, `{"success":true,"data":[%s,%s],"pagination":{"total":2}}`, recs[kind], recs[kind])
					} else {
						fmt.Fprintf(w, `{"success":true,"data":%s}`, recs[kind])
					}
				}
				switch {
				case strings.HasPrefix(p, "/v1/flow/") && strings.HasSuffix(p, "/explanation/request"):
					fmt.Fprintf(w, "[%s,%s]", recs["explanation"], recs["explanation"])
				case strings.HasPrefix(p, "/v1/flow/") && strings.HasSuffix(p, "/assessments"):
					fmt.Fprintf(w, "[%s,%s]", recs["assessment"], recs["assessment"])
				case strings.HasPrefix(p, "/v1/flow/"):
					w.Write(recs["flow"])
				case p == "/v1/flows/search":
					env("summary", true)
				case strings.HasSuffix(p, "/participants"):
					env("participant", true)
				case strings.HasSuffix(p, "/metadata"):
					env("metadata", false)
				case strings.HasSuffix(p, "/files"):
					env("file", true)
				case strings.Contains(p, "/submissions/"):
					w.Write(recs["submission"])
				case p == "/v1/webhooks":
					env("webhook", true)
				default:
					w.WriteHeader(http.StatusNotFound)
					w.Write(recs["error"])
				}
			}))
			for _, strict := range []bool{false, true} {
				var logs bytes.Buffer
				opts := []wiseflow.Option{wiseflow.WithBearerToken(leakToken), wiseflow.WithoutRetry(), wiseflow.WithLogger(leakcheck.Logger(&logs))}
				if strict {
					opts = append(opts, wiseflow.WithStrict())
				}
				c, err := wiseflow.New(srv.URL+"/v1", opts...)
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				var errs []error
				keep := func(_ any, err error) { errs = append(errs, err) }
				keep(c.GetFlow(ctx, 1))
				for _, err := range c.SearchFlows(ctx, wiseflow.FlowQuery{}) {
					errs = append(errs, err)
				}
				for _, err := range c.ListParticipants(ctx, 1) {
					errs = append(errs, err)
				}
				keep(c.GetExplanationRequests(ctx, 1))
				keep(c.GetAssessments(ctx, 1))
				keep(c.GetFlowMetadata(ctx, 1))
				keep(c.GetSubmission(ctx, 1, 2))
				keep(c.GetSubmissionFiles(ctx, 1, 2))
				keep(c.GetWebhooks(ctx))
				keep(c.GetWebhook(ctx, 9))
				keep(c.GetParticipant(ctx, 1, 2)) // the error envelope
				leakcheck.Decoders(t, value, leakToken, errs, logs.String(), 3, srv.Listener.Addr().String())
			}
			srv.Close()
		}
	}
}

// A webhook call whose every member holds an identity number is refused or read without the
// number reaching the error.
func TestWebhookCallErrorsLeakNoIdentityNumber(t *testing.T) {
	base := []byte(`{"id":"x","event":"FINAL_GRADE","sequenceNumber":1,"callTime":"t","payload":{"flowId":1,"participantId":2}}`)
	for _, n := range leakcheck.Numbers {
		for _, asNumber := range []bool{false, true} {
			body := leakcheck.Fill(base, n, asNumber)
			_, err := wiseflow.ParseWebhookCall(body)
			leakcheck.Clean(t, leakcheck.Texts(err), []string{n}, nil)
			_, err = wiseflow.ParseWebhookCall(append(body, []byte(`{"x":"`+n+`"}`)...))
			leakcheck.Clean(t, leakcheck.Texts(err), []string{n}, nil)
		}
	}
}

// Requests that fail at the transport, with identity numbers in the search codes and titles,
// and a refused token request, name neither the numbers nor the credentials.
func TestTransportAndTokenErrorsLeakNothing(t *testing.T) {
	addr := leakcheck.Unreachable(t)
	var logs bytes.Buffer
	const secret, key = "wf-secret-Yx81", "wf-key-Pq42"
	c, err := wiseflow.New("http://"+addr+"/v1", wiseflow.WithClientCredentials("edusync", secret), wiseflow.WithoutRetry(),
		wiseflow.WithLogger(leakcheck.Logger(&logs)))
	must(t, err)
	k, err := wiseflow.New("http://"+addr+"/v1", wiseflow.WithAPIKey(key), wiseflow.WithoutRetry(), wiseflow.WithLogger(leakcheck.Logger(&logs)))
	must(t, err)
	ctx := context.Background()
	var texts []string
	for _, n := range leakcheck.Numbers {
		for _, err := range k.SearchSources(ctx, n+"||*", 0) {
			texts = append(texts, leakcheck.Texts(err)...)
		}
		for _, err := range k.SearchFlows(ctx, wiseflow.FlowQuery{Title: n, Code: n}) {
			texts = append(texts, leakcheck.Texts(err)...)
		}
		_, err := c.GetFlow(ctx, 1)
		texts = append(texts, leakcheck.Texts(err)...)
	}
	leakcheck.Clean(t, append(texts, logs.String()), leakcheck.Numbers, []string{secret, key}, addr)
}
