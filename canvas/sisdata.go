package canvas

import (
	"archive/zip"
	"bytes"
	"encoding/csv"
	"fmt"
	"io"
	"slices"
	"strconv"
	"strings"
	"time"
)

// SISData is the content of an SIS import in Canvas's SIS CSV format: one file per kind, each
// with a header row. Build it from the student-records system's data and hand it to ImportSIS;
// Zip and CSV write the files with correct quoting (fields with commas, quotes or line breaks are
// quoted, quotes doubled), UTF-8 without byte-order mark, and Canvas's column names.
type SISData struct {
	Terms       []SISTermRow       // terms.csv
	Users       []SISUserRow       // users.csv
	Courses     []SISCourseRow     // courses.csv
	Sections    []SISSectionRow    // sections.csv
	Enrollments []SISEnrollmentRow // enrollments.csv
}

// Status values of SIS CSV rows; which apply depends on the file (see each row type).
const (
	SISActive    = "active"
	SISDeleted   = "deleted"
	SISCompleted = "completed" // courses, enrolments
	SISInactive  = "inactive"  // enrolments
	SISSuspended = "suspended" // users
	SISPublished = "published" // courses
)

// SISTermRow is a row of terms.csv.
type SISTermRow struct {
	TermID        string    // required, the term's SIS id
	Name          string    // required
	Status        string    // active (default) or deleted
	IntegrationID string    // a second id the SIS may set
	StartDate     time.Time // zero: none
	EndDate       time.Time // zero: none
}

// SISUserRow is a row of users.csv.
type SISUserRow struct {
	UserID                   string // required, the user's SIS id
	IntegrationID            string // a second id the SIS may set
	LoginID                  string // required, the login's unique id
	AuthenticationProviderID string // the SSO provider of the login (id or type)
	FirstName                string // given name
	LastName                 string // family name
	FullName                 string // display name; Canvas derives it from the others when empty
	SortableName             string // "Family, Given"; derived when empty
	ShortName                string // the name shown in discussions; derived when empty
	Email                    string // becomes a confirmed e-mail channel
	Status                   string // active (default), suspended or deleted
}

// SISCourseRow is a row of courses.csv.
type SISCourseRow struct {
	CourseID      string    // required, the course's SIS id
	IntegrationID string    // a second id the SIS may set
	ShortName     string    // required: the course code
	LongName      string    // required: the name
	AccountID     string    // the SIS id of the account; empty: the root account
	TermID        string    // the SIS id of the term
	Status        string    // active (default), deleted, completed or published
	StartDate     time.Time // zero: the term's
	EndDate       time.Time // zero: the term's
}

// SISSectionRow is a row of sections.csv.
type SISSectionRow struct {
	SectionID     string    // required, the section's SIS id
	IntegrationID string    // a second id the SIS may set
	CourseID      string    // required, the course's SIS id
	Name          string    // required
	Status        string    // active (default) or deleted
	StartDate     time.Time // zero: the course's
	EndDate       time.Time // zero: the course's
}

// SISEnrollmentRow is a row of enrollments.csv.
type SISEnrollmentRow struct {
	CourseID  string // the course's SIS id; CourseID or SectionID is required
	SectionID string // the section's SIS id
	UserID    string // required, the user's SIS id
	// Role is student, teacher, ta, observer, designer, or a custom role's label.
	Role   string
	RoleID int64  // a custom role by id instead of Role
	Status string // active (default), deleted, completed or inactive
	// LimitSectionPrivileges limits the person to their own section.
	LimitSectionPrivileges bool
	StartDate              time.Time // zero: the course's or term's
	EndDate                time.Time // zero: the course's or term's
}

// SIS file names, in the order Canvas should process them (objects before what refers to them).
const (
	SISTermsFile       = "terms.csv"
	SISUsersFile       = "users.csv"
	SISCoursesFile     = "courses.csv"
	SISSectionsFile    = "sections.csv"
	SISEnrollmentsFile = "enrollments.csv"
)

var (
	termColumns       = []string{"term_id", "name", "status", "integration_id", "start_date", "end_date"}
	userColumns       = []string{"user_id", "integration_id", "login_id", "authentication_provider_id", "first_name", "last_name", "full_name", "sortable_name", "short_name", "email", "status"}
	courseColumns     = []string{"course_id", "integration_id", "short_name", "long_name", "account_id", "term_id", "status", "start_date", "end_date"}
	sectionColumns    = []string{"section_id", "integration_id", "course_id", "name", "status", "start_date", "end_date"}
	enrollmentColumns = []string{"course_id", "section_id", "user_id", "role", "role_id", "status", "limit_section_privileges", "start_date", "end_date"}
)

// Empty reports whether d has no rows.
func (d *SISData) Empty() bool {
	return len(d.Terms)+len(d.Users)+len(d.Courses)+len(d.Sections)+len(d.Enrollments) == 0
}

func orActive(s string) string {
	if s == "" {
		return SISActive
	}
	return s
}

func sisDate(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func sisBool(b bool) string {
	if b {
		return "true"
	}
	return ""
}

// files returns the CSV files d has rows for, in processing order.
func (d *SISData) files() []sisFile {
	var fs []sisFile
	if len(d.Terms) > 0 {
		rows := make([][]string, len(d.Terms))
		for i, t := range d.Terms {
			rows[i] = []string{t.TermID, t.Name, orActive(t.Status), t.IntegrationID, sisDate(t.StartDate), sisDate(t.EndDate)}
		}
		fs = append(fs, sisFile{SISTermsFile, termColumns, rows})
	}
	if len(d.Users) > 0 {
		rows := make([][]string, len(d.Users))
		for i, u := range d.Users {
			rows[i] = []string{u.UserID, u.IntegrationID, u.LoginID, u.AuthenticationProviderID, u.FirstName, u.LastName, u.FullName, u.SortableName, u.ShortName, u.Email, orActive(u.Status)}
		}
		fs = append(fs, sisFile{SISUsersFile, userColumns, rows})
	}
	if len(d.Courses) > 0 {
		rows := make([][]string, len(d.Courses))
		for i, c := range d.Courses {
			rows[i] = []string{c.CourseID, c.IntegrationID, c.ShortName, c.LongName, c.AccountID, c.TermID, orActive(c.Status), sisDate(c.StartDate), sisDate(c.EndDate)}
		}
		fs = append(fs, sisFile{SISCoursesFile, courseColumns, rows})
	}
	if len(d.Sections) > 0 {
		rows := make([][]string, len(d.Sections))
		for i, s := range d.Sections {
			rows[i] = []string{s.SectionID, s.IntegrationID, s.CourseID, s.Name, orActive(s.Status), sisDate(s.StartDate), sisDate(s.EndDate)}
		}
		fs = append(fs, sisFile{SISSectionsFile, sectionColumns, rows})
	}
	if len(d.Enrollments) > 0 {
		rows := make([][]string, len(d.Enrollments))
		for i, e := range d.Enrollments {
			roleID := ""
			if e.RoleID != 0 {
				roleID = strconv.FormatInt(e.RoleID, 10)
			}
			rows[i] = []string{e.CourseID, e.SectionID, e.UserID, e.Role, roleID, orActive(e.Status), sisBool(e.LimitSectionPrivileges), sisDate(e.StartDate), sisDate(e.EndDate)}
		}
		fs = append(fs, sisFile{SISEnrollmentsFile, enrollmentColumns, rows})
	}
	return fs
}

type sisFile struct {
	name   string
	header []string
	rows   [][]string
}

func (f sisFile) write(w io.Writer) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(f.header); err != nil {
		return err
	}
	if err := cw.WriteAll(f.rows); err != nil {
		return err
	}
	return cw.Error()
}

// CSV returns the CSV files of d by file name (terms.csv, users.csv, ...), only those with rows.
func (d *SISData) CSV() (map[string][]byte, error) {
	out := map[string][]byte{}
	for _, f := range d.files() {
		var b bytes.Buffer
		if err := f.write(&b); err != nil {
			return nil, fmt.Errorf("canvas: writing %s: %w", f.name, err)
		}
		out[f.name] = b.Bytes()
	}
	return out, nil
}

// Zip returns d as a zip of CSV files, the form ImportSIS uploads.
func (d *SISData) Zip() ([]byte, error) {
	var b bytes.Buffer
	if err := d.WriteZip(&b); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// WriteZip writes d as a zip of CSV files to w.
func (d *SISData) WriteZip(w io.Writer) error {
	zw := zip.NewWriter(w)
	for _, f := range d.files() {
		fw, err := zw.CreateHeader(&zip.FileHeader{Name: f.name, Method: zip.Deflate, Modified: time.Unix(0, 0).UTC()})
		if err != nil {
			return fmt.Errorf("canvas: writing %s: %w", f.name, err)
		}
		if err := f.write(fw); err != nil {
			return fmt.Errorf("canvas: writing %s: %w", f.name, err)
		}
	}
	if err := zw.Close(); err != nil {
		return fmt.Errorf("canvas: writing zip: %w", err)
	}
	return nil
}

// MaxSISFile caps the size of one uncompressed CSV file ReadSISData accepts, so a zip bomb
// cannot exhaust memory.
const MaxSISFile = 512 << 20

// ReadSISData reads SIS import data: a zip of CSV files or a single CSV file. Like Canvas, it
// tells the kind of each file by its header row, not its name, and ignores columns it does not
// know. It returns an error naming the file for CSV that does not parse or a header it cannot
// place; rows are not validated beyond their field types.
func ReadSISData(data []byte) (*SISData, error) {
	d := &SISData{}
	if bytes.HasPrefix(data, []byte("PK\x03\x04")) || bytes.HasPrefix(data, []byte("PK\x05\x06")) {
		zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
		if err != nil {
			return nil, fmt.Errorf("canvas: reading SIS zip: %w", err)
		}
		names := make([]*zip.File, 0, len(zr.File))
		for _, f := range zr.File {
			if f.FileInfo().IsDir() || !strings.EqualFold(pathExt(f.Name), ".csv") {
				continue
			}
			names = append(names, f)
		}
		slices.SortFunc(names, func(a, b *zip.File) int { return strings.Compare(a.Name, b.Name) })
		for _, f := range names {
			if f.UncompressedSize64 > MaxSISFile {
				return nil, fmt.Errorf("canvas: %s is larger than %d bytes", f.Name, MaxSISFile)
			}
			rc, err := f.Open()
			if err != nil {
				return nil, fmt.Errorf("canvas: %s: %w", f.Name, err)
			}
			b, err := io.ReadAll(io.LimitReader(rc, MaxSISFile+1))
			rc.Close()
			if err != nil {
				return nil, fmt.Errorf("canvas: %s: %w", f.Name, err)
			}
			if len(b) > MaxSISFile {
				return nil, fmt.Errorf("canvas: %s is larger than %d bytes", f.Name, MaxSISFile)
			}
			if err := d.readCSV(f.Name, b); err != nil {
				return nil, err
			}
		}
		return d, nil
	}
	if err := d.readCSV("upload.csv", data); err != nil {
		return nil, err
	}
	return d, nil
}

func pathExt(name string) string {
	if i := strings.LastIndexByte(name, '.'); i >= 0 {
		return name[i:]
	}
	return ""
}

// readCSV reads one CSV file and appends its rows to d.
func (d *SISData) readCSV(name string, b []byte) error {
	b = bytes.TrimPrefix(b, []byte("\xEF\xBB\xBF"))
	r := csv.NewReader(bytes.NewReader(b))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err == io.EOF {
		return nil
	}
	if err != nil {
		return fmt.Errorf("canvas: %s: %w", name, err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(h))] = i
	}
	has := func(names ...string) bool {
		for _, n := range names {
			if _, ok := col[n]; !ok {
				return false
			}
		}
		return true
	}
	var kind string
	switch {
	case has("user_id", "role") && (has("course_id") || has("section_id")):
		kind = SISEnrollmentsFile
	case has("section_id", "course_id", "name"):
		kind = SISSectionsFile
	case has("course_id", "short_name", "long_name"):
		kind = SISCoursesFile
	case has("user_id", "login_id"):
		kind = SISUsersFile
	case has("term_id", "name"):
		kind = SISTermsFile
	default:
		return fmt.Errorf("canvas: %s: header %q is not one of the SIS CSV kinds this package reads (terms, users, courses, sections, enrollments)", name, strings.Join(header, ","))
	}
	line := 1
	for {
		rec, err := r.Read()
		if err == io.EOF {
			return nil
		}
		line++
		if err != nil {
			return fmt.Errorf("canvas: %s: %w", name, err)
		}
		get := func(n string) string {
			if i, ok := col[n]; ok && i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		date := func(n string) (time.Time, error) {
			s := get(n)
			if s == "" {
				return time.Time{}, nil
			}
			for _, layout := range []string{time.RFC3339, "2006-01-02 15:04:05", "2006-01-02T15:04:05", "2006-01-02"} {
				if t, err := time.Parse(layout, s); err == nil {
					// Only dates the writer can write back (and Canvas reads): years 1 to 9999 in UTC.
					if y := t.UTC().Year(); y < 1 || y > 9999 {
						break
					}
					return t, nil
				}
			}
			return time.Time{}, fmt.Errorf("canvas: %s line %d: %s is not a date", name, line, n)
		}
		var sd, ed time.Time
		if sd, err = date("start_date"); err != nil {
			return err
		}
		if ed, err = date("end_date"); err != nil {
			return err
		}
		switch kind {
		case SISTermsFile:
			d.Terms = append(d.Terms, SISTermRow{TermID: get("term_id"), Name: get("name"), Status: get("status"), IntegrationID: get("integration_id"), StartDate: sd, EndDate: ed})
		case SISUsersFile:
			d.Users = append(d.Users, SISUserRow{UserID: get("user_id"), IntegrationID: get("integration_id"), LoginID: get("login_id"),
				AuthenticationProviderID: get("authentication_provider_id"), FirstName: get("first_name"), LastName: get("last_name"),
				FullName: get("full_name"), SortableName: get("sortable_name"), ShortName: get("short_name"), Email: get("email"), Status: get("status")})
		case SISCoursesFile:
			d.Courses = append(d.Courses, SISCourseRow{CourseID: get("course_id"), IntegrationID: get("integration_id"), ShortName: get("short_name"),
				LongName: get("long_name"), AccountID: get("account_id"), TermID: get("term_id"), Status: get("status"), StartDate: sd, EndDate: ed})
		case SISSectionsFile:
			d.Sections = append(d.Sections, SISSectionRow{SectionID: get("section_id"), IntegrationID: get("integration_id"), CourseID: get("course_id"),
				Name: get("name"), Status: get("status"), StartDate: sd, EndDate: ed})
		case SISEnrollmentsFile:
			var roleID int64
			if s := get("role_id"); s != "" {
				if roleID, err = strconv.ParseInt(s, 10, 64); err != nil {
					return fmt.Errorf("canvas: %s line %d: role_id is not a number", name, line)
				}
			}
			d.Enrollments = append(d.Enrollments, SISEnrollmentRow{CourseID: get("course_id"), SectionID: get("section_id"), UserID: get("user_id"),
				Role: get("role"), RoleID: roleID, Status: get("status"), LimitSectionPrivileges: strings.EqualFold(get("limit_section_privileges"), "true"),
				StartDate: sd, EndDate: ed})
		}
	}
}
