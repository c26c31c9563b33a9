package fs

import (
	"context"
	"iter"
)

// Service is what the exam flows (examsync's appeals and explanations, archive's deadlines)
// need from FS, and all they may use of it. *Client implements it over the DigEks REST
// services; FS is moving its integrations to a GraphQL API, and an implementation over that
// replaces this one without a change to the flows. An implementation keeps the semantics the
// methods' documentation on Client gives: the listings are tolerant (a bad record is a
// *RecordError in its place), CreateExplanation never registers an explanation twice, and
// Announcement prefers FS's own day.
type Service interface {
	// ListChangedAppeals: the appeals of an institution's exams in one exam system filed or
	// changed at or after q.Since.
	ListChangedAppeals(ctx context.Context, q ChangeQuery) iter.Seq2[Appeal, error]
	// ListChangedExplanationRequests: the explanation requests made or changed at or after
	// q.Since.
	ListChangedExplanationRequests(ctx context.Context, q ChangeQuery) iter.Seq2[ExplanationRequest, error]
	// GetExamAppeals: every appeal of one exam.
	GetExamAppeals(ctx context.Context, system ExamSystem, exam ExamKey) (*Page[Appeal], error)
	// GetExamExplanationRequests: every explanation request of one exam, with the explanation
	// registered for it where there is one.
	GetExamExplanationRequests(ctx context.Context, system ExamSystem, exam ExamKey) (*Page[ExplanationRequest], error)
	// CreateExplanation registers a given explanation, once.
	CreateExplanation(ctx context.Context, system ExamSystem, e *Explanation) error
	// ExplanationRegistered reports whether FS holds e.
	ExplanationRegistered(ctx context.Context, system ExamSystem, e *Explanation) (bool, error)
	// Announcement: the day a result's deadlines count from.
	Announcement(ctx context.Context, q AnnouncementQuery) (Announcement, error)
	// Ping checks that FS answers and accepts the credentials.
	Ping(ctx context.Context) error
}

var _ Service = (*Client)(nil)
