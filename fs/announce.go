package fs

import (
	"context"
	"errors"
	"time"

	"github.com/edusync/edusync/fs/fsrules"
)

// AnnouncementSource says which system an announcement day came from.
type AnnouncementSource uint8

// The values of AnnouncementSource.
const (
	// FromFS: the exam unit's announcement day in FS, from the host's lookup.
	FromFS AnnouncementSource = iota + 1
	// FromExamSystem: the day in Norway on which the exam system published the result.
	FromExamSystem
)

// String returns "fs" or "exam system".
func (s AnnouncementSource) String() string {
	switch s {
	case FromFS:
		return "fs"
	case FromExamSystem:
		return "exam system"
	}
	return ""
}

// AnnouncementQuery names the result whose announcement is asked for.
type AnnouncementQuery struct {
	System    ExamSystem
	Exam      ExamKey
	Candidate Number // kandidatnr
	// Published is when the exam system published the result: Inspera's gradedDate for the
	// candidate, WISEflow's assessment date. Zero when the flow does not know it.
	Published time.Time
}

// UnitDates is what a host's lookup reads from FS about a result beyond the DigEks services.
type UnitDates struct {
	// Announced is the kunngjøringsdato; zero when FS has none (yet).
	Announced fsrules.Date
	// ManualAppealDeadline is the exam unit's manual appeal deadline; zero when it has none.
	ManualAppealDeadline fsrules.Date
}

// AnnouncementLookup reads FS's own dates of a result, where the host can (see
// WithAnnouncementLookup). It returns zero dates when it does not know them, and an error only
// when it could not look.
type AnnouncementLookup func(ctx context.Context, q AnnouncementQuery) (UnitDates, error)

// Announcement is the day a result's deadlines count from, where it came from, and the exam
// unit's manual appeal deadline where the host's lookup knew one.
type Announcement struct {
	Day                  fsrules.Date
	Source               AnnouncementSource
	ManualAppealDeadline fsrules.Date
}

// Case returns the fsrules.Case of the result, given the days an explanation was requested
// and given (zero when it was not).
func (a Announcement) Case(explanationRequested, explanationGiven fsrules.Date) fsrules.Case {
	return fsrules.Case{Announced: a.Day, ExplanationRequested: explanationRequested,
		ExplanationGiven: explanationGiven, ManualAppealDeadline: a.ManualAppealDeadline}
}

// ErrNoAnnouncement is returned by Announcement when neither FS (through the host's lookup)
// nor the exam system has announced the result: its deadlines have not started.
var ErrNoAnnouncement = errors.New("fs: the result has not been announced")

// Announcement returns the day the result's deadlines count from: FS's own announcement day
// from the host's lookup when it has one, otherwise the day in Norway of q.Published (see
// "Where the deadlines start" in the package documentation). ErrNoAnnouncement when there is
// neither; the lookup's error when it fails.
func (c *Client) Announcement(ctx context.Context, q AnnouncementQuery) (Announcement, error) {
	return announce(ctx, c.announce, q)
}

func announce(ctx context.Context, lookup AnnouncementLookup, q AnnouncementQuery) (Announcement, error) {
	if !q.System.Valid() {
		return Announcement{}, errors.Join(ErrInvalidQuery, errUnknownSystem)
	}
	if err := q.Exam.Validate(); err != nil {
		return Announcement{}, errors.Join(ErrInvalidQuery, err)
	}
	var u UnitDates
	if lookup != nil {
		var err error
		if u, err = lookup(ctx, q); err != nil {
			return Announcement{}, err
		}
	}
	a := Announcement{ManualAppealDeadline: u.ManualAppealDeadline}
	switch {
	case !u.Announced.IsZero():
		a.Day, a.Source = u.Announced, FromFS
	case !q.Published.IsZero():
		a.Day, a.Source = fsrules.DateOf(q.Published), FromExamSystem
	default:
		return Announcement{}, ErrNoAnnouncement
	}
	return a, nil
}
