package reconcile

import (
	"time"
)

// Options are the inputs to planning besides the two snapshots. Everything here is data, so a
// plan is a pure function of its inputs and its fingerprint covers them; the one exception, a
// place normaliser function (PlaceRules.Func), is covered through the name it is given.
type Options struct {
	// Now is the moment grace periods are measured against. Planning never reads the clock;
	// Now is required when removals are enabled.
	Now time.Time `json:"now,omitzero"`
	// History is what this pipeline remembers from earlier runs: records it created and
	// records it deactivated. The host keeps it (for example in store) and updates it from each
	// apply report with History.Update.
	History History `json:"history,omitzero"`
	// Decisions answer pending actions of earlier plans. Decisions naming actions that no
	// longer exist are ignored.
	Decisions []Decision `json:"decisions,omitempty"`
	// Removals switches on deactivating and deleting records that left the source. Off by
	// default: then a record the pipeline owns that the source no longer has is offered for
	// import (Schulconnex person case 4, group case 2) instead.
	Removals Removals `json:"removals,omitzero"`
	// Holds are the safety thresholds. Nil means DefaultHolds; an empty non-nil slice means none.
	Holds []Hold `json:"holds,omitempty"`
	// IncludeProtected lets persons with protected identity into the target. Off by default:
	// they are skipped, and a record the target already holds for one is deactivated when
	// removals are on.
	IncludeProtected bool `json:"includeProtected,omitempty"`
	// ReferrerPrefix namespaces the referrers this pipeline writes: the referrer of a record is
	// ReferrerPrefix + source key. Target records whose referrer lacks the prefix belong to
	// another source system and are never updated or removed. Empty means every referrer in
	// the target is this pipeline's.
	ReferrerPrefix string `json:"referrerPrefix,omitempty"`
	// Places says which birth places are equal (see PlaceRules).
	Places PlaceRules `json:"places,omitzero"`
	// IncludeUnchanged lists matched records that need no write as OpUnchanged actions. They are
	// counted either way; listing them costs memory at scale.
	IncludeUnchanged bool `json:"includeUnchanged,omitempty"`
}

// Removals configures what happens to records that left the source.
type Removals struct {
	// Enabled switches removals on.
	Enabled bool `json:"enabled,omitempty"`
	// GraceDays is how long a deactivated person, group or organisation stays before it is
	// deleted; it is restored if it reappears in the source meanwhile. Its memberships stay with
	// it until then (the target removes them with the record). Memberships of records that stay
	// have no grace period: an ended membership is deleted, and added again if it comes back.
	GraceDays int `json:"graceDays,omitempty"`
}

// History is the pipeline's memory between runs, kept by the host (package pipeline keeps it in
// store) and folded from each apply report with Update. Created lists the target records this
// pipeline created with their source keys: they are its own, and are matched to their source
// records by it even where the target cannot store a referrer. Deactivated lists records in their
// grace period. Writes remembers which source record each recently written target record was
// written from, so that a field the target does not keep as written is reported once
// (Plan.Unconverged) instead of written on every run. It holds no personal data beyond the
// source keys.
type History struct {
	// Created lists the target records this pipeline created.
	Created []Created `json:"created,omitempty"`
	// Deactivated lists the records in their grace period.
	Deactivated []Deactivated `json:"deactivated,omitempty"`
	// Writes lists the records written by the last run (creates of organisations, persons and
	// groups, updates and restores of every kind) and those still unconverged.
	Writes []Write `json:"writes,omitempty"`
}

// IsZero reports whether the history is empty.
func (h History) IsZero() bool {
	return len(h.Created) == 0 && len(h.Deactivated) == 0 && len(h.Writes) == 0
}

// Record names one target record.
type Record struct {
	// Kind is the record's kind.
	Kind Kind `json:"kind"`
	// TargetID is the record's id in the target.
	TargetID string `json:"targetId"`
}

// Created names a target record this pipeline created, and the source record it was created for.
type Created struct {
	// Kind is the record's kind.
	Kind Kind `json:"kind"`
	// TargetID is the record's id in the target.
	TargetID string `json:"targetId"`
	// SourceKey is the source key of the record it was created for.
	SourceKey string `json:"sourceKey,omitempty"`
}

// Deactivated says when a target record was deactivated.
type Deactivated struct {
	// Kind is the record's kind.
	Kind Kind `json:"kind"`
	// TargetID is the record's id in the target.
	TargetID string `json:"targetId"`
	// Since is when the record was deactivated; its grace period runs from here.
	Since time.Time `json:"since"`
}

// Write says that a target record was written from a source record (Action.SourceDigest).
// Memberships without an id of their own are named by their person's and group's target ids.
type Write struct {
	// Kind is the record's kind.
	Kind Kind `json:"kind"`
	// TargetID is the record's id in the target.
	TargetID string `json:"targetId"`
	// SourceDigest is the digest of the source record written.
	SourceDigest string `json:"sourceDigest"`
}

// Verdict is a person's answer to a pending action.
type Verdict string

// The answers to a pending action. Undecided leaves it pending.
const (
	// Undecided leaves the action pending.
	Undecided Verdict = ""
	// Approve accepts the pairing or import the action proposes.
	Approve Verdict = "approve"
	// Reject refuses it: the records are then treated as unrelated, an import is skipped.
	Reject Verdict = "reject"
)

// Decision answers one pending action, named by its ID.
type Decision struct {
	// ID is the ID of the pending action answered.
	ID string `json:"id"`
	// Verdict is the answer.
	Verdict Verdict `json:"verdict"`
}

// Hold is a safety threshold: a plan whose count of one operation on one kind exceeds it is not
// applied. With Percent > 0 the threshold is relative: it trips when the count is more than
// Percent % of the target's records of the kind and also more than Max (a floor, so that small
// schools are not held for a handful of changes). With Percent 0 it is absolute: it trips when
// the count is more than Max. Kind "" counts every kind.
type Hold struct {
	// Kind is the kind of record counted; "" counts every kind.
	Kind Kind `json:"kind,omitempty"`
	// Op is the operation counted (create, update, restore, import, deactivate or delete).
	Op Op `json:"op"`
	// Max is the absolute threshold, or with Percent the floor the count must also exceed.
	Max int `json:"max,omitempty"`
	// Percent is the relative threshold, in percent of the target's records of the kind.
	Percent float64 `json:"percent,omitempty"`
}

// DefaultHolds returns the holds used when Options.Holds is nil: more than 10% of the target's
// organisations, or more than 10% and more than 10 of its persons or groups, deactivated or
// deleted; more than 30% and more than 50 of its memberships deleted or updated; more than 50%
// and more than 50 of its persons updated.
func DefaultHolds() []Hold {
	return []Hold{
		{Kind: KindOrganisation, Op: OpDeactivate, Percent: 10},
		{Kind: KindOrganisation, Op: OpDelete, Percent: 10},
		{Kind: KindPerson, Op: OpDeactivate, Percent: 10, Max: 10},
		{Kind: KindPerson, Op: OpDelete, Percent: 10, Max: 10},
		{Kind: KindGroup, Op: OpDeactivate, Percent: 10, Max: 10},
		{Kind: KindGroup, Op: OpDelete, Percent: 10, Max: 10},
		{Kind: KindMembership, Op: OpDelete, Percent: 30, Max: 50},
		{Kind: KindMembership, Op: OpUpdate, Percent: 30, Max: 50},
		{Kind: KindPerson, Op: OpUpdate, Percent: 50, Max: 50},
	}
}
