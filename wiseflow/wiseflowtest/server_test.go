package wiseflowtest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/synth"
	"github.com/edusync/edusync/wiseflow"
	"github.com/edusync/edusync/wiseflow/wiseflowtest"
)

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// raw sends one request to the fake and returns status, headers and body.
func raw(t *testing.T, method, u string, hdr map[string]string, body string) (int, http.Header, string) {
	t.Helper()
	req, err := http.NewRequest(method, u, strings.NewReader(body))
	must(t, err)
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	must(t, err)
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header, string(b)
}

func TestTokenEndpointTakesTheSecretInTheForm(t *testing.T) {
	srv := wiseflowtest.NewServer()
	defer srv.Close()
	cr := srv.Credentials()
	form := url.Values{"grant_type": {"client_credentials"}, "client_id": {cr.ClientID}, "client_secret": {cr.ClientSecret}}
	ct := map[string]string{"Content-Type": "application/x-www-form-urlencoded"}
	status, _, body := raw(t, http.MethodPost, srv.TokenURL(), ct, form.Encode())
	var tok wiseflow.TokenResponse
	_ = json.Unmarshal([]byte(body), &tok)
	if status != 200 || tok.AccessToken == "" || tok.ExpiresIn != 3600 || tok.TokenType != "Bearer" {
		t.Fatalf("token: %d %s", status, body)
	}
	tests := []struct {
		name string
		form url.Values
		hdr  map[string]string
		code string
	}{
		{"wrong secret", url.Values{"grant_type": {"client_credentials"}, "client_id": {cr.ClientID}, "client_secret": {"x"}}, ct, "invalid_client"},
		{"basic instead of the form", url.Values{"grant_type": {"client_credentials"}},
			map[string]string{"Content-Type": ct["Content-Type"], "Authorization": "Basic " + basic(cr.ClientID, cr.ClientSecret)}, "invalid_request"},
		{"password grant", url.Values{"grant_type": {"password"}, "client_id": {cr.ClientID}, "client_secret": {cr.ClientSecret}}, ct, "unsupported_grant_type"},
	}
	for _, tc := range tests {
		status, _, body := raw(t, http.MethodPost, srv.TokenURL(), tc.hdr, tc.form.Encode())
		if status != 400 || !strings.Contains(body, tc.code) {
			t.Errorf("%s: %d %s", tc.name, status, body)
		}
	}
	for name, hdr := range map[string]map[string]string{
		"none": nil, "unknown token": {"Authorization": "Bearer nope"}, "wrong key": {"x-api-key": "nope"},
	} {
		status, _, body := raw(t, http.MethodGet, srv.URL()+"/webhooks", hdr, "")
		if status != 401 || !strings.Contains(body, `"message"`) {
			t.Errorf("%s: %d %s", name, status, body)
		}
	}
	status, _, _ = raw(t, http.MethodGet, srv.URL()+"/webhooks", map[string]string{"Authorization": "Bearer " + tok.AccessToken}, "")
	if status != 200 {
		t.Errorf("with the token: %d", status)
	}
}

func basic(u, p string) string {
	r, _ := http.NewRequest(http.MethodGet, "http://x", nil)
	r.SetBasicAuth(u, p)
	return strings.TrimPrefix(r.Header.Get("Authorization"), "Basic ")
}

func TestRoutingPagingAndErrorsAreWISEflows(t *testing.T) {
	srv := wiseflowtest.NewServer()
	defer srv.Close()
	key := map[string]string{"x-api-key": srv.Credentials().APIKey, "Content-Type": "application/json"}
	flow := srv.AddFlow(wiseflowtest.FlowSpec{Name: "f"})
	for _, tc := range []struct {
		method, path, body string
		status             int
		contains           string
	}{
		{http.MethodGet, "/flow/999999", "", 404, `"success":false`},
		{http.MethodGet, "/flows/1/nothing", "", 404, `"code":404`},
		{http.MethodDelete, "/flow/1", "", 405, `"code":405`},
		{http.MethodGet, "/flow/1/participants", "", 404, ""}, // the path of 1.33, gone in 1.34
		{http.MethodGet, "/flows/" + itoa(flow) + "/participants?limit=101", "", 400, `"reason":"INVALID_QUERY"`},
		{http.MethodGet, "/flows/" + itoa(flow) + "/participants?offset=-1", "", 400, ""},
		{http.MethodPost, "/flows/search", `{"metadata":{"states":["SLEEPING"]}}`, 400, "INVALID_STATE"},
		{http.MethodPost, "/flows/search", `{"unknown":1}`, 400, "INVALID_BODY"},
		{http.MethodPost, "/sources/search", `{"sourceCode":"ab||*"}`, 400, "INVALID_SOURCE_CODE"},
		{http.MethodPost, "/webhooks", `{"url":"http://example.no/h","secret":"s","events":["FINAL_GRADE"]}`, 400, "INVALID_WEBHOOK"},
		{http.MethodPost, "/flow/" + itoa(flow) + "/explanation/request", `{"showJustification":true}`, 400, "PARTICIPANT_ID_MISSING"},
		{http.MethodGet, "/flows/" + itoa(flow) + "/participants", "", 200, `"pagination":{"limit":100,"offset":0,"total":0}`},
	} {
		status, _, body := raw(t, tc.method, srv.URL()+tc.path, key, tc.body)
		if status != tc.status || !strings.Contains(body, tc.contains) {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, status, body)
		}
	}
}

func itoa(n int64) string { b, _ := json.Marshal(n); return string(b) }

func TestRateLimitHeadersAnd429(t *testing.T) {
	srv := wiseflowtest.NewServer(wiseflowtest.WithRateLimits(3, 100))
	defer srv.Close()
	key := map[string]string{"x-api-key": srv.Credentials().APIKey}
	var last http.Header
	for i := range 3 {
		status, h, _ := raw(t, http.MethodGet, srv.URL()+"/webhooks", key, "")
		if status != 200 || h.Get("X-RateLimit-Second-Remaining") != itoa(int64(2-i)) || h.Get("X-RateLimit-Minute-Limit") != "100" {
			t.Fatalf("request %d: %d %v", i, status, h)
		}
		last = h
	}
	if last.Get("RateLimit-Remaining") != "0" || last.Get("RateLimit-Limit") != "3" || last.Get("RateLimit-Reset") != "1" {
		t.Errorf("the tighter window: %v", last)
	}
	status, h, body := raw(t, http.MethodGet, srv.URL()+"/webhooks", key, "")
	if status != 429 || h.Get("RateLimit-Reset") != "1" || !strings.Contains(body, "RATE_LIMITED") {
		t.Errorf("over the limit: %d %v %s", status, h, body)
	}
	if srv.Stats().Throttled["getWebhooks"] != 1 {
		t.Errorf("throttled %v", srv.Stats().Throttled)
	}
	time.Sleep(time.Second)
	if status, _, _ := raw(t, http.MethodGet, srv.URL()+"/webhooks", key, ""); status != 200 {
		t.Errorf("after the window: %d", status)
	}
}

func TestDownloadLinksNeedNoCredentialsAndExpire(t *testing.T) {
	srv := wiseflowtest.NewServer()
	defer srv.Close()
	flow := srv.AddFlow(wiseflowtest.FlowSpec{Name: "f", Purpose: wiseflow.FlowPurposeMaster})
	pid, _ := srv.AddParticipant(flow, wiseflow.User{FirstName: "a", LastName: "b"}, "")
	sub, err := srv.DeliverThesis(flow, pid, nil, wiseflowtest.File{Name: "m.pdf", ContentType: "application/pdf", Data: []byte("0123456789")})
	must(t, err)
	c, _ := srv.Client()
	files, err := c.GetSubmissionFiles(context.Background(), flow, sub)
	must(t, err)
	status, h, body := raw(t, http.MethodGet, files[0].Link, map[string]string{"Range": "bytes=4-"}, "")
	if status != http.StatusPartialContent || body != "456789" || h.Get("Content-Type") != "application/pdf" {
		t.Errorf("range: %d %q", status, body)
	}
	srv.ExpireLinks()
	if status, _, _ := raw(t, http.MethodGet, files[0].Link, nil, ""); status != http.StatusForbidden {
		t.Errorf("an expired link: %d", status)
	}
}

func TestLoadPopulationMakesFlowsOfSynthsWISEflowExams(t *testing.T) {
	o, err := synth.PresetOptions(synth.PresetUniversityNO)
	must(t, err)
	o.UniversityStudents, o.Registrations, o.ExamCandidates, o.Theses = 2000, 8000, 2500, 150
	pop, err := synth.Generate(o)
	must(t, err)
	srv := wiseflowtest.NewServer()
	defer srv.Close()
	res := srv.LoadPopulation(pop, wiseflowtest.LoadOptions{})
	units, explanations := 0, 0
	for _, u := range pop.ExamUnits {
		if u.System == synth.WISEflow {
			units++
		}
	}
	ix := synth.NewIndex(pop)
	for _, e := range pop.Explanations {
		if c, ok := ix.Candidate(e.Candidate); ok {
			for _, u := range pop.ExamUnits {
				if u.ID == c.ExamUnit && u.System == synth.WISEflow {
					explanations++
				}
			}
		}
	}
	if res.Flows != units || res.Explanations != explanations || res.Submissions == 0 || res.RemarkingFlows == 0 || res.Participants == 0 {
		t.Fatalf("loaded %+v; the population has %d WISEflow units, %d explanations", res, units, explanations)
	}
	c, _ := srv.Client()
	ctx := context.Background()
	var thesis wiseflow.FlowSummary
	for f, err := range c.SearchFlows(ctx, wiseflow.FlowQuery{Purposes: []wiseflow.FlowPurpose{wiseflow.FlowPurposeMaster}}) {
		must(t, err)
		thesis = f
		break
	}
	if thesis.Type != wiseflow.FlowTypeHandin || len(thesis.ExternalSourceReferences) != 1 {
		t.Fatalf("a thesis flow: %+v", thesis)
	}
	if _, err := wiseflow.ParseFSCode(thesis.ExternalSourceReferences[0]); err != nil {
		t.Errorf("the source code %q: %v", thesis.ExternalSourceReferences[0], err)
	}
	for s, err := range c.ListSubmissions(ctx, thesis.FlowID) {
		must(t, err)
		d, err := c.GetSubmission(ctx, thesis.FlowID, s.ID)
		must(t, err)
		if len(d.CoverSheet) != 4 || d.CoverSheet[0].ElementID != wiseflowtest.CoverTitle {
			t.Errorf("cover sheet %+v", d.CoverSheet)
		}
		files, err := c.GetSubmissionFiles(ctx, thesis.FlowID, s.ID)
		must(t, err)
		if len(files) == 0 || files[0].Size < 1000 {
			t.Errorf("files %+v", files)
		}
		r, err := c.OpenFile(ctx, thesis.FlowID, s.ID, files[0].ID)
		must(t, err)
		head := make([]byte, 5)
		_, err = io.ReadFull(r, head)
		r.Close()
		if err != nil || !bytes.Equal(head, []byte("%PDF-")) {
			t.Errorf("the thesis does not start as a PDF: %q %v", head, err)
		}
		break
	}
}

// FuzzServe sends arbitrary requests to the fake: it answers each with a status, never panics.
func FuzzServe(f *testing.F) {
	srv := wiseflowtest.NewServer(wiseflowtest.WithRateLimits(0, 0))
	defer srv.Close()
	flow := srv.AddFlow(wiseflowtest.FlowSpec{Name: "f"})
	key := srv.Credentials().APIKey
	f.Add("POST", "/v1/flows/search", `{"metadata":{"states":["CONCLUDED"]}}`)
	f.Add("POST", "/v1/flow/"+itoa(flow)+"/explanation/request", `{"participantId":1}`)
	f.Add("POST", "/v1/webhooks", `{"url":"https://h","secret":"s","events":["FINAL_GRADE"]}`)
	f.Add("PUT", "/v1/webhooks/1", `{"active":false}`)
	f.Add("POST", "/v1/sources/search?limit=0", `{"sourceCode":"abc"}`)
	f.Fuzz(func(t *testing.T, method, path, body string) {
		if len(method) == 0 || len(method) > 10 || strings.ContainsAny(method, " \t\r\n") {
			return
		}
		req, err := http.NewRequest(method, "http://fake"+path, strings.NewReader(body))
		if err != nil || !strings.HasPrefix(req.URL.Path, "/") {
			return
		}
		req.Header.Set("x-api-key", key)
		rec := newRecorder()
		srv.ServeHTTP(rec, req)
		if rec.status < 200 || rec.status > 599 {
			t.Fatalf("%s %s: status %d", method, path, rec.status)
		}
	})
}

type recorder struct {
	h      http.Header
	status int
}

func newRecorder() *recorder                    { return &recorder{h: http.Header{}} }
func (r *recorder) Header() http.Header         { return r.h }
func (r *recorder) Write(b []byte) (int, error) { r.WriteHeader(200); return len(b), nil }
func (r *recorder) WriteHeader(status int) {
	if r.status == 0 {
		r.status = status
	}
}
