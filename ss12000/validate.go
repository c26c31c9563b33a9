package ss12000

import (
	"errors"
	"fmt"
	"net/mail"
	"regexp"
	"slices"
	"strings"

	"github.com/edusync/edusync/internal/idnum"
)

// ValidationError lists what is wrong with one record. Problems name fields, never values, so
// the error can be logged without leaking personal data.
type ValidationError struct {
	Type     string
	ID       string
	Problems []string
}

func (e *ValidationError) Error() string {
	return fmt.Sprintf("ss12000: invalid %s %s: %s", e.Type, e.ID, strings.Join(e.Problems, "; "))
}

var uuidPattern = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)

// IsUUID reports whether id has the UUID form the standard prescribes for ids. Services often
// send other ids; the client accepts them and only Validate reports them.
func IsUUID(id string) bool { return uuidPattern.MatchString(id) }

type problems []string

func (p *problems) add(format string, args ...any) { *p = append(*p, fmt.Sprintf(format, args...)) }

func (p problems) err(typ, id string) error {
	if len(p) == 0 {
		return nil
	}
	return &ValidationError{Type: typ, ID: id, Problems: p}
}

func (p *problems) id(id string) {
	switch {
	case id == "":
		p.add("id is missing")
	case !IsUUID(id):
		p.add("id is not a UUID")
	}
}

func (p *problems) enum(field, value string, allowed ...string) {
	if value != "" && !slices.Contains(allowed, value) {
		p.add("%s has a value outside the code list", field)
	}
}

// Validate checks a person against the standard: UUID id, required names, a valid Swedish
// civic number (Luhn and date) when the nationality is SE, well-formed e-mail addresses and
// eduPersonPrincipalNames, and values from the code lists.
func (p *Person) Validate() error {
	var pr problems
	validatePerson(&pr, p.ID, p.GivenName, p.FamilyName, p.CivicNo, p.Emails, p.EduPersonPrincipalNames, p.SecurityMarking, p.Sex, p.Responsibles)
	return pr.err("person", p.ID)
}

// Validate checks an expanded person as Person.Validate does.
func (p *PersonExpanded) Validate() error {
	var pr problems
	validatePerson(&pr, p.ID, p.GivenName, p.FamilyName, p.CivicNo, p.Emails, p.EduPersonPrincipalNames, p.SecurityMarking, p.Sex, p.Responsibles)
	return pr.err("person", p.ID)
}

func validatePerson(pr *problems, id, given, family string, civic CivicNo, emails []Email, eppns []string, marking SecurityMarking, sex Sex, responsibles []Responsible) {
	pr.id(id)
	if strings.TrimSpace(given) == "" {
		pr.add("givenName is missing")
	}
	if strings.TrimSpace(family) == "" {
		pr.add("familyName is missing")
	}
	if civic.Value != "" && (civic.Nationality == "" || strings.EqualFold(civic.Nationality, "SE")) {
		if _, err := idnum.ParseSwedish(civic.Value, nowFunc()); err != nil {
			pr.add("civicNo: %v", err)
		}
	}
	for i, e := range emails {
		if _, err := mail.ParseAddress(e.Value); err != nil || strings.ContainsAny(e.Value, "<> ") {
			pr.add("emails[%d] is not an e-mail address", i)
		}
	}
	for i, e := range eppns {
		if err := ValidateEPPN(e); err != nil {
			pr.add("eduPersonPrincipalNames[%d]: %v", i, err)
		}
	}
	pr.enum("securityMarking", string(marking), string(SecurityMarkingIngen), string(SecurityMarkingSekretessmarkering), string(SecurityMarkingSkyddadFolkbokforing))
	pr.enum("sex", string(sex), string(SexMan), string(SexKvinna), string(SexOkant))
	for i, r := range responsibles {
		if r.Person.ID == "" {
			pr.add("responsibles[%d].person.id is missing", i)
		}
	}
}

// Errors from ValidateEPPN.
var (
	ErrEPPNFormat = errors.New("eduPersonPrincipalName must have the form local@domain")
)

// ValidateEPPN checks the local@domain form of an eduPersonPrincipalName: exactly one '@', a
// non-empty local part without spaces, and a domain of dot-separated labels.
func ValidateEPPN(eppn string) error {
	local, domain, ok := strings.Cut(eppn, "@")
	if !ok || local == "" || domain == "" || strings.Contains(domain, "@") ||
		strings.ContainsAny(local, " \t\r\n") {
		return ErrEPPNFormat
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return ErrEPPNFormat
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return ErrEPPNFormat
		}
		for _, c := range l {
			if !(c == '-' || c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z') {
				return ErrEPPNFormat
			}
		}
	}
	return nil
}

// Validate checks an organisation: UUID id, display name, type from the code list, and an
// eight-digit schoolUnitCode when one is given.
func (o *Organisation) Validate() error {
	var pr problems
	pr.id(o.ID)
	if strings.TrimSpace(o.DisplayName) == "" {
		pr.add("displayName is missing")
	}
	if o.OrganisationType == "" {
		pr.add("organisationType is missing")
	}
	if c := o.SchoolUnitCode; c != "" && (len(c) != 8 || strings.Trim(c, "0123456789") != "") {
		pr.add("schoolUnitCode is not eight digits")
	}
	return pr.err("organisation", o.ID)
}

// Validate checks a group: UUID id, display name, type, organisation and a period that does
// not end before it starts.
func (g *GroupExpanded) Validate() error {
	var pr problems
	pr.id(g.ID)
	if strings.TrimSpace(g.DisplayName) == "" {
		pr.add("displayName is missing")
	}
	if g.GroupType == "" {
		pr.add("groupType is missing")
	}
	if g.Organisation.ID == "" {
		pr.add("organisation is missing")
	}
	if !g.EndDate.IsZero() && g.EndDate.Before(g.StartDate.Time) {
		pr.add("endDate is before startDate")
	}
	for i, m := range g.GroupMemberships {
		if m.Person.ID == "" {
			pr.add("groupMemberships[%d].person.id is missing", i)
		}
	}
	return pr.err("group", g.ID)
}

// Validate checks a duty: UUID id, organisation, role and a period that does not end before it starts.
func (d *DutyExpanded) Validate() error {
	var pr problems
	pr.id(d.ID)
	if d.DutyAt.ID == "" {
		pr.add("dutyAt is missing")
	}
	if d.DutyRole == "" {
		pr.add("dutyRole is missing")
	}
	if !d.EndDate.IsZero() && d.EndDate.Before(d.StartDate.Time) {
		pr.add("endDate is before startDate")
	}
	return pr.err("duty", d.ID)
}
