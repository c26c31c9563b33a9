package reconcile

import (
	"errors"
	"net/url"
	"time"
)

// Op is what an action does to the target (or, for imports, to the source).
type Op string

// The operations a plan can hold.
const (
	// OpCreate adds a record the target lacks (person case 6, group case 4).
	OpCreate Op = "create"
	// OpUpdate writes changed fields, or links a matched record by writing this pipeline's referrer.
	OpUpdate Op = "update"
	// OpRestore reactivates a record this pipeline deactivated, because it reappeared in the source.
	OpRestore Op = "restore"
	// OpUnchanged records that a matched record needs no write; such actions appear only with
	// Options.IncludeUnchanged, but are always counted.
	OpUnchanged Op = "unchanged"
	// OpImport takes a record only the target holds into the source (person cases 4 and 5,
	// group cases 2 and 3). It always needs confirmation and is carried out by an Importer.
	OpImport Op = "import"
	// OpDeactivate starts the grace period of a record that left the source.
	OpDeactivate Op = "deactivate"
	// OpDelete removes a record whose grace period has ended, or a membership that ended.
	OpDelete Op = "delete"
	// OpSkip leaves a record alone and says why (protected identity, bad input, waiting for a
	// decision elsewhere).
	OpSkip Op = "skip"
)

// removal reports whether the op takes data out of the target; removals run after everything
// else, in reverse dependency order.
func (o Op) removal() bool { return o == OpDeactivate || o == OpDelete }

// writes reports whether the op changes the target when carried out.
func (o Op) writes() bool {
	switch o {
	case OpCreate, OpUpdate, OpRestore, OpDeactivate, OpDelete:
		return true
	}
	return false
}

// Confirmation is the state of an action that needs a person's decision.
type Confirmation string

// Confirmation states. Actions that need no decision have the empty Confirmation.
const (
	Pending  Confirmation = "pending"
	Approved Confirmation = "approved"
	Rejected Confirmation = "rejected"
)

// Outcome is the bucket an action is counted in.
type Outcome string

// The outcomes counted in a plan and in an apply report.
const (
	OutcomeCreated     Outcome = "created"
	OutcomeUpdated     Outcome = "updated"
	OutcomeUnchanged   Outcome = "unchanged"
	OutcomePending     Outcome = "pending"
	OutcomeImported    Outcome = "imported"
	OutcomeDeactivated Outcome = "deactivated"
	OutcomeDeleted     Outcome = "deleted"
	OutcomeSkipped     Outcome = "skipped"
)

// Outcome returns the bucket the action counts in: pending actions are pending whatever they
// would do, rejected ones are skipped, restores count as updates.
func (a *Action) Outcome() Outcome {
	switch a.Confirm {
	case Pending:
		return OutcomePending
	case Rejected:
		return OutcomeSkipped
	}
	switch a.Op {
	case OpCreate:
		return OutcomeCreated
	case OpUpdate, OpRestore:
		return OutcomeUpdated
	case OpUnchanged:
		return OutcomeUnchanged
	case OpImport:
		return OutcomeImported
	case OpDeactivate:
		return OutcomeDeactivated
	case OpDelete:
		return OutcomeDeleted
	}
	return OutcomeSkipped
}

// Executable reports whether Apply carries the action out: it writes (or imports) and does not
// wait for, or was not refused, a decision.
func (a *Action) Executable() bool {
	if a.Confirm == Pending || a.Confirm == Rejected {
		return false
	}
	return a.Op.writes() || a.Op == OpImport
}

// Counts holds the number of actions per outcome.
type Counts struct {
	// Created counts records created in the target.
	Created int `json:"created"`
	// Updated counts records updated, linked or restored.
	Updated int `json:"updated"`
	// Unchanged counts matched records that need no write.
	Unchanged int `json:"unchanged"`
	// Pending counts actions waiting for a decision.
	Pending int `json:"pending"`
	// Imported counts records taken into the source (approved imports).
	Imported int `json:"imported"`
	// Deactivated counts records starting their grace period.
	Deactivated int `json:"deactivated"`
	// Deleted counts records and memberships removed from the target.
	Deleted int `json:"deleted"`
	// Skipped counts records left alone (protected identity, bad input, rejected decisions).
	Skipped int `json:"skipped"`
}

// Add counts one action with the given outcome.
func (c *Counts) Add(o Outcome) { c.add(o, 1) }

func (c *Counts) add(o Outcome, n int) {
	switch o {
	case OutcomeCreated:
		c.Created += n
	case OutcomeUpdated:
		c.Updated += n
	case OutcomeUnchanged:
		c.Unchanged += n
	case OutcomePending:
		c.Pending += n
	case OutcomeImported:
		c.Imported += n
	case OutcomeDeactivated:
		c.Deactivated += n
	case OutcomeDeleted:
		c.Deleted += n
	default:
		c.Skipped += n
	}
}

// Changes is the number of actions that write or wait for a decision: zero when the target
// already matches the source.
func (c Counts) Changes() int {
	return c.Created + c.Updated + c.Pending + c.Imported + c.Deactivated + c.Deleted
}

// Diff is one field's value before and after an action, rendered as text for people.
type Diff struct {
	// Field names the field ("familyName", "attributes.x", "state", ...).
	Field string `json:"field"`
	// Before is the target's value as planning saw it.
	Before string `json:"before,omitempty"`
	// After is the value the action writes.
	After string `json:"after,omitempty"`
}

// Change holds the target's record as planning saw it (Before, nil for creates) and the record
// the action writes (After, nil for removals and skips).
type Change[T any] struct {
	// Before is the target's record as planning saw it; nil for creates.
	Before *T `json:"before,omitempty"`
	// After is the record the action writes; nil for removals, imports and skips.
	After *T `json:"after,omitempty"`
}

// Ref names a record of one kind by its source key, used for records a plan creates: a later
// action that needs the new target id lists the record in Needs.
type Ref struct {
	// Kind is the kind of the record created.
	Kind Kind `json:"kind"`
	// SourceKey is its source key.
	SourceKey string `json:"sourceKey"`
}

// Action is one step of a plan. Exactly one of Organisation, Person, Group and Membership is set
// (none for some skips). In After, references to records created by the same plan (listed in
// Needs) hold the source key; Apply replaces them with the new target ids before calling the
// Target.
type Action struct {
	// ID identifies the action across plans of the same inputs; decisions name actions by ID.
	ID string `json:"id"`
	// Kind is the kind of record the action is about.
	Kind Kind `json:"kind"`
	// Op is what the action does.
	Op Op `json:"op"`
	// Case is the Schulconnex matching case that produced the action (persons 1-6, groups 1-4),
	// 0 where none applies.
	Case int `json:"case,omitempty"`
	// Confirm is the state of the decision the action needs; empty when it needs none.
	Confirm Confirmation `json:"confirm,omitempty"`
	// Reason says in words, without personal data, why the action is in the plan.
	Reason string `json:"reason"`
	// SourceKey is the record's source key (for memberships, the person and group keys).
	SourceKey string `json:"sourceKey,omitempty"`
	// TargetID is the record's id in the target, when it has one.
	TargetID string `json:"targetId,omitempty"`
	// Revision is the target record's revision when planned; Apply refuses the action if the
	// record has changed since.
	Revision string `json:"revision,omitempty"`
	// Diffs are the fields the action changes, with their values before and after.
	Diffs []Diff `json:"diffs,omitempty"`
	// Needs lists the records created by the same plan whose new target ids the action needs.
	Needs []Ref `json:"needs,omitempty"`
	// SourceDigest identifies the source record the action writes (a digest of it as the
	// target stores it, without personal data), for History.Writes: the next plan tells a field
	// the target did not keep as written from a new change at the source by it.
	SourceDigest string `json:"sourceDigest,omitempty"`
	// Organisation is the record change of an organisation action.
	Organisation *Change[Organisation] `json:"organisation,omitempty"`
	// Person is the record change of a person action.
	Person *Change[Person] `json:"person,omitempty"`
	// Group is the record change of a group action.
	Group *Change[Group] `json:"group,omitempty"`
	// Membership is the record change of a membership action.
	Membership *Change[Membership] `json:"membership,omitempty"`
}

// Plan is the complete, ordered description of what applying would do. It is plain data: it
// round-trips through JSON, and Fingerprint lets a host check that a stored plan was not altered.
type Plan struct {
	// Version is the plan format version.
	Version int `json:"version"`
	// Inputs is the sha256 fingerprint of everything planning read: both snapshots, the options
	// and the history (of a PlaceRules.Func, only its FuncID). It does not depend on the order of
	// records in the snapshots.
	Inputs string `json:"inputs"`
	// Fingerprint is the sha256 fingerprint of the plan itself (all other fields).
	Fingerprint string `json:"fingerprint"`
	// Now is Options.Now of the plan, in UTC.
	Now time.Time `json:"now,omitzero"`
	// Actions in deterministic order: by kind (organisations, persons, groups, memberships),
	// then by ID.
	Actions []Action `json:"actions"`
	// Counts per outcome over all actions, including unchanged records not listed in Actions.
	Counts Counts `json:"counts"`
	// ByKind splits Counts per kind.
	ByKind map[Kind]Counts `json:"byKind"`
	// TargetSizes is the number of target records per kind, the base of relative holds.
	TargetSizes map[Kind]int `json:"targetSizes"`
	// Holds are the thresholds the plan was checked against; Tripped those it exceeds. A plan
	// with tripped holds is refused by Apply.
	Holds []Hold `json:"holds,omitempty"`
	// Tripped are the holds the plan exceeds, with the counts that exceed them.
	Tripped []Trip `json:"tripped,omitempty"`
	// Decisions are the answers planning took into account, for the host to keep.
	Decisions []Decision `json:"decisions,omitempty"`
	// Unconverged lists the fields this pipeline wrote in an earlier run that the target gives
	// back otherwise, while the source still has the value written: the target does not keep
	// them as written (it declares no normalisation for them, or cannot hold them). They are
	// not written again, and the record counts as unchanged, until the source value changes.
	Unconverged []Unconverged `json:"unconverged,omitempty"`

	inputs *planInputs // what Answer re-plans from; absent after a JSON round trip
}

// Unconverged is one field of one target record that did not read back as written.
type Unconverged struct {
	// Kind is the record's kind.
	Kind Kind `json:"kind"`
	// SourceKey is the record's source key (for memberships, the person and group keys).
	SourceKey string `json:"sourceKey,omitempty"`
	// TargetID is the record's id in the target.
	TargetID string `json:"targetId,omitempty"`
	// Field is the field, as Diff.Field names it.
	Field string `json:"field"`
	// Wanted is the value written, which the source still has.
	Wanted string `json:"wanted,omitempty"`
	// Held is the value the target gives back.
	Held string `json:"held,omitempty"`
}

// PlanVersion is the current plan format version. Version 2 changed the canonical form both
// fingerprints are computed over, version 3 added relations, source digests, unconverged fields
// and the target's capabilities; plans of another version are refused by Verify and Apply with
// ErrPlanVersion (plan again instead).
const PlanVersion = 3

// Errors a host can test for with errors.Is.
var (
	// ErrStale means the target record changed after planning; the action was refused.
	ErrStale = errors.New("reconcile: target record changed since planning")
	// ErrHeld means a safety hold tripped; nothing was written.
	ErrHeld = errors.New("reconcile: safety hold tripped")
	// ErrNoInputs means Answer was called on a plan that was not returned by NewPlan or Answer
	// in this process (for example one decoded from JSON); pass the decisions to NewPlan in
	// Options.Decisions instead.
	ErrNoInputs = errors.New("reconcile: plan does not carry its inputs (decoded plans cannot be answered; pass the decisions to NewPlan in Options.Decisions)")
	// ErrTampered means a plan's contents do not match its fingerprint.
	ErrTampered = errors.New("reconcile: plan does not match its fingerprint")
	// ErrPlanVersion means a plan was made by a version of this package with another plan
	// format; it cannot be verified and must be made again.
	ErrPlanVersion = errors.New("reconcile: plan format version not supported")
)

// escapeKey makes a key safe to embed in an action ID.
func escapeKey(s string) string { return url.QueryEscape(s) }

// recordID is the action ID for an action about one record, by source key, target id or both.
func recordID(k Kind, sourceKey, targetID string) string {
	id := string(k)
	if sourceKey != "" {
		id += "/s=" + escapeKey(sourceKey)
	}
	if targetID != "" {
		id += "/t=" + escapeKey(targetID)
	}
	return id
}

// pairKey joins a membership's person and group keys into one key.
func pairKey(person, group string) string {
	return escapeKey(person) + "," + escapeKey(group)
}
