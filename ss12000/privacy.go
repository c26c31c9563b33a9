package ss12000

import (
	"log/slog"

	"github.com/edusync/edusync/internal/redact"
)

// IsProtected reports whether a person with this security marking has a protected identity.
// It fails closed: only the explicit value Ingen ("none") is unprotected; an empty, misspelt or
// unknown marking counts as protected, because wrongly exposing a protected person is the
// harm to avoid.
func IsProtected(m SecurityMarking) bool {
	return m != SecurityMarkingIngen
}

// Protected reports whether the person has a protected identity (see IsProtected).
func (p *Person) Protected() bool { return IsProtected(p.SecurityMarking) }

// Protected reports whether the person has a protected identity (see IsProtected).
func (p *PersonExpanded) Protected() bool { return IsProtected(p.SecurityMarking) }

// Protected reports whether the referenced person has a protected identity. A reference that
// carries no marking counts as protected (see IsProtected).
func (r *PersonReference) Protected() bool { return IsProtected(r.SecurityMarking) }

// LogValue hides the number: a civic number is never written to a log.
func (c CivicNo) LogValue() slog.Value {
	if c.Value == "" {
		return slog.StringValue("")
	}
	return slog.StringValue(redact.Mask)
}

// LogValue gives a log-safe view of a person: id and marking always; names only for persons
// without protected identity; civic number, addresses, photo, phone numbers and e-mail
// addresses never (only how many there are).
func (p Person) LogValue() slog.Value {
	return personLogValue(p.ID, p.GivenName, p.FamilyName, p.SecurityMarking, len(p.Addresses), len(p.Emails), len(p.PhoneNumbers), p.Photo != "", p.CivicNo.Value != "")
}

// LogValue gives the same log-safe view as Person.LogValue.
func (p PersonExpanded) LogValue() slog.Value {
	return personLogValue(p.ID, p.GivenName, p.FamilyName, p.SecurityMarking, len(p.Addresses), len(p.Emails), len(p.PhoneNumbers), p.Photo != "", p.CivicNo.Value != "")
}

// LogValue keeps the referenced person's display name out of logs when the person is protected.
func (r PersonReference) LogValue() slog.Value {
	attrs := []slog.Attr{slog.String("id", r.ID), slog.String("securityMarking", string(r.SecurityMarking))}
	if !r.Protected() && r.DisplayName != "" {
		attrs = append(attrs, slog.String("displayName", r.DisplayName))
	}
	return slog.GroupValue(attrs...)
}

// LogValue leaves the address out entirely; only its type is logged.
func (a PersonAddress) LogValue() slog.Value {
	return slog.GroupValue(slog.String("type", string(a.Type)), slog.String("address", redact.Mask))
}

func personLogValue(id, given, family string, m SecurityMarking, addresses, emails, phones int, photo, civic bool) slog.Value {
	attrs := []slog.Attr{slog.String("id", id), slog.String("securityMarking", string(m))}
	if !IsProtected(m) {
		attrs = append(attrs, slog.String("givenName", given), slog.String("familyName", family))
	}
	if civic {
		attrs = append(attrs, slog.String("civicNo", redact.Mask))
	}
	if addresses > 0 {
		attrs = append(attrs, slog.Int("addresses", addresses))
	}
	if emails > 0 {
		attrs = append(attrs, slog.Int("emails", emails))
	}
	if phones > 0 {
		attrs = append(attrs, slog.Int("phoneNumbers", phones))
	}
	if photo {
		attrs = append(attrs, slog.Bool("photo", true))
	}
	return slog.GroupValue(attrs...)
}
