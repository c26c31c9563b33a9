package canvas

import (
	"encoding/hex"
	"fmt"
	"net/url"
	"strconv"
	"strings"
)

// Ref names one Canvas object where the API takes an id: its numeric Canvas id, "self", or a
// SIS reference such as sis_course_id:HIST-101. An SIS integration knows its own ids, not
// Canvas's, so every method of Client takes a Ref and SIS references work everywhere.
//
// A Ref holds the reference unescaped (sis_user_id:a/b.c). In a request path the value after
// the prefix is percent-encoded, with "/" as %2F and "." as %2E: Canvas (a Rails application)
// would otherwise split the path at "/" or read ".c" as a response format. In JSON bodies and
// query parameters the unescaped form is sent. Build Refs with the constructors (or ParseRef);
// a plain conversion Ref("...") is taken as written.
type Ref string

// Self is the token holder: the current user, or (for accounts) the root account.
const Self Ref = "self"

// The SIS reference prefixes Canvas understands.
const (
	prefixSISUser        = "sis_user_id"
	prefixSISCourse      = "sis_course_id"
	prefixSISSection     = "sis_section_id"
	prefixSISIntegration = "sis_integration_id"
	prefixSISLogin       = "sis_login_id"
	prefixSISTerm        = "sis_term_id"
	prefixSISAccount     = "sis_account_id"
)

var sisPrefixes = []string{prefixSISUser, prefixSISCourse, prefixSISSection, prefixSISIntegration,
	prefixSISLogin, prefixSISTerm, prefixSISAccount}

// ID refers to an object by its Canvas id.
func ID(id int64) Ref { return Ref(strconv.FormatInt(id, 10)) }

// SISUser refers to a user by the SIS id of one of their logins.
func SISUser(id string) Ref { return Ref(prefixSISUser + ":" + id) }

// SISCourse refers to a course by its SIS id.
func SISCourse(id string) Ref { return Ref(prefixSISCourse + ":" + id) }

// SISSection refers to a section by its SIS id.
func SISSection(id string) Ref { return Ref(prefixSISSection + ":" + id) }

// SISIntegration refers to a user, course or section by its integration id (a second
// identifier SIS imports can set next to the SIS id).
func SISIntegration(id string) Ref { return Ref(prefixSISIntegration + ":" + id) }

// SISLogin refers to a user by the unique id (login name) of one of their logins.
func SISLogin(uniqueID string) Ref { return Ref(prefixSISLogin + ":" + uniqueID) }

// SISTerm refers to an enrolment term by its SIS id.
func SISTerm(id string) Ref { return Ref(prefixSISTerm + ":" + id) }

// SISAccount refers to an account by its SIS id.
func SISAccount(id string) Ref { return Ref(prefixSISAccount + ":" + id) }

// ParseRef reads a reference as people write it: a number, "self", or prefix:value with one of
// Canvas's SIS prefixes (sis_course_id:BENCH), or Canvas's hex form (hex:sis_user_id:6162).
// The value is taken literally, unescaped.
func ParseRef(s string) (Ref, error) {
	s = strings.TrimSpace(s)
	switch {
	case s == "":
		return "", fmt.Errorf("canvas: empty reference")
	case s == string(Self):
		return Self, nil
	case isDigits(s):
		return Ref(s), nil
	}
	if rest, ok := strings.CutPrefix(s, "hex:"); ok {
		prefix, value, _ := strings.Cut(rest, ":")
		raw, err := hex.DecodeString(value)
		if !isSISPrefix(prefix) || err != nil || len(raw) == 0 {
			return "", fmt.Errorf("canvas: reference %q: hex references are hex:<sis prefix>:<hex digits>", s)
		}
		return Ref(prefix + ":" + string(raw)), nil
	}
	prefix, value, ok := strings.Cut(s, ":")
	if !ok || !isSISPrefix(prefix) {
		return "", fmt.Errorf("canvas: reference %q is not a number, self or one of %s followed by ':'", s, strings.Join(sisPrefixes, ", "))
	}
	if value == "" {
		return "", fmt.Errorf("canvas: reference %q has an empty SIS id", s)
	}
	return Ref(s), nil
}

// String returns the reference unescaped, as it is sent in JSON bodies and query parameters.
func (r Ref) String() string { return string(r) }

// IsSIS reports whether r is an SIS reference (as opposed to a Canvas id or self).
func (r Ref) IsSIS() bool {
	prefix, _, ok := strings.Cut(string(r), ":")
	return ok && isSISPrefix(prefix)
}

// CanvasID returns the numeric id r holds, if it is one.
func (r Ref) CanvasID() (int64, bool) {
	if !isDigits(string(r)) {
		return 0, false
	}
	n, err := strconv.ParseInt(string(r), 10, 64)
	return n, err == nil
}

// PathSegment returns r escaped for use as one segment of a request path: SIS values
// percent-encoded with "/" as %2F and "." as %2E, everything else as it is.
func (r Ref) PathSegment() string {
	s := string(r)
	if prefix, value, ok := strings.Cut(s, ":"); ok && isSISPrefix(prefix) {
		return prefix + ":" + EscapeSISID(value)
	}
	if strings.HasPrefix(s, "hex:") || s == string(Self) || isDigits(s) {
		return s
	}
	return EscapeSISID(s)
}

// HexPathSegment returns r in Canvas's hex form (hex:sis_user_id:6162...), which survives any
// proxy that would decode percent-encoded slashes. It is r's path segment when r is not an SIS
// reference.
func (r Ref) HexPathSegment() string {
	if prefix, value, ok := strings.Cut(string(r), ":"); ok && isSISPrefix(prefix) {
		return "hex:" + prefix + ":" + hex.EncodeToString([]byte(value))
	}
	return r.PathSegment()
}

// EscapeSISID percent-encodes an SIS id for a path segment: everything url.PathEscape escapes,
// and also "." (as %2E), which Canvas would otherwise take for the start of a format suffix.
func EscapeSISID(id string) string {
	return strings.ReplaceAll(url.PathEscape(id), ".", "%2E")
}

func isSISPrefix(p string) bool {
	for _, s := range sisPrefixes {
		if p == s {
			return true
		}
	}
	return false
}

func isDigits(s string) bool {
	if s == "" || len(s) > 19 {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// path joins a path template's fixed parts and references: path("/courses/", course, "/enrollments").
// Strings are written as they are; Refs as escaped path segments.
func path(parts ...any) string {
	var b strings.Builder
	for _, p := range parts {
		switch v := p.(type) {
		case string:
			b.WriteString(v)
		case Ref:
			b.WriteString(v.PathSegment())
		case int64:
			b.WriteString(strconv.FormatInt(v, 10))
		default:
			panic(fmt.Sprintf("canvas: path part of type %T", p)) // programming error, never input
		}
	}
	return b.String()
}
