package examsync

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/fs"
)

// Tenant is one institution's configuration, as Sikt keeps it per organisation: who it is in
// FS, which exam system it runs and where, and which flows are on. Its JSON names are those
// of Sikt's configuration (klage, begrunnelse, autoEpost, klageFilter).
type Tenant struct {
	// OrgID is FS's institution number (institusjonsnr), OrgShortName its short name ("uio"),
	// used in scopes, webhook paths and alerts.
	OrgID        string `json:"orgId"`
	OrgShortName string `json:"orgShortName"`
	// ExamSystem is where the institution's exams run: fs.Inspera or fs.WISEflow.
	ExamSystem fs.ExamSystem `json:"examSys"`
	// Instance is the exam system's instance (Inspera's tenant, WISEflow's licence).
	Instance string `json:"instance"`
	// InsperaClientCode is the client code Inspera knows the institution by (required with
	// Inspera).
	InsperaClientCode string `json:"insperaClientCode,omitempty"`
	// FSEnv names the FS environment ("prod", "test"); it goes into the audit.
	FSEnv string `json:"fsEnv"`
	// Active turns the tenant on; an inactive tenant is loaded and validated but not run.
	Active bool `json:"active"`
	// Appeals and Explanations turn the two flows on.
	Appeals      bool `json:"klage"`
	Explanations bool `json:"begrunnelse"`
	// AutoEmail shows a given WISEflow explanation to the candidate as soon as it is accepted
	// (PATCH showJustification, on which WISEflow e-mails the candidate). Without it the
	// institution shows it by hand; FS is told either way.
	AutoEmail bool `json:"autoEpost"`
	// AppealFilter narrows the appeals sent on (nil: all).
	AppealFilter *AppealFilter `json:"klageFilter,omitempty"`
	// PollInterval is how often FS is read (default 120 minutes, at least one minute).
	PollInterval Duration `json:"pollInterval,omitzero"`
	// Start is the time the first FS read asks from (the start of the term; zero: an hour
	// before the first read).
	Start time.Time `json:"start,omitzero"`
	// ExplanationURL is where a candidate reads a WISEflow explanation, sent to FS as
	// urlBegrunnelse: a template with {flowId} and {explanationRequestId} (default
	// DefaultExplanationURL). WISEflow has no document of the explanation to send instead.
	ExplanationURL string `json:"explanationUrl,omitempty"`
}

// DefaultExplanationURL is the default Tenant.ExplanationURL: WISEflow's participant page of
// the flow in the European region.
const DefaultExplanationURL = "https://europe.wiseflow.net/participant/display.php?id={flowId}&explanation={explanationRequestId}"

// AppealFilter selects the appeals a tenant sends to its exam system.
type AppealFilter struct {
	// CourseCodes, when not empty, keeps only appeals of these courses (emnekode) or of courses
	// starting with an entry ending in "*".
	CourseCodes []string `json:"emnekoder,omitempty"`
	// Statuses, when not empty, keeps only appeals in these states (AKTIV, TRUKKET).
	Statuses []fs.AppealStatus `json:"klagestatuser,omitempty"`
}

// keeps reports whether the filter lets an appeal through.
func (f *AppealFilter) keeps(courseCode string, status fs.AppealStatus) bool {
	if f == nil {
		return true
	}
	if len(f.Statuses) > 0 && !contains(f.Statuses, status) {
		return false
	}
	if len(f.CourseCodes) == 0 {
		return true
	}
	for _, c := range f.CourseCodes {
		if p, ok := strings.CutSuffix(c, "*"); ok && strings.HasPrefix(courseCode, p) || c == courseCode {
			return true
		}
	}
	return false
}

func contains[T comparable](list []T, v T) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// Duration is a time.Duration written in JSON as Go writes durations ("2h", "90m").
type Duration time.Duration

// MarshalJSON writes the duration as text.
func (d Duration) MarshalJSON() ([]byte, error) { return json.Marshal(time.Duration(d).String()) }

// UnmarshalJSON reads "2h" or a number of seconds.
func (d *Duration) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		v, err := time.ParseDuration(s)
		if err != nil {
			return errors.New("not a duration such as \"2h\"")
		}
		*d = Duration(v)
		return nil
	}
	secs, err := strconv.ParseInt(string(b), 10, 64)
	if err != nil || secs < 0 || secs > 1<<32 {
		return errors.New("not a duration such as \"2h\" or a number of seconds")
	}
	*d = Duration(time.Duration(secs) * time.Second)
	return nil
}

// DefaultPollInterval is how often FS is read by default: Sikt's two hours.
const DefaultPollInterval = 120 * time.Minute

// ErrTenant is matched by every *TenantError.
var ErrTenant = errors.New("examsync: invalid tenant")

// TenantError names one bad field of one tenant. It never quotes a value.
type TenantError struct {
	// Index is the tenant's place in the list (0-based); OrgID its orgId where it has one.
	Index   int
	OrgID   string
	Field   string
	Problem string
}

func (e *TenantError) Error() string {
	who := "tenant " + strconv.Itoa(e.Index)
	if e.OrgID != "" {
		who += " (orgId " + e.OrgID + ")"
	}
	return "examsync: " + who + ": " + e.Field + " " + e.Problem
}

// Unwrap returns ErrTenant.
func (e *TenantError) Unwrap() error { return ErrTenant }

var (
	digitsRE    = regexp.MustCompile(`^[0-9]{1,8}$`)
	shortNameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)
	wordRE      = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$`)
)

// Validate reports every bad field of t, each a *TenantError, joined.
func (t *Tenant) Validate() error { return t.validate(0) }

func (t *Tenant) validate(index int) error {
	var errs []error
	bad := func(field, problem string) {
		org := ""
		if digitsRE.MatchString(t.OrgID) {
			org = t.OrgID
		}
		errs = append(errs, &TenantError{Index: index, OrgID: org, Field: field, Problem: problem})
	}
	if !digitsRE.MatchString(t.OrgID) {
		bad("orgId", "must be FS's institution number (1 to 8 digits)")
	}
	if !shortNameRE.MatchString(t.OrgShortName) {
		bad("orgShortName", "must be lower-case letters, digits and '-' (at most 32)")
	}
	if !t.ExamSystem.Valid() {
		bad("examSys", "must be INSPERA or WISEFLOW")
	}
	if !wordRE.MatchString(t.Instance) {
		bad("instance", "must name the exam system's instance (letters, digits, '.', '_', '-')")
	}
	if t.ExamSystem == fs.Inspera && !wordRE.MatchString(t.InsperaClientCode) {
		bad("insperaClientCode", "is required with Inspera (letters, digits, '.', '_', '-')")
	}
	if !wordRE.MatchString(t.FSEnv) {
		bad("fsEnv", "must name the FS environment (prod, test)")
	}
	if t.Active && !t.Appeals && !t.Explanations {
		bad("klage", "and begrunnelse are both off on an active tenant")
	}
	if d := time.Duration(t.PollInterval); d != 0 && (d < time.Minute || d > 7*24*time.Hour) {
		bad("pollInterval", "must be between a minute and a week")
	}
	if f := t.AppealFilter; f != nil {
		for _, c := range f.CourseCodes {
			if c == "" || c == "*" || len(c) > 64 || strings.ContainsAny(c, "_ \t\r\n") {
				bad("klageFilter.emnekoder", "holds an entry that is not a course code or prefix*")
				break
			}
		}
		for _, s := range f.Statuses {
			if s == "" || len(s) > 32 {
				bad("klageFilter.klagestatuser", "holds an empty or overlong state")
				break
			}
		}
	}
	if t.ExplanationURL != "" {
		probe := strings.NewReplacer("{flowId}", "1", "{explanationRequestId}", "2").Replace(t.ExplanationURL)
		u, err := url.Parse(probe)
		if err != nil || u.Scheme != "https" || u.Host == "" || u.User != nil || strings.ContainsAny(probe, "{}") {
			bad("explanationUrl", "must be an https URL, with {flowId} and {explanationRequestId} as its only placeholders")
		}
	}
	return errors.Join(errs...)
}

// interval is the tenant's FS poll interval.
func (t *Tenant) interval() time.Duration {
	if t.PollInterval == 0 {
		return DefaultPollInterval
	}
	return time.Duration(t.PollInterval)
}

// explanationURL fills the tenant's template for a WISEflow explanation.
func (t *Tenant) explanationURL(flowID, requestID int64) string {
	tpl := t.ExplanationURL
	if tpl == "" {
		tpl = DefaultExplanationURL
	}
	return strings.NewReplacer("{flowId}", strconv.FormatInt(flowID, 10),
		"{explanationRequestId}", strconv.FormatInt(requestID, 10)).Replace(tpl)
}

// maxTenantFile bounds the configuration LoadTenants reads.
const maxTenantFile = 4 << 20

// LoadTenants reads a JSON array of tenants (Sikt's KlageBegrunnelseEnvs, one object per
// institution) and validates each. Unknown members are refused, as a misspelt flag would
// otherwise silently turn a flow off. The error joins a *TenantError per bad field, and
// names an institution configured twice for one exam system; no tenant is returned then.
func LoadTenants(r io.Reader) ([]Tenant, error) {
	b, err := io.ReadAll(io.LimitReader(r, maxTenantFile+1))
	if err != nil {
		return nil, fmt.Errorf("examsync: reading the tenants: %w", err)
	}
	if len(b) > maxTenantFile {
		return nil, fmt.Errorf("%w: the tenant file is larger than %d bytes", ErrTenant, maxTenantFile)
	}
	var raw []json.RawMessage
	if err := json.Unmarshal(b, &raw); err != nil {
		return nil, fmt.Errorf("%w: the file is not a JSON array of tenants", ErrTenant)
	}
	tenants := make([]Tenant, len(raw))
	var errs []error
	for i, m := range raw {
		d := json.NewDecoder(bytes.NewReader(m))
		d.DisallowUnknownFields()
		if err := d.Decode(&tenants[i]); err != nil {
			errs = append(errs, &TenantError{Index: i, Field: "the object", Problem: "does not decode: " + decodeProblem(err)})
			continue
		}
		if err := tenants[i].validate(i); err != nil {
			errs = append(errs, err)
		}
	}
	errs = append(errs, duplicates(tenants))
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return tenants, nil
}

// decodeProblem says what JSON did not fit without quoting a value.
func decodeProblem(err error) string {
	var te *json.UnmarshalTypeError
	switch {
	case errors.As(err, &te):
		return "member " + te.Field + " has the wrong type"
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		return "unknown member " + strings.TrimPrefix(err.Error(), "json: unknown field ")
	}
	return "malformed JSON or a bad value"
}

// duplicates names an orgId or short name configured twice for one exam system (an
// institution may run both exam systems, as two tenants), and a short name shared by two
// institutions.
func duplicates(ts []Tenant) error {
	var errs []error
	orgs, names, owner := map[string]int{}, map[string]int{}, map[string]string{}
	for i, t := range ts {
		sys := "/" + string(t.ExamSystem)
		if j, ok := orgs[t.OrgID+sys]; ok && t.OrgID != "" {
			errs = append(errs, &TenantError{Index: i, OrgID: t.OrgID, Field: "orgId", Problem: "and examSys are those of tenant " + strconv.Itoa(j) + " too"})
		}
		if j, ok := names[t.OrgShortName+sys]; ok && t.OrgShortName != "" {
			errs = append(errs, &TenantError{Index: i, OrgID: t.OrgID, Field: "orgShortName", Problem: "and examSys are those of tenant " + strconv.Itoa(j) + " too"})
		} else if o, ok := owner[t.OrgShortName]; ok && o != t.OrgID && t.OrgShortName != "" {
			errs = append(errs, &TenantError{Index: i, OrgID: t.OrgID, Field: "orgShortName", Problem: "names another institution too"})
		}
		orgs[t.OrgID+sys], names[t.OrgShortName+sys], owner[t.OrgShortName] = i, i, t.OrgID
	}
	return errors.Join(errs...)
}
