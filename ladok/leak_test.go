package ladok_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"

	"github.com/edusync/edusync/internal/idnum"
	"github.com/edusync/edusync/internal/leakcheck"
	"github.com/edusync/edusync/ladok"
)

// poisoning serves the fake's answers with every field of every JSON answer (error bodies
// included) replaced by value.
func poisoning(h http.Handler, value string, asNumber bool) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if len(bytes.TrimSpace(body)) > 0 && (body[0] == '{' || body[0] == '[') {
			body = leakcheck.Fill(body, value, asNumber)
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		w.Write(body)
	})
}

// Every decoder of the client is fed answers whose every field holds a valid identity number
// (each form, as a string and as a number), error answers included: no run of four of the
// number's digits appears in err.Error(), %+v or the log, in tolerant and in strict mode.
func TestDecodersLeakNoIdentityNumber(t *testing.T) {
	fake, _ := university(t)
	for _, value := range leakcheck.Numbers {
		for _, asNumber := range []bool{false, true} {
			srv := httptest.NewTLSServer(poisoning(fake, value, asNumber))
			for _, strict := range []bool{false, true} {
				var logs bytes.Buffer
				opts := []ladok.Option{ladok.WithHTTPClient(srv.Client()), ladok.WithoutRetry(), ladok.WithPageSize(3), ladok.WithLogger(leakcheck.Logger(&logs))}
				if strict {
					opts = append(opts, ladok.WithStrict())
				}
				c, err := ladok.New(srv.URL, opts...)
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				var errs []error
				for _, err := range c.SearchOrganisations(ctx, nil) {
					errs = append(errs, err)
				}
				for _, err := range c.SearchDeltagare(ctx, ladok.DeltagareKurstillfalleFilter{UtbildningstillfalleUID: []string{"kt-1"}}) {
					errs = append(errs, err)
				}
				for _, err := range c.SearchUtbildningstillfallen(ctx, nil) {
					errs = append(errs, err)
				}
				_, err = c.GetStudent(ctx, "s-1")
				errs = append(errs, err)
				_, err = c.GetStudent(ctx, "nobody") // a 404 whose body is poisoned too
				errs = append(errs, err)
				_, err = c.GetPeriods(ctx)
				errs = append(errs, err)
				_, err = c.GetUtbildningsinstans(ctx, "ui-1")
				errs = append(errs, err)
				_, err = c.GetKurstillfallesdeltaganden(ctx, "s-1")
				errs = append(errs, err)
				_, err = c.SearchOrganisationsPage(ctx, nil)
				errs = append(errs, err)
				leakcheck.Decoders(t, value, "", errs, logs.String(), 3, srv.Listener.Addr().String())
			}
			srv.Close()
		}
	}
}

// Requests that fail at the transport, with identity numbers in the path, name the request
// without them.
func TestTransportErrorsLeakNoIdentityNumber(t *testing.T) {
	addr := leakcheck.Unreachable(t)
	var logs bytes.Buffer
	c, err := ladok.New("https://"+addr, ladok.WithHTTPClient(&http.Client{}), ladok.WithoutRetry(), ladok.WithLogger(leakcheck.Logger(&logs)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var texts []string
	for _, n := range leakcheck.Numbers {
		if idnum.ValidSwedish(n) {
			_, err := c.GetStudentByPersonnummer(ctx, n)
			texts = append(texts, leakcheck.Texts(err)...)
		}
		_, err := c.GetStudent(ctx, n)
		texts = append(texts, leakcheck.Texts(err)...)
		_, err = c.GetFeedPage(ctx, "/handelser/feed/"+n)
		texts = append(texts, leakcheck.Texts(err)...)
	}
	texts = append(texts, logs.String())
	if !strings.Contains(texts[0], "ladok: GET /studentinformation/student/personnummer/[redacted]") {
		t.Errorf("the error does not name the request: %s", texts[0])
	}
	leakcheck.Clean(t, texts, leakcheck.Numbers, nil, addr)
}
