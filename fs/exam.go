package fs

import (
	"encoding/base64"
	"errors"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"
)

// ExamKey is FS's key of an exam (a vurderingsenhet): the institution, the course with its
// version, the assessment combination and the term. FS and the exam systems carry it in one of
// its encodings:
//
//   - VurdID, "185_INF1000_1_SKR_2026_VÅR": the parts joined by underscores. It is what FS's
//     records name their exam by, what the exam systems hold as the external id of the test
//     or flow FS created there, and what the exam flows log as vurdId.
//   - ExamID, the VurdID in unpadded base64url: the {examId} of the DigEks paths (the
//     ä, å and ø of the term and the underscores travel safely in a URL that way). This is
//     inferred (see openapi/fs.yaml); it is made and read here and nowhere else.
type ExamKey struct {
	// Institution is the institusjonsnr, digits only ("185").
	Institution string
	// CourseCode is the emnekode ("INF1000"); the one part that may hold an underscore.
	CourseCode string
	// Version is the versjonskode ("1").
	Version string
	// AssessmentCode is the vurdkombkode ("SKR").
	AssessmentCode string
	// Year and Term are the tid: the year and FS's term code ("VÅR", "HØST").
	Year int
	Term string
}

// ErrInvalidExamKey is matched by every *ExamKeyError.
var ErrInvalidExamKey = errors.New("fs: invalid exam key")

// ExamKeyError says which part of an exam key is wrong and why. It never quotes the value,
// which came from outside.
type ExamKeyError struct {
	Field   string // "Institution", "CourseCode", "Version", "AssessmentCode", "Year", "Term" or "vurdId"
	Problem string
}

// Error returns "fs: exam key: <Field> <Problem>".
func (e *ExamKeyError) Error() string { return "fs: exam key: " + e.Field + " " + e.Problem }

// Unwrap returns ErrInvalidExamKey.
func (e *ExamKeyError) Unwrap() error { return ErrInvalidExamKey }

// maxPart is the longest part of an exam key; FS's codes are a few characters.
const maxPart = 32

// MaxVurdID is the longest vurdId read.
const MaxVurdID = 6*maxPart + 5

// Validate reports an *ExamKeyError for a key FS could not hold: a missing part, an
// institution that is not digits, a year outside 1900-2200, an underscore anywhere but in the
// course code, or characters that are not printable.
func (k ExamKey) Validate() error {
	if err := digits("Institution", k.Institution, 8); err != nil {
		return err
	}
	parts := []struct {
		name, value string
		underscore  bool
	}{{"CourseCode", k.CourseCode, true}, {"Version", k.Version, false}, {"AssessmentCode", k.AssessmentCode, false}, {"Term", k.Term, false}}
	for _, p := range parts {
		if err := part(p.name, p.value, p.underscore); err != nil {
			return err
		}
	}
	if k.Year < 1900 || k.Year > 2200 {
		return &ExamKeyError{Field: "Year", Problem: "is not a year between 1900 and 2200"}
	}
	return nil
}

func digits(field, s string, max int) error {
	if s == "" {
		return &ExamKeyError{Field: field, Problem: "is missing"}
	}
	if len(s) > max || strings.IndexFunc(s, func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return &ExamKeyError{Field: field, Problem: "is not a number of at most " + strconv.Itoa(max) + " digits"}
	}
	return nil
}

func part(field, s string, underscore bool) error {
	switch {
	case s == "":
		return &ExamKeyError{Field: field, Problem: "is missing"}
	case len(s) > maxPart:
		return &ExamKeyError{Field: field, Problem: "is longer than " + strconv.Itoa(maxPart) + " bytes"}
	case !utf8.ValidString(s):
		return &ExamKeyError{Field: field, Problem: "is not UTF-8"}
	case !underscore && strings.Contains(s, "_"):
		return &ExamKeyError{Field: field, Problem: "holds an underscore"}
	case strings.IndexFunc(s, func(r rune) bool { return !unicode.IsPrint(r) || unicode.IsSpace(r) || r == '/' }) >= 0:
		return &ExamKeyError{Field: field, Problem: "holds a space, a slash or a character that is not printable"}
	}
	return nil
}

// VurdID returns the key's parts joined by underscores ("185_INF1000_1_SKR_2026_VÅR").
func (k ExamKey) VurdID() string {
	return strings.Join([]string{k.Institution, k.CourseCode, k.Version, k.AssessmentCode, strconv.Itoa(k.Year), k.Term}, "_")
}

// String returns the VurdID.
func (k ExamKey) String() string { return k.VurdID() }

// Tid returns the term as FS writes it in one field: "2026 VÅR".
func (k ExamKey) Tid() string { return strconv.Itoa(k.Year) + " " + k.Term }

// ExamID returns the key as the {examId} of the DigEks paths: the VurdID in unpadded base64url.
func (k ExamKey) ExamID() string { return base64.RawURLEncoding.EncodeToString([]byte(k.VurdID())) }

// ParseVurdID reads a vurdId. The course code is what lies between the institution and the
// last four parts, so a course code with underscores reads back whole. The key is validated.
func ParseVurdID(s string) (ExamKey, error) {
	if s == "" {
		return ExamKey{}, &ExamKeyError{Field: "vurdId", Problem: "is missing"}
	}
	if len(s) > MaxVurdID {
		return ExamKey{}, &ExamKeyError{Field: "vurdId", Problem: "is longer than " + strconv.Itoa(MaxVurdID) + " bytes"}
	}
	p := strings.Split(s, "_")
	n := len(p)
	if n < 6 {
		return ExamKey{}, &ExamKeyError{Field: "vurdId", Problem: "does not have the six parts institution_course_version_assessment_year_term"}
	}
	k := ExamKey{Institution: p[0], CourseCode: strings.Join(p[1:n-4], "_"), Version: p[n-4], AssessmentCode: p[n-3], Term: p[n-1]}
	if len(p[n-2]) != 4 {
		return ExamKey{}, &ExamKeyError{Field: "Year", Problem: "is not four digits"}
	}
	year, err := strconv.Atoi(p[n-2])
	if err != nil || strings.IndexFunc(p[n-2], func(r rune) bool { return r < '0' || r > '9' }) >= 0 {
		return ExamKey{}, &ExamKeyError{Field: "Year", Problem: "is not four digits"}
	}
	k.Year = year
	if err := k.Validate(); err != nil {
		return ExamKey{}, err
	}
	return k, nil
}

// ParseExamID reads an {examId}: the vurdId in base64url or standard base64, padded or not.
// A plain vurdId is read too, so an id written either way by hand still works.
func ParseExamID(s string) (ExamKey, error) {
	if len(s) > 2*MaxVurdID {
		return ExamKey{}, &ExamKeyError{Field: "vurdId", Problem: "is longer than " + strconv.Itoa(MaxVurdID) + " bytes"}
	}
	trimmed := strings.TrimRight(s, "=")
	for _, enc := range []*base64.Encoding{base64.RawURLEncoding, base64.RawStdEncoding} {
		if b, err := enc.DecodeString(trimmed); err == nil && utf8.Valid(b) {
			if k, err := ParseVurdID(string(b)); err == nil {
				return k, nil
			}
		}
	}
	return ParseVurdID(s)
}

// ParseExamSystem reads an exam system's name as FS writes it ("INSPERA", "WISEFLOW"),
// ignoring case.
func ParseExamSystem(s string) (ExamSystem, error) {
	sys := ExamSystem(strings.ToUpper(strings.TrimSpace(s)))
	if !sys.Valid() {
		return "", errUnknownSystem
	}
	return sys, nil
}

var errUnknownSystem = errors.New("fs: unknown exam system (want INSPERA or WISEFLOW)")
