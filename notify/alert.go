package notify

import (
	"strings"
	"time"

	"github.com/edusync/edusync/internal/redact"
)

// Alert is one failure of a flow, as an operator needs it to find the cause: which module and
// step failed, for which institution, exam system and exam, and when FS was last read.
type Alert struct {
	// Module is the flow ("examsync", "archive"); Submodule its step ("inspera-appeal",
	// "wiseflow-explanation").
	Module    string `json:"module"`
	Submodule string `json:"submodule,omitempty"`
	// Kind names the class of failure ("wiseflow-module-missing", "fs-unavailable"); the
	// per-tenant blacklist (WithBlacklist) matches it. Empty means "error".
	Kind string `json:"kind,omitempty"`
	// OrgID is FS's institution number; OrgShortName its short name ("uio").
	OrgID        string `json:"orgId,omitempty"`
	OrgShortName string `json:"orgShortName,omitempty"`
	// ExamSystem is "INSPERA" or "WISEFLOW"; Instance the exam system's instance or licence.
	ExamSystem string `json:"examSystem,omitempty"`
	Instance   string `json:"instance,omitempty"`
	// VurdID is FS's id of the assessment unit the failure concerns.
	VurdID string `json:"vurdId,omitempty"`
	// FetchDates are the "changed since" dates FS was read with.
	FetchDates []time.Time `json:"fetchDates,omitempty"`
	// Message says what went wrong. Identity numbers and the Personal values are masked.
	Message string `json:"message,omitempty"`
	// Fields carry what else the flow reports (decodedFsTestId, filesToArchive), in order.
	// Values of fields whose names denote identity numbers or secrets are masked.
	Fields []Field `json:"fields,omitempty"`
	// Personal lists values that identify a person but do not look like an identity number
	// (FS's personlopenr, a username): they are masked wherever they appear in Message and
	// Fields, and never sent or stored.
	Personal []string `json:"-"`
	// Time is when the failure happened (default: now).
	Time time.Time `json:"time"`
}

// Field is a named value of an Alert.
type Field struct {
	Name  string `json:"name"`
	Value string `json:"value"`
}

// Limits on what an alert carries, so that a hostile error text cannot make a chat message or
// a digest unbounded.
const (
	maxMessage = 1000
	maxValue   = 300
	maxFields  = 20
)

// personalNames are field names (lower case, without separators) that hold identity numbers
// or person ids in the systems edusync speaks, beyond redact's own list.
var personalNames = []string{"personlopenr", "personlopenummer", "fodselsnr", "fodselsnummer", "dnummer", "fnr", "dnr", "birthnumber", "nin"}

func personalName(name string) bool {
	if redact.IsSensitiveName(name) {
		return true
	}
	n := strings.NewReplacer("_", "", "-", "", " ", "", "ø", "o", "Ø", "o").Replace(strings.ToLower(name))
	if redact.IsSensitiveName(n) {
		return true
	}
	for _, p := range personalNames {
		if n == p || strings.Contains(n, p) && len(p) > 3 {
			return true
		}
	}
	return false
}

// Redacted returns the alert as it may leave the process: identity numbers, the Personal
// values and sensitive fields masked, control characters removed, texts capped.
func (a Alert) Redacted() Alert {
	scrub := func(s string, max int) string {
		for _, p := range a.Personal {
			if p = strings.TrimSpace(p); len(p) >= 3 {
				s = strings.ReplaceAll(s, p, redact.Mask)
			} else if p != "" && strings.TrimSpace(s) == p {
				s = redact.Mask
			}
		}
		return redact.Printable(redact.PersonalNumbers(s), max)
	}
	out := a
	out.Personal = nil
	out.Module = scrub(a.Module, 100)
	out.Submodule = scrub(a.Submodule, 100)
	out.Kind = scrub(a.Kind, 100)
	out.OrgID = scrub(a.OrgID, 100)
	out.OrgShortName = scrub(a.OrgShortName, 100)
	out.ExamSystem = scrub(a.ExamSystem, 100)
	out.Instance = scrub(a.Instance, 100)
	out.VurdID = scrub(a.VurdID, maxValue)
	out.Message = scrub(a.Message, maxMessage)
	if len(a.FetchDates) > 10 {
		out.FetchDates = a.FetchDates[len(a.FetchDates)-10:]
	}
	out.FetchDates = append([]time.Time(nil), out.FetchDates...)
	out.Fields = make([]Field, 0, min(len(a.Fields), maxFields))
	for i, f := range a.Fields {
		if i == maxFields {
			out.Fields = append(out.Fields, Field{Name: "more", Value: "…"})
			break
		}
		v := redact.Mask
		if !personalName(f.Name) {
			v = scrub(f.Value, maxValue)
		}
		out.Fields = append(out.Fields, Field{Name: scrub(f.Name, 100), Value: v})
	}
	if out.Kind == "" {
		out.Kind = "error"
	}
	return out
}

// fields lists the alert's facts in the order the chat message and the digest show them.
func (a Alert) facts() []Field {
	var out []Field
	add := func(name, v string) {
		if v != "" {
			out = append(out, Field{name, v})
		}
	}
	add("module", a.Module)
	add("submodule", a.Submodule)
	add("kind", a.Kind)
	add("orgShortName", a.OrgShortName)
	add("orgId", a.OrgID)
	add("examSystem", a.ExamSystem)
	add("instance", a.Instance)
	add("vurdId", a.VurdID)
	if len(a.FetchDates) > 0 {
		ds := make([]string, len(a.FetchDates))
		for i, d := range a.FetchDates {
			ds[i] = d.UTC().Format(time.RFC3339)
		}
		add("fetchFsListDates", strings.Join(ds, ", "))
	}
	out = append(out, a.Fields...)
	return out
}

// title is the one-line summary of the alert.
func (a Alert) title() string {
	var b strings.Builder
	b.WriteString(a.Module)
	if a.Submodule != "" {
		b.WriteString("/" + a.Submodule)
	}
	b.WriteString(" failed")
	switch {
	case a.OrgShortName != "" && a.OrgID != "":
		b.WriteString(" for " + a.OrgShortName + " (" + a.OrgID + ")")
	case a.OrgShortName != "" || a.OrgID != "":
		b.WriteString(" for " + a.OrgShortName + a.OrgID)
	}
	if a.Kind != "" && a.Kind != "error" {
		b.WriteString(": " + a.Kind)
	}
	return b.String()
}
