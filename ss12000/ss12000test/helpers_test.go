package ss12000test

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp/cmpopts"

	"github.com/edusync/edusync/ss12000"
)

// answer is one HTTP answer as a test sees it.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// errBodyOf decodes the Error body of a; the test fails if it is not one.
func (a answer) errBody(t *testing.T) ss12000.Error {
	t.Helper()
	var e ss12000.Error
	if err := json.Unmarshal(a.body, &e); err != nil || e.Code == "" || e.Message == "" {
		t.Fatalf("status %d: body %q is not an Error body", a.status, a.body)
	}
	if ct := a.header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("error Content-Type = %q", ct)
	}
	return e
}

// client talks raw HTTP to a server, with its bearer token.
type client struct {
	t     *testing.T
	s     *Server
	token string
	hc    *http.Client
}

func newClient(t *testing.T, s *Server) *client {
	return &client{t: t, s: s, token: s.Token(), hc: &http.Client{Timeout: 10 * time.Second}}
}

// do sends method to path (under the base URL) with the query and a JSON body (a string or
// bytes are sent as they are; anything else is marshalled).
func (c *client) do(method, path string, q url.Values, body any) answer {
	c.t.Helper()
	a, err := c.try(method, path, q, body)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	return a
}

func (c *client) try(method, path string, q url.Values, body any) (answer, error) {
	u := c.s.URL() + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	case io.Reader:
		rd = b
	default:
		j, err := json.Marshal(b)
		if err != nil {
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, u, rd)
	if err != nil {
		return answer{}, err
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return answer{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return answer{}, err
	}
	return answer{status: resp.StatusCode, header: resp.Header, body: b}, nil
}

// get sends a GET and fails the test unless the status is want; it decodes the body into out.
func (c *client) get(path string, q url.Values, want int, out any) answer {
	c.t.Helper()
	a := c.do(http.MethodGet, path, q, nil)
	if a.status != want {
		c.t.Fatalf("GET %s?%s = %d, want %d: %s", path, q.Encode(), a.status, want, a.body)
	}
	if out != nil {
		if err := json.Unmarshal(a.body, out); err != nil {
			c.t.Fatalf("GET %s: decoding %s: %v", path, a.body, err)
		}
	}
	return a
}

// post sends a POST with a JSON body and checks the status.
func (c *client) post(path string, q url.Values, body any, want int, out any) answer {
	c.t.Helper()
	a := c.do(http.MethodPost, path, q, body)
	if a.status != want {
		c.t.Fatalf("POST %s = %d, want %d: %s", path, a.status, want, a.body)
	}
	if out != nil {
		if err := json.Unmarshal(a.body, out); err != nil {
			c.t.Fatalf("POST %s: decoding %s: %v", path, a.body, err)
		}
	}
	return a
}

// page is any list answer.
type page struct {
	Data      []json.RawMessage `json:"data"`
	PageToken *string           `json:"pageToken"`
}

// listIDs reads a whole listing the way SS 12000 prescribes (filters first, then only
// pageToken and limit) and returns the ids in order and the number of pages.
func (c *client) listIDs(path string, q url.Values) ([]string, int) {
	c.t.Helper()
	var ids []string
	pages := 0
	limit := q.Get("limit")
	for {
		var p page
		c.get(path, q, http.StatusOK, &p)
		pages++
		for _, raw := range p.Data {
			var rec struct {
				ID string `json:"id"`
			}
			if err := json.Unmarshal(raw, &rec); err != nil {
				c.t.Fatal(err)
			}
			ids = append(ids, rec.ID)
		}
		if p.PageToken == nil || *p.PageToken == "" {
			return ids, pages
		}
		q = url.Values{"pageToken": {*p.PageToken}}
		if limit != "" {
			q.Set("limit", limit)
		}
		if pages > 100000 {
			c.t.Fatal("listing does not end")
		}
	}
}

// ids returns the ids of records.
func idsOf[T any](recs []T, id func(T) string) []string {
	out := make([]string, len(recs))
	for i, r := range recs {
		out[i] = id(r)
	}
	return out
}

func personID(p ss12000.Person) string { return p.ID }

// vals builds url.Values from pairs.
func vals(kv ...string) url.Values {
	q := url.Values{}
	for i := 0; i+1 < len(kv); i += 2 {
		q.Add(kv[i], kv[i+1])
	}
	return q
}

// time2026 is the start of the fake clocks.
var time2026 = time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)

const time10m = 10 * time.Minute

func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }

// sortStrings makes cmp ignore the order of string slices.
var sortStrings = cmpopts.SortSlices(func(a, b string) bool { return a < b })
