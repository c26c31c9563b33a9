package schulconnex

import (
	"context"
	"errors"
	"fmt"
	"time"

	openapi_types "github.com/oapi-codegen/runtime/types"
)

// DefaultAttempts is how often the Modify helpers try when they meet concurrent changes.
const DefaultAttempts = 3

// RetryOnConflict runs fn, and runs it again while it fails with ErrRevisionConflict, at most
// attempts times in all (DefaultAttempts when attempts < 1). fn must read the record afresh each
// time, so that another writer's change is never overwritten: it is re-read and the caller's
// change applied on top of it.
func RetryOnConflict(ctx context.Context, attempts int, fn func(ctx context.Context) error) error {
	if attempts < 1 {
		attempts = DefaultAttempts
	}
	var err error
	for i := 0; i < attempts; i++ {
		if err = ctx.Err(); err != nil {
			return err
		}
		if err = fn(ctx); !errors.Is(err, ErrRevisionConflict) {
			return err
		}
	}
	return err
}

// ModifyPerson reads person id, lets change edit it and writes it back. When another writer
// changed the person in between (409/00), it reads the person again and calls change on the new
// version, up to attempts times. When change leaves the person as it was, nothing is written.
func (c *Client) ModifyPerson(ctx context.Context, id string, attempts int, change func(*Person) error) (*Person, error) {
	var out *Person
	err := RetryOnConflict(ctx, attempts, func(ctx context.Context) error {
		d, err := c.GetPerson(ctx, id)
		if err != nil {
			return err
		}
		before := d.Person
		p := d.Person
		if err := change(&p); err != nil {
			return err
		}
		if SamePerson(&before, &p) {
			out = &before
			return nil
		}
		out, err = c.UpdatePerson(ctx, p)
		return err
	})
	return out, err
}

// ModifyPersonenkontext is ModifyPerson for a context.
func (c *Client) ModifyPersonenkontext(ctx context.Context, id string, attempts int, change func(*Personenkontext) error) (*Personenkontext, error) {
	var out *Personenkontext
	err := RetryOnConflict(ctx, attempts, func(ctx context.Context) error {
		d, err := c.GetPersonenkontext(ctx, id)
		if err != nil {
			return err
		}
		if len(d.Personenkontexte) != 1 {
			return &DecodeError{Path: "/personenkontexte/" + id, Err: fmt.Errorf("answer holds %d contexts, want 1", len(d.Personenkontexte))}
		}
		before := d.Personenkontexte[0]
		k := before
		if err := change(&k); err != nil {
			return err
		}
		if SameKontext(&before, &k) {
			out = &before
			return nil
		}
		out, err = c.UpdatePersonenkontext(ctx, k)
		return err
	})
	return out, err
}

// ModifyGruppe is ModifyPerson for a group.
func (c *Client) ModifyGruppe(ctx context.Context, id string, attempts int, change func(*Gruppe) error) (*Gruppe, error) {
	var out *Gruppe
	err := RetryOnConflict(ctx, attempts, func(ctx context.Context) error {
		d, err := c.GetGruppe(ctx, id)
		if err != nil {
			return err
		}
		before := d.Gruppe
		g := before
		if err := change(&g); err != nil {
			return err
		}
		if SameGruppe(&before, &g) {
			out = &before
			return nil
		}
		out, err = c.UpdateGruppe(ctx, g)
		return err
	})
	return out, err
}

// ModifyGruppenzugehoerigkeit is ModifyPerson for a group membership.
func (c *Client) ModifyGruppenzugehoerigkeit(ctx context.Context, id string, attempts int, change func(*Gruppenzugehoerigkeit) error) (*Gruppenzugehoerigkeit, error) {
	var out *Gruppenzugehoerigkeit
	err := RetryOnConflict(ctx, attempts, func(ctx context.Context) error {
		d, err := c.GetGruppenzugehoerigkeit(ctx, id)
		if err != nil {
			return err
		}
		if len(d.Gruppenzugehoerigkeiten) != 1 {
			return &DecodeError{Path: "/gruppenzugehoerigkeiten/" + id, Err: fmt.Errorf("answer holds %d memberships, want 1", len(d.Gruppenzugehoerigkeiten))}
		}
		before := d.Gruppenzugehoerigkeiten[0]
		m := before
		if err := change(&m); err != nil {
			return err
		}
		if sameZugehoerigkeit(&before, &m) {
			out = &before
			return nil
		}
		out, err = c.UpdateGruppenzugehoerigkeit(ctx, m)
		return err
	})
	return out, err
}

// deletionTime is the deletion time for "at", never before now.
func (c *Client) deletionTime(at time.Time) Loeschzeitpunkt {
	now := c.now()
	if at.Before(now) {
		at = now
	}
	return NewLoeschzeitpunkt(at)
}

// ScheduleDeletion sets the deletion time of a context to at, or to now when at is earlier or
// zero (a deletion time may not be in the past), to the next whole minute. The service deletes
// the context then and tells the services that used it. It is how contexts that were already
// used (400/13) are deleted.
func (c *Client) ScheduleDeletion(ctx context.Context, kontextID string, at time.Time) (*Personenkontext, error) {
	when := c.deletionTime(at)
	return c.ModifyPersonenkontext(ctx, kontextID, 0, func(k *Personenkontext) error {
		if !k.Loeschung.Zeitpunkt.IsZero() && !k.Loeschung.Zeitpunkt.Time().After(when.Time()) &&
			!k.Loeschung.Zeitpunkt.Before(c.now()) {
			return nil // already scheduled, no later than asked
		}
		k.Loeschung = Loeschung{Zeitpunkt: when}
		return nil
	})
}

// CancelDeletion removes a context's deletion time, while the context still exists.
func (c *Client) CancelDeletion(ctx context.Context, kontextID string) (*Personenkontext, error) {
	return c.ModifyPersonenkontext(ctx, kontextID, 0, func(k *Personenkontext) error {
		k.Loeschung = Loeschung{}
		return nil
	})
}

// Removal reports what RemovePerson did.
type Removal struct {
	// PersonDeleted is true when the person record itself was deleted.
	PersonDeleted bool
	// Deleted lists the contexts deleted at once.
	Deleted []string
	// Scheduled lists the contexts services had already used: they got deletion time At, and
	// the person can be deleted after it (call RemovePerson again).
	Scheduled []string
	// At is the deletion time the Scheduled contexts got.
	At Loeschzeitpunkt
	// KeptForOthers is true when the person also has contexts of other organisations: only this
	// organisation's contexts were removed, the person stays.
	KeptForOthers bool
}

// RemoveOptions configure RemovePerson.
type RemoveOptions struct {
	// At is the deletion time for contexts that cannot be deleted at once; zero (or a time in
	// the past) means now. Data-protection erasures (Art. 17 GDPR) use now; leavers may get the
	// end of term.
	At time.Time
	// Attempts bounds the retries after concurrent changes (DefaultAttempts when < 1).
	Attempts int
}

// RemovePerson deletes a person the way Schulconnex prescribes: first every context of this
// organisation, then the person. A context that services already used cannot be deleted directly
// (400/13); it gets a deletion time instead (never in the past), and the person stays until the
// service has deleted that context. Contexts of other organisations are never touched, and a
// person visible only through another organisation's release is refused with ErrReadOnly.
// Running it again after a partial removal continues where it stopped.
func (c *Client) RemovePerson(ctx context.Context, personID string, opts RemoveOptions) (*Removal, error) {
	d, err := c.GetPerson(ctx, personID)
	if err != nil {
		if errors.Is(err, ErrNotFound) {
			return &Removal{PersonDeleted: true}, nil // already gone
		}
		return nil, err
	}
	if IsShared(d) {
		return nil, fmt.Errorf("schulconnex: person %s: %w", personID, ErrReadOnly)
	}
	r := &Removal{}
	at := c.deletionTime(opts.At)
	for _, k := range d.Personenkontexte {
		if k.Sichtfreigabe.Bool() {
			r.KeptForOthers = true
			continue
		}
		kid := k.ID
		err := c.deleteKontextFresh(ctx, kid, k.Revision, opts.Attempts)
		switch {
		case err == nil, errors.Is(err, ErrNotFound):
			r.Deleted = append(r.Deleted, kid)
		case errors.Is(err, ErrContextInUse):
			if _, err := c.ScheduleDeletion(ctx, kid, at.Time()); err != nil {
				return r, err
			}
			r.Scheduled = append(r.Scheduled, kid)
			r.At = at
		default:
			return r, err
		}
	}
	if r.KeptForOthers || len(r.Scheduled) > 0 {
		return r, nil
	}
	rev := d.Person.Revision
	err = RetryOnConflict(ctx, opts.Attempts, func(ctx context.Context) error {
		err := c.DeletePerson(ctx, personID, rev)
		if errors.Is(err, ErrRevisionConflict) {
			if cur, gerr := c.GetPerson(ctx, personID); gerr == nil {
				rev = cur.Person.Revision
			}
		}
		return err
	})
	switch {
	case err == nil, errors.Is(err, ErrNotFound):
		r.PersonDeleted = true
		return r, nil
	case errors.Is(err, ErrPersonHasContexts):
		// Contexts this organisation cannot see (another organisation's) keep the person.
		r.KeptForOthers = true
		return r, nil
	}
	return r, err
}

// deleteKontextFresh deletes a context with revision rev; when another writer changed it in
// between (409/00), it reads the current revision and tries again, up to attempts times.
func (c *Client) deleteKontextFresh(ctx context.Context, id, rev string, attempts int) error {
	return RetryOnConflict(ctx, attempts, func(ctx context.Context) error {
		err := c.DeletePersonenkontext(ctx, id, rev)
		if errors.Is(err, ErrRevisionConflict) {
			if cur, gerr := c.GetPersonenkontext(ctx, id); gerr == nil && len(cur.Personenkontexte) == 1 {
				rev = cur.Personenkontexte[0].Revision
			}
		}
		return err
	})
}

// RoleChange reports what ChangeRole did.
type RoleChange struct {
	// New is the context with the new role.
	New *Personenkontext
	// OldDeleted is true when the old context was deleted at once; otherwise services had used
	// it and it has deletion time OldScheduled.
	OldDeleted bool
	// OldScheduled is the old context's deletion time when it could not be deleted at once.
	OldScheduled Loeschzeitpunkt
}

// ChangeRoleOptions configure ChangeRole.
type ChangeRoleOptions struct {
	// Referrer of the new context (the source system's key for it); empty keeps none.
	Referrer string
	// Jahrgangsstufe of the new context, for learners.
	Jahrgangsstufe Jahrgangsstufe
	// At is the deletion time of the old context if services used it (zero: now).
	At time.Time
	// Attempts bounds the retries when another writer changed the old context in between
	// (DefaultAttempts when < 1).
	Attempts int
}

// ChangeRole gives a person a new role at this organisation. A context's role cannot change,
// so, as Schulconnex prescribes, a new context with the new role is created first (with the old
// one's contact addresses and status) and the old context is deleted afterwards, or given a
// deletion time when services already used it. Group memberships belong to contexts: those of
// the old context end with it, and a synchronisation adds the new context to the groups the
// source lists.
func (c *Client) ChangeRole(ctx context.Context, kontextID string, rolle Rolle, opts ChangeRoleOptions) (*RoleChange, error) {
	d, err := c.GetPersonenkontext(ctx, kontextID)
	if err != nil {
		return nil, err
	}
	if len(d.Personenkontexte) != 1 || d.Person.ID == "" {
		return nil, &DecodeError{Path: "/personenkontexte/" + kontextID, Err: errors.New("answer lacks the context or its person")}
	}
	old := d.Personenkontexte[0]
	if old.Sichtfreigabe.Bool() {
		return nil, fmt.Errorf("schulconnex: context %s: %w", kontextID, ErrReadOnly)
	}
	if Same(old.Rolle, rolle) {
		return &RoleChange{New: &old}, nil
	}
	nk := Personenkontext{Rolle: rolle, Referrer: opts.Referrer, Erreichbarkeiten: old.Erreichbarkeiten,
		Personenstatus: old.Personenstatus}
	if Same(rolle, RolleLern) {
		nk.Jahrgangsstufe = opts.Jahrgangsstufe
	}
	created, err := c.CreatePersonenkontext(ctx, d.Person.ID, nk)
	if err != nil {
		return nil, fmt.Errorf("schulconnex: creating the context with the new role: %w", err)
	}
	rc := &RoleChange{New: created}
	err = c.deleteKontextFresh(ctx, old.ID, old.Revision, opts.Attempts)
	switch {
	case err == nil, errors.Is(err, ErrNotFound):
		rc.OldDeleted = true
	case errors.Is(err, ErrContextInUse):
		k, err := c.ScheduleDeletion(ctx, old.ID, opts.At)
		if err != nil {
			return rc, fmt.Errorf("schulconnex: the new context exists; scheduling the old one's deletion: %w", err)
		}
		rc.OldScheduled = k.Loeschung.Zeitpunkt
	default:
		return rc, fmt.Errorf("schulconnex: the new context exists; deleting the old one: %w", err)
	}
	return rc, nil
}

// ContinuedGroup is a group that carries on into the new school year with the same id, so that
// services keep its data (course material, submissions): usually a class or course renamed
// ("7a" becomes "8a") and moved up a grade.
type ContinuedGroup struct {
	// ID is the group's id, which stays.
	ID string
	// Bezeichnung is the new name; empty keeps the name.
	Bezeichnung string
	// Jahrgangsstufen replace the grades when not nil.
	Jahrgangsstufen []Jahrgangsstufe
	// Laufzeit replaces the period when not zero.
	Laufzeit Laufzeit
}

// SchoolYearChange describes the groups at the end of a school year (or half year).
type SchoolYearChange struct {
	// Continue lists the groups that carry on, with their new names and grades.
	Continue []ContinuedGroup
	// End lists the ids of groups that end: they get EndDate as laufzeit.bis, so services learn
	// that the group ended and teachers can still reach its results for a while, and are deleted
	// later (DeleteEndedGroups).
	End []string
	// EndDate is the last day of the ended groups (the end of the school year).
	EndDate openapi_types.Date
	// Attempts bounds the retries after concurrent changes (DefaultAttempts when < 1).
	Attempts int
}

// SchoolYearResult reports what ChangeSchoolYear did.
type SchoolYearResult struct {
	Updated   []string // groups written (renamed or ended)
	Unchanged []string // groups that already looked as asked
	// Failed maps the ids of groups that could not be updated to the reason.
	Failed map[string]error
}

// ChangeSchoolYear applies the school-year change to groups: continued groups keep their id
// and get their new name, grades and period; ended groups get laufzeit.bis (and lose
// bislernperiode, which may not be combined with it). Nothing is created or deleted; groups new
// in the school year are created by the normal synchronisation. It goes on past groups that
// fail and reports them; the error is non-nil when any failed.
func (c *Client) ChangeSchoolYear(ctx context.Context, ch SchoolYearChange) (*SchoolYearResult, error) {
	if len(ch.End) > 0 && ch.EndDate.IsZero() {
		return nil, errors.New("schulconnex: ChangeSchoolYear: ended groups need an EndDate")
	}
	res := &SchoolYearResult{Failed: map[string]error{}}
	record := func(id string, before string, g *Gruppe, err error) {
		switch {
		case err != nil:
			res.Failed[id] = err
		case g.Revision == before:
			res.Unchanged = append(res.Unchanged, id)
		default:
			res.Updated = append(res.Updated, id)
		}
	}
	for _, cg := range ch.Continue {
		var before string
		g, err := c.ModifyGruppe(ctx, cg.ID, ch.Attempts, func(g *Gruppe) error {
			before = g.Revision
			if cg.Bezeichnung != "" {
				g.Bezeichnung = cg.Bezeichnung
			}
			if cg.Jahrgangsstufen != nil {
				g.Jahrgangsstufen = cg.Jahrgangsstufen
			}
			if cg.Laufzeit != (Laufzeit{}) {
				g.Laufzeit = cg.Laufzeit
			}
			return nil
		})
		record(cg.ID, before, g, err)
	}
	for _, id := range ch.End {
		var before string
		g, err := c.ModifyGruppe(ctx, id, ch.Attempts, func(g *Gruppe) error {
			before = g.Revision
			g.Laufzeit.Bis = ch.EndDate
			g.Laufzeit.Bislernperiode = ""
			return nil
		})
		record(id, before, g, err)
	}
	if len(res.Failed) > 0 {
		return res, fmt.Errorf("schulconnex: %d of %d groups could not be updated", len(res.Failed), len(ch.Continue)+len(ch.End))
	}
	return res, nil
}

// DeleteEndedGroups deletes the groups whose laufzeit.bis is before the date `before` (for
// example 30 days after the end of the school year) and that owned reports as this source
// system's (for example by their referrer; nil means all). Deleting a group deletes its
// memberships. It returns the ids deleted; groups that fail are skipped and reported in the error.
func (c *Client) DeleteEndedGroups(ctx context.Context, before openapi_types.Date, owned func(*Gruppe) bool) ([]string, error) {
	page, err := c.ListGruppenPage(ctx, nil)
	if err != nil {
		return nil, err
	}
	var deleted []string
	var errs []error
	for i := range page.Items {
		g := &page.Items[i].Gruppe
		if g.Laufzeit.Bis.IsZero() || !g.Laufzeit.Bis.Before(before.Time) || (owned != nil && !owned(g)) {
			continue
		}
		if err := c.DeleteGruppe(ctx, g.ID, g.Revision); err != nil && !errors.Is(err, ErrNotFound) {
			errs = append(errs, fmt.Errorf("group %s: %w", g.ID, err))
			continue
		}
		deleted = append(deleted, g.ID)
	}
	return deleted, errors.Join(errs...)
}
