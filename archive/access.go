package archive

import (
	"errors"
	"strings"

	"github.com/edusync/edusync/fs/fsrules"
)

// AccessCode is an access code (tilgangskode) with the legal basis written with it
// (skjermingshjemmel). Institutions use their own local codes; the texts are theirs too.
type AccessCode struct {
	Code       string `json:"code"`
	LegalBasis string `json:"legalBasis"`
}

// AccessPolicy decides the access code of an archived thesis (see Decide). Each rule's code
// and legal basis are the institution's configuration; DefaultAccessPolicy has the usual ones.
type AccessPolicy struct {
	// Confidential: the cover sheet says the thesis holds material under a duty of
	// confidentiality (taushetsplikt).
	Confidential AccessCode `json:"confidential"`
	// Delayed: passed, no confidentiality, publication delayed; the embargo is noted.
	Delayed AccessCode `json:"delayed"`
	// Failed: the final grade is a fail.
	Failed AccessCode `json:"failed"`
	// Unclear: the cover sheet is missing, an answer is missing or not one the flow knows, the
	// answers contradict each other, or the grade is not one the flow knows. Restricted until
	// someone decides.
	Unclear AccessCode `json:"unclear"`
	// Protected: the author has a protected identity.
	Protected AccessCode `json:"protected"`
}

// DefaultAccessPolicy is the default decision table: confidentiality restricts under Offl. §
// 13, a delayed publication under Offl. § 5 with the embargo noted, a fail under Offl. § 26
// first paragraph; what cannot be decided from the cover sheet and grade is restricted under
// § 13 until an archivist looks, and so is the thesis of an author with a protected identity.
func DefaultAccessPolicy() AccessPolicy {
	return AccessPolicy{
		Confidential: AccessCode{"13", "Offl. § 13 jf. fvl. § 13 første ledd nr. 2"},
		Delayed:      AccessCode{"5", "Offl. § 5 (utsatt innsyn til embargoen er over)"},
		Failed:       AccessCode{"26", "Offl. § 26 første ledd"},
		Unclear:      AccessCode{"13", "Offl. § 13 jf. fvl. § 13 (forsiden må avklares)"},
		Protected:    AccessCode{"13", "Offl. § 13 jf. fvl. § 13 første ledd nr. 1"},
	}
}

// ErrInvalidPolicy is matched by the error of a policy a restricted rule of which has no code
// or no legal basis: such a thesis would reach the archive unscreened.
var ErrInvalidPolicy = errors.New("archive: invalid access policy")

// Validate reports a rule without code or legal basis.
func (p AccessPolicy) Validate() error {
	for _, r := range []struct {
		name string
		c    AccessCode
	}{{"confidential", p.Confidential}, {"delayed", p.Delayed}, {"failed", p.Failed}, {"unclear", p.Unclear}, {"protected", p.Protected}} {
		if strings.TrimSpace(r.c.Code) == "" || strings.TrimSpace(r.c.LegalBasis) == "" {
			return errors.Join(ErrInvalidPolicy, errors.New("the "+r.name+" rule needs a code and a legal basis"))
		}
	}
	return nil
}

// Rule names the row of the decision table that decided.
type Rule string

// The rules of Decide.
const (
	RuleOpen         Rule = "open"
	RuleConfidential Rule = "confidential"
	RuleDelayed      Rule = "delayed"
	RuleFailed       Rule = "failed"
	RuleUnclear      Rule = "unclear"
	RuleProtected    Rule = "protected"
)

// AccessInput is what the decision is made from; it is kept with the decision (in the
// staging manifest) so that an archivist can see why.
type AccessInput struct {
	Cover     CoverSheet   `json:"cover"`
	Grade     string       `json:"grade"`
	Outcome   Outcome      `json:"outcome"`
	Protected bool         `json:"protected,omitempty"`
	Announced fsrules.Date `json:"announced,omitzero"` // an embargo counts from it
}

// Decision is the access decided for a thesis.
type Decision struct {
	Rule Rule `json:"rule"`
	// Restricted is false only for RuleOpen.
	Restricted bool `json:"restricted"`
	// Code and LegalBasis are the policy's for Rule; empty when open.
	Code       string `json:"code,omitempty"`
	LegalBasis string `json:"legalBasis,omitempty"`
	// EmbargoUntil is the end of a delayed publication (zero when none or when it never ends).
	EmbargoUntil fsrules.Date `json:"embargoUntil,omitzero"`
	// Reasons says what led there, in words, without personal data.
	Reasons []string    `json:"reasons"`
	Input   AccessInput `json:"input"`
}

// Decide applies the policy. Its one guarantee: a thesis is open only when the cover sheet is
// present and says, without contradiction, no confidentiality, publish yes and no delay, the
// grade is a pass, and the author's identity is not protected. Everything else is restricted:
// confidentiality first, then a protected author, a fail, an unclear cover sheet or grade, and
// a delay last (the most restrictive applicable row wins).
func (p AccessPolicy) Decide(in AccessInput) Decision {
	in.Outcome = OutcomeOf(in.Grade)
	d := Decision{Input: in, Restricted: true}
	c := in.Cover
	var unclear []string
	if !c.Present {
		unclear = append(unclear, "no cover sheet")
	}
	known := func(a Answer) bool { return a == Yes || a == No }
	if !known(c.Confidential) {
		unclear = append(unclear, "confidentiality not answered")
	}
	if !known(c.Publish) {
		unclear = append(unclear, "publication not answered")
	}
	if c.Delay.Years() < 0 && c.Delay != DelayNever {
		unclear = append(unclear, "delay not answered")
	}
	if c.Publish == No && c.Delay != DelayNever && c.Delay != DelayUnanswered {
		unclear = append(unclear, "publish no with a delay")
	}
	if c.Publish == Yes && c.Delay == DelayNever {
		unclear = append(unclear, "publish yes with delay never")
	}
	if c.Confidential == Yes && c.Publish == Yes {
		unclear = append(unclear, "confidential yet to be published")
	}
	if in.Outcome == Unknown {
		unclear = append(unclear, "grade not known")
	}
	set := func(r Rule, code AccessCode, why ...string) Decision {
		d.Rule, d.Code, d.LegalBasis = r, code.Code, code.LegalBasis
		d.Reasons = append(why, unclear...)
		return d
	}
	switch {
	case c.Confidential == Yes:
		return set(RuleConfidential, p.Confidential, "confidential material")
	case in.Protected:
		return set(RuleProtected, p.Protected, "protected identity")
	case in.Outcome == Failed:
		return set(RuleFailed, p.Failed, "failed")
	case len(unclear) > 0:
		return set(RuleUnclear, p.Unclear)
	case c.Publish == No || c.Delay != DelayNone:
		d = set(RuleDelayed, p.Delayed, "publication delayed")
		if y := c.Delay.Years(); y > 0 && !in.Announced.IsZero() {
			d.EmbargoUntil = in.Announced.AddDays(0)
			d.EmbargoUntil.Year += y
			if !d.EmbargoUntil.Valid() { // 29 February
				d.EmbargoUntil = fsrules.NewDate(d.EmbargoUntil.Year, 3, 1)
			}
		}
		return d
	}
	d.Rule, d.Restricted, d.Reasons = RuleOpen, false, []string{"passed, no confidentiality, published without delay"}
	return d
}
