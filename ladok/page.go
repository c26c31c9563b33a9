package ladok

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/edusync/edusync/internal/redact"
)

// Page is one page of a Ladok search. Records that could not be decoded are left out of Items
// and described in RecordErrors, so one bad record does not sink the page.
type Page[T any] struct {
	Items []T
	// Page is the page number (from 1) and Total Ladok's TotaltAntalPoster: the number of
	// records the whole search matches.
	Page, Total  int
	RecordErrors []*RecordError
}

// RecordError describes a record of a page that could not be used. It never quotes the
// record, only where it was and why it failed.
type RecordError struct {
	Path  string // the resource, e.g. /studiedeltagande/deltagare/kurstillfalle
	Page  int
	Index int    // position in the page
	UID   string // the record's Uid when it could be read
	Err   error
}

// Error says where the record was and why it failed, without its contents.
func (e *RecordError) Error() string {
	id := ""
	if e.UID != "" {
		id = " (Uid " + e.UID + ")"
	}
	return fmt.Sprintf("ladok: %s page %d record %d%s: %s", e.Path, e.Page, e.Index, id, redact.PersonalNumbers(e.Err.Error()))
}

// Unwrap returns the cause.
func (e *RecordError) Unwrap() error { return e.Err }

var errNoUID = errors.New("record has no Uid")

// rawRecords keeps a Resultat array undecoded so each record can be decoded on its own.
type rawRecords []json.RawMessage

// decodePage decodes a page's records one by one: the good ones are kept, each bad one becomes
// a RecordError.
func decodePage[T any](path string, page, total int, raw rawRecords, idOf func(*T) string) (*Page[T], error) {
	p := &Page[T]{Page: page, Total: total, Items: make([]T, 0, len(raw))}
	for i, r := range raw {
		var v T
		if err := json.Unmarshal(r, &v); err != nil {
			p.RecordErrors = append(p.RecordErrors, &RecordError{Path: path, Page: page, Index: i, UID: peekUID(r), Err: err})
			continue
		}
		if idOf(&v) == "" {
			p.RecordErrors = append(p.RecordErrors, &RecordError{Path: path, Page: page, Index: i, Err: errNoUID})
			continue
		}
		p.Items = append(p.Items, v)
	}
	return p, nil
}

// peekUID reads the Uid of a record that does not decode, for the error report.
func peekUID(raw []byte) string {
	var r struct {
		UID json.RawMessage `json:"Uid"`
	}
	if json.Unmarshal(raw, &r) != nil || len(r.UID) == 0 {
		return ""
	}
	var s string
	if json.Unmarshal(r.UID, &s) == nil {
		return redact.PersonalNumbers(s)
	}
	return ""
}
