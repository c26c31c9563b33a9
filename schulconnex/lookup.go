package schulconnex

import (
	"context"
	"errors"
)

// Lookups by the source system's own key. The referrer filter of Schulconnex matches substrings
// without regard to case, so ?referrer=12 also returns 123, A12 and a12; these helpers ask the
// server with the filter (to keep the answer small) and keep only the records whose referrer is
// exactly the key.

// ErrAmbiguous means more than one record carries the same referrer exactly; the source key is
// not unique in the service, and a person has to decide which record is meant.
var ErrAmbiguous = errors.New("schulconnex: more than one record has this referrer")

// FindPersonByReferrer returns the person whose referrer is exactly referrer. It returns an
// error matching ErrNotFound when there is none and ErrAmbiguous when there are several.
// Persons released by other organisations are not considered.
func (c *Client) FindPersonByReferrer(ctx context.Context, referrer string) (*Personendatensatz, error) {
	if referrer == "" {
		return nil, errors.New("schulconnex: FindPersonByReferrer: empty referrer")
	}
	page, err := c.ListPersonenPage(ctx, &ListPersonenParams{Referrer: referrer})
	if err != nil {
		return nil, err
	}
	var found []int
	for i := range page.Items {
		if page.Items[i].Person.Referrer == referrer && !IsShared(&page.Items[i]) {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return nil, c.core.Errorf("no person with referrer %q: %w", referrer, ErrNotFound)
	case 1:
		return &page.Items[found[0]], nil
	}
	return nil, c.core.Errorf("%d persons with referrer %q: %w", len(found), referrer, ErrAmbiguous)
}

// FindPersonenkontextByReferrer returns the context whose referrer is exactly referrer, with its
// person (the context is Personenkontexte[0]), like FindPersonByReferrer.
func (c *Client) FindPersonenkontextByReferrer(ctx context.Context, referrer string) (*Personendatensatz, error) {
	if referrer == "" {
		return nil, errors.New("schulconnex: FindPersonenkontextByReferrer: empty referrer")
	}
	page, err := c.ListPersonenkontextePage(ctx, &ListPersonenkontexteParams{Referrer: referrer})
	if err != nil {
		return nil, err
	}
	var found []Personendatensatz
	for _, d := range page.Items {
		for _, k := range d.Personenkontexte {
			if k.Referrer == referrer && !k.Sichtfreigabe.Bool() {
				found = append(found, Personendatensatz{Person: d.Person, Personenkontexte: []Personenkontext{k}})
			}
		}
	}
	switch len(found) {
	case 0:
		return nil, c.core.Errorf("no context with referrer %q: %w", referrer, ErrNotFound)
	case 1:
		return &found[0], nil
	}
	return nil, c.core.Errorf("%d contexts with referrer %q: %w", len(found), referrer, ErrAmbiguous)
}

// FindGruppeByReferrer returns the group whose referrer is exactly referrer, with its
// memberships, like FindPersonByReferrer.
func (c *Client) FindGruppeByReferrer(ctx context.Context, referrer string) (*Gruppendatensatz, error) {
	if referrer == "" {
		return nil, errors.New("schulconnex: FindGruppeByReferrer: empty referrer")
	}
	page, err := c.ListGruppenPage(ctx, &ListGruppenParams{Referrer: referrer})
	if err != nil {
		return nil, err
	}
	var found []int
	for i := range page.Items {
		if page.Items[i].Gruppe.Referrer == referrer {
			found = append(found, i)
		}
	}
	switch len(found) {
	case 0:
		return nil, c.core.Errorf("no group with referrer %q: %w", referrer, ErrNotFound)
	case 1:
		return &page.Items[found[0]], nil
	}
	return nil, c.core.Errorf("%d groups with referrer %q: %w", len(found), referrer, ErrAmbiguous)
}
