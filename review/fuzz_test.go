package review_test

import (
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
)

// FuzzRequest sends the page arbitrary paths, queries and forms: it never fails with a server
// error, and never echoes markup from the request.
func FuzzRequest(f *testing.F) {
	fx := newFixture(f)
	w, h := pipelinePath(waitingName), pipelinePath(heldName)
	for _, s := range []struct{ method, path, query, form string }{
		{"GET", "/", "", ""},
		{"GET", w + "runs/1/", "kind=person&op=create&case=6&confirm=none&q=elev&page=2&size=25", ""},
		{"GET", w + "runs/1/", "q=%3Cscript%3E&page=99999999999", ""},
		{"GET", h + "runs/1/audit", "status=applied&q=x", ""},
		{"GET", w + "questions", "state=open&case=3&kind=person", ""},
		{"POST", w + "questions", "", "run=1&bulk=approve&sel=a&sel=b&csrf=x"},
		{"POST", h + "release", "", "run=2&reviewed=yes"},
		{"GET", "/p/%00/runs/-1/", "lang=xx", ""},
		{"GET", "/static/review.css", "v=1", ""},
	} {
		f.Add(s.method, s.path, s.query, s.form)
	}
	f.Fuzz(func(t *testing.T, method, path, query, form string) {
		if method != http.MethodPost {
			method = http.MethodGet
		}
		u := &url.URL{Path: path, RawQuery: query}
		req := httptest.NewRequest(method, "http://x/", strings.NewReader(form))
		req.URL, req.RequestURI = u, u.RequestURI()
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		fx.h.ServeHTTP(rec, req)
		if rec.Code >= 500 {
			t.Fatalf("%s %s?%s: %d\n%.500s", method, path, query, rec.Code, rec.Body.String())
		}
		if strings.Contains(rec.Body.String(), "<script>window") {
			t.Fatalf("%s %s?%s echoed markup", method, path, query)
		}
	})
}
