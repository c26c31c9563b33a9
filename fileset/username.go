package fileset

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/ss12000"
)

// AttrUsername is the attribute under which a set keeps a person's username. The set reads it
// back, so a username once given stays the person's in later runs (a source that does not
// send the attribute leaves it as the target holds it).
const AttrUsername = "username"

// Usernames decides the username a person gets in formats that require one (SDS, OneRoster).
type Usernames struct {
	// Func, when set, returns a person's username; it wins over everything else when it
	// returns one. It must give the same answer for the same person on every run.
	Func func(p reconcile.Person) string
	// Template generates a username for a person with none of the below, with ss12000's EPPN
	// generator ("{given}.{family}@elev.example.se"): lower-case ASCII, a number added on a
	// collision with any username of the set. Once given, it is kept (AttrUsername).
	Template string
}

// For returns the username of p: Func's answer; else the person's first EPPN (sorted); else the
// username the set already holds for it; else, for a contact (a person without contexts, such
// as a guardian), its first e-mail address; else one generated from Template. An error (wrapping
// ErrInvalid) when there is none.
func (u *Usernames) For(s *State, p *reconcile.Person) (string, error) {
	if u.Func != nil {
		if v := strings.TrimSpace(u.Func(*p)); v != "" {
			return v, nil
		}
	}
	if len(p.EPPNs) > 0 {
		return slices.Min(p.EPPNs), nil
	}
	if v := p.Attributes[AttrUsername]; v != "" {
		return v, nil
	}
	if len(p.Contexts) == 0 && len(p.Emails) > 0 {
		return slices.Min(p.Emails), nil
	}
	if u.Template == "" {
		return "", fmt.Errorf("%w: the person has no EPPN and no username template is set", ErrInvalid)
	}
	taken := s.Scratch("fileset/usernames", func() any {
		m := make(map[string]bool, len(s.Persons))
		for _, e := range s.Persons {
			if v := e.Record.Attributes[AttrUsername]; v != "" {
				m[strings.ToLower(v)] = true
			}
			for _, x := range e.Record.EPPNs {
				m[strings.ToLower(x)] = true
			}
		}
		return m
	}).(map[string]bool)
	g := ss12000.EPPNGenerator{Template: u.Template, Taken: func(_ context.Context, v string) (bool, error) { return taken[v], nil }}
	got, err := g.Assign(context.Background(), []ss12000.EPPNPerson{{ID: p.Keys.TargetID, GivenName: p.GivenNames, FamilyName: p.FamilyName}}, nil)
	if err != nil {
		return "", fmt.Errorf("%w: generating a username: %w", ErrInvalid, err)
	}
	v := got[p.Keys.TargetID]
	taken[strings.ToLower(v)] = true
	return v, nil
}
