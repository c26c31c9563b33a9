package ladokcanvas

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// LoginIDSource says what a Canvas user's login id (unique_id) is made of.
type LoginIDSource string

// The values of Config.UseAsLoginID.
const (
	// LoginSSN makes the Swedish personal number (twelve digits) the login id. Students with
	// protected personal data, and students without a personal number, get their Ladok UID
	// instead.
	LoginSSN LoginIDSource = "ssn"
	// LoginLadokUID makes the Ladok StudentUID the login id (the default).
	LoginLadokUID LoginIDSource = "ladokuid"
)

// The values of Config.CourseNameFormat.
const (
	NameOnly                 = 1 // the course's name: "Programmering I"
	NameTerm                 = 2 // name and term: "Programmering I HT2026"
	NameCodeTerm             = 3 // name, course code and term: "Programmering I DA1234 HT2026"
	NameCodeOfferingCodeTerm = 4 // name, course code, offering code and term: "Programmering I DA1234 10234 HT2026"
)

// CancelledPrefix is put in front of the name of a cancelled offering's course (or, for an
// offering co-read in another offering's course, of its section).
const CancelledPrefix = "[INSTÄLLT]"

const (
	defaultSubAccountNewOrgs = 1
	maxConfigSize            = 1 << 20
)

// RoleRef names a Canvas course role in the configuration: a numeric role id, or a role's
// label (its name as people see it), resolved to an id when the adapter starts, because custom
// role ids differ between Canvas instances. In JSON it may be a number or a string.
type RoleRef string

// ID returns the role id when r is numeric.
func (r RoleRef) ID() (int64, bool) {
	n, err := strconv.ParseInt(string(r), 10, 64)
	return n, err == nil
}

// UnmarshalJSON accepts a number or a string.
func (r *RoleRef) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) > 0 && b[0] == '"' {
		var s string
		if err := json.Unmarshal(b, &s); err != nil {
			return err
		}
		*r = RoleRef(strings.TrimSpace(s))
		return nil
	}
	var n json.Number
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	if err := dec.Decode(&n); err != nil {
		return errors.New("must be a role id (number) or a role label (string)")
	}
	*r = RoleRef(n.String())
	return nil
}

// Config is the adapter's configuration, with the option names Swedish universities' Ladok
// integrations use. Load it with LoadConfig (which validates it) or start from DefaultConfig;
// New validates it again.
type Config struct {
	// UseAsLoginID is what a new user's login id is: LoginSSN or LoginLadokUID (default).
	UseAsLoginID LoginIDSource `json:"UseAsLoginId"`
	// UpdateEmailFromLadok writes the student's e-mail address from Ladok into Canvas (when the
	// user is created and when Ladok's contact details change). When false, users are created
	// without an e-mail address.
	UpdateEmailFromLadok bool `json:"UpdateEmailFromLadok"`
	// UpdateNameFromLadok carries name changes in Ladok to existing Canvas users.
	UpdateNameFromLadok bool `json:"UpdateNameFromLadok"`
	// UpdateSsnFromLadok carries a changed personal number to the login id of existing users;
	// only meaningful, and only allowed, with UseAsLoginID LoginSSN.
	UpdateSsnFromLadok bool `json:"UpdateSsnFromLadok"`
	// UseSubaccountsForProgramAndCourses puts an extra level under each organisation's
	// account: two sub-accounts, one for courses and one for programmes, which hold the
	// courses the adapter creates.
	UseSubaccountsForProgramAndCourses bool `json:"UseSubaccountsForProgramAndCourses"`
	// SubAccountNewOrganisations is the Canvas account id under which accounts for
	// organisations not yet in Canvas are created; 1 means the root account (default).
	SubAccountNewOrganisations int64 `json:"SubAccountNewOrganisations"`
	// CourseNameFormat is how course names are composed: NameOnly (1, default), NameTerm (2),
	// NameCodeTerm (3) or NameCodeOfferingCodeTerm (4).
	CourseNameFormat int `json:"CourseNameFormat"`
	// UseAdmitted turns early access on: admitted students (expected participants) get the
	// RoleIDAdmitted role in courses with early access, registered students the
	// RoleIDRegistered role; one student may hold both at once. When false, only registered
	// students are added, with Canvas's standard student role.
	UseAdmitted bool `json:"UseAdmitted"`
	// RoleIDRegistered is the role of registered students when UseAdmitted is on.
	RoleIDRegistered RoleRef `json:"RoleIdRegistered"`
	// RoleIDAdmitted is the role of admitted students when UseAdmitted is on.
	RoleIDAdmitted RoleRef `json:"RoleIdAdmitted"`
	// UpdateCourseFromLadok carries name, course code and date changes in Ladok to existing
	// courses. When false, the adapter sets them only when it creates a course and never
	// overwrites what teachers may have changed (a cancelled offering is still marked).
	UpdateCourseFromLadok bool `json:"UpdateCourseFromLadok"`
	// EarlyAccessOnCreateCourse turns early access on for every course the adapter creates.
	// Requires UseAdmitted.
	EarlyAccessOnCreateCourse bool `json:"EarlyAccessOnCreateCourse"`
	// EarlyAccessDisablePurge keeps admitted students' enrolments: by default the adapter
	// removes a student's admitted enrolment when they register (the registered role takes
	// over), and a course replay removes admitted enrolments Ladok no longer knows. Requires
	// UseAdmitted.
	EarlyAccessDisablePurge bool `json:"EarlyAccessDisablePurge"`
	// UseRestrictions acts on suspensions (Studentrestriktion AVSTANGNING): during the period
	// the student's enrolments are inactive in every course not yet concluded.
	UseRestrictions bool `json:"UseRestrictions"`
	// RestrictionsSendMessageToTeachers messages the teachers of the student's active courses
	// when a suspension starts: each teacher gets a Canvas conversation (in Swedish unless
	// WithNoticeText says otherwise), or the host's Messenger (WithMessenger) delivers the
	// notice. Requires UseRestrictions.
	RestrictionsSendMessageToTeachers bool `json:"RestrictionsSendMessageToTeachers"`
	// WriteProtectedPersonalData is the host's opt-in for this Canvas: students with protected
	// personal data (skyddade personuppgifter) are then written like everyone else. By default
	// (false) the adapter writes only their name and Ladok UID: no personal number as login id,
	// no e-mail address from Ladok.
	WriteProtectedPersonalData bool `json:"WriteProtectedPersonalData"`
}

// DefaultConfig returns the defaults: login ids from Ladok UIDs, names kept up to date,
// e-mail addresses and personal numbers not written, courses named by name only in the
// organisation's account (created under the root account), course data kept up to date,
// no early access, suspensions not acted on.
func DefaultConfig() Config {
	return Config{
		UseAsLoginID:               LoginLadokUID,
		UpdateNameFromLadok:        true,
		SubAccountNewOrganisations: defaultSubAccountNewOrgs,
		CourseNameFormat:           NameOnly,
		UpdateCourseFromLadok:      true,
	}
}

// FieldError is one bad field of a configuration.
type FieldError struct {
	Field   string // the option's name as in the configuration file
	Message string // what is wrong with it
}

// ConfigError lists every bad field of a configuration, so that one look at the error is
// enough to fix the file.
type ConfigError struct {
	// Fields are the bad fields, in the order they were found.
	Fields []FieldError
}

// Error lists the fields.
func (e *ConfigError) Error() string {
	parts := make([]string, len(e.Fields))
	for i, f := range e.Fields {
		parts[i] = f.Field + ": " + f.Message
	}
	return "ladokcanvas: invalid configuration: " + strings.Join(parts, "; ")
}

// Has reports whether field is among the bad ones.
func (e *ConfigError) Has(field string) bool {
	for _, f := range e.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// LoadConfig reads a JSON configuration over DefaultConfig (options left out keep their
// defaults), normalises it (Normalize) and validates it. Unknown options, options given twice
// (names are not case-sensitive, so "useAdmitted" and "UseAdmitted" are the same option),
// options set to null, values of the wrong type and inconsistent combinations are all reported
// together in one *ConfigError.
func LoadConfig(r io.Reader) (Config, error) {
	data, err := io.ReadAll(io.LimitReader(r, maxConfigSize+1))
	if err != nil {
		return Config{}, fmt.Errorf("ladokcanvas: reading the configuration: %w", err)
	}
	if len(data) > maxConfigSize {
		return Config{}, &ConfigError{Fields: []FieldError{{Field: "(file)", Message: "larger than 1 MiB"}}}
	}
	return ParseConfig(data)
}

// ParseConfig is LoadConfig for data in memory.
func ParseConfig(data []byte) (Config, error) {
	cfg := DefaultConfig()
	fileErr := func(msg string) (Config, error) {
		return Config{}, &ConfigError{Fields: []FieldError{{Field: "(file)", Message: msg}}}
	}
	dec := json.NewDecoder(bytes.NewReader(data))
	if tok, err := dec.Token(); err != nil || tok != json.Delim('{') {
		if err != nil {
			return fileErr("not a JSON object: " + jsonProblem(err))
		}
		return fileErr("not a JSON object: the top level must be an object of options")
	}
	var bad []FieldError
	fields := configFields(&cfg)
	seen := map[string]string{} // lower-cased name -> the name as first given
	for dec.More() {
		tok, err := dec.Token()
		if err != nil {
			return fileErr("not a JSON object: " + jsonProblem(err))
		}
		name, _ := tok.(string)
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return fileErr("not a JSON object: " + jsonProblem(err))
		}
		key := strings.ToLower(name)
		dst, known := fields[key]
		switch first, dup := seen[key]; {
		case dup:
			bad = append(bad, FieldError{Field: name, Message: fmt.Sprintf("given twice (also as %q; option names are not case-sensitive)", first)})
			continue
		case !known:
			bad = append(bad, FieldError{Field: name, Message: "unknown option"})
			continue
		}
		seen[key] = name
		if bytes.Equal(bytes.TrimSpace(raw), []byte("null")) {
			bad = append(bad, FieldError{Field: dst.name, Message: "must be " + dst.kind + ", not null (leave the option out for its default)"})
			continue
		}
		if err := json.Unmarshal(raw, dst.ptr); err != nil {
			bad = append(bad, FieldError{Field: dst.name, Message: "must be " + dst.kind})
		}
	}
	if _, err := dec.Token(); err != nil { // the closing brace
		return fileErr("not a JSON object: " + jsonProblem(err))
	}
	if _, err := dec.Token(); err != io.EOF {
		return fileErr("not a JSON object: something follows the object")
	}
	cfg = cfg.Normalize()
	if err := cfg.validate(bad); err != nil {
		return Config{}, err
	}
	return cfg, nil
}

// Normalize returns c with its values in the one form the adapter uses, whether they came from
// a file or from Go: UseAsLoginId in lower case, role references without surrounding spaces.
// ParseConfig, Validate and New all work on the normalised form.
func (c Config) Normalize() Config {
	c.UseAsLoginID = LoginIDSource(strings.ToLower(strings.TrimSpace(string(c.UseAsLoginID))))
	c.RoleIDRegistered = RoleRef(strings.TrimSpace(string(c.RoleIDRegistered)))
	c.RoleIDAdmitted = RoleRef(strings.TrimSpace(string(c.RoleIDAdmitted)))
	return c
}

func jsonProblem(err error) string {
	var se *json.SyntaxError
	if errors.As(err, &se) {
		return "syntax error at byte " + strconv.FormatInt(se.Offset, 10)
	}
	if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
		return "it ends too early"
	}
	return "the top level must be an object of options"
}

type configField struct {
	name, kind string
	ptr        any
}

// configFields maps each option's lower-cased JSON name to where it is decoded.
func configFields(c *Config) map[string]configField {
	fs := []configField{
		{"UseAsLoginId", `"ssn" or "ladokuid"`, &c.UseAsLoginID},
		{"UpdateEmailFromLadok", "true or false", &c.UpdateEmailFromLadok},
		{"UpdateNameFromLadok", "true or false", &c.UpdateNameFromLadok},
		{"UpdateSsnFromLadok", "true or false", &c.UpdateSsnFromLadok},
		{"UseSubaccountsForProgramAndCourses", "true or false", &c.UseSubaccountsForProgramAndCourses},
		{"SubAccountNewOrganisations", "a Canvas account id (a whole number)", &c.SubAccountNewOrganisations},
		{"CourseNameFormat", "1, 2, 3 or 4", &c.CourseNameFormat},
		{"UseAdmitted", "true or false", &c.UseAdmitted},
		{"RoleIdRegistered", "a role id or a role label", &c.RoleIDRegistered},
		{"RoleIdAdmitted", "a role id or a role label", &c.RoleIDAdmitted},
		{"UpdateCourseFromLadok", "true or false", &c.UpdateCourseFromLadok},
		{"EarlyAccessOnCreateCourse", "true or false", &c.EarlyAccessOnCreateCourse},
		{"EarlyAccessDisablePurge", "true or false", &c.EarlyAccessDisablePurge},
		{"UseRestrictions", "true or false", &c.UseRestrictions},
		{"RestrictionsSendMessageToTeachers", "true or false", &c.RestrictionsSendMessageToTeachers},
		{"WriteProtectedPersonalData", "true or false", &c.WriteProtectedPersonalData},
	}
	m := make(map[string]configField, len(fs))
	for _, f := range fs {
		m[strings.ToLower(f.name)] = f
	}
	return m
}

// Validate checks every field and every combination of c's normalised form (Normalize), and
// returns a *ConfigError listing all the bad ones, or nil.
func (c Config) Validate() error { return c.Normalize().validate(nil) }

func (c Config) validate(bad []FieldError) error {
	add := func(field, msg string) {
		for _, f := range bad {
			if f.Field == field {
				return // the decoding problem is already reported
			}
		}
		bad = append(bad, FieldError{Field: field, Message: msg})
	}
	switch c.UseAsLoginID {
	case LoginSSN, LoginLadokUID:
	default:
		add("UseAsLoginId", `must be "ssn" or "ladokuid"`)
	}
	if c.UpdateSsnFromLadok && c.UseAsLoginID != LoginSSN {
		add("UpdateSsnFromLadok", `needs UseAsLoginId "ssn" (personal numbers are written nowhere else)`)
	}
	if c.SubAccountNewOrganisations < 1 {
		add("SubAccountNewOrganisations", "must be a Canvas account id of 1 or more (1 is the root account)")
	}
	if c.CourseNameFormat < NameOnly || c.CourseNameFormat > NameCodeOfferingCodeTerm {
		add("CourseNameFormat", "must be 1 (name), 2 (name, term), 3 (name, course code, term) or 4 (name, course code, offering code, term)")
	}
	checkRole := func(field string, r RoleRef) {
		switch {
		case r == "":
			add(field, "is required when UseAdmitted is on")
		case strings.ContainsAny(string(r), "\x00\n\r"):
			add(field, "must be a role id or a printable role label")
		default:
			if n, ok := r.ID(); ok && n < 1 {
				add(field, "a role id must be 1 or more")
			}
		}
	}
	if c.UseAdmitted {
		checkRole("RoleIdRegistered", c.RoleIDRegistered)
		checkRole("RoleIdAdmitted", c.RoleIDAdmitted)
		if c.RoleIDRegistered != "" && strings.EqualFold(string(c.RoleIDRegistered), string(c.RoleIDAdmitted)) {
			add("RoleIdAdmitted", "must differ from RoleIdRegistered (a student may hold both at once)")
		}
	} else {
		if c.EarlyAccessOnCreateCourse {
			add("EarlyAccessOnCreateCourse", "needs UseAdmitted")
		}
		if c.EarlyAccessDisablePurge {
			add("EarlyAccessDisablePurge", "needs UseAdmitted")
		}
	}
	if c.RestrictionsSendMessageToTeachers && !c.UseRestrictions {
		add("RestrictionsSendMessageToTeachers", "needs UseRestrictions")
	}
	if len(bad) > 0 {
		return &ConfigError{Fields: bad}
	}
	return nil
}
