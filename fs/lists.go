package fs

import (
	"context"
	"errors"
	"iter"
	"net/http"
	"net/url"
	"time"

	"github.com/edusync/edusync/fs/fsrules"
	"github.com/edusync/edusync/internal/apiclient"
)

// ChangeQuery asks for the records of an institution's exams in one exam system that were
// created or changed at or after Since.
type ChangeQuery struct {
	System      ExamSystem
	Institution string // institusjonsnr
	Since       time.Time
}

// ErrInvalidQuery is matched by the error of a listing called with a query FS cannot answer
// (an unknown exam system, an institution that is not a number, no Since); nothing is sent.
var ErrInvalidQuery = errors.New("fs: invalid query")

func (q ChangeQuery) validate() error {
	switch {
	case !q.System.Valid():
		return errors.Join(ErrInvalidQuery, errUnknownSystem)
	case q.Since.IsZero():
		return errors.Join(ErrInvalidQuery, errors.New("fs: Since is required (FS lists changes since a time)"))
	}
	if err := digits("Institution", q.Institution, 8); err != nil {
		return errors.Join(ErrInvalidQuery, err)
	}
	return nil
}

// SinceLayout is how Since is written in the siden parameter: ISO 8601 with seconds and the
// offset, in Norwegian time (inferred; see openapi/fs.yaml).
const SinceLayout = "2006-01-02T15:04:05Z07:00"

// FormatSince writes t as the siden parameter: in Norwegian time, to the second, rounded down
// so that a change stamped within the same second is still listed.
func FormatSince(t time.Time) string {
	return t.In(fsrules.Oslo()).Truncate(time.Second).Format(SinceLayout)
}

// Page is one whole answer of a listing, collected. Records that could not be used are left out
// of Items and described in RecordErrors, in the answer's order, so one bad record does not
// sink the others.
type Page[T any] struct {
	Items        []T
	RecordErrors []*RecordError
}

// record is what the listings read of every record: the exam it names and its candidate.
type record interface {
	vurdID() string
	candidate() string
}

func (a *Appeal) vurdID() string                { return a.VurdID }
func (a *Appeal) candidate() string             { return string(a.Kandidatnr) }
func (r *ExplanationRequest) vurdID() string    { return r.VurdID }
func (r *ExplanationRequest) candidate() string { return string(r.Kandidatnr) }

// shapeOf is the shape of every listing: a bare JSON array of records, each of which must name
// its exam and its candidate.
func shapeOf[T any, P interface {
	*T
	record
}]() apiclient.Shape[T] {
	return apiclient.Shape[T]{
		ID:    func(v *T) string { return P(v).candidate() },
		HasID: func(v *T) bool { return P(v).candidate() != "" && P(v).vurdID() != "" },
	}
}

// belongs checks that a record's exam is one the caller asked about: an exam of institution
// when exam is nil, that exam otherwise.
func belongs(vurdID, institution string, exam *ExamKey) error {
	k, err := ParseVurdID(vurdID)
	if err != nil {
		return err
	}
	if exam != nil && k != *exam || exam == nil && k.Institution != institution {
		return ErrOtherExam
	}
	return nil
}

// listing walks one answer, turning the records that name an exam nobody asked about into
// RecordErrors (or, in strict mode, the end of the listing).
func listing[T any, P interface {
	*T
	record
}](ctx context.Context, c *Client, r *apiclient.Request, institution string, exam *ExamKey) iter.Seq2[T, error] {
	l := &apiclient.Listing[T]{First: r, Shape: shapeOf[T, P](),
		Next: func(*apiclient.Request, *apiclient.PageInfo) (*apiclient.Request, error) { return nil, nil }}
	return func(yield func(T, error) bool) {
		var zero T
		i := -1
		for v, err := range apiclient.Walk(ctx, c.core, l) {
			i++
			if err == nil {
				if bad := belongs(P(&v).vurdID(), institution, exam); bad != nil {
					re := c.core.RecordError(r.Path, i, P(&v).candidate(), bad)
					if c.core.Strict() {
						yield(zero, c.core.DecodeError(r.Path, re))
						return
					}
					v, err = zero, re
				}
			}
			if !yield(v, err) {
				return
			}
		}
	}
}

// collect gathers a listing into a Page; a failure of the answer (not of a record) is returned.
func collect[T any](seq iter.Seq2[T, error]) (*Page[T], error) {
	p := &Page[T]{}
	for v, err := range seq {
		// A bad record comes as a bare *RecordError; in strict mode it ends the listing inside
		// a DecodeError, which is the listing's failure.
		re, bad := err.(*RecordError)
		switch {
		case err == nil:
			p.Items = append(p.Items, v)
		case bad:
			p.RecordErrors = append(p.RecordErrors, re)
		default:
			return nil, err
		}
	}
	return p, nil
}

func changeRequest(path string, q ChangeQuery) (*apiclient.Request, error) {
	if err := q.validate(); err != nil {
		return nil, err
	}
	return &apiclient.Request{Method: http.MethodGet, Path: path + url.PathEscape(string(q.System)),
		Query: url.Values{"institusjonsnr": {q.Institution}, "siden": {FormatSince(q.Since)}}}, nil
}

func examRequest(path string, system ExamSystem, exam ExamKey) (*apiclient.Request, error) {
	if !system.Valid() {
		return nil, errors.Join(ErrInvalidQuery, errUnknownSystem)
	}
	if err := exam.Validate(); err != nil {
		return nil, errors.Join(ErrInvalidQuery, err)
	}
	return &apiclient.Request{Method: http.MethodGet, Path: path + url.PathEscape(string(system)) + "/" + exam.ExamID()}, nil
}

// failed is a listing that fails at once with err.
func failed[T any](err error) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		var zero T
		yield(zero, err)
	}
}

// ListChangedAppeals returns the appeals of the institution's exams in the exam system that
// were filed or changed at or after q.Since, decoded one by one as the answer arrives. FS
// answers with all of them at once (there is no paging). Records that cannot be used come as
// *RecordError in their place: those that do not decode, lack vurdId or kandidatnr, or name an
// exam of another institution.
func (c *Client) ListChangedAppeals(ctx context.Context, q ChangeQuery) iter.Seq2[Appeal, error] {
	r, err := changeRequest("/eksamen/klager/", q)
	if err != nil {
		return failed[Appeal](err)
	}
	return listing[Appeal, *Appeal](ctx, c, r, q.Institution, nil)
}

// ListChangedAppealsPage is ListChangedAppeals collected into one Page.
func (c *Client) ListChangedAppealsPage(ctx context.Context, q ChangeQuery) (*Page[Appeal], error) {
	return collect(c.ListChangedAppeals(ctx, q))
}

// ListChangedExplanationRequests returns the explanation requests of the institution's exams
// in the exam system that were made or changed at or after q.Since, as ListChangedAppeals does
// for appeals.
func (c *Client) ListChangedExplanationRequests(ctx context.Context, q ChangeQuery) iter.Seq2[ExplanationRequest, error] {
	r, err := changeRequest("/eksamen/begrunnelse/", q)
	if err != nil {
		return failed[ExplanationRequest](err)
	}
	return listing[ExplanationRequest, *ExplanationRequest](ctx, c, r, q.Institution, nil)
}

// ListChangedExplanationRequestsPage is ListChangedExplanationRequests collected into one Page.
func (c *Client) ListChangedExplanationRequestsPage(ctx context.Context, q ChangeQuery) (*Page[ExplanationRequest], error) {
	return collect(c.ListChangedExplanationRequests(ctx, q))
}

// GetExamAppeals returns every appeal of one exam. An exam FS does not know in that exam system
// is ErrNotFound; records naming another exam become RecordErrors (ErrOtherExam).
func (c *Client) GetExamAppeals(ctx context.Context, system ExamSystem, exam ExamKey) (*Page[Appeal], error) {
	r, err := examRequest("/eksamen/klager/", system, exam)
	if err != nil {
		return nil, err
	}
	return collect(listing[Appeal, *Appeal](ctx, c, r, "", &exam))
}

// GetExamExplanationRequests returns every explanation request of one exam, each with the
// explanation registered for it where there is one (DatoBegrunnelseGitt, URLBegrunnelse and
// ContentTypeBegrunnelse set; the document itself is not sent back).
func (c *Client) GetExamExplanationRequests(ctx context.Context, system ExamSystem, exam ExamKey) (*Page[ExplanationRequest], error) {
	r, err := examRequest("/eksamen/begrunnelser/", system, exam)
	if err != nil {
		return nil, err
	}
	return collect(listing[ExplanationRequest, *ExplanationRequest](ctx, c, r, "", &exam))
}
