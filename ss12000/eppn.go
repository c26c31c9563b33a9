package ss12000

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/edusync/edusync/internal/translit"
)

// EPPNPerson is what EPPN generation needs to know about a person.
type EPPNPerson struct {
	// ID identifies the person across runs (the SS 12000 person id); assignments are keyed by it.
	ID         string
	GivenName  string // one or more given names, space separated
	FamilyName string
}

// EPPNGenerator makes eduPersonPrincipalNames from a template such as
// "{given}.{family}@school.example". Placeholders: {given} (all given names, joined by '.'),
// {given1} (the first given name), {family}, {g} and {f} (initials), {id}. Names are turned into
// lower-case ASCII (Åsa Öberg -> asa.oberg). Collisions get a number (asa.oberg2), decided in a
// stable order, and a person keeps an EPPN once given, so runs are repeatable.
type EPPNGenerator struct {
	Template string
	// GermanUmlauts writes ä, ö, ü as ae, oe, ue instead of a, o, u.
	GermanUmlauts bool
	// Taken, when set, is asked about every new candidate, for example a directory lookup; a
	// candidate it reports taken is skipped.
	Taken func(ctx context.Context, eppn string) (bool, error)
	// MaxSuffix bounds the numbers tried for one person (default 9999).
	MaxSuffix int
}

// ErrEPPNTemplate is returned for a template that cannot produce valid EPPNs.
var ErrEPPNTemplate = errors.New("EPPN template must look like local@domain with placeholders only in the local part")

// Assign returns an EPPN for every person. previous holds the assignments of earlier runs
// (person id -> EPPN): those persons keep theirs, and every previous EPPN stays reserved even if
// its person is gone, so it is never handed to someone else. New persons are assigned in order
// of their ID.
func (g *EPPNGenerator) Assign(ctx context.Context, persons []EPPNPerson, previous map[string]string) (map[string]string, error) {
	local, domain, ok := strings.Cut(g.Template, "@")
	if !ok || local == "" || strings.ContainsAny(domain, "{}@") || ValidateEPPN("x@"+domain) != nil {
		return nil, ErrEPPNTemplate
	}
	maxSuffix := g.MaxSuffix
	if maxSuffix <= 0 {
		maxSuffix = 9999
	}
	style := translit.Plain
	if g.GermanUmlauts {
		style = translit.German
	}
	taken := make(map[string]bool, len(previous)+len(persons))
	for _, e := range previous {
		taken[strings.ToLower(e)] = true
	}
	out := make(map[string]string, len(persons))
	var fresh []EPPNPerson
	for _, p := range persons {
		if p.ID == "" {
			return nil, errors.New("EPPN assignment: a person has no id")
		}
		if e, ok := previous[p.ID]; ok {
			out[p.ID] = e
			continue
		}
		fresh = append(fresh, p)
	}
	slices.SortFunc(fresh, func(a, b EPPNPerson) int { return strings.Compare(a.ID, b.ID) })
	for _, p := range fresh {
		if _, done := out[p.ID]; done {
			continue // the same person listed twice
		}
		stem := renderEPPNLocal(local, p, style)
		if stem == "" {
			return nil, fmt.Errorf("EPPN assignment: person %s: the template gives an empty name", p.ID)
		}
		assigned := ""
		for n := 1; n <= maxSuffix && assigned == ""; n++ {
			cand := stem
			if n > 1 {
				cand += strconv.Itoa(n)
			}
			cand += "@" + strings.ToLower(domain)
			if taken[cand] {
				continue
			}
			if g.Taken != nil {
				used, err := g.Taken(ctx, cand)
				if err != nil {
					return nil, fmt.Errorf("EPPN assignment: checking a candidate: %w", err)
				}
				if used {
					taken[cand] = true
					continue
				}
			}
			assigned = cand
		}
		if assigned == "" {
			return nil, fmt.Errorf("EPPN assignment: person %s: no free EPPN within %d numbers", p.ID, maxSuffix)
		}
		if err := ValidateEPPN(assigned); err != nil {
			return nil, fmt.Errorf("EPPN assignment: person %s: %w", p.ID, err)
		}
		taken[assigned] = true
		out[p.ID] = assigned
	}
	return out, nil
}

// renderEPPNLocal fills the local-part template and reduces it to lower-case ASCII letters,
// digits, '.', '-' and '_', with no leading, trailing or doubled dots.
func renderEPPNLocal(tmpl string, p EPPNPerson, style translit.Style) string {
	clean := func(s string) string { return strings.ToLower(translit.ASCII(strings.TrimSpace(s), style)) }
	givens := strings.Fields(clean(p.GivenName))
	family := strings.Join(strings.Fields(clean(p.FamilyName)), "-")
	first, g, f := "", "", ""
	if len(givens) > 0 {
		first = givens[0]
		g = first[:1]
	}
	if family != "" {
		f = family[:1]
	}
	r := strings.NewReplacer("{given}", strings.Join(givens, "."), "{given1}", first, "{family}", family,
		"{g}", g, "{f}", f, "{id}", clean(p.ID))
	raw := r.Replace(tmpl)
	var b strings.Builder
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-', c == '_':
			b.WriteByte(c)
		case c >= 'A' && c <= 'Z':
			b.WriteByte(c + 'a' - 'A')
		case c == '.' || c == ' ':
			if s := b.String(); s != "" && !strings.HasSuffix(s, ".") {
				b.WriteByte('.')
			}
		}
	}
	return strings.Trim(b.String(), ".-_")
}
