package schulconnex_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/edusync/edusync/internal/leakcheck"
	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnextest"
)

const leakToken = "schulconnex-token-Zq81xK"

// rawGet returns the fake's answer to GET path, with a token of its default organisation.
func rawGet(t *testing.T, s *schulconnextest.Server, path string) []byte {
	t.Helper()
	cred := s.Credentials()
	ts := (&clientcredentials.Config{ClientID: cred.ClientID, ClientSecret: cred.ClientSecret, TokenURL: s.TokenURL()}).TokenSource(context.Background())
	resp, err := oauth2.NewClient(context.Background(), ts).Get(s.URL() + path)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %d %s %v", path, resp.StatusCode, b, err)
	}
	return b
}

// Every decoder of the client is fed answers whose every field holds a valid identity number
// (each form, as a string and as a number) or the client's token, and error answers that echo
// both: no run of four of the number's digits, and not the token, appears in err.Error(), %+v
// or the log.
func TestDecodersLeakNoIdentityNumberOrToken(t *testing.T) {
	s := newFake(t)
	p, ks := addPerson(t, s, person("Muster", "Nora", "2010-05-01", "Kiel", "ref-1"), schulconnex.RolleLern)
	answers := map[string][]byte{}
	for _, path := range []string{"/personen", "/personen/" + p.ID, "/personenkontexte/" + ks[0].ID, "/organisationen", "/organisation-info"} {
		answers[path] = rawGet(t, s, path)
	}
	for _, value := range append([]string{leakToken}, leakcheck.Numbers...) {
		for _, asNumber := range []bool{false, true} {
			poisoned := map[string][]byte{}
			for path, b := range answers {
				poisoned[path] = leakcheck.Fill(b, value, asNumber)
			}
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				b, ok := poisoned[r.URL.Path]
				if !ok {
					w.WriteHeader(http.StatusConflict)
					fmt.Fprintf(w, `{"code":409,"subcode":"00","titel":"Konflikt %s","beschreibung":"%s\u001b[2J"}`, value, r.Header.Get("Authorization"))
					return
				}
				w.Write(b)
			}))
			for _, strict := range []bool{false, true} {
				var logs bytes.Buffer
				opts := []schulconnex.Option{schulconnex.WithBearerToken(leakToken), schulconnex.WithoutRetry(), schulconnex.WithLogger(leakcheck.Logger(&logs))}
				if strict {
					opts = append(opts, schulconnex.WithStrict())
				}
				c, err := schulconnex.New(srv.URL, opts...)
				if err != nil {
					t.Fatal(err)
				}
				ctx := context.Background()
				var errs []error
				for _, err := range c.ListPersonen(ctx, nil) {
					errs = append(errs, err)
				}
				for _, err := range c.ListOrganisationen(ctx, nil) {
					errs = append(errs, err)
				}
				_, err = c.ListPersonenPage(ctx, nil)
				errs = append(errs, err)
				_, err = c.GetPerson(ctx, p.ID)
				errs = append(errs, err)
				_, err = c.GetPersonenkontext(ctx, ks[0].ID)
				errs = append(errs, err)
				_, err = c.GetOrganisationInfo(ctx)
				errs = append(errs, err)
				_, err = c.GetGruppe(ctx, "g1") // the error answer echoing the number and the token
				errs = append(errs, err)
				_, err = c.FindPersonByReferrer(ctx, value)
				errs = append(errs, err)
				leakcheck.Decoders(t, value, leakToken, errs, logs.String(), 3, srv.Listener.Addr().String())
				leakcheck.NoSecret(t, logs.String(), "\x1b")
				if value != leakToken { // DecodePersonen has no client, so knows no token
					_, err = schulconnex.DecodePersonen(poisoned["/personen"], strict)
					leakcheck.Clean(t, leakcheck.Texts(err), []string{value}, nil)
				}
			}
			srv.Close()
		}
	}
}

// Requests that fail at the transport, with identity numbers and names in the path and the
// query, name the request without them.
func TestTransportErrorsLeakNoIdentityNumber(t *testing.T) {
	addr := leakcheck.Unreachable(t)
	var logs bytes.Buffer
	c, err := schulconnex.New("http://"+addr+"/v1", schulconnex.WithBearerToken(leakToken), schulconnex.WithoutRetry(), schulconnex.WithLogger(leakcheck.Logger(&logs)))
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	var texts []string
	for _, n := range leakcheck.Numbers {
		_, err := c.GetPerson(ctx, n)
		texts = append(texts, leakcheck.Texts(err)...)
		for _, err := range c.ListPersonen(ctx, &schulconnex.ListPersonenParams{Referrer: n, Vorname: "Annika", Familienname: "Svensson"}) {
			texts = append(texts, leakcheck.Texts(err)...)
		}
		_, err = c.FindPersonByReferrer(ctx, n)
		texts = append(texts, leakcheck.Texts(err)...)
	}
	texts = append(texts, logs.String())
	if !strings.Contains(texts[0], "schulconnex: GET /v1/personen/[redacted]") {
		t.Errorf("the error does not name the request: %s", texts[0])
	}
	leakcheck.Clean(t, texts, leakcheck.Numbers, []string{leakToken, "Annika", "Svensson"}, addr)
}
