package archive

import (
	"context"
	"io"
	"time"
)

// Archiver files records in an institution's archive. NoarkArchiver does it through the Noark
// 5 tjenestegrensesnitt; an archive with another interface (Public 360's SIF) implements this.
type Archiver interface {
	// Deliver files d's records and files. It must be idempotent by d.Records.Key: when the
	// archive holds a complete registration with that key it returns its receipt and files
	// nothing; an incomplete one (an earlier attempt that failed halfway) is removed and filed
	// again. The case file is found by d.Records.CaseFileKey and made only when missing.
	Deliver(ctx context.Context, d *Delivery) (Receipt, error)
}

// Delivery is one registration to file: a thesis, or the outcome of its appeal.
type Delivery struct {
	Records *Records
	// Files are the staged files, by the index Document.File names.
	Files []StagedFile
	// Open reads a staged file (from the staging area, never from the exam system again).
	Open func(ctx context.Context, f StagedFile) (io.ReadCloser, error)
}

// Receipt is what the archive answered: the ids of what it holds.
type Receipt struct {
	CaseFile     string    `json:"caseFile"`
	Registration string    `json:"registration"`
	Documents    []string  `json:"documents,omitempty"`
	Archived     time.Time `json:"archived"`
	// Found is set when the registration was there already (an earlier delivery whose answer
	// was lost).
	Found bool `json:"found,omitempty"`
}
