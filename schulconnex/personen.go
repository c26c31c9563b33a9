package schulconnex

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"reflect"
)

// ListPersonenPage reads every person the source system may read, with their contexts, in one
// answer. Persons released by other organisations are included unless params says
// sichtfreigabe=nein; the client remembers them and refuses writes to them (ErrReadOnly).
func (c *Client) ListPersonenPage(ctx context.Context, params *ListPersonenParams) (*Page[Personendatensatz], error) {
	return listPage(ctx, c, "/personen", params, idDatensatz, c.rememberShared)
}

// ListPersonen yields every person ListPersonenPage reads, decoded one by one as the answer
// arrives (a tenant's persons come in one answer, which is never held whole), and a
// *RecordError in place of each record that could not be decoded; a failed request ends it
// with the error.
func (c *Client) ListPersonen(ctx context.Context, params *ListPersonenParams) iter.Seq2[Personendatensatz, error] {
	return list(ctx, c, "/personen", params, idDatensatz, c.rememberShared)
}

// GetPerson reads one person with its contexts.
func (c *Client) GetPerson(ctx context.Context, id string) (*Personendatensatz, error) {
	if id == "" {
		return nil, errors.New("schulconnex: GetPerson: empty id")
	}
	var d Personendatensatz
	if err := c.getJSON(ctx, "/personen/"+escape(id), &d); err != nil {
		return nil, err
	}
	c.rememberShared(&d)
	return &d, nil
}

// CreatePerson creates p (its id, mandant and revision are left out) and returns the person as
// stored, with the id and revision the server assigned. p must say how well its data were
// verified (Vertrauensstufe, which Schulconnex requires of every person); without it nothing is
// sent and the error matches ErrRequired.
func (c *Client) CreatePerson(ctx context.Context, p Person) (*Person, error) {
	if p.Vertrauensstufe == "" {
		return nil, fmt.Errorf("schulconnex: CreatePerson: vertrauensstufe: %w", ErrRequired)
	}
	p.ID, p.Mandant, p.Revision, p.Raw = "", "", "", nil
	body, err := encode("/personen", p)
	if err != nil {
		return nil, err
	}
	var out Person
	if err := c.sendJSON(ctx, http.MethodPost, "/personen", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdatePerson replaces the person p.ID with p. p must carry the revision it was read with; the
// properties of p.Raw (the JSON it was read from) that this package does not model are sent back
// unchanged. A stale revision is an error matching ErrRevisionConflict and nothing is written;
// if the service already holds exactly p (an earlier attempt whose answer was lost), that record
// is returned instead. Persons released by another organisation are refused with ErrReadOnly,
// and persons without Vertrauensstufe with ErrRequired.
func (c *Client) UpdatePerson(ctx context.Context, p Person) (*Person, error) {
	if p.ID == "" || p.Revision == "" {
		return nil, errors.New("schulconnex: UpdatePerson: the person needs its id and revision")
	}
	if p.Vertrauensstufe == "" {
		return nil, fmt.Errorf("schulconnex: UpdatePerson: vertrauensstufe: %w", ErrRequired)
	}
	if c.isShared("p", p.ID) {
		return nil, fmt.Errorf("schulconnex: person %s: %w", p.ID, ErrReadOnly)
	}
	path := "/personen/" + escape(p.ID)
	body, err := encodeUpdate(path, p.Raw, p)
	if err != nil {
		return nil, err
	}
	var out Person
	err = c.sendJSON(ctx, http.MethodPut, path, body, &out)
	if errors.Is(err, ErrRevisionConflict) {
		if cur, gerr := c.GetPerson(ctx, p.ID); gerr == nil && SamePerson(&cur.Person, &p) {
			return &cur.Person, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeletePerson deletes a person that has no contexts left; otherwise the error matches
// ErrPersonHasContexts (RemovePerson deletes the contexts first).
func (c *Client) DeletePerson(ctx context.Context, id, revision string) error {
	if id == "" {
		return errors.New("schulconnex: DeletePerson: empty id")
	}
	if c.isShared("p", id) {
		return fmt.Errorf("schulconnex: person %s: %w", id, ErrReadOnly)
	}
	return c.call(ctx, http.MethodDelete, "/personen/"+escape(id), nil, revisionBody(revision), nil)
}

// ListPersonenkontexteOfPersonPage reads the contexts of one person.
func (c *Client) ListPersonenkontexteOfPersonPage(ctx context.Context, personID string, params *ListPersonenkontexteOfPersonParams) (*Page[Personenkontext], error) {
	return listPage(ctx, c, "/personen/"+escape(personID)+"/personenkontexte", params, idKontext, c.rememberKontext)
}

// ListPersonenkontexteOfPerson yields the contexts of one person (see ListPersonen).
func (c *Client) ListPersonenkontexteOfPerson(ctx context.Context, personID string, params *ListPersonenkontexteOfPersonParams) iter.Seq2[Personenkontext, error] {
	return list(ctx, c, "/personen/"+escape(personID)+"/personenkontexte", params, idKontext, c.rememberKontext)
}

// CreatePersonenkontext creates a context of person personID at the caller's own organisation
// (the service takes it from the access token). Only rolle and the writable properties of k are
// sent. A new context's personenstatus defaults to Aktiv.
func (c *Client) CreatePersonenkontext(ctx context.Context, personID string, k Personenkontext) (*Personenkontext, error) {
	if personID == "" {
		return nil, errors.New("schulconnex: CreatePersonenkontext: empty person id")
	}
	if c.isShared("p", personID) {
		return nil, fmt.Errorf("schulconnex: person %s: %w", personID, ErrReadOnly)
	}
	k.ID, k.Mandant, k.Revision, k.Raw = "", "", "", nil
	k.Organisation, k.Beziehungen, k.Sichtfreigabe = Organisation{}, KontextBeziehungen{}, ""
	path := "/personen/" + escape(personID) + "/personenkontexte"
	body, err := encode(path, k)
	if err != nil {
		return nil, err
	}
	var out Personenkontext
	if err := c.sendJSON(ctx, http.MethodPost, path, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListPersonenkontextePage reads contexts across persons; each entry holds one context and its
// person (often only the person's id).
func (c *Client) ListPersonenkontextePage(ctx context.Context, params *ListPersonenkontexteParams) (*Page[Personendatensatz], error) {
	return listPage(ctx, c, "/personenkontexte", params, idDatensatz, c.rememberContexts)
}

// ListPersonenkontexte yields what ListPersonenkontextePage reads (see ListPersonen).
func (c *Client) ListPersonenkontexte(ctx context.Context, params *ListPersonenkontexteParams) iter.Seq2[Personendatensatz, error] {
	return list(ctx, c, "/personenkontexte", params, idDatensatz, c.rememberContexts)
}

// GetPersonenkontext reads one context with its person: the context is
// Personenkontexte[0] of the answer.
func (c *Client) GetPersonenkontext(ctx context.Context, id string) (*Personendatensatz, error) {
	if id == "" {
		return nil, errors.New("schulconnex: GetPersonenkontext: empty id")
	}
	var d Personendatensatz
	if err := c.getJSON(ctx, "/personenkontexte/"+escape(id), &d); err != nil {
		return nil, err
	}
	c.rememberShared(&Personendatensatz{Personenkontexte: d.Personenkontexte})
	return &d, nil
}

// UpdatePersonenkontext replaces context k.ID with k (rolle and organisation cannot change),
// sending back what k.Raw holds beyond the modelled properties. Setting Loeschung schedules the
// context's deletion. Contexts released by another organisation (Sichtfreigabe Ja) are refused
// with ErrReadOnly before any request. Conflicts are handled as in UpdatePerson.
func (c *Client) UpdatePersonenkontext(ctx context.Context, k Personenkontext) (*Personenkontext, error) {
	if k.ID == "" || k.Revision == "" {
		return nil, errors.New("schulconnex: UpdatePersonenkontext: the context needs its id and revision")
	}
	if k.Sichtfreigabe.Bool() || c.isShared("k", k.ID) {
		return nil, fmt.Errorf("schulconnex: context %s: %w", k.ID, ErrReadOnly)
	}
	path := "/personenkontexte/" + escape(k.ID)
	body, err := encodeUpdate(path, k.Raw, k)
	if err != nil {
		return nil, err
	}
	var out Personenkontext
	err = c.sendJSON(ctx, http.MethodPut, path, body, &out)
	if errors.Is(err, ErrRevisionConflict) {
		if cur, gerr := c.GetPersonenkontext(ctx, k.ID); gerr == nil && len(cur.Personenkontexte) == 1 &&
			SameKontext(&cur.Personenkontexte[0], &k) {
			return &cur.Personenkontexte[0], nil
		}
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeletePersonenkontext deletes a context directly. A context that services already used
// answers with an error matching ErrContextInUse; it must be deleted by setting a deletion time
// (ScheduleDeletion, or RemovePerson for a whole person).
func (c *Client) DeletePersonenkontext(ctx context.Context, id, revision string) error {
	if id == "" {
		return errors.New("schulconnex: DeletePersonenkontext: empty id")
	}
	if c.isShared("k", id) {
		return fmt.Errorf("schulconnex: context %s: %w", id, ErrReadOnly)
	}
	return c.call(ctx, http.MethodDelete, "/personenkontexte/"+escape(id), nil, revisionBody(revision), nil)
}

// SamePerson reports whether two persons have the same content apart from server bookkeeping
// (revision, mandant) and Raw.
func SamePerson(a, b *Person) bool {
	x, y := *a, *b
	x.Revision, y.Revision, x.Mandant, y.Mandant, x.Raw, y.Raw = "", "", "", "", nil, nil
	return reflect.DeepEqual(normalise(x), normalise(y))
}

// SameKontext reports whether two contexts have the same writable content (apart from revision,
// mandant, the organisation read back and relations), so a writer can skip a PUT that changes nothing.
func SameKontext(a, b *Personenkontext) bool {
	x, y := *a, *b
	for _, k := range []*Personenkontext{&x, &y} {
		k.Revision, k.Mandant, k.Raw, k.Organisation, k.Beziehungen = "", "", nil, Organisation{}, KontextBeziehungen{}
	}
	return reflect.DeepEqual(normalise(x), normalise(y))
}

// normalise turns empty slices into nil so that a record read back compares equal to the one sent.
func normalise[T any](v T) T {
	rv := reflect.ValueOf(&v).Elem()
	normaliseValue(rv)
	return v
}

func normaliseValue(v reflect.Value) {
	switch v.Kind() {
	case reflect.Struct:
		for i := 0; i < v.NumField(); i++ {
			if v.Field(i).CanSet() {
				normaliseValue(v.Field(i))
			}
		}
	case reflect.Slice:
		if v.Len() == 0 && !v.IsNil() {
			v.Set(reflect.Zero(v.Type()))
			return
		}
		for i := 0; i < v.Len(); i++ {
			normaliseValue(v.Index(i))
		}
	}
}
