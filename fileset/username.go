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
// as a guardian), its first e-mail address; else "", for Assign to generate one from Template
// once the run's persons are all known. An error (wrapping ErrInvalid) when there is no
// Template to generate one with.
func (u *Usernames) For(p *reconcile.Person) (string, error) {
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
	return "", nil
}

// Assign generates a username from Template for every person of s that has none
// (AttrUsername empty), in id order, unique among all usernames and EPPNs of the set, and
// calls set to record it on the person. Formats call it when they write a set.
func (u *Usernames) Assign(s *State, set func(p *reconcile.Person, username string)) error {
	var todo []string
	taken := map[string]bool{}
	for id, e := range s.Persons {
		v := e.Record.Attributes[AttrUsername]
		if v == "" {
			todo = append(todo, id)
		}
		taken[strings.ToLower(v)] = true
		for _, x := range e.Record.EPPNs {
			taken[strings.ToLower(x)] = true
		}
	}
	if len(todo) == 0 {
		return nil
	}
	slices.Sort(todo)
	g := ss12000.EPPNGenerator{Template: u.Template, Taken: func(_ context.Context, v string) (bool, error) { return taken[v], nil }}
	for _, id := range todo {
		p := &s.Persons[id].Record
		got, err := g.Assign(context.Background(), []ss12000.EPPNPerson{{ID: id, GivenName: p.GivenNames, FamilyName: p.FamilyName}}, nil)
		if err != nil {
			return fmt.Errorf("%w: generating a username: %w", ErrInvalid, err)
		}
		v := got[id]
		taken[v] = true
		set(p, v)
	}
	return nil
}

// Set records a person's username: as the attribute that keeps it, and as its EPPN unless
// Func gives usernames (then the set keeps no EPPNs).
func (u *Usernames) Set(p *reconcile.Person, v string) {
	p.Attributes = map[string]string{AttrUsername: v}
	if u.Func == nil {
		p.EPPNs = []string{v}
	}
}

// Person returns what every format with usernames keeps of a person: its keys, its names on
// one line, its username (For; left for Assign when one must be generated) and, unless its
// identity is protected, its first e-mail address in lower case.
func (u *Usernames) Person(r *reconcile.Person) (reconcile.Person, error) {
	v, err := u.For(r)
	if err != nil {
		return reconcile.Person{}, err
	}
	p := reconcile.Person{Keys: r.Keys, FamilyName: Clean(r.FamilyName), GivenNames: Clean(r.GivenNames)}
	if v != "" {
		u.Set(&p, v)
	}
	if len(r.Emails) > 0 && !r.Protected {
		p.Emails = []string{strings.ToLower(slices.Min(r.Emails))}
	}
	return p, nil
}
