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
	q, err := query(params)
	if err != nil {
		return nil, err
	}
	b, err := c.call(ctx, http.MethodGet, "/organisationen", q, nil)
	if err != nil {
		return nil, err
	}
	items, bad, err := decodeList("/organisationen", b, idOrganisation, c.strict)
	if err != nil {
		return nil, err
	}
	return &Page[Organisation]{Items: items, RecordErrors: bad}, nil
}

// ListOrganisationen yields what ListOrganisationenPage reads (see ListPersonen).
func (c *Client) ListOrganisationen(ctx context.Context, params *ListOrganisationenParams) iter.Seq2[Organisation, error] {
	return func(yield func(Organisation, error) bool) {
		each(c.ListOrganisationenPage(ctx, params))(yield)
	}
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

// ListOrganisationsbeziehungen reads the relations of an organisation: those it has (by
// default) and, with IstVonOrganisationsbeziehungen Ja, those pointing at it.
func (c *Client) ListOrganisationsbeziehungen(ctx context.Context, id string, params *ListOrganisationsbeziehungenParams) (*Organisationsbeziehungen, error) {
	q, err := query(params)
	if err != nil {
		return nil, err
	}
	path := "/organisationen/" + escape(id) + "/organisationsbeziehungen"
	b, err := c.call(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return nil, err
	}
	var out Organisationsbeziehungen
	if err := jsonUnmarshal(path, b, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListBeziehungen reads the relations of a context: those it has (by default) and, with
// IstVonBeziehungen Ja, those pointing at it.
func (c *Client) ListBeziehungen(ctx context.Context, kontextID string, params *ListBeziehungenParams) (*Beziehungen, error) {
	q, err := query(params)
	if err != nil {
		return nil, err
	}
	path := "/personenkontexte/" + escape(kontextID) + "/beziehungen"
	b, err := c.call(ctx, http.MethodGet, path, q, nil)
	if err != nil {
		return nil, err
	}
	var out Beziehungen
	if err := jsonUnmarshal(path, b, &out); err != nil {
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
	_, err := c.call(ctx, http.MethodDelete, "/beziehungen/"+escape(id), nil, revisionBody(revision))
	return err
}

// ListSichtfreigabenPage reads the visibility releases of a context.
func (c *Client) ListSichtfreigabenPage(ctx context.Context, kontextID string) (*Page[Sichtfreigabe], error) {
	path := "/personenkontexte/" + escape(kontextID) + "/sichtfreigaben"
	b, err := c.call(ctx, http.MethodGet, path, nil, nil)
	if err != nil {
		return nil, err
	}
	items, bad, err := decodeList(path, b, idSichtfreigabe, c.strict)
	if err != nil {
		return nil, err
	}
	return &Page[Sichtfreigabe]{Items: items, RecordErrors: bad}, nil
}

// ListSichtfreigaben yields the visibility releases of a context (see ListPersonen).
func (c *Client) ListSichtfreigaben(ctx context.Context, kontextID string) iter.Seq2[Sichtfreigabe, error] {
	return func(yield func(Sichtfreigabe, error) bool) {
		each(c.ListSichtfreigabenPage(ctx, kontextID))(yield)
	}
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
	_, err := c.call(ctx, http.MethodDelete, "/sichtfreigaben/"+escape(id), nil, revisionBody(revision))
	return err
}

func jsonUnmarshal(path string, b []byte, out any) error {
	if err := unmarshal(b, out); err != nil {
		return &DecodeError{Path: path, Err: err}
	}
	return nil
}
