package canvas

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"net/http"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/backoff"
	"github.com/edusync/edusync/internal/redact"
)

// CreateSISImport uploads SIS data (a CSV file or a zip of CSV files, see SISData) to be imported
// into a root account and returns the queued import; GetSISImport follows it. params.Extension
// should say csv or zip (it is guessed from the data when empty). An upload whose answer was
// lost is not repeated: the data set may already be importing.
func (c *Client) CreateSISImport(ctx context.Context, account Ref, data []byte, params *CreateSisImportParams) (*SisImport, error) {
	var p CreateSisImportParams
	if params != nil {
		p = *params
	}
	if p.ImportType == "" {
		p.ImportType = "instructure_csv"
	}
	if p.Extension == "" {
		p.Extension = CreateSisImportParamsExtensionCsv
		if len(data) >= 4 && string(data[:4]) == "PK\x03\x04" {
			p.Extension = CreateSisImportParamsExtensionZip
		}
	}
	ct := "text/csv"
	if p.Extension == CreateSisImportParamsExtensionZip {
		ct = "application/zip"
	}
	q, err := encodeQuery(&p)
	if err != nil {
		return nil, err
	}
	var si SisImport
	if err := c.send(ctx, http.MethodPost, path("/accounts/", account, "/sis_imports"), q, rawBody{data: data, contentType: ct}, &si, nil); err != nil {
		return nil, err
	}
	return &si, nil
}

// GetSISImport fetches one SIS import with its progress, counts, warnings and errors.
func (c *Client) GetSISImport(ctx context.Context, account Ref, id int64) (*SisImport, error) {
	var si SisImport
	if err := c.getJSON(ctx, path("/accounts/", account, "/sis_imports/", id), nil, &si); err != nil {
		return nil, err
	}
	return &si, nil
}

// ListSISImports lists the SIS imports of a root account, newest first.
func (c *Client) ListSISImports(ctx context.Context, account Ref, params *ListSisImportsParams) iter.Seq2[SisImport, error] {
	return list(ctx, c, path("/accounts/", account, "/sis_imports"), params, "sis_imports", sisImportID)
}

// ListSISImportsPage returns one page of ListSISImports: the first when next is "", else the
// page at next.
func (c *Client) ListSISImportsPage(ctx context.Context, account Ref, params *ListSisImportsParams, next string) (*Page[SisImport], error) {
	return listPage(ctx, c, path("/accounts/", account, "/sis_imports"), params, "sis_imports", sisImportID, next)
}

// SISImportOptions are the choices of ImportSIS.
type SISImportOptions struct {
	// DataSetID turns on diffing: Canvas compares the upload with the previous import of the same
	// data set identifier and applies only the difference, so rows that disappeared are removed
	// (enrolments get DropStatus). Use one identifier per feed (e.g. "ladok-enrollments").
	DataSetID string
	// ChangeThreshold (1-100, with DataSetID) makes Canvas import the data in full instead of as
	// a difference when more than this percentage of rows changed: a guard against a broken
	// export emptying courses. With BatchMode it stops batch deletions above the threshold.
	ChangeThreshold int
	// DropStatus is what enrolments missing from a diffed data set become (default deleted).
	DropStatus DropStatus
	// Remaster makes this upload the new base of the data set without diffing it.
	Remaster bool
	// BatchMode deletes everything SIS imports created in BatchTermID that this upload lacks.
	BatchMode   bool
	BatchTermID string // the term batch mode is limited to: a Canvas id or sis_term_id:...
	// SkipDeletes ignores rows that would delete objects.
	SkipDeletes bool
	// OverrideStickiness overwrites fields changed in the Canvas UI.
	OverrideStickiness bool
	// PollInterval is the first wait between status checks (default 1 s, growing to 10 s).
	PollInterval time.Duration
}

// SISMessage is one warning or error of an SIS import: the file it concerns and Canvas's text.
type SISMessage struct {
	File    string // the CSV file, e.g. enrollments.csv ("" when Canvas names none)
	Message string // Canvas's text, which may quote row data
}

// SISImportResult is a finished SIS import.
type SISImportResult struct {
	Import   *SisImport   // the import as Canvas finished it: state, counts, statistics
	Warnings []SISMessage // rows Canvas skipped or changed; the import still succeeded
	Errors   []SISMessage // problems that failed the import or a part of it
}

// SISImportError is returned by ImportSIS when Canvas could not import the data (failed,
// failed_with_messages, aborted). The result is still returned next to it.
type SISImportError struct {
	ID     int64          // the import
	State  SisImportState // failed, failed_with_messages or aborted
	Errors []SISMessage   // what Canvas reported
}

// Error says what state the import ended in and how many errors it reported; the first message
// is included with personal numbers masked (Canvas's messages may quote row data).
func (e *SISImportError) Error() string {
	var b strings.Builder
	fmt.Fprintf(&b, "canvas: SIS import %d ended %s", e.ID, e.State)
	if len(e.Errors) > 0 {
		fmt.Fprintf(&b, " with %d error(s); first: %s: %s", len(e.Errors), e.Errors[0].File, redact.PersonalNumbers(redact.Printable(e.Errors[0].Message, maxMessage)))
	}
	return b.String()
}

// terminal reports whether an import in state s is finished.
func terminal(s SisImportState) bool {
	switch s {
	case SisImportStateImported, SisImportStateImportedWithMessages, SisImportStateFailed,
		SisImportStateFailedWithMessages, SisImportStateAborted, SisImportStateRestored,
		SisImportStatePartiallyRestored:
		return true
	}
	return false
}

// ImportSIS writes data as a zip of Canvas SIS CSV files, uploads it, waits until Canvas has
// processed it and returns the import with its warnings and errors. Warnings (rows Canvas
// skipped) do not make it fail; an import Canvas could not carry out returns *SISImportError.
func (c *Client) ImportSIS(ctx context.Context, account Ref, data *SISData, o SISImportOptions) (*SISImportResult, error) {
	if data == nil || data.Empty() {
		return nil, errors.New("canvas: ImportSIS: no rows to import")
	}
	zipped, err := data.Zip()
	if err != nil {
		return nil, err
	}
	if o.DataSetID != "" && o.BatchMode {
		return nil, errors.New("canvas: ImportSIS: diffing (DataSetID) and batch mode cannot be combined")
	}
	if o.ChangeThreshold < 0 || o.ChangeThreshold > 100 {
		return nil, fmt.Errorf("canvas: ImportSIS: change threshold %d is not a percentage", o.ChangeThreshold)
	}
	if o.BatchMode && o.BatchTermID == "" {
		return nil, errors.New("canvas: ImportSIS: batch mode needs the term it applies to")
	}
	params := &CreateSisImportParams{
		Extension:                CreateSisImportParamsExtensionZip,
		DiffingDataSetIdentifier: o.DataSetID,
		DiffingRemasterDataSet:   o.Remaster,
		DiffingDropStatus:        o.DropStatus,
		ChangeThreshold:          o.ChangeThreshold,
		BatchMode:                o.BatchMode,
		BatchModeTermID:          o.BatchTermID,
		SkipDeletes:              o.SkipDeletes,
		OverrideSisStickiness:    o.OverrideStickiness,
	}
	si, err := c.CreateSISImport(ctx, account, zipped, params)
	if err != nil {
		return nil, err
	}
	return c.WaitSISImport(ctx, account, si, o.PollInterval)
}

// WaitSISImport polls an SIS import until Canvas has finished it (see ImportSIS for the result).
// poll is the first wait between checks (default 1 s); it grows to 10 s.
func (c *Client) WaitSISImport(ctx context.Context, account Ref, si *SisImport, poll time.Duration) (*SISImportResult, error) {
	if poll <= 0 {
		poll = time.Second
	}
	for !terminal(si.WorkflowState) {
		if err := backoff.Sleep(ctx, poll); err != nil {
			return nil, err
		}
		poll = min(poll*3/2, 10*time.Second)
		next, err := c.GetSISImport(ctx, account, si.ID)
		if err != nil {
			return nil, err
		}
		si = next
	}
	res := &SISImportResult{Import: si, Warnings: messages(si.ProcessingWarnings), Errors: messages(si.ProcessingErrors)}
	switch si.WorkflowState {
	case SisImportStateFailed, SisImportStateFailedWithMessages, SisImportStateAborted:
		return res, &SISImportError{ID: si.ID, State: si.WorkflowState, Errors: res.Errors}
	}
	return res, nil
}

// messages turns Canvas's [[file, message], ...] pairs into SISMessages.
func messages(pairs [][]string) []SISMessage {
	var out []SISMessage
	for _, p := range pairs {
		switch len(p) {
		case 0:
		case 1:
			out = append(out, SISMessage{Message: p[0]})
		default:
			out = append(out, SISMessage{File: p[0], Message: strings.Join(p[1:], " ")})
		}
	}
	return out
}
