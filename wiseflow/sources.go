package wiseflow

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"github.com/edusync/edusync/internal/apiclient"
)

func sourceID(s *Source) int64 { return s.SourceID }

// ErrBadSourceCode is matched by the error of a source code WISEflow would refuse: no part of at
// least three characters, or a part holding the separator.
var ErrBadSourceCode = errors.New("wiseflow: a source code needs a part of 3 or more characters and no part holding || or *")

// checkSourceCode applies WISEflow's rule for searches: parts separated by "||", "*" a
// wildcard part, at least one part of three characters or more.
func checkSourceCode(code string) error {
	if !utf8.ValidString(code) {
		return ErrBadSourceCode
	}
	for _, p := range strings.Split(code, SourceCodeSeparator) {
		if p != "*" && utf8.RuneCountInString(strings.TrimSpace(p)) >= 3 {
			return nil
		}
	}
	return ErrBadSourceCode
}

// SearchSources returns the sources (SIS codes) of the licence that match code, each with its
// flow (POST /sources/search, the replacement of /license/sis/flows/{sisCode}), page by page.
// flowID, when not 0, limits the search to that flow. FSCode builds the codes of FS's exams.
func (c *Client) SearchSources(ctx context.Context, code string, flowID int64) iter.Seq2[Source, error] {
	if err := checkSourceCode(code); err != nil {
		return func(yield func(Source, error) bool) { yield(Source{}, err) }
	}
	return list(ctx, c, &apiclient.Request{Method: http.MethodPost, Path: "/sources/search",
		Body: SourceSearch{SourceCode: code, FlowID: flowID}}, sourceID)
}

// SearchSourcesPage reads one page of SearchSources (limit at most 100).
func (c *Client) SearchSourcesPage(ctx context.Context, code string, flowID, offset int64, limit int) (*Page[Source], error) {
	if err := checkSourceCode(code); err != nil {
		return nil, err
	}
	return page(ctx, c, &apiclient.Request{Method: http.MethodPost, Path: "/sources/search",
		Body: SourceSearch{SourceCode: code, FlowID: flowID}}, offset, limit, sourceID)
}

// SourceCodeSeparator separates the parts of a WISEflow source (SIS) code.
const SourceCodeSeparator = "||"

// Wildcard is the part of a source code that matches any value.
const Wildcard = "*"

// FSCode is the key of an FS exam (vurderingsenhet) as WISEflow's FS integration builds a flow's
// SIS code from it: institution number, course code (emnekode), version (versjonskode),
// assessment code (vurdkombkode, "Internal code" in WISEflow), year and term (from FS's tid,
// "2026 VÅR"), in that order, separated by "||". The parts are documented on WISEflow's FS
// integration page; their order in the code is inferred from it and should be checked against
// a licence's sources (SearchSources with one part and wildcards shows them). An empty part is
// a wildcard in searches.
type FSCode struct {
	Institution    string // institusjonsnr, "185"
	CourseCode     string // emnekode, "INF1000"
	Version        string // versjonskode, "1"
	AssessmentCode string // vurdkombkode, "SKR"
	Year           string // "2026"
	Term           string // terminkode, "VÅR" or "HØST"
}

// String returns the source code, with Wildcard for the empty parts.
func (f FSCode) String() string {
	parts := []string{f.Institution, f.CourseCode, f.Version, f.AssessmentCode, f.Year, f.Term}
	for i, p := range parts {
		if p = strings.TrimSpace(p); p == "" {
			p = Wildcard
		}
		parts[i] = p
	}
	return strings.Join(parts, SourceCodeSeparator)
}

// Check reports a part that holds the separator or the wildcard (which WISEflow would read as
// something else) or is not UTF-8.
func (f FSCode) Check() error {
	for _, p := range []string{f.Institution, f.CourseCode, f.Version, f.AssessmentCode, f.Year, f.Term} {
		if strings.Contains(p, "|") || strings.Contains(p, Wildcard) || !utf8.ValidString(p) {
			return ErrBadSourceCode
		}
	}
	return nil
}

// VurdID returns FS's vurdId of the exam: the parts joined by "_"
// ("185_INF1000_1_SKR_2026_VÅR").
func (f FSCode) VurdID() string {
	return strings.Join([]string{f.Institution, f.CourseCode, f.Version, f.AssessmentCode, f.Year, f.Term}, "_")
}

// ParseFSCode reads a source code of six parts ("185||INF1000||1||SKR||2026||VÅR"); a wildcard
// part reads as empty.
func ParseFSCode(code string) (FSCode, error) {
	parts := strings.Split(code, SourceCodeSeparator)
	if len(parts) != 6 || !utf8.ValidString(code) {
		return FSCode{}, fmt.Errorf("%w: an FS code has six parts separated by ||", ErrBadSourceCode)
	}
	for i, p := range parts {
		p = strings.TrimSpace(p)
		if p == Wildcard {
			p = ""
		}
		if strings.ContainsAny(p, "|*") {
			return FSCode{}, ErrBadSourceCode
		}
		parts[i] = p
	}
	return FSCode{Institution: parts[0], CourseCode: parts[1], Version: parts[2], AssessmentCode: parts[3], Year: parts[4], Term: parts[5]}, nil
}

// FSCodeFromVurdID reads FS's vurdId ("185_INF1000_1_SKR_2026_VÅR"). The course and assessment
// codes hold no "_" in FS; the first part is the institution, the last two year and term.
func FSCodeFromVurdID(vurdID string) (FSCode, error) {
	parts := strings.Split(vurdID, "_")
	if len(parts) != 6 || !utf8.ValidString(vurdID) {
		return FSCode{}, fmt.Errorf("%w: a vurdId has six parts separated by _", ErrBadSourceCode)
	}
	f := FSCode{Institution: parts[0], CourseCode: parts[1], Version: parts[2], AssessmentCode: parts[3], Year: parts[4], Term: parts[5]}
	if err := f.Check(); err != nil {
		return FSCode{}, err
	}
	return f, nil
}

// FSCodeFromTerm splits FS's tid ("2026 VÅR") into year and term.
func FSCodeFromTerm(f FSCode, tid string) FSCode {
	year, term, _ := strings.Cut(strings.TrimSpace(tid), " ")
	f.Year, f.Term = year, strings.TrimSpace(term)
	return f
}

// EncodeSourceCodePath encodes a source code for the path of the deprecated
// GET /license/sis/flows/{sisCode}, which wants it base64-encoded and URL-encoded; SearchSources
// sends codes as JSON and needs no encoding. The UTF-8 bytes (Å and Ø included) are encoded.
func EncodeSourceCodePath(code string) string {
	return url.PathEscape(base64.StdEncoding.EncodeToString([]byte(code)))
}

// DecodeSourceCodePath reverses EncodeSourceCodePath.
func DecodeSourceCodePath(segment string) (string, error) {
	s, err := url.PathUnescape(segment)
	if err != nil {
		return "", ErrBadSourceCode
	}
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil || !utf8.Valid(b) {
		return "", ErrBadSourceCode
	}
	return string(b), nil
}
