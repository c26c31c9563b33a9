package schulconnex

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"reflect"
)

// ListGruppenPage reads every group the source system may read, each with its memberships, in
// one answer.
func (c *Client) ListGruppenPage(ctx context.Context, params *ListGruppenParams) (*Page[Gruppendatensatz], error) {
	return listPage(ctx, c, "/gruppen", params, idGruppe, nil)
}

// ListGruppen yields what ListGruppenPage reads (see ListPersonen).
func (c *Client) ListGruppen(ctx context.Context, params *ListGruppenParams) iter.Seq2[Gruppendatensatz, error] {
	return list(ctx, c, "/gruppen", params, idGruppe, nil)
}

// GetGruppe reads one group with its memberships.
func (c *Client) GetGruppe(ctx context.Context, id string) (*Gruppendatensatz, error) {
	if id == "" {
		return nil, errors.New("schulconnex: GetGruppe: empty id")
	}
	var g Gruppendatensatz
	if err := c.getJSON(ctx, "/gruppen/"+escape(id), &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// CreateGruppe creates g at the caller's organisation and returns it as stored.
func (c *Client) CreateGruppe(ctx context.Context, g Gruppe) (*Gruppe, error) {
	g.ID, g.Mandant, g.Orgid, g.Revision, g.Raw = "", "", "", "", nil
	body, err := encode("/gruppen", g)
	if err != nil {
		return nil, err
	}
	var out Gruppe
	if err := c.sendJSON(ctx, http.MethodPost, "/gruppen", body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// UpdateGruppe replaces group g.ID with g, which must carry the revision it was read with;
// what g.Raw holds beyond the modelled properties is sent back unchanged. Conflicts are handled
// as in UpdatePerson.
func (c *Client) UpdateGruppe(ctx context.Context, g Gruppe) (*Gruppe, error) {
	if g.ID == "" || g.Revision == "" {
		return nil, errors.New("schulconnex: UpdateGruppe: the group needs its id and revision")
	}
	path := "/gruppen/" + escape(g.ID)
	body, err := encodeUpdate(path, g.Raw, g)
	if err != nil {
		return nil, err
	}
	var out Gruppe
	err = c.sendJSON(ctx, http.MethodPut, path, body, &out)
	if errors.Is(err, ErrRevisionConflict) {
		if cur, gerr := c.GetGruppe(ctx, g.ID); gerr == nil && SameGruppe(&cur.Gruppe, &g) {
			return &cur.Gruppe, nil
		}
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteGruppe deletes a group and, with it, all its memberships.
func (c *Client) DeleteGruppe(ctx context.Context, id, revision string) error {
	if id == "" {
		return errors.New("schulconnex: DeleteGruppe: empty id")
	}
	return c.call(ctx, http.MethodDelete, "/gruppen/"+escape(id), nil, revisionBody(revision), nil)
}

// ListGruppenzugehoerigkeitenOfGruppePage reads the memberships of one group.
func (c *Client) ListGruppenzugehoerigkeitenOfGruppePage(ctx context.Context, groupID string, params *ListGruppenzugehoerigkeitenOfGruppeParams) (*Page[Gruppenzugehoerigkeit], error) {
	return listPage(ctx, c, "/gruppen/"+escape(groupID)+"/gruppenzugehoerigkeiten", params, idZugehoerigkeit, nil)
}

// ListGruppenzugehoerigkeitenOfGruppe yields the memberships of one group (see ListPersonen).
func (c *Client) ListGruppenzugehoerigkeitenOfGruppe(ctx context.Context, groupID string, params *ListGruppenzugehoerigkeitenOfGruppeParams) iter.Seq2[Gruppenzugehoerigkeit, error] {
	return list(ctx, c, "/gruppen/"+escape(groupID)+"/gruppenzugehoerigkeiten", params, idZugehoerigkeit, nil)
}

// CreateGruppenzugehoerigkeit adds the context m.Ktid to group groupID with m.Rollen (and the
// optional period and referrer) and returns the membership as stored.
func (c *Client) CreateGruppenzugehoerigkeit(ctx context.Context, groupID string, m Gruppenzugehoerigkeit) (*Gruppenzugehoerigkeit, error) {
	if groupID == "" || m.Ktid == "" {
		return nil, errors.New("schulconnex: CreateGruppenzugehoerigkeit: group id and ktid are required")
	}
	if c.isShared("k", m.Ktid) {
		return nil, errors.Join(errors.New("schulconnex: the context is shared in"), ErrReadOnly)
	}
	m.ID, m.Mandant, m.Revision, m.Raw = "", "", "", nil
	path := "/gruppen/" + escape(groupID) + "/gruppenzugehoerigkeiten"
	body, err := encode(path, m)
	if err != nil {
		return nil, err
	}
	var out Gruppenzugehoerigkeit
	if err := c.sendJSON(ctx, http.MethodPost, path, body, &out); err != nil {
		return nil, err
	}
	return &out, nil
}

// ListGruppenzugehoerigkeitenPage reads memberships across groups, grouped by group.
func (c *Client) ListGruppenzugehoerigkeitenPage(ctx context.Context, params *ListGruppenzugehoerigkeitenParams) (*Page[Gruppendatensatz], error) {
	return listPage(ctx, c, "/gruppenzugehoerigkeiten", params, idGruppe, nil)
}

// ListGruppenzugehoerigkeiten yields what ListGruppenzugehoerigkeitenPage reads.
func (c *Client) ListGruppenzugehoerigkeiten(ctx context.Context, params *ListGruppenzugehoerigkeitenParams) iter.Seq2[Gruppendatensatz, error] {
	return list(ctx, c, "/gruppenzugehoerigkeiten", params, idGruppe, nil)
}

// GetGruppenzugehoerigkeit reads one membership; the answer is its group with the membership
// as the only element of Gruppenzugehoerigkeiten.
func (c *Client) GetGruppenzugehoerigkeit(ctx context.Context, id string) (*Gruppendatensatz, error) {
	if id == "" {
		return nil, errors.New("schulconnex: GetGruppenzugehoerigkeit: empty id")
	}
	var g Gruppendatensatz
	if err := c.getJSON(ctx, "/gruppenzugehoerigkeiten/"+escape(id), &g); err != nil {
		return nil, err
	}
	return &g, nil
}

// UpdateGruppenzugehoerigkeit replaces membership m.ID with m (rollen, von, bis, referrer),
// which must carry the revision it was read with. Conflicts are handled as in UpdatePerson.
func (c *Client) UpdateGruppenzugehoerigkeit(ctx context.Context, m Gruppenzugehoerigkeit) (*Gruppenzugehoerigkeit, error) {
	if m.ID == "" || m.Revision == "" {
		return nil, errors.New("schulconnex: UpdateGruppenzugehoerigkeit: the membership needs its id and revision")
	}
	path := "/gruppenzugehoerigkeiten/" + escape(m.ID)
	body, err := encodeUpdate(path, m.Raw, m)
	if err != nil {
		return nil, err
	}
	var out Gruppenzugehoerigkeit
	err = c.sendJSON(ctx, http.MethodPut, path, body, &out)
	if errors.Is(err, ErrRevisionConflict) {
		if cur, gerr := c.GetGruppenzugehoerigkeit(ctx, m.ID); gerr == nil && len(cur.Gruppenzugehoerigkeiten) == 1 &&
			sameZugehoerigkeit(&cur.Gruppenzugehoerigkeiten[0], &m) {
			return &cur.Gruppenzugehoerigkeiten[0], nil
		}
	}
	if err != nil {
		return nil, err
	}
	return &out, nil
}

// DeleteGruppenzugehoerigkeit deletes one membership.
func (c *Client) DeleteGruppenzugehoerigkeit(ctx context.Context, id, revision string) error {
	if id == "" {
		return errors.New("schulconnex: DeleteGruppenzugehoerigkeit: empty id")
	}
	return c.call(ctx, http.MethodDelete, "/gruppenzugehoerigkeiten/"+escape(id), nil, revisionBody(revision), nil)
}

// SameGruppe reports whether two groups have the same writable content (apart from revision,
// mandant, orgid and Raw), so a writer can skip a PUT that changes nothing.
func SameGruppe(a, b *Gruppe) bool {
	x, y := *a, *b
	for _, g := range []*Gruppe{&x, &y} {
		g.Revision, g.Mandant, g.Orgid, g.Raw = "", "", "", nil
	}
	return reflect.DeepEqual(normalise(x), normalise(y))
}

func sameZugehoerigkeit(a, b *Gruppenzugehoerigkeit) bool {
	x, y := *a, *b
	for _, m := range []*Gruppenzugehoerigkeit{&x, &y} {
		m.Revision, m.Mandant, m.Raw = "", "", nil
	}
	return reflect.DeepEqual(normalise(x), normalise(y))
}
