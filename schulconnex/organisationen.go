package schulconnex

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
)

// GetOrganisationInfo reads the caller's own organisation: the one its access token stands for,
// where the contexts and groups it creates belong.
func (c *Client) GetOrganisationInfo(ctx context.Context) (*Organisation, error) {
	var o Organisation
	if err := c.getJSON(ctx, "/organisation-info", &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// ListOrganisationenPage reads the organisations the caller may read.
func (c *Client) ListOrganisationenPage(ctx context.Context, params *ListOrganisationenParams) (*Page[Organisation], error) {
	return listPage(ctx, c, "/organisationen", params, idOrganisation, nil)
}

// ListOrganisationen yields what ListOrganisationenPage reads (see ListPersonen).
func (c *Client) ListOrganisationen(ctx context.Context, params *ListOrganisationenParams) iter.Seq2[Organisation, error] {
	return list(ctx, c, "/organisationen", params, idOrganisation, nil)
}

// GetOrganisation reads one organisation.
func (c *Client) GetOrganisation(ctx context.Context, id string) (*Organisation, error) {
	if id == "" {
		return nil, errors.New("schulconnex: GetOrganisation: empty id")
	}
	var o Organisation
	if err := c.getJSON(ctx, "/organisationen/"+escape(id), &o); err != nil {
		return nil, err
	}
	return &o, nil
}

// GetOrganisationsbeziehungen reads the relations of an organisation, in one answer: those it
// has (by default) and, with IstVonOrganisationsbeziehungen Ja, those pointing at it.
func (c *Client) GetOrganisationsbeziehungen(ctx context.Context, id string, params *GetOrganisationsbeziehungenParams) (*Organisationsbeziehungen, error) {
	q, err := query(params)
	if err != nil {
		return nil, err
	}
	var out Organisationsbeziehungen
	if err := c.call(ctx, http.MethodGet, "/organisationen/"+escape(id)+"/organisationsbeziehungen", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetBeziehungen reads the relations of a context, in one answer: those it has (by default)
// and, with IstVonBeziehungen Ja, those pointing at it.
func (c *Client) GetBeziehungen(ctx context.Context, kontextID string, params *GetBeziehungenParams) (*Beziehungen, error) {
	q, err := query(params)
	if err != nil {
		return nil, err
	}
	var out Beziehungen
	if err := c.call(ctx, http.MethodGet, "/personenkontexte/"+escape(kontextID)+"/beziehungen", q, nil, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// CreateBeziehung creates a relation from context kontextID to context b.Ktid of type
// b.Beziehung (for a student's context: SorgBer, the guardian's context). Relations are never
// updated; change one by deleting it and creating a new one.
func (c *Client) CreateBeziehung(ctx context.Context, kontextID string, b Beziehung) (*Beziehung, error) {
	if kontextID == "" || b.Ktid == "" {
		return nil, errors.New("schulconnex: CreateBeziehung: context id and ktid are required")
	}
	if c.isShared("k", kontextID) {
		return nil, fmt.Errorf("schulconnex: context %s: %w", kontextID, ErrReadOnly)
	}
	body, err := encode("beziehungen", Beziehung{Ktid: b.Ktid, Beziehung: b.Beziehung})
	if err != nil {
		return nil, err
	}
	var out Beziehung
	if err := c.sendJSON(ctx, http.MethodPost, "/personenkontexte/"+escape(kontextID)+"/beziehungen", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// GetBeziehung reads one relation, with the context it starts from in IstVonKtid.
func (c *Client) GetBeziehung(ctx context.Context, id string) (*Beziehung, error) {
	if id == "" {
		return nil, errors.New("schulconnex: GetBeziehung: empty id")
	}
	var b Beziehung
	if err := c.getJSON(ctx, "/beziehungen/"+escape(id), &b); err != nil {
		return nil, err
	}
	return &b, nil
}

// DeleteBeziehung deletes one relation.
func (c *Client) DeleteBeziehung(ctx context.Context, id, revision string) error {
	if id == "" {
		return errors.New("schulconnex: DeleteBeziehung: empty id")
	}
	return c.call(ctx, http.MethodDelete, "/beziehungen/"+escape(id), nil, revisionBody(revision), nil)
}

// ListSichtfreigabenPage reads the visibility releases of a context.
func (c *Client) ListSichtfreigabenPage(ctx context.Context, kontextID string) (*Page[Sichtfreigabe], error) {
	return listPage(ctx, c, "/personenkontexte/"+escape(kontextID)+"/sichtfreigaben", nil, idSichtfreigabe, nil)
}

// ListSichtfreigaben yields the visibility releases of a context (see ListPersonen).
func (c *Client) ListSichtfreigaben(ctx context.Context, kontextID string) iter.Seq2[Sichtfreigabe, error] {
	return list(ctx, c, "/personenkontexte/"+escape(kontextID)+"/sichtfreigaben", nil, idSichtfreigabe, nil)
}

// CreateSichtfreigabe releases context kontextID to organisation s.Orgid for reading, from
// s.Von to s.Bis inclusive (von not before today).
func (c *Client) CreateSichtfreigabe(ctx context.Context, kontextID string, s Sichtfreigabe) (*Sichtfreigabe, error) {
	if kontextID == "" {
		return nil, errors.New("schulconnex: CreateSichtfreigabe: empty context id")
	}
	if c.isShared("k", kontextID) {
		return nil, fmt.Errorf("schulconnex: context %s: %w", kontextID, ErrReadOnly)
	}
	s.ID, s.Revision = "", ""
	path := "/personenkontexte/" + escape(kontextID) + "/sichtfreigaben"
	body, err := encode(path, s)
	if err != nil {
		return nil, err
	}
	var out Sichtfreigabe
	if err := c.sendJSON(ctx, http.MethodPost, path, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteSichtfreigabe ends a visibility release at once (normally it ends on its bis date).
func (c *Client) DeleteSichtfreigabe(ctx context.Context, id, revision string) error {
	if id == "" {
		return errors.New("schulconnex: DeleteSichtfreigabe: empty id")
	}
	return c.call(ctx, http.MethodDelete, "/sichtfreigaben/"+escape(id), nil, revisionBody(revision), nil)
}
