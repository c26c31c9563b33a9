package fs

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode"

	"github.com/edusync/edusync/internal/apiclient"
	"github.com/edusync/edusync/internal/backoff"
)

// MaxDocument is the largest explanation document CreateExplanation sends (10 MiB before
// base64). An explanation is a page or two; a larger document is a mistake, and FS's gateway
// refuses large bodies.
const MaxDocument = 10 << 20

// maxURL is the longest urlBegrunnelse sent.
const maxURL = 2048

// ErrInvalidExplanation is matched by every *ExplanationError.
var ErrInvalidExplanation = errors.New("fs: invalid explanation")

// ExplanationError says which field of an Explanation is wrong and why; nothing was sent. It
// never quotes a value.
type ExplanationError struct {
	Field   string // the JSON name: "vurdId", "kandidatnr", "datoBegrunnelseGitt", ...
	Problem string
}

// Error returns "fs: explanation: <Field> <Problem>".
func (e *ExplanationError) Error() string { return "fs: explanation: " + e.Field + " " + e.Problem }

// Unwrap returns ErrInvalidExplanation.
func (e *ExplanationError) Unwrap() error { return ErrInvalidExplanation }

// Validate reports an *ExplanationError for an explanation FS should not be sent: no valid
// vurdId, no kandidatnr, no day given (or one before the day asked), neither a URL nor a
// document, a document without its media type or larger than MaxDocument, or a URL that is not
// an absolute http(s) URL.
func (e *Explanation) Validate() error {
	bad := func(field, problem string) error { return &ExplanationError{Field: field, Problem: problem} }
	if _, err := ParseVurdID(e.VurdID); err != nil {
		return bad("vurdId", "is not a valid exam key")
	}
	if e.Kandidatnr == "" || len(e.Kandidatnr) > MaxNumber || strings.IndexFunc(string(e.Kandidatnr), unicode.IsSpace) >= 0 {
		return bad("kandidatnr", "is missing or not a number")
	}
	switch {
	case e.DatoBegrunnelseGitt.IsZero():
		return bad("datoBegrunnelseGitt", "is missing")
	case !e.DatoBegrunnelseGitt.Valid():
		return bad("datoBegrunnelseGitt", "is not a day")
	case !e.DatoBegrunnelseBedtOm.IsZero() && !e.DatoBegrunnelseBedtOm.Valid():
		return bad("datoBegrunnelseBedtOm", "is not a day")
	case !e.DatoBegrunnelseBedtOm.IsZero() && e.DatoBegrunnelseGitt.Before(e.DatoBegrunnelseBedtOm):
		return bad("datoBegrunnelseGitt", "is before the day the explanation was asked for")
	case e.URLBegrunnelse == "" && len(e.DokumentBegrunnelse) == 0:
		return bad("urlBegrunnelse", "and dokumentBegrunnelse are both missing")
	case len(e.DokumentBegrunnelse) > MaxDocument:
		return bad("dokumentBegrunnelse", "is larger than "+strconv.Itoa(MaxDocument)+" bytes")
	case len(e.DokumentBegrunnelse) > 0 && e.ContentTypeBegrunnelse == "":
		return bad("contentTypeBegrunnelse", "is missing for the document")
	case len(e.ContentTypeBegrunnelse) > 128 || strings.IndexFunc(e.ContentTypeBegrunnelse, func(r rune) bool { return !unicode.IsPrint(r) }) >= 0:
		return bad("contentTypeBegrunnelse", "is not a media type")
	}
	if e.URLBegrunnelse != "" {
		u, err := url.Parse(e.URLBegrunnelse)
		if err != nil || len(e.URLBegrunnelse) > maxURL || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.User != nil {
			return bad("urlBegrunnelse", "is not an absolute http(s) URL of at most 2048 bytes without user info")
		}
	}
	return nil
}

// Holds reports whether r shows e registered: the same candidate and exam, the same day given,
// and the same URL and media type where e has them.
func (e *Explanation) Holds(r *ExplanationRequest) bool {
	return r.VurdID == e.VurdID && r.Kandidatnr == e.Kandidatnr && r.DatoBegrunnelseGitt == e.DatoBegrunnelseGitt &&
		(e.URLBegrunnelse == "" || r.URLBegrunnelse == e.URLBegrunnelse) &&
		(e.ContentTypeBegrunnelse == "" || r.ContentTypeBegrunnelse == e.ContentTypeBegrunnelse)
}

// createAttempts is how often CreateExplanation sends an explanation whose answer was lost and
// which FS, read back, does not hold.
const createAttempts = 3

// createPause is the pause before an explanation is read back after a lost answer, doubled per
// attempt: long enough for a request still in flight at FS to land.
var createPause = 500 * time.Millisecond

// CreateExplanation registers the explanation a candidate was given (POST
// /eksamen/begrunnelser/{examSystem}), so FS counts the appeal deadline from the day it was
// given. The explanation is validated first (Validate); nothing is sent when it is not valid.
//
// A published explanation is final, so it must reach FS once. The request is never repeated
// blindly: when its answer is lost (the connection drops, a gateway times out, FS answers with
// a server error), the exam's explanation requests are read back and the explanation is sent
// again only when FS does not hold it (Holds), at most three times in all. When FS cannot be
// read back either, the error matches ErrOutcomeUnknown; check with ExplanationRegistered
// before trying again. An explanation FS already holds with other content is its answer
// (ErrConflict from FS); one it holds with the same content is success.
func (c *Client) CreateExplanation(ctx context.Context, system ExamSystem, e *Explanation) error {
	if !system.Valid() {
		return errors.Join(ErrInvalidQuery, errUnknownSystem)
	}
	if e == nil {
		return &ExplanationError{Field: "explanation", Problem: "is nil"}
	}
	if err := e.Validate(); err != nil {
		return err
	}
	path := "/eksamen/begrunnelser/" + url.PathEscape(string(system))
	pause := createPause
	for attempt := 1; ; attempt++ {
		resp, err := c.core.Do(ctx, &apiclient.Request{Method: http.MethodPost, Path: path, Body: e})
		if err == nil {
			_, _ = c.core.ReadBody(resp, path) // the answer may hold the request as it stands, or nothing
			return nil
		}
		if !lost(err) {
			return err
		}
		if backoff.Sleep(ctx, pause) != nil {
			return errors.Join(ErrOutcomeUnknown, err)
		}
		pause *= 2
		held, rerr := c.ExplanationRegistered(ctx, system, e)
		switch {
		case rerr != nil:
			return c.core.Errorf("%w: %w (reading it back: %w)", ErrOutcomeUnknown, err, rerr)
		case held:
			if l := c.core.Logger(); l != nil {
				l.Info("fs: an explanation whose answer was lost is registered; not sending it again", "vurdId", e.VurdID)
			}
			return nil
		case attempt >= createAttempts:
			return err // FS holds it not, and said so: the last failure stands, nothing is pending
		}
	}
}

// ExplanationRegistered reports whether FS holds e for its candidate (Holds), by reading the
// exam's explanation requests. A candidate without a request at that exam is false.
func (c *Client) ExplanationRegistered(ctx context.Context, system ExamSystem, e *Explanation) (bool, error) {
	exam, err := ParseVurdID(e.VurdID)
	if err != nil {
		return false, &ExplanationError{Field: "vurdId", Problem: "is not a valid exam key"}
	}
	p, err := c.GetExamExplanationRequests(ctx, system, exam)
	if err != nil {
		return false, err
	}
	for i := range p.Items {
		if e.Holds(&p.Items[i]) {
			return true, nil
		}
	}
	if len(p.RecordErrors) > 0 {
		// The explanation might be in a record that did not decode: that is no answer.
		return false, c.core.Errorf("%d of the exam's explanation requests could not be read: %w", len(p.RecordErrors), p.RecordErrors[0])
	}
	return false, nil
}

// lost reports whether err leaves open whether FS acted on the request: no answer came (the
// connection failed or dropped after the request left) or a server or gateway failed. Every
// error Do returns that is not an *APIError is of the first kind: the request itself was
// built before (its body is valid JSON and its path fixed).
func lost(err error) bool {
	var ae *APIError
	if errors.As(err, &ae) {
		return ae.StatusCode >= 500
	}
	return true
}
