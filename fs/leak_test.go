package fs_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/edusync/edusync/fs"
	"github.com/edusync/edusync/fs/fstest"
	"github.com/edusync/edusync/internal/leakcheck"
)

// poisoning serves the fake's answers with every field of every JSON answer (error bodies
// included) replaced by value, or, when only is set, only the members named only.
func poisoning(h http.Handler, value string, asNumber bool, only string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		body := rec.Body.Bytes()
		if len(bytes.TrimSpace(body)) > 0 && (body[0] == '{' || body[0] == '[') {
			if only == "" {
				body = leakcheck.Fill(body, value, asNumber)
			} else {
				body = fillMember(body, only, value)
			}
		}
		for k, vs := range rec.Header() {
			w.Header()[k] = vs
		}
		w.Header().Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(rec.Code)
		_, _ = w.Write(body)
	})
}

// fillMember sets member name of every object of a JSON array or object to value, and breaks
// the record's other fields (a date that is not one), so that it fails with the value in it.
func fillMember(body []byte, name, value string) []byte {
	var v any
	if json.Unmarshal(body, &v) != nil {
		return body
	}
	set := func(o map[string]any) {
		o[name] = value
		o["sensurfrist"] = value
		o["datoKlageMottat"] = "dato " + value
	}
	switch x := v.(type) {
	case []any:
		for _, e := range x {
			if o, ok := e.(map[string]any); ok {
				set(o)
			}
		}
	case map[string]any:
		set(x)
	}
	out, _ := json.Marshal(v)
	return out
}

// calls runs every operation of the client and returns what failed, RecordErrors included.
func calls(c *fs.Client) []error {
	ctx := context.Background()
	q := fs.ChangeQuery{System: fs.Inspera, Institution: "999", Since: t0.Add(-24 * time.Hour)}
	var errs []error
	for _, err := range c.ListChangedAppeals(ctx, q) {
		errs = append(errs, err)
	}
	for _, err := range c.ListChangedExplanationRequests(ctx, q) {
		errs = append(errs, err)
	}
	p, err := c.GetExamAppeals(ctx, fs.Inspera, examINF)
	errs = append(errs, err)
	if p != nil {
		for _, re := range p.RecordErrors {
			errs = append(errs, re)
		}
	}
	r, err := c.GetExamExplanationRequests(ctx, fs.Inspera, examINF)
	errs = append(errs, err)
	if r != nil {
		for _, re := range r.RecordErrors {
			errs = append(errs, re)
		}
	}
	_, err = c.GetExamAppeals(ctx, fs.WISEflow, examINF) // a 404 whose body is poisoned too
	errs = append(errs, err)
	errs = append(errs, c.CreateExplanation(ctx, fs.Inspera, explanationFor("10001"))) // 404
	_, err = c.GetVersion(ctx)
	errs = append(errs, err)
	return errs
}

// Every decoder of the client is fed answers whose every field holds a valid identity number
// (each form, as a string and as a number), error answers included: no run of four of the
// number's digits reaches err.Error(), %+v or the log, in tolerant and in strict mode.
func TestDecodersLeakNoIdentityNumber(t *testing.T) {
	f := newFixture(t, nil)
	for _, value := range leakcheck.Numbers {
		for _, asNumber := range []bool{false, true} {
			srv := httptest.NewServer(poisoning(f.srv, value, asNumber, ""))
			for _, strict := range []bool{false, true} {
				var logs bytes.Buffer
				opts := []fs.Option{fs.WithBasicAuth(fstest.DefaultUser, fstest.DefaultPassword), fs.WithoutRetry(), fs.WithLogger(leakcheck.Logger(&logs))}
				if strict {
					opts = append(opts, fs.WithStrict())
				}
				c, err := fs.New(srv.URL, opts...)
				must(t, err)
				leakcheck.Decoders(t, value, "", calls(c), logs.String(), 4, srv.Listener.Addr().String())
			}
			srv.Close()
		}
	}
}

// A personlopenr is not an identity number the shared redaction recognises, so FS's own
// masking carries it: records whose personlopenr is set and whose other fields fail name
// neither it in their errors; error bodies quoting it mask it.
func TestDecodersLeakNoPersonlopenr(t *testing.T) {
	const pnr = "8642097"
	f := newFixture(t, nil)
	srv := httptest.NewServer(poisoning(f.srv, pnr, false, "personlopenr"))
	defer srv.Close()
	var logs bytes.Buffer
	c, err := fs.New(srv.URL, fs.WithBasicAuth(fstest.DefaultUser, fstest.DefaultPassword), fs.WithoutRetry(), fs.WithLogger(leakcheck.Logger(&logs)))
	must(t, err)
	errs := calls(c)
	text := answer(t, http.StatusNotFound, "text/plain", "Fant ingen student med personlopenr "+pnr)
	_, err = text.GetVersion(context.Background())
	errs = append(errs, err)
	leakcheck.Decoders(t, pnr, "", errs, logs.String(), 3, srv.Listener.Addr().String())
}

// The credentials never reach an error or the log, whatever the server echoes.
func TestCredentialsLeakNowhere(t *testing.T) {
	const user, password, key = "fsws-uio-digeks", "Hemmelig-passord-42", "gw-key-7f3a9c11"
	echo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		u, p, _ := r.BasicAuth()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusUnauthorized)
		_ = json.NewEncoder(w).Encode(fs.Error{Kode: u, Melding: "refused " + u + ":" + p + " " + r.Header.Get("Authorization") + " " + r.Header.Get(fs.GatewayKeyHeader)})
	}))
	defer echo.Close()
	var logs bytes.Buffer
	c, err := fs.New(echo.URL, fs.WithBasicAuth(user, password), fs.WithAPIKey(fs.GatewayKeyHeader, key), fs.WithoutRetry(), fs.WithLogger(leakcheck.Logger(&logs)))
	must(t, err)
	var texts []string
	for _, err := range calls(c) {
		texts = append(texts, leakcheck.Texts(err)...)
	}
	texts = append(texts, logs.String())
	if !strings.Contains(texts[0], "401") {
		t.Fatalf("the calls did not fail as expected: %s", texts[0])
	}
	leakcheck.Clean(t, texts, nil, []string{user, password, key}, echo.Listener.Addr().String())
}

// Requests that fail at the transport name the request without the institution or the time.
func TestTransportErrorsLeakNothing(t *testing.T) {
	addr := leakcheck.Unreachable(t)
	var logs bytes.Buffer
	c, err := fs.New("http://"+addr, fs.WithBasicAuth(fstest.DefaultUser, fstest.DefaultPassword), fs.WithoutRetry(), fs.WithLogger(leakcheck.Logger(&logs)))
	must(t, err)
	defer fs.SetCreatePause(1)()
	var texts []string
	for _, err := range calls(c) {
		texts = append(texts, leakcheck.Texts(err)...)
	}
	texts = append(texts, logs.String())
	if !strings.Contains(texts[0], "fs: GET /eksamen/klager/INSPERA?institusjonsnr=[redacted]&siden=[redacted]") {
		t.Errorf("the error does not name the request: %s", texts[0])
	}
	leakcheck.Clean(t, texts, leakcheck.Numbers, []string{fstest.DefaultPassword}, addr)
}
