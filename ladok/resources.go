// Code in this file follows one pattern per operation of openapi/ladok.yaml; keep it in step with
// the spec when operations change.

package ladok

import (
	"context"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"time"

	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/apiquery"
	"github.com/edusync/edusync/internal/idnum"
)

// GetAuthenticatedUser returns the Ladok user the client certificate belongs to.
func (c *Client) GetAuthenticatedUser(ctx context.Context) (*Anvandare, error) {
	var v Anvandare
	if err := c.getJSON(ctx, ServiceKataloginformation, "/kataloginformation/anvandare/autentiserad", nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// GetPeriods returns the periods of the university's calendar (terms and other spans), which
// offerings refer to by StartperiodID.
func (c *Client) GetPeriods(ctx context.Context) ([]Period, error) {
	var v Perioder
	if err := c.getJSON(ctx, ServiceKataloginformation, "/kataloginformation/grunddata/period", nil, &v); err != nil {
		return nil, err
	}
	return v.Period, nil
}

// GetOrganisation fetches one organisation unit; a missing one matches ErrNotFound.
func (c *Client) GetOrganisation(ctx context.Context, uid string) (*Organisation, error) {
	var v Organisation
	if err := c.getJSON(ctx, ServiceKataloginformation, "/kataloginformation/organisation/"+url.PathEscape(uid), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// SearchOrganisations lists the organisation units matching params across all pages. Without
// params.Orderby the client orders by code, so pages are stable.
func (c *Client) SearchOrganisations(ctx context.Context, params *SearchOrganisationsParams) iter.Seq2[Organisation, error] {
	p := withOrganisationOrder(params)
	return search(ctx, c, p.Limit, func(page, limit int) (*apiclient.Request, error) {
		q := p
		q.Page, q.Limit = page, limit
		return organisationSearch(&q)
	}, idOrganisation)
}

// SearchOrganisationsPage fetches the page params.Page (from 1) of an organisation search.
// Without an order the one SearchOrganisations uses is sent, since Ladok pages only a search
// that names one.
func (c *Client) SearchOrganisationsPage(ctx context.Context, params *SearchOrganisationsParams) (*Page[Organisation], error) {
	p := withOrganisationOrder(params)
	params = &p
	r, err := organisationSearch(params)
	if err != nil {
		return nil, err
	}
	return searchPage(ctx, c, r, pageOf(params.Page), idOrganisation)
}

// withOrganisationOrder copies params (nil: none) with the default order when it names none.
func withOrganisationOrder(params *SearchOrganisationsParams) SearchOrganisationsParams {
	var p SearchOrganisationsParams
	if params != nil {
		p = *params
	}
	if len(p.Orderby) == 0 {
		p.Orderby = []OrganisationOrderBy{OrganisationOrderByKodAsc}
	}
	return p
}

func organisationSearch(params *SearchOrganisationsParams) (*apiclient.Request, error) {
	q, err := encodeQuery(params)
	if err != nil {
		return nil, err
	}
	return request(http.MethodGet, ServiceKataloginformation, "/kataloginformation/organisation/filtrera", q, nil), nil
}

func idOrganisation(o *Organisation) string { return o.UID }

// GetStudent fetches one student by Ladok UID; a missing one matches ErrNotFound.
func (c *Client) GetStudent(ctx context.Context, uid string) (*Student, error) {
	var v Student
	if err := c.getJSON(ctx, ServiceStudentinformation, "/studentinformation/student/"+url.PathEscape(uid), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// GetStudentByPersonnummer fetches one student by Swedish personal or coordination number, in any
// common form (YYYYMMDDNNNN, YYYYMMDD-NNNN, YYMMDD-NNNN). The number is checked before it is
// sent and never appears in logs or errors.
func (c *Client) GetStudentByPersonnummer(ctx context.Context, personnummer string) (*Student, error) {
	pn, err := idnum.ParseSwedish(personnummer, time.Now())
	if err != nil {
		return nil, fmt.Errorf("ladok: GetStudentByPersonnummer: %w", err)
	}
	var v Student
	if err := c.getJSON(ctx, ServiceStudentinformation, "/studentinformation/student/personnummer/"+pn.Digits, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// GetKontaktuppgifter fetches a student's contact details (e-mail, telephone, addresses).
func (c *Client) GetKontaktuppgifter(ctx context.Context, studentUID string) (*Kontaktuppgifter, error) {
	var v Kontaktuppgifter
	if err := c.getJSON(ctx, ServiceStudentinformation, "/studentinformation/student/"+url.PathEscape(studentUID)+"/kontaktuppgifter", nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// GetUtbildningstillfalle fetches one course or programme offering by UID.
func (c *Client) GetUtbildningstillfalle(ctx context.Context, uid string) (*Utbildningstillfalle, error) {
	var v Utbildningstillfalle
	if err := c.getJSON(ctx, ServiceUtbildningsinformation, "/utbildningsinformation/utbildningstillfalle/"+url.PathEscape(uid), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// SearchUtbildningstillfallen lists the offerings matching params across all pages. Without
// params.Orderby the client orders by offering code, so pages are stable.
func (c *Client) SearchUtbildningstillfallen(ctx context.Context, params *SearchUtbildningstillfallenParams) iter.Seq2[Utbildningstillfalle, error] {
	p := withOfferingOrder(params)
	return search(ctx, c, p.Limit, func(page, limit int) (*apiclient.Request, error) {
		q := p
		q.Page, q.Limit = page, limit
		return offeringSearch(&q)
	}, idUtbildningstillfalle)
}

// SearchUtbildningstillfallenPage fetches the page params.Page (from 1) of an offering search,
// in the order SearchUtbildningstillfallen uses when params names none.
func (c *Client) SearchUtbildningstillfallenPage(ctx context.Context, params *SearchUtbildningstillfallenParams) (*Page[Utbildningstillfalle], error) {
	p := withOfferingOrder(params)
	params = &p
	r, err := offeringSearch(params)
	if err != nil {
		return nil, err
	}
	return searchPage(ctx, c, r, pageOf(params.Page), idUtbildningstillfalle)
}

// withOfferingOrder copies params (nil: none) with the default order when it names none.
func withOfferingOrder(params *SearchUtbildningstillfallenParams) SearchUtbildningstillfallenParams {
	var p SearchUtbildningstillfallenParams
	if params != nil {
		p = *params
	}
	if len(p.Orderby) == 0 {
		p.Orderby = []UtbildningstillfalleOrderBy{UtbildningstillfalleOrderByUtbildningstillfalleskodAsc, UtbildningstillfalleOrderByStartdatumAsc}
	}
	return p
}

func offeringSearch(params *SearchUtbildningstillfallenParams) (*apiclient.Request, error) {
	q, err := encodeQuery(params)
	if err != nil {
		return nil, err
	}
	return request(http.MethodGet, ServiceUtbildningsinformation, "/utbildningsinformation/utbildningstillfalle/filtrera", q, nil), nil
}

func idUtbildningstillfalle(u *Utbildningstillfalle) string { return u.UID }

// GetUtbildningsinstans fetches one version of a course or programme (code, name, credits).
func (c *Client) GetUtbildningsinstans(ctx context.Context, uid string) (*Utbildningsinstans, error) {
	var v Utbildningsinstans
	if err := c.getJSON(ctx, ServiceUtbildningsinformation, "/utbildningsinformation/utbildningsinstans/"+url.PathEscape(uid), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// GetKurspaketeringstillfalle fetches one programme offering by UID.
func (c *Client) GetKurspaketeringstillfalle(ctx context.Context, uid string) (*Utbildningstillfalle, error) {
	var v Utbildningstillfalle
	if err := c.getJSON(ctx, ServiceUtbildningsinformation, "/utbildningsinformation/kurspaketeringstillfalle/"+url.PathEscape(uid), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// GetKurstillfallesdeltaganden returns a student's participations in course offerings.
func (c *Client) GetKurstillfallesdeltaganden(ctx context.Context, studentUID string) ([]Tillfallesdeltagande, error) {
	var v TillfallesdeltagandeLista
	if err := c.getJSON(ctx, ServiceStudiedeltagande, "/studiedeltagande/tillfallesdeltagande/kurstillfallesdeltagande/student/"+url.PathEscape(studentUID), nil, &v); err != nil {
		return nil, err
	}
	return v.Tillfallesdeltaganden, nil
}

// defaultDeltagareOrder sorts participants by name and then personal number, the finest order
// Ladok offers; the iterator also skips repeats by UID.
var defaultDeltagareOrder = []DeltagareKurstillfalleOrderBy{
	DeltagareKurstillfalleOrderByEfternamnAsc,
	DeltagareKurstillfalleOrderByFornamnAsc,
	DeltagareKurstillfalleOrderByPersonnummerAsc,
}

// SearchDeltagare lists the participants of the offerings in filter across all pages (filter's
// Page and Limit are managed by the iterator). Without filter.Orderby the client orders by
// family name, given name and personal number.
func (c *Client) SearchDeltagare(ctx context.Context, filter DeltagareKurstillfalleFilter) iter.Seq2[Deltagare, error] {
	if len(filter.Orderby) == 0 {
		filter.Orderby = defaultDeltagareOrder
	}
	return search(ctx, c, filter.Limit, func(page, limit int) (*apiclient.Request, error) {
		f := filter
		f.Page, f.Limit = page, limit
		return participantSearch(f), nil
	}, idDeltagare)
}

// SearchDeltagarePage fetches the page filter.Page (from 1) of a participant search. Ladok runs
// this search as a PUT with the filter as body; it changes nothing and is retried like a read.
func (c *Client) SearchDeltagarePage(ctx context.Context, filter DeltagareKurstillfalleFilter) (*Page[Deltagare], error) {
	if filter.Page < 1 {
		filter.Page = 1
	}
	if filter.Limit < 1 {
		filter.Limit = c.core.PageSize()
	}
	if len(filter.Orderby) == 0 {
		filter.Orderby = defaultDeltagareOrder
	}
	return searchPage(ctx, c, participantSearch(filter), filter.Page, idDeltagare)
}

func participantSearch(f DeltagareKurstillfalleFilter) *apiclient.Request {
	return request(http.MethodPut, ServiceStudiedeltagande, "/studiedeltagande/deltagare/kurstillfalle", nil, f)
}

func idDeltagare(d *Deltagare) string { return d.UID }

func encodeQuery(params any) (url.Values, error) {
	q, err := apiquery.Encode(params)
	if err != nil {
		return nil, fmt.Errorf("ladok: %w", err)
	}
	return q, nil
}

func pageOf(p int) int {
	if p < 1 {
		return 1
	}
	return p
}
