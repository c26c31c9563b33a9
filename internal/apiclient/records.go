package apiclient

import (
	"bufio"
	"bytes"
	"errors"
	"io"
	"strconv"
	"strings"
	"sync"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/edusync/edusync/apierror"
	"github.com/edusync/edusync/internal/redact"
)

// Shape says where the records of a list answer are and how to tell them apart.
type Shape[T any] struct {
	// Items names the member of the answer's top-level object that holds the records ("data");
	// "" when the answer is the array itself.
	Items string
	// Keep names the other top-level members the paging reads (a page token, a total, a
	// pagination object); each is kept raw, up to MaxMember bytes.
	Keep []string
	// ID returns a record's id ("" when it has none), for the RecordError of a record that did
	// not decode (what was decoded before the fault) and, unless HasID is set, to tell whether a
	// record has one. A record without an id becomes a RecordError matching apierror.ErrNoID: a
	// record a consumer cannot address is never delivered. nil: records need no id.
	ID func(*T) string
	// HasID, when set, tells whether a record has an id more cheaply than ID (a number id).
	HasID func(*T) bool
	// Optional makes an answer without the Items member, or with null there, a page without
	// records instead of a DecodeError (Ladok leaves Resultat out of an empty search).
	Optional bool
	// MaxRecords, when not 0, is the most records one answer may hold; an answer with more is
	// a DecodeError. Collected answers (GetPage, a whole list such as a test's candidates) grow
	// in memory with every record, many times what its bytes in the body cap take, so an
	// answer far larger than the API ever sends is refused as broken rather than held.
	MaxRecords int
}

// MaxMember caps a kept member (Shape.Keep) of a list answer: page tokens and pagination
// objects are small, and a huge one is an attack, not paging.
const MaxMember = 64 << 10

// PageInfo is what a page said besides its records.
type PageInfo struct {
	Request *Request                  // the request that was answered
	Header  map[string][]string       // the answer's headers
	Members map[string]jsontext.Value // the kept members (Shape.Keep) the answer had
	Records int                       // how many records the page held, good and bad
}

// String returns a kept member that is a JSON string; ok is false when it is absent or null.
func (p *PageInfo) String(member string) (s string, ok bool, err error) {
	v, found := p.Members[member]
	if !found || v.Kind() == 'n' {
		return "", false, nil
	}
	if err := jsonv2.Unmarshal(v, &s); err != nil {
		return "", false, errors.New(member + " is not a string")
	}
	return s, true, nil
}

// Int returns a kept member that is a JSON number (or a string holding one); ok is false when
// it is absent or null.
func (p *PageInfo) Int(member string) (n int64, ok bool, err error) {
	v, found := p.Members[member]
	if !found || v.Kind() == 'n' {
		return 0, false, nil
	}
	s := strings.Trim(string(v), `"`)
	if n, err = strconv.ParseInt(s, 10, 64); err != nil {
		return 0, false, errors.New(member + " is not an integer")
	}
	return n, true, nil
}

// Decode decodes a kept member into v; ok is false when it is absent or null.
func (p *PageInfo) Decode(member string, v any) (ok bool, err error) {
	raw, found := p.Members[member]
	if !found || raw.Kind() == 'n' {
		return false, nil
	}
	if err := jsonv2.Unmarshal(raw, v); err != nil {
		return false, errors.New(member + " does not have the expected shape")
	}
	return true, nil
}

// The core's own complaints about an answer's shape name members without double quotes: the
// redaction of decoder errors drops whatever a message quotes.

// recordOptions are the options records are decoded from a stream with: the client's, with
// the decoder flags every answer needs (duplicate names and invalid UTF-8 tolerated, as
// encoding/json does), and without v1's way of reporting errors, which validates each record
// once more before decoding it (a fifth of the decoding time); a record that fails is skipped
// to its end (pageDecoder.recover) instead.
func recordOptions(o jsonv2.Options) jsonv2.Options {
	return jsonv2.JoinOptions(o, jsontext.AllowDuplicateNames(true), jsontext.AllowInvalidUTF8(true),
		jsonv1.ReportErrorsWithLegacySemantics(false))
}

// readers buffer the bodies records reads: the JSON decoder asks for a few kilobytes at a time,
// which would otherwise be a system call each.
var readers = sync.Pool{New: func() any { return bufio.NewReaderSize(nil, 64<<10) }}

// records decodes one list answer as it arrives on body: each record is decoded on its own as
// soon as its bytes are in and handed to yield, so neither the body nor the page is ever held
// whole. Records that do not decode, or have no id, are handed to yield as
// *apierror.RecordError in their place (in strict mode the first one ends the answer with an
// *apierror.DecodeError wrapping it). where is the endpoint, for errors. It returns the kept
// members and how many records the answer held; stopped is true when yield returned false. An
// answer that is not the expected shape, or is cut short, is an *apierror.DecodeError; the body
// cap's error and network failures are returned as read errors.
//
// In strict mode the page is decoded whole before its records are handed on, so that a page
// with a bad record delivers none (the memory of one page, within the body cap, is the price).
func records[T any](c *Client, body io.Reader, where string, shape *Shape[T], yield func(T, error) bool) (members map[string]jsontext.Value, count int, stopped bool, err error) {
	in := body
	if _, whole := body.(*bytes.Buffer); !whole {
		br := readers.Get().(*bufio.Reader)
		br.Reset(body)
		defer func() { br.Reset(nil); readers.Put(br) }()
		in = br
	}
	d := &pageDecoder[T]{c: c, where: where, shape: shape, yield: yield, dec: jsontext.NewDecoder(in, c.records)}
	var held []T
	if c.strict {
		d.yield = func(v T, _ error) bool { held = append(held, v); return true }
	}
	if err = d.page(); err != nil || d.stopped {
		return d.members, d.count, d.stopped, err
	}
	for _, v := range held {
		if !yield(v, nil) {
			return d.members, d.count, true, nil
		}
	}
	return d.members, d.count, false, nil
}

type pageDecoder[T any] struct {
	c       *Client
	where   string
	shape   *Shape[T]
	yield   func(T, error) bool
	dec     *jsontext.Decoder
	members map[string]jsontext.Value
	count   int
	stopped bool
}

func (d *pageDecoder[T]) page() error {
	if d.shape.Items == "" {
		if err := d.array(); err != nil || d.stopped {
			return err
		}
		return d.end()
	}
	if err := d.expect('{', "the answer is not a JSON object"); err != nil {
		return err
	}
	found := false
	for {
		switch d.dec.PeekKind() {
		case '}':
			if _, err := d.dec.ReadToken(); err != nil {
				return d.fail(err)
			}
			if !found && !d.shape.Optional {
				return d.c.DecodeError(d.where, errors.New("the answer has no "+d.shape.Items+" array"))
			}
			return d.end()
		case 0:
			_, err := d.dec.ReadToken()
			return d.fail(err)
		}
		tok, err := d.dec.ReadToken()
		if err != nil {
			return d.fail(err)
		}
		name := tok.String()
		switch {
		case strings.EqualFold(name, d.shape.Items):
			if found {
				return d.c.DecodeError(d.where, errors.New("the answer has two "+d.shape.Items+" members"))
			}
			found = true
			if d.dec.PeekKind() == 'n' && d.shape.Optional {
				if _, err := d.dec.ReadToken(); err != nil {
					return d.fail(err)
				}
				continue
			}
			if d.dec.PeekKind() != '[' {
				if _, err := d.dec.ReadValue(); err != nil {
					return d.fail(err)
				}
				return d.c.DecodeError(d.where, errors.New("the answer's "+d.shape.Items+" is not an array"))
			}
			if err := d.array(); err != nil || d.stopped {
				return err
			}
		case d.kept(name):
			v, err := d.dec.ReadValue()
			if err != nil {
				return d.fail(err)
			}
			if len(v) > MaxMember {
				return d.c.DecodeError(d.where, errors.New("the answer's "+redact.Printable(name, 64)+" is larger than "+strconv.Itoa(MaxMember)+" bytes"))
			}
			if d.members == nil {
				d.members = make(map[string]jsontext.Value, len(d.shape.Keep))
			}
			d.members[d.keepName(name)] = v.Clone()
		default:
			if err := d.dec.SkipValue(); err != nil {
				return d.fail(err)
			}
		}
	}
}

func (d *pageDecoder[T]) kept(name string) bool { return d.keepName(name) != "" }

// keepName returns the Keep entry name matches (case-insensitively, as encoding/json would).
func (d *pageDecoder[T]) keepName(name string) string {
	for _, k := range d.shape.Keep {
		if strings.EqualFold(k, name) {
			return k
		}
	}
	return ""
}

// array decodes the records of the array that starts at the decoder's position.
func (d *pageDecoder[T]) array() error {
	if err := d.expect('[', "the answer is not a JSON array"); err != nil {
		return err
	}
	var zero T
	strict := d.c.strict
	// One record value per page, cleared before each record (so no slice or map of a record
	// handed on is reused): decoding into a fresh local would allocate every record on the heap.
	v := new(T)
	for {
		switch d.dec.PeekKind() {
		case ']':
			_, err := d.dec.ReadToken()
			return d.fail(err)
		case 0:
			_, err := d.dec.ReadToken()
			return d.fail(err)
		}
		if m := d.shape.MaxRecords; m > 0 && d.count >= m {
			return d.c.DecodeError(d.where, errors.New("the answer holds more than "+strconv.Itoa(m)+" records"))
		}
		depth := d.dec.StackDepth()
		i := d.count
		d.count++
		*v = zero
		var bad *apierror.RecordError
		if err := jsonv2.UnmarshalDecode(d.dec, v); err != nil {
			if rerr := d.recover(err, depth); rerr != nil {
				return rerr
			}
			bad = d.c.RecordError(d.where, i, d.id(v), err)
		} else if !d.hasID(v) {
			bad = d.c.RecordError(d.where, i, "", apierror.ErrNoID)
		}
		if bad != nil {
			if strict {
				return &apierror.DecodeError{Path: bad.Path, Err: bad}
			}
			if !d.yield(zero, bad) {
				d.stopped = true
				return nil
			}
			continue
		}
		if !d.yield(*v, nil) {
			d.stopped = true
			return nil
		}
	}
}

// expect reads the opening token kind, or fails with msg.
func (d *pageDecoder[T]) expect(kind jsontext.Kind, msg string) error {
	k := d.dec.PeekKind()
	if k == 0 {
		_, err := d.dec.ReadToken()
		return d.fail(err)
	}
	if k != kind {
		return d.c.DecodeError(d.where, errors.New(msg))
	}
	_, err := d.dec.ReadToken()
	return d.fail(err)
}

// end makes sure nothing but white space follows the answer.
func (d *pageDecoder[T]) end() error {
	if _, err := d.dec.ReadToken(); err != io.EOF {
		if err == nil {
			return d.c.DecodeError(d.where, errors.New("data after the answer"))
		}
		return d.fail(err)
	}
	return nil
}

// fail turns a decoder error into the error of the answer: syntax (a body cut short included)
// is a DecodeError; the body cap and the network are read errors.
func (d *pageDecoder[T]) fail(err error) error {
	if err == nil {
		return nil
	}
	var syn *jsontext.SyntacticError
	if errors.As(err, &syn) || errors.Is(err, io.ErrUnexpectedEOF) || err == io.EOF {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return d.c.DecodeError(d.where, err)
	}
	return d.c.readError(d.where, err)
}

// recover skips the rest of a record whose decoding failed on its meaning (a string where a
// number belongs, a date that is not one), so that the next record can be read; a record that
// is not even JSON, or a failure of the body, ends the answer.
func (d *pageDecoder[T]) recover(err error, depth int) error {
	var sem *jsonv2.SemanticError
	if !errors.As(err, &sem) {
		return d.fail(err)
	}
	for d.dec.StackDepth() > depth {
		var err error
		switch d.dec.PeekKind() {
		case '}', ']':
			_, err = d.dec.ReadToken()
		case 0:
			_, err = d.dec.ReadToken()
			if err == nil {
				err = io.ErrUnexpectedEOF
			}
		default:
			err = d.dec.SkipValue()
		}
		if err != nil {
			return d.fail(err)
		}
	}
	return nil
}

func (d *pageDecoder[T]) id(v *T) string {
	if d.shape.ID == nil {
		return ""
	}
	return d.shape.ID(v)
}

func (d *pageDecoder[T]) hasID(v *T) bool {
	switch {
	case d.shape.HasID != nil:
		return d.shape.HasID(v)
	case d.shape.ID != nil:
		return d.shape.ID(v) != ""
	}
	return true
}
