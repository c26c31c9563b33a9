package schulconnex

import (
	"strings"
)

// Schulconnex code lists are case-insensitive: "lern", "LERN" and "Lern" are the same role, and
// servers differ in what they send. Every code type decodes known values in any case to their
// canonical spelling (so comparisons with the constants work) and keeps unknown values as sent
// (so a code added to a list later is not lost). Same compares two codes the way the
// specification does.

// Same reports whether two codes are equal without regard to case, as Schulconnex compares them.
func Same[T ~string](a, b T) bool { return strings.EqualFold(string(a), string(b)) }

// canonical returns the known value s stands for, or s itself (trimmed) when it is unknown.
func canonical[T ~string](s string, known ...T) T {
	s = strings.TrimSpace(s)
	for _, k := range known {
		if string(k) == s {
			return k
		}
	}
	for _, k := range known {
		if strings.EqualFold(string(k), s) {
			return k
		}
	}
	return T(s)
}

// UnmarshalText reads a role in any case.
func (c *Rolle) UnmarshalText(b []byte) error {
	*c = canonical(string(b), RolleLern, RolleLehr, RolleSorgBer, RolleExtern, RolleOrgAdmin, RolleLeit,
		RolleSysAdmin, RolleSchB, RolleNLehr)
	return nil
}

// UnmarshalText reads a person status in any case.
func (c *Personenstatus) UnmarshalText(b []byte) error {
	*c = canonical(string(b), PersonenstatusAktiv)
	return nil
}

// UnmarshalText reads a grade in any case; a single digit ("7") is read as its two-digit code.
func (c *Jahrgangsstufe) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
		s = "0" + s
	}
	*c = Jahrgangsstufe(s)
	return nil
}

// UnmarshalText reads a sex code in any case.
func (c *Geschlecht) UnmarshalText(b []byte) error {
	*c = canonical(string(b), GeschlechtM, GeschlechtW, GeschlechtD, GeschlechtX)
	return nil
}

// UnmarshalText reads a trust level in any case.
func (c *Vertrauensstufe) UnmarshalText(b []byte) error {
	*c = canonical(string(b), VertrauensstufeKein, VertrauensstufeUnbe, VertrauensstufeTeil, VertrauensstufeVoll)
	return nil
}

// UnmarshalText reads Ja or Nein in any case.
func (c *JaNein) UnmarshalText(b []byte) error {
	*c = canonical(string(b), JaNeinJa, JaNeinNein)
	return nil
}

// Bool reports whether the value is Ja (in any case); anything else, the empty value included,
// is false, as the specification reads a missing sichtfreigabe as Nein.
func (c JaNein) Bool() bool { return Same(c, JaNeinJa) }

// JaNeinOf returns Ja for true and Nein for false.
func JaNeinOf(b bool) JaNein {
	if b {
		return JaNeinJa
	}
	return JaNeinNein
}

// UnmarshalText reads a contact type in any case.
func (c *Erreichbarkeitstyp) UnmarshalText(b []byte) error {
	*c = canonical(string(b), ErreichbarkeitstypEMail)
	return nil
}

// UnmarshalText reads a relation type in any case.
func (c *Beziehungstyp) UnmarshalText(b []byte) error {
	*c = canonical(string(b), BeziehungstypSchB, BeziehungstypSorgBer)
	return nil
}

// UnmarshalText reads an organisation type in any case.
func (c *Organisationstyp) UnmarshalText(b []byte) error {
	*c = canonical(string(b), OrganisationstypSchule, OrganisationstypAnbieter, OrganisationstypMedienzentrum,
		OrganisationstypBehoerde, OrganisationstypSchTrae, OrganisationstypSonstige)
	return nil
}

// UnmarshalText reads a group type in any case.
func (c *Gruppentyp) UnmarshalText(b []byte) error {
	*c = canonical(string(b), GruppentypKlasse, GruppentypKurs, GruppentypSonstig)
	return nil
}

// UnmarshalText reads a group area in any case.
func (c *Gruppenbereich) UnmarshalText(b []byte) error {
	*c = canonical(string(b), GruppenbereichPflicht, GruppenbereichWahl, GruppenbereichWahlpflicht)
	return nil
}

// UnmarshalText reads a differentiation code in any case.
func (c *Gruppendifferenzierung) UnmarshalText(b []byte) error {
	*c = canonical(string(b), GruppendifferenzierungG, GruppendifferenzierungE, GruppendifferenzierungZ,
		GruppendifferenzierungGA, GruppendifferenzierungEA)
	return nil
}

// UnmarshalText reads an educational goal in any case.
func (c *Bildungsziel) UnmarshalText(b []byte) error {
	*c = canonical(string(b), BildungszielGS, BildungszielHS, BildungszielRS, BildungszielGYSEKI, BildungszielGYSEKII)
	return nil
}

// UnmarshalText reads a group role in any case.
func (c *Gruppenrolle) UnmarshalText(b []byte) error {
	*c = canonical(string(b), GruppenrolleLern, GruppenrolleLehr, GruppenrolleKlLeit, GruppenrolleFoerd,
		GruppenrolleVLehr, GruppenrolleSchB, GruppenrolleGMit, GruppenrolleGLeit)
	return nil
}

// UnmarshalText reads a subject code in any case.
func (c *Fachkennung) UnmarshalText(b []byte) error {
	s := strings.ToUpper(strings.TrimSpace(string(b)))
	f := Fachkennung(s)
	if !f.Valid() {
		f = Fachkennung(strings.TrimSpace(string(b)))
	}
	*c = f
	return nil
}

// UnmarshalText reads a Traegerschaft code; a single digit ("3") is read as its two-digit code.
func (c *Traegerschaft) UnmarshalText(b []byte) error {
	s := strings.TrimSpace(string(b))
	if len(s) == 1 && s[0] >= '1' && s[0] <= '9' {
		s = "0" + s
	}
	*c = Traegerschaft(s)
	return nil
}
