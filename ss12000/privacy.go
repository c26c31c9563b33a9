package ss12000

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
