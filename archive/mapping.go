package archive

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strings"
	"text/template"

	"github.com/edusync/edusync/fs"
)

// CaseFileScope says which theses share a case file.
type CaseFileScope string

// The scopes of a case file.
const (
	PerStudent    CaseFileScope = "student"     // one case file per student and exam
	PerCourseTerm CaseFileScope = "course-term" // one case file per course and term
)

// CodeName is a code of one of the archive's code lists with its name.
type CodeName struct {
	Code string `json:"code"`
	Name string `json:"name,omitempty"`
}

// Mapping says how a thesis becomes archive records. It is the archive's mapping document in
// configuration form: an archivist changes it (LoadMapping reads it from JSON) without a change
// to the flow. The titles are text/template templates over TitleData.
type Mapping struct {
	CaseFile CaseFileScope `json:"caseFile"`
	// CaseFileTitle and CaseFilePublicTitle title the case file; RegistrationTitle and
	// RegistrationPublicTitle the thesis's registration; AppealTitle the registration of a
	// reassessment's outcome added after delivery.
	CaseFileTitle           string `json:"caseFileTitle"`
	CaseFilePublicTitle     string `json:"caseFilePublicTitle"`
	RegistrationTitle       string `json:"registrationTitle"`
	RegistrationPublicTitle string `json:"registrationPublicTitle"`
	AppealTitle             string `json:"appealTitle"`
	// MainDocument and Attachment are the roles (tilknyttetRegistreringSom) of the first file
	// and of the others; DocumentType the dokumenttype of both.
	MainDocument CodeName `json:"mainDocument"`
	Attachment   CodeName `json:"attachment"`
	DocumentType CodeName `json:"documentType"`
	// Disposal is the kassasjonsvedtak of the registration (theses are kept: "B").
	Disposal CodeName `json:"disposal"`
	// ScreenedMetadata names the metadata screened with a restricted thesis (skjermingMetadata).
	ScreenedMetadata []CodeName `json:"screenedMetadata"`
	// ScreenedDocument is skjermingDokument of a restricted thesis ("H": in full).
	ScreenedDocument CodeName `json:"screenedDocument"`
}

// TitleData is what the title templates see. Student is the author's name, or the candidate
// number where the name must not be shown: always in a public title of a screened thesis, and
// everywhere for an author with a protected identity.
type TitleData struct {
	Title, Student, Candidate, Course, CourseCode, Term, Exam, Grade, System string
	Year                                                                     int
}

// DefaultMapping is the documented default mapping: one case file per student and exam titled
// "Masteroppgave - <student> - <course code> <term> <year>", a registration titled by the
// thesis, the first file the main document and the others attachments, kept forever, the
// public titles without the student's name when the thesis is screened.
func DefaultMapping() Mapping {
	return Mapping{
		CaseFile:                PerStudent,
		CaseFileTitle:           "Masteroppgave - {{.Student}} - {{.CourseCode}} {{.Term}} {{.Year}}",
		CaseFilePublicTitle:     "Masteroppgave - {{.Student}} - {{.CourseCode}} {{.Term}} {{.Year}}",
		RegistrationTitle:       "{{.Title}} - {{.Student}}",
		RegistrationPublicTitle: "{{.Title}} - {{.Student}}",
		AppealTitle:             "Ny sensur etter klage - {{.CourseCode}} {{.Term}} {{.Year}} - {{.Student}}",
		MainDocument:            CodeName{"H", "Hoveddokument"},
		Attachment:              CodeName{"V", "Vedlegg"},
		DocumentType:            CodeName{"MASTEROPPGAVE", "Masteroppgave"},
		Disposal:                CodeName{"B", "Bevares"},
		ScreenedMetadata:        []CodeName{{"TKL", "Tittel, klassifikasjon"}, {"NA", "Navn på avsender/mottaker"}},
		ScreenedDocument:        CodeName{"H", "Hele dokumentet"},
	}
}

// LoadMapping reads a mapping from JSON; members left out keep DefaultMapping's values.
func LoadMapping(r io.Reader) (Mapping, error) {
	m := DefaultMapping()
	dec := json.NewDecoder(io.LimitReader(r, 1<<20))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return Mapping{}, fmt.Errorf("archive: mapping: %w", err)
	}
	return m, m.Validate()
}

// ErrInvalidMapping is matched by the error of a mapping that cannot be used.
var ErrInvalidMapping = errors.New("archive: invalid mapping")

// probeName is the student Validate renders the templates with.
const probeName = "Probe Navnesen"

// Validate checks that the templates parse and run over TitleData and that the codes are set.
// Map itself keeps names out where they must not be seen (a public title of a screened thesis,
// any title of a protected author): the templates never see them there.
func (m Mapping) Validate() error {
	bad := func(format string, a ...any) error {
		return errors.Join(ErrInvalidMapping, fmt.Errorf(format, a...))
	}
	if m.CaseFile != PerStudent && m.CaseFile != PerCourseTerm {
		return bad("caseFile must be %q or %q", PerStudent, PerCourseTerm)
	}
	for _, c := range []CodeName{m.MainDocument, m.Attachment, m.DocumentType, m.Disposal, m.ScreenedDocument} {
		if c.Code == "" {
			return bad("a code of the mapping is empty")
		}
	}
	probe := TitleData{Title: "T", Student: probeName, Candidate: "101", Course: "C", CourseCode: "CC", Term: "VÅR", Exam: "E", Grade: "B", System: "inspera", Year: 2026}
	for name, src := range m.templates() {
		out, err := render(src, probe)
		if err != nil {
			return bad("%s: %v", name, err)
		}
		if strings.TrimSpace(out) == "" {
			return bad("%s renders an empty title", name)
		}
	}
	if m.CaseFile == PerCourseTerm && strings.Contains(m.CaseFileTitle, ".Student") {
		return bad("a case file per course and term cannot carry a student in its title")
	}
	return nil
}

func (m Mapping) templates() map[string]string {
	return map[string]string{"caseFileTitle": m.CaseFileTitle, "caseFilePublicTitle": m.CaseFilePublicTitle,
		"registrationTitle": m.RegistrationTitle, "registrationPublicTitle": m.RegistrationPublicTitle, "appealTitle": m.AppealTitle}
}

func render(src string, d TitleData) (string, error) {
	t, err := template.New("t").Option("missingkey=error").Parse(src)
	if err != nil {
		return "", err
	}
	var b strings.Builder
	if err := t.Execute(&b, d); err != nil {
		return "", err
	}
	return strings.Join(strings.Fields(b.String()), " "), nil
}

// Records are what one thesis becomes in the archive, independent of the archive's interface.
type Records struct {
	// CaseFileKey finds the case file again (the same for the theses that share one).
	CaseFileKey string `json:"caseFileKey"`
	// Key is the thesis's registration's source key.
	Key                     string     `json:"key"`
	CaseFileTitle           string     `json:"caseFileTitle"`
	CaseFilePublicTitle     string     `json:"caseFilePublicTitle"`
	RegistrationTitle       string     `json:"registrationTitle"`
	RegistrationPublicTitle string     `json:"registrationPublicTitle"`
	Description             string     `json:"description,omitempty"`
	Documents               []Document `json:"documents"`
	// Screening is set when the decision restricts; the case file, the registration and the
	// documents carry it.
	Screening *Screening `json:"screening,omitempty"`
	Disposal  CodeName   `json:"disposal"`
	// References are the source ids written as the registration's keywords (exam system ids).
	References []string `json:"references"`
}

// Document is one file's document in the archive.
type Document struct {
	Title string   `json:"title"`
	Role  CodeName `json:"role"`
	Type  CodeName `json:"type"`
	File  int      `json:"file"` // index into the thesis's files
}

// Screening is the screening of a restricted thesis.
type Screening struct {
	Code       string     `json:"code"`
	LegalBasis string     `json:"legalBasis"`
	Metadata   []CodeName `json:"metadata,omitempty"`
	Document   CodeName   `json:"document"`
	Until      string     `json:"until,omitempty"` // YYYY-MM-DD, the embargo's end
}

// Map turns a thesis and its access decision into archive records.
func (m Mapping) Map(t *Thesis, d Decision) (*Records, error) {
	exam, err := fs.ParseVurdID(t.Key.Exam)
	if err != nil {
		return nil, errors.Join(ErrInvalidThesis, err)
	}
	data := TitleData{Title: t.Title(), Student: t.Author, Candidate: t.Key.Candidate, Course: t.Course,
		CourseCode: exam.CourseCode, Term: exam.Term, Year: exam.Year, Exam: t.Key.Exam, Grade: t.Grade, System: string(t.Key.System)}
	if t.Protected || strings.TrimSpace(t.Author) == "" {
		data.Student = "kandidat " + t.Key.Candidate
	}
	public := data
	if d.Restricted {
		public.Student = "kandidat " + t.Key.Candidate
		public.Title = "Masteroppgave"
	}
	r := &Records{Key: t.Key.String(), Disposal: m.Disposal,
		References: []string{string(t.Key.System) + ":" + t.Key.Exam + ":" + t.Key.Candidate}}
	if m.CaseFile == PerCourseTerm {
		r.CaseFileKey = "casefile/" + t.Key.Exam
	} else {
		r.CaseFileKey = "casefile/" + t.Key.String()
	}
	for _, x := range []struct {
		dst  *string
		src  string
		data TitleData
	}{{&r.CaseFileTitle, m.CaseFileTitle, data}, {&r.CaseFilePublicTitle, m.CaseFilePublicTitle, public},
		{&r.RegistrationTitle, m.RegistrationTitle, data}, {&r.RegistrationPublicTitle, m.RegistrationPublicTitle, public}} {
		if *x.dst, err = render(x.src, x.data); err != nil {
			return nil, errors.Join(ErrInvalidMapping, err)
		}
	}
	if d.Restricted {
		r.Screening = &Screening{Code: d.Code, LegalBasis: d.LegalBasis, Metadata: m.ScreenedMetadata, Document: m.ScreenedDocument}
		if !d.EmbargoUntil.IsZero() {
			r.Screening.Until = d.EmbargoUntil.String()
		}
	}
	for i, f := range t.Files {
		role := m.Attachment
		if i == 0 {
			role = m.MainDocument
		}
		title := data.Title
		if i > 0 {
			title = "Vedlegg: " + f.Name
		}
		if d.Restricted {
			title = public.Title
		}
		r.Documents = append(r.Documents, Document{Title: title, Role: role, Type: m.DocumentType, File: i})
	}
	return r, nil
}

// appealRecords are the records of a reassessment's outcome added after delivery.
func (m Mapping) appealRecords(t *Thesis, d Decision, key, previous string) (*Records, error) {
	r, err := m.Map(t, d)
	if err != nil {
		return nil, err
	}
	exam, _ := fs.ParseVurdID(t.Key.Exam)
	data := TitleData{Title: t.Title(), Student: "kandidat " + t.Key.Candidate, Candidate: t.Key.Candidate, Course: t.Course,
		CourseCode: exam.CourseCode, Term: exam.Term, Year: exam.Year, Exam: t.Key.Exam, Grade: t.Grade, System: string(t.Key.System)}
	if !t.Protected && t.Author != "" && !d.Restricted {
		data.Student = t.Author
	}
	title, err := render(m.AppealTitle, data)
	if err != nil {
		return nil, errors.Join(ErrInvalidMapping, err)
	}
	r.Key = key
	r.RegistrationTitle, r.RegistrationPublicTitle = title, title
	r.Description = "Ny karakter etter klage: " + t.Grade + " (før klagen: " + previous + ")"
	r.Documents = nil
	return r, nil
}
