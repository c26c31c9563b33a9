package canvastest

import (
	"encoding/base64"
	"encoding/json"
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/edusync/edusync/internal/apiquery"
)

// writeJSON answers with status and v as JSON.
func writeJSON(w http.ResponseWriter, status int, v any) {
	b, err := json.Marshal(v)
	if err != nil {
		writeErrors(w, http.StatusInternalServerError, "An error occurred.")
		return
	}
	writeRaw(w, status, b)
}

func writeRaw(w http.ResponseWriter, status int, b []byte) {
	h := w.Header()
	h.Set("Content-Type", "application/json; charset=utf-8")
	h.Set("Content-Length", strconv.Itoa(len(b)))
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

// errMsg is one entry of Canvas's {"errors": [...]} body.
type errMsg struct {
	Message string `json:"message"` // what went wrong
}

// writeErrors answers with Canvas's usual error body {"errors": [{"message": ...}]}.
func writeErrors(w http.ResponseWriter, status int, messages ...string) {
	body := struct {
		Errors []errMsg `json:"errors"`
	}{}
	for _, m := range messages {
		body.Errors = append(body.Errors, errMsg{m})
	}
	writeJSON(w, status, body)
}

func notFound(w http.ResponseWriter) {
	writeErrors(w, http.StatusNotFound, "The specified resource does not exist.")
}

// writeFieldError answers 400 with Canvas's validation body {"errors": {field: [{attribute,
// type, message}]}}.
func writeFieldError(w http.ResponseWriter, field, typ, message string) {
	type fe struct {
		Attribute string `json:"attribute"`
		Type      string `json:"type"`
		Message   string `json:"message"`
	}
	writeJSON(w, http.StatusBadRequest, map[string]any{"errors": map[string][]fe{field: {{field, typ, message}}}})
}

func badParam(w http.ResponseWriter, err error) {
	writeErrors(w, http.StatusBadRequest, trimMsg(err.Error()))
}

func trimMsg(s string) string {
	if len(s) > 200 {
		return s[:200]
	}
	return s
}

// decodeBody reads a request body into v: JSON, or form fields with Canvas's bracketed names
// (enrollment[user_id]=5), which are turned into the same nested JSON.
func decodeBody(r *http.Request, v any) error {
	if r.Body == nil {
		return errors.New("a request body is required")
	}
	b, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return errors.New("the request body is too large")
		}
		return errors.New("the request body could not be read")
	}
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct == "application/x-www-form-urlencoded" {
		q, err := url.ParseQuery(string(b))
		if err != nil {
			return errors.New("the form body does not parse")
		}
		if b, err = json.Marshal(nestForm(q)); err != nil {
			return err
		}
	}
	if len(strings.TrimSpace(string(b))) == 0 {
		b = []byte("{}")
	}
	dec := json.NewDecoder(strings.NewReader(string(b)))
	if err := dec.Decode(v); err != nil {
		var ute *json.UnmarshalTypeError
		if errors.As(err, &ute) && ute.Field != "" {
			return errors.New("a value of the wrong type in " + ute.Field)
		}
		return errors.New("the request body is not valid JSON")
	}
	return nil
}

// nestForm turns a[b][c]=v form fields into nested objects, and a[]=v fields (repeated) into
// lists; values that look like numbers or booleans are converted, since the JSON types must
// match the models.
func nestForm(q url.Values) map[string]any {
	out := map[string]any{}
	for k, vs := range q {
		if len(vs) == 0 {
			continue
		}
		k, isList := strings.CutSuffix(k, "[]")
		parts := strings.Split(strings.ReplaceAll(k, "]", ""), "[")
		m := out
		for _, p := range parts[:len(parts)-1] {
			next, ok := m[p].(map[string]any)
			if !ok {
				next = map[string]any{}
				m[p] = next
			}
			m = next
		}
		if isList {
			list := make([]any, len(vs))
			for i, v := range vs {
				list[i] = formValue(v)
			}
			m[parts[len(parts)-1]] = list
			continue
		}
		m[parts[len(parts)-1]] = formValue(vs[len(vs)-1])
	}
	return out
}

func formValue(s string) any {
	if s == "true" || s == "false" {
		return s == "true"
	}
	if n, err := strconv.ParseInt(s, 10, 64); err == nil && !strings.HasPrefix(s, "0") {
		return n
	}
	return s
}

// decodeParams decodes r's query into p (a generated Params struct), answering 400 on failure.
func decodeParams(w http.ResponseWriter, r *http.Request, p any) bool {
	if err := apiquery.Decode(r.URL.Query(), p, false); err != nil {
		badParam(w, err)
		return false
	}
	return true
}

// pageSize reads per_page: Canvas's default when absent, capped at the maximum.
func (s *Server) pageSize(r *http.Request) (int, bool) {
	v := r.URL.Query().Get("per_page")
	if v == "" {
		return s.opts.perPage, true
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return 0, false
	}
	return min(n, s.opts.maxPerPage), true
}

// pageURL is r's URL on this server with page (and per_page) set.
func pageURL(r *http.Request, page string, perPage int) string {
	q := r.URL.Query()
	q.Set("page", page)
	q.Set("per_page", strconv.Itoa(perPage))
	scheme := "http"
	if r.TLS != nil {
		scheme = "https"
	}
	u := url.URL{Scheme: scheme, Host: r.Host, Path: r.URL.Path, RawPath: r.URL.RawPath, RawQuery: q.Encode()}
	return u.String()
}

// links writes a Link header in Canvas's form: <url>; rel="current",<url>; rel="next",...
func links(w http.ResponseWriter, rels ...[2]string) {
	var b strings.Builder
	for i, l := range rels {
		if l[0] == "" {
			continue
		}
		if i > 0 && b.Len() > 0 {
			b.WriteByte(',')
		}
		b.WriteString("<" + l[0] + `>; rel="` + l[1] + `"`)
	}
	w.Header().Set("Link", b.String())
}

// numberedPage answers one page of a list with numbered pages (first, prev, next, last links).
// items are the JSON encodings of all matching records.
func (s *Server) numberedPage(w http.ResponseWriter, r *http.Request, items [][]byte) {
	s.wrappedPage(w, r, items, "")
}

// wrappedPage is numberedPage for lists Canvas wraps in an object ({"key": [...]}); key ""
// means a bare array.
func (s *Server) wrappedPage(w http.ResponseWriter, r *http.Request, items [][]byte, key string) {
	per, ok := s.pageSize(r)
	if !ok {
		writeErrors(w, http.StatusBadRequest, "per_page must be a positive whole number")
		return
	}
	page := 1
	if v := r.URL.Query().Get("page"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			writeErrors(w, http.StatusBadRequest, "page must be a page number from a Link header")
			return
		}
		page = n
	}
	last := max(1, (len(items)+per-1)/per)
	from := min((page-1)*per, len(items))
	to := min(from+per, len(items))
	rels := [][2]string{{pageURL(r, strconv.Itoa(page), per), "current"}}
	if page < last {
		rels = append(rels, [2]string{pageURL(r, strconv.Itoa(page+1), per), "next"})
	}
	if page > 1 {
		rels = append(rels, [2]string{pageURL(r, strconv.Itoa(page-1), per), "prev"})
	}
	rels = append(rels, [2]string{pageURL(r, "1", per), "first"}, [2]string{pageURL(r, strconv.Itoa(last), per), "last"})
	links(w, rels...)
	body := joinArray(items[from:to])
	if key != "" {
		body = append(append([]byte(`{"`+key+`":`), body...), '}')
	}
	writeRaw(w, http.StatusOK, body)
}

func joinArray(items [][]byte) []byte {
	n := 2
	for _, it := range items {
		n += len(it) + 1
	}
	b := make([]byte, 0, n)
	b = append(b, '[')
	for i, it := range items {
		if i > 0 {
			b = append(b, ',')
		}
		b = append(b, it...)
	}
	return append(b, ']')
}

// bookmark encodes a position in a list ordered by id as Canvas does: "bookmark:" and the
// base64 of a JSON array holding the last id delivered.
func bookmark(lastID int64) string {
	return "bookmark:" + base64.RawURLEncoding.EncodeToString([]byte("["+strconv.FormatInt(lastID, 10)+"]"))
}

// parseBookmark returns the id after which a bookmarked page starts (0 for the first page).
func parseBookmark(page string) (int64, bool) {
	if page == "" || page == "first" {
		return 0, true
	}
	rest, ok := strings.CutPrefix(page, "bookmark:")
	if !ok {
		return 0, false
	}
	raw, err := base64.RawURLEncoding.DecodeString(rest)
	if err != nil {
		return 0, false
	}
	var ids []int64
	if json.Unmarshal(raw, &ids) != nil || len(ids) != 1 {
		return 0, false
	}
	return ids[0], true
}

// bookmarkPage answers one page of a list ordered by id with bookmarks: links to the current,
// next and first pages, never to the last (Canvas cannot know it). ids are ascending; match
// selects records; enc appends a record's JSON.
func (s *Server) bookmarkPage(w http.ResponseWriter, r *http.Request, ids []int64, match func(int64) bool, enc func([]byte, int64) []byte) {
	per, ok := s.pageSize(r)
	if !ok {
		writeErrors(w, http.StatusBadRequest, "per_page must be a positive whole number")
		return
	}
	after, ok := parseBookmark(r.URL.Query().Get("page"))
	if !ok {
		writeErrors(w, http.StatusBadRequest, "page must be a bookmark from a Link header")
		return
	}
	i, _ := slices.BinarySearch(ids, after+1)
	// Page buffers are pooled: writeRaw copies the page into the answer, and a listing of
	// 50,000 enrolments would otherwise allocate (and clear) 80 MB of them.
	bp := pageBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= 4<<20 {
			pageBufs.Put(bp)
		}
	}()
	b := append((*bp)[:0], '[')
	n := 0
	var lastID int64
	more := false
	for ; i < len(ids); i++ {
		id := ids[i]
		if !match(id) {
			continue
		}
		if n == per {
			more = true
			break
		}
		if n > 0 {
			b = append(b, ',')
		}
		b = enc(b, id)
		lastID = id
		n++
	}
	b = append(b, ']')
	cur := r.URL.Query().Get("page")
	if cur == "" {
		cur = "first"
	}
	rels := [][2]string{{pageURL(r, cur, per), "current"}}
	if more {
		rels = append(rels, [2]string{pageURL(r, bookmark(lastID), per), "next"})
	}
	rels = append(rels, [2]string{pageURL(r, "first", per), "first"})
	links(w, rels...)
	writeRaw(w, http.StatusOK, b)
	*bp = b
}

var pageBufs = sync.Pool{New: func() any { b := make([]byte, 0, 160<<10); return &b }}

// marshalAll encodes each record for numberedPage.
func marshalAll[T any](items []T) [][]byte {
	out := make([][]byte, 0, len(items))
	for i := range items {
		b, err := json.Marshal(&items[i])
		if err == nil {
			out = append(out, b)
		}
	}
	return out
}
