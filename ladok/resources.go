// Code in this file follows one pattern per operation of openapi/ladok.yaml; keep it in step with
// the spec when operations change.

package ladok

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"net/url"
	"time"

	"github.com/edusync/edusync/internal/apiquery"
	"github.com/edusync/edusync/internal/idnum"
)

// AuthenticatedUser returns the Ladok user the client certificate belongs to.
func (c *Client) AuthenticatedUser(ctx context.Context) (*Anvandare, error) {
	var v Anvandare
	if err := c.getJSON(ctx, ServiceKataloginformation, "/kataloginformation/anvandare/autentiserad", nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Periods returns the periods of the university's calendar (terms and other spans), which
// offerings refer to by StartperiodID.
func (c *Client) Periods(ctx context.Context) ([]Period, error) {
	var v Perioder
	if err := c.getJSON(ctx, ServiceKataloginformation, "/kataloginformation/grunddata/period", nil, &v); err != nil {
		return nil, err
	}
	return v.Period, nil
}

// Organisation fetches one organisation unit; a missing one matches ErrNotFound.
func (c *Client) Organisation(ctx context.Context, uid string) (*Organisation, error) {
	var v Organisation
	if err := c.getJSON(ctx, ServiceKataloginformation, "/kataloginformation/organisation/"+url.PathEscape(uid), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// SearchOrganisations lists the organisation units matching params across all pages. Without
// params.Orderby the client orders by code, so pages are stable.
func (c *Client) SearchOrganisations(ctx context.Context, params *SearchOrganisationsParams) iter.Seq2[Organisation, error] {
	p := SearchOrganisationsParams{}
	if params != nil {
		p = *params
	}
	if len(p.Orderby) == 0 {
		p.Orderby = []OrganisationOrderBy{OrganisationOrderByKodAsc}
	}
	return searchAll(ctx, c, p.Limit, func(page, limit int) (*Page[Organisation], error) {
		q := p
		q.Page, q.Limit = page, limit
		return c.SearchOrganisationsPage(ctx, &q)
	}, func(o *Organisation) string { return o.UID })
}

// SearchOrganisationsPage fetches the page params.Page (from 1) of an organisation search.
func (c *Client) SearchOrganisationsPage(ctx context.Context, params *SearchOrganisationsParams) (*Page[Organisation], error) {
	if params == nil {
		params = &SearchOrganisationsParams{}
	}
	q, err := encodeQuery(params)
	if err != nil {
		return nil, err
	}
	var v struct {
		TotaltAntalPoster int
		Resultat          rawRecords
	}
	const path = "/kataloginformation/organisation/filtrera"
	if err := c.getJSON(ctx, ServiceKataloginformation, path, q, &v); err != nil {
		return nil, err
	}
	return decodePage(path, pageOf(params.Page), v.TotaltAntalPoster, v.Resultat, func(o *Organisation) string { return o.UID })
}

// Student fetches one student by Ladok UID; a missing one matches ErrNotFound.
func (c *Client) Student(ctx context.Context, uid string) (*Student, error) {
	var v Student
	if err := c.getJSON(ctx, ServiceStudentinformation, "/studentinformation/student/"+url.PathEscape(uid), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// StudentByPersonnummer fetches one student by Swedish personal or coordination number, in any
// common form (YYYYMMDDNNNN, YYYYMMDD-NNNN, YYMMDD-NNNN). The number is checked before it is
// sent and never appears in logs or errors.
func (c *Client) StudentByPersonnummer(ctx context.Context, personnummer string) (*Student, error) {
	pn, err := idnum.ParseSwedish(personnummer, time.Now())
	if err != nil {
		return nil, fmt.Errorf("ladok: StudentByPersonnummer: %w", err)
	}
	var v Student
	if err := c.getJSON(ctx, ServiceStudentinformation, "/studentinformation/student/personnummer/"+pn.Digits, nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Kontaktuppgifter fetches a student's contact details (e-mail, telephone, addresses).
func (c *Client) Kontaktuppgifter(ctx context.Context, studentUID string) (*Kontaktuppgifter, error) {
	var v Kontaktuppgifter
	if err := c.getJSON(ctx, ServiceStudentinformation, "/studentinformation/student/"+url.PathEscape(studentUID)+"/kontaktuppgifter", nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Utbildningstillfalle fetches one course or programme offering by UID.
func (c *Client) Utbildningstillfalle(ctx context.Context, uid string) (*Utbildningstillfalle, error) {
	var v Utbildningstillfalle
	if err := c.getJSON(ctx, ServiceUtbildningsinformation, "/utbildningsinformation/utbildningstillfalle/"+url.PathEscape(uid), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// SearchUtbildningstillfallen lists the offerings matching params across all pages. Without
// params.Orderby the client orders by offering code, so pages are stable.
func (c *Client) SearchUtbildningstillfallen(ctx context.Context, params *SearchUtbildningstillfallenParams) iter.Seq2[Utbildningstillfalle, error] {
	p := SearchUtbildningstillfallenParams{}
	if params != nil {
		p = *params
	}
	if len(p.Orderby) == 0 {
		p.Orderby = []UtbildningstillfalleOrderBy{UtbildningstillfalleOrderByUtbildningstillfalleskodAsc, UtbildningstillfalleOrderByStartdatumAsc}
	}
	return searchAll(ctx, c, p.Limit, func(page, limit int) (*Page[Utbildningstillfalle], error) {
		q := p
		q.Page, q.Limit = page, limit
		return c.SearchUtbildningstillfallenPage(ctx, &q)
	}, func(u *Utbildningstillfalle) string { return u.UID })
}

// SearchUtbildningstillfallenPage fetches the page params.Page (from 1) of an offering search.
func (c *Client) SearchUtbildningstillfallenPage(ctx context.Context, params *SearchUtbildningstillfallenParams) (*Page[Utbildningstillfalle], error) {
	if params == nil {
		params = &SearchUtbildningstillfallenParams{}
	}
	q, err := encodeQuery(params)
	if err != nil {
		return nil, err
	}
	var v struct {
		TotaltAntalPoster int
		Resultat          rawRecords
	}
	const path = "/utbildningsinformation/utbildningstillfalle/filtrera"
	if err := c.getJSON(ctx, ServiceUtbildningsinformation, path, q, &v); err != nil {
		return nil, err
	}
	return decodePage(path, pageOf(params.Page), v.TotaltAntalPoster, v.Resultat, func(u *Utbildningstillfalle) string { return u.UID })
}

// Utbildningsinstans fetches one version of a course or programme (code, name, credits).
func (c *Client) Utbildningsinstans(ctx context.Context, uid string) (*Utbildningsinstans, error) {
	var v Utbildningsinstans
	if err := c.getJSON(ctx, ServiceUtbildningsinformation, "/utbildningsinformation/utbildningsinstans/"+url.PathEscape(uid), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Kurspaketeringstillfalle fetches one programme offering by UID.
func (c *Client) Kurspaketeringstillfalle(ctx context.Context, uid string) (*Utbildningstillfalle, error) {
	var v Utbildningstillfalle
	if err := c.getJSON(ctx, ServiceUtbildningsinformation, "/utbildningsinformation/kurspaketeringstillfalle/"+url.PathEscape(uid), nil, &v); err != nil {
		return nil, err
	}
	return &v, nil
}

// Kurstillfallesdeltaganden returns a student's participations in course offerings.
func (c *Client) Kurstillfallesdeltaganden(ctx context.Context, studentUID string) ([]Tillfallesdeltagande, error) {
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
	return searchAll(ctx, c, filter.Limit, func(page, limit int) (*Page[Deltagare], error) {
		f := filter
		f.Page, f.Limit = page, limit
		return c.SearchDeltagarePage(ctx, f)
	}, func(d *Deltagare) string { return d.UID })
}

// SearchDeltagarePage fetches the page filter.Page (from 1) of a participant search. Ladok runs
// this search as a PUT with the filter as body; it changes nothing and is retried like a read.
func (c *Client) SearchDeltagarePage(ctx context.Context, filter DeltagareKurstillfalleFilter) (*Page[Deltagare], error) {
	if filter.Page < 1 {
		filter.Page = 1
	}
	if filter.Limit < 1 {
		filter.Limit = c.pageSize
	}
	if len(filter.Orderby) == 0 {
		filter.Orderby = defaultDeltagareOrder
	}
	var v struct {
		TotaltAntalPoster int
		Resultat          rawRecords
	}
	const path = "/studiedeltagande/deltagare/kurstillfalle"
	if err := c.sendJSON(ctx, http.MethodPut, ServiceStudiedeltagande, path, nil, filter, &v); err != nil {
		return nil, err
	}
	return decodePage(path, filter.Page, v.TotaltAntalPoster, v.Resultat, func(d *Deltagare) string { return d.UID })
}

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

// errPagingLoop stops a search whose pages never end.
var errPagingLoop = errors.New("ladok: the search returned more pages than its total allows; stopping")

// searchAll walks a page+limit search from page 1. It stops after a short page or when the
// total is reached; bad records are yielded as *RecordError and the walk goes on; records
// repeated on a later page (the data moved while paging) are skipped by UID.
func searchAll[T any](ctx context.Context, c *Client, limit int, fetch func(page, limit int) (*Page[T], error), idOf func(*T) string) iter.Seq2[T, error] {
	if limit < 1 || limit > DefaultPageSize {
		limit = c.pageSize
	}
	return func(yield func(T, error) bool) {
		var zero T
		seen := make(map[string]struct{})
		maxPages := -1
		for page := 1; ; page++ {
			if err := ctx.Err(); err != nil {
				yield(zero, err)
				return
			}
			p, err := fetch(page, limit)
			if err != nil {
				yield(zero, err)
				return
			}
			if maxPages < 0 {
				maxPages = p.Total/limit + 2
			}
			for i := range p.Items {
				id := idOf(&p.Items[i])
				if _, dup := seen[id]; dup {
					continue
				}
				seen[id] = struct{}{}
				if !yield(p.Items[i], nil) {
					return
				}
			}
			for _, re := range p.RecordErrors {
				if !yield(zero, re) {
					return
				}
			}
			n := len(p.Items) + len(p.RecordErrors)
			if n < limit || page*limit >= p.Total {
				return
			}
			if page >= maxPages {
				yield(zero, errPagingLoop)
				return
			}
		}
	}
}
