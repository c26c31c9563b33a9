package examsync

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"github.com/edusync/edusync/internal/redact"
	"github.com/edusync/edusync/store"
)

// AuditRecord is what examsync records of one step of one message: the fields Sikt logs per
// flow, without personlopenr and identity numbers (masked in the error text, never stored).
type AuditRecord struct {
	Time time.Time `json:"time"`
	// Env is FS's environment, OrgID the institution, ExamSys and Instance the exam system.
	Env      string `json:"env"`
	OrgID    string `json:"orgId"`
	ExamSys  string `json:"examSys"`
	Instance string `json:"instance,omitempty"`
	// Submodule is the flow and exam system ("inspera-appeal", "wiseflow-explanation", ...),
	// Step what was done ("register-appeal", "post-explanation", ...).
	Submodule string `json:"submodule"`
	Step      string `json:"step"`
	Success   bool   `json:"success"`
	// ErrorMessage (redacted) and ErrorCode (the HTTP status, when an API refused) say why a
	// step failed.
	ErrorMessage string `json:"errorMessage,omitempty"`
	ErrorCode    int    `json:"errorCode,omitempty"`
	// Dead is set on the step whose failure dead-lettered the message.
	Dead bool `json:"dead,omitempty"`
	// InputTopic is the queue the message came from (a store scope) and Offset its id there;
	// Attempt the delivery.
	InputTopic string `json:"inputTopic,omitempty"`
	Offset     int64  `json:"offset,omitempty"`
	Attempt    int    `json:"attempt,omitempty"`
	// Key is the message's key: the hash of its content, FS's change time included.
	Key string `json:"key,omitempty"`
	// The case: FS's exam (vurdId) and candidate number, the appeal's state.
	VurdID      string `json:"vurdId,omitempty"`
	Kandidatnr  string `json:"kandidatnr,omitempty"`
	Klagestatus string `json:"klagestatus,omitempty"`
	// Inspera's test and the candidate's user id there.
	TestID          string `json:"testId,omitempty"`
	UserCandidateID string `json:"userCandidateId,omitempty"`
	// WISEflow's flow, reassessment flow, explanation request and participant.
	FlowID               int64 `json:"flowId,omitempty"`
	ReassessmentFlowID   int64 `json:"reassessmentFlowId,omitempty"`
	ExplanationRequestID int64 `json:"explanationRequestId,omitempty"`
	ParticipantID        int64 `json:"participantId,omitempty"`
	// Note says what a successful step found ("already registered", "grade B").
	Note string `json:"note,omitempty"`
}

// LogValue logs the record without the candidate number.
func (r AuditRecord) LogValue() slog.Value {
	return slog.GroupValue(slog.String("orgId", r.OrgID), slog.String("submodule", r.Submodule),
		slog.String("step", r.Step), slog.Bool("success", r.Success), slog.String("vurdId", r.VurdID),
		slog.String("error", r.ErrorMessage))
}

// auditPrefix is where a tenant's audit records are kept, in its state scope, in time order.
const auditPrefix = "audit/"

// auditEntry is a record as it is kept: its error text redacted.
func auditEntry(r AuditRecord) (kv, error) {
	r.ErrorMessage = redact.Printable(redact.PersonalNumbers(r.ErrorMessage), 500)
	// What came from outside is kept as it came unless it is shaped like an identity number
	// (an FS that sends a fødselsnummer as kandidatnr).
	for _, f := range []*string{&r.VurdID, &r.Kandidatnr, &r.Klagestatus, &r.TestID, &r.UserCandidateID, &r.Note} {
		*f = redact.Printable(redact.PersonalNumbers(*f), 200)
	}
	var rnd [4]byte
	_, _ = rand.Read(rnd[:])
	b, err := json.Marshal(r)
	return kv{key: fmt.Sprintf("%s%020d-%s", auditPrefix, r.Time.UnixNano(), hex.EncodeToString(rnd[:])), value: b}, err
}

// AuditQuery selects audit records; the zero query selects all of a tenant's.
type AuditQuery struct {
	VurdID     string
	Kandidatnr string
	Submodule  string
	Step       string
	// Success, when set, keeps the successful (true) or failed (false) steps.
	Success *bool
	// Since keeps records at or after it.
	Since time.Time
	// Limit caps the records returned (default 1,000).
	Limit int
}

func (q *AuditQuery) keeps(r *AuditRecord) bool {
	return (q.VurdID == "" || q.VurdID == r.VurdID) && (q.Kandidatnr == "" || q.Kandidatnr == r.Kandidatnr) &&
		(q.Submodule == "" || q.Submodule == r.Submodule) && (q.Step == "" || q.Step == r.Step) &&
		(q.Success == nil || *q.Success == r.Success) && !r.Time.Before(q.Since)
}

// Audit returns the audit records of an institution's tenants that q selects, oldest first,
// reading the store a page at a time. With a Limit, the oldest records of all the
// institution's tenants (one per exam system) are returned.
func (s *Sync) Audit(ctx context.Context, orgID string, q AuditQuery) ([]AuditRecord, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = 1000
	}
	tenants, err := s.tenantsOf(orgID)
	if err != nil {
		return nil, err
	}
	// Each tenant's records are in time order: the oldest overall are among each one's oldest.
	var out []AuditRecord
	for _, t := range tenants {
		n := 0
		err = s.eachAudit(ctx, t, q.Since, func(r *AuditRecord) bool {
			if q.keeps(r) {
				out = append(out, *r)
				n++
			}
			return n < limit
		})
		if err != nil {
			break
		}
	}
	slices.SortStableFunc(out, func(a, b AuditRecord) int { return a.Time.Compare(b.Time) })
	return out[:min(len(out), limit)], err
}

// AuditSummary counts a tenant's audit records by submodule, step and outcome.
type AuditSummary map[string]map[string]StepCount

// StepCount is how often a step succeeded and failed.
type StepCount struct{ OK, Failed, Dead int }

// Summary counts a tenant's audit records at or after since.
func (s *Sync) Summary(ctx context.Context, orgID string, since time.Time) (AuditSummary, error) {
	tenants, err := s.tenantsOf(orgID)
	if err != nil {
		return nil, err
	}
	sum := AuditSummary{}
	count := func(r *AuditRecord) bool {
		m := sum[r.Submodule]
		if m == nil {
			m = map[string]StepCount{}
			sum[r.Submodule] = m
		}
		c := m[r.Step]
		switch {
		case r.Success:
			c.OK++
		case r.Dead:
			c.Dead++
			c.Failed++
		default:
			c.Failed++
		}
		m[r.Step] = c
		return true
	}
	for _, t := range tenants {
		if err := s.eachAudit(ctx, t, since, count); err != nil {
			return sum, err
		}
	}
	return sum, nil
}

// tenantsOf returns an institution's active tenants, or ErrConfig when it has none.
func (s *Sync) tenantsOf(orgID string) ([]*tenantRun, error) {
	if len(s.byOrg[orgID]) == 0 {
		return nil, fmt.Errorf("%w: no active tenant has orgId %s", ErrConfig, orgID)
	}
	return s.byOrg[orgID], nil
}

// eachAudit calls fn for a tenant's records at or after since, in time order, until it
// returns false.
func (s *Sync) eachAudit(ctx context.Context, t *tenantRun, since time.Time, fn func(*AuditRecord) bool) error {
	after := auditPrefix
	if !since.IsZero() {
		after = fmt.Sprintf("%s%020d", auditPrefix, since.UnixNano()-1)
	}
	for {
		var page []store.Entry[AuditRecord]
		err := s.cfg.Store.View(ctx, t.state, func(tx store.Tx) error {
			var err error
			page, err = store.ListFrom[AuditRecord](tx, auditPrefix, after, 500)
			return err
		})
		if err != nil || len(page) == 0 {
			return err
		}
		for i := range page {
			if !fn(&page[i].Value) {
				return nil
			}
		}
		after = page[len(page)-1].Key
	}
}
