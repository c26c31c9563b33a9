package reconcile

import (
	"context"
	"errors"
	"fmt"
	"iter"
	"strconv"
	"time"

	"github.com/edusync/edusync/internal/redact"
)

// Kind names the record types the engine keeps in step. Plans order their actions by kind first,
// in the order organisations, persons, groups, memberships, because later kinds refer to earlier ones.
type Kind string

// The kinds of record, in dependency order.
const (
	KindOrganisation Kind = "organisation"
	KindPerson       Kind = "person"
	KindGroup        Kind = "group"
	KindMembership   Kind = "membership"
)

// Kinds lists every kind in dependency order, for hosts that report per kind.
var Kinds = []Kind{KindOrganisation, KindPerson, KindGroup, KindMembership}

// rank gives a kind's position in dependency order; unknown kinds sort last.
func (k Kind) rank() int {
	switch k {
	case KindOrganisation:
		return 0
	case KindPerson:
		return 1
	case KindGroup:
		return 2
	case KindMembership:
		return 3
	}
	return 4
}

// Date is a civil date (no time of day, no zone), as birth dates and validity periods are written
// in school data. The zero Date means "not given". Dates compare with ==.
type Date struct {
	year  int32
	month uint8
	day   uint8
}

// NewDate returns the date y-m-d. It does not normalise: NewDate(2024, 2, 30) is invalid and
// Valid reports so.
func NewDate(year int, month time.Month, day int) Date {
	if year < -1<<31 || year > 1<<31-1 || month < 0 || month > 255 || day < 0 || day > 255 {
		return Date{year: 0, month: 255, day: 255}
	}
	return Date{year: int32(year), month: uint8(month), day: uint8(day)}
}

// DateOf returns the civil date of t in t's location. The zero time is the zero Date (absent),
// not 0001-01-01: APIs decode a missing date to the zero time.
func DateOf(t time.Time) Date {
	if t.IsZero() {
		return Date{}
	}
	y, m, d := t.Date()
	return NewDate(y, m, d)
}

// ParseDate reads YYYY-MM-DD. The empty string is the zero Date.
func ParseDate(s string) (Date, error) {
	if s == "" {
		return Date{}, nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return Date{}, fmt.Errorf("reconcile: date %q is not YYYY-MM-DD", redact.PersonalNumbers(truncate(s, 32)))
	}
	return DateOf(t), nil
}

// Year, Month and Day return the parts of the date.
func (d Date) Year() int { return int(d.year) }

// Month returns the month of the date.
func (d Date) Month() time.Month { return time.Month(d.month) }

// Day returns the day of the month.
func (d Date) Day() int { return int(d.day) }

// IsZero reports whether the date is absent.
func (d Date) IsZero() bool { return d == Date{} }

// Valid reports whether the date is absent or a real calendar day.
func (d Date) Valid() bool {
	if d.IsZero() {
		return true
	}
	t := d.Time()
	return t.Year() == int(d.year) && t.Month() == time.Month(d.month) && t.Day() == int(d.day)
}

// Time returns the date as midnight UTC.
func (d Date) Time() time.Time {
	return time.Date(int(d.year), time.Month(d.month), int(d.day), 0, 0, 0, 0, time.UTC)
}

// Before reports whether d is earlier than e.
func (d Date) Before(e Date) bool {
	if d.year != e.year {
		return d.year < e.year
	}
	if d.month != e.month {
		return d.month < e.month
	}
	return d.day < e.day
}

// String renders YYYY-MM-DD, or "" for the zero Date.
func (d Date) String() string {
	if d.IsZero() {
		return ""
	}
	b := make([]byte, 0, 10)
	b = appendPadded(b, int(d.year), 4)
	b = append(b, '-')
	b = appendPadded(b, int(d.month), 2)
	b = append(b, '-')
	b = appendPadded(b, int(d.day), 2)
	return string(b)
}

func appendPadded(b []byte, n, width int) []byte {
	if n < 0 {
		b = append(b, '-')
		n = -n
	}
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

// MarshalText writes YYYY-MM-DD (empty for the zero Date).
func (d Date) MarshalText() ([]byte, error) { return []byte(d.String()), nil }

// UnmarshalText reads YYYY-MM-DD (empty for the zero Date).
func (d *Date) UnmarshalText(b []byte) error {
	v, err := ParseDate(string(b))
	if err != nil {
		return err
	}
	*d = v
	return nil
}

// Period is a validity period; both ends are inclusive and either may be absent (open).
type Period struct {
	// From is the first day of the period; zero when it is open at the start.
	From Date `json:"from,omitzero"`
	// To is the last day of the period; zero when it is open at the end.
	To Date `json:"to,omitzero"`
}

// IsZero reports whether neither end is given.
func (p Period) IsZero() bool { return p.From.IsZero() && p.To.IsZero() }

// ErrPeriod means a period ends before it starts, or one of its ends is not a calendar day.
var ErrPeriod = errors.New("reconcile: invalid period")

// Check returns an error wrapping ErrPeriod when the period ends before it starts or an end is
// not a real calendar day. Planning skips source records with such a period (with this reason)
// rather than guess which end is wrong.
func (p Period) Check() error {
	if !p.From.Valid() || !p.To.Valid() {
		return fmt.Errorf("%w: an end is not a calendar day", ErrPeriod)
	}
	if !p.From.IsZero() && !p.To.IsZero() && p.To.Before(p.From) {
		return fmt.Errorf("%w: it ends (%s) before it starts (%s)", ErrPeriod, p.To, p.From)
	}
	return nil
}

// String renders "from..to" with open ends left empty.
func (p Period) String() string {
	if p.IsZero() {
		return ""
	}
	return p.From.String() + ".." + p.To.String()
}

// Keys are the identifiers one record carries for the two systems being reconciled. On the
// source side, SourceKey is the record's own key and TargetID is the target's id if the source
// stores it. On the target side, TargetID is the record's own id and Referrer is the source key
// the target stores for it (Schulconnex "referrer"). Matching uses both directions.
type Keys struct {
	// SourceKey is the source system's own key of the record (source side only).
	SourceKey string `json:"sourceKey,omitempty"`
	// TargetID is the target's id of the record: its own id on the target side, the id the
	// source stores for it on the source side.
	TargetID string `json:"targetId,omitempty"`
	// Referrer is the source key the target stores for the record (target side only).
	Referrer string `json:"referrer,omitempty"`
}

// Context is a person's role at one organisation (a Schulconnex Personenkontext, an SS 12000
// duty or enrolment). Organisation is the organisation's key in the snapshot's own key space.
type Context struct {
	// Organisation is the organisation's key in the snapshot's own key space.
	Organisation string `json:"organisation"`
	// Role is the person's role there, as the systems write it (for example "Lern", "Lehr").
	Role string `json:"role"`
}

// Relation says that another person stands in a relation to this one: a guardian (SS 12000
// responsible, Schulconnex SorgBer) of a pupil. It is recorded on the person the relation is
// about (the pupil), and compared as part of a set.
type Relation struct {
	// Person is the related person's key in the snapshot's own key space (the guardian).
	Person string `json:"person"`
	// Role is the kind of relation as the systems write it (for example "Vårdnadshavare").
	Role string `json:"role,omitempty"`
}

// Person is the canonical person record. Empty fields mean "not known" and never erase a value
// the target holds; Attributes carries fields the model does not know, by name.
type Person struct {
	// Keys identify the person in both systems.
	Keys Keys `json:"keys"`
	// Revision is the target's revision of the record (target side only), checked by Apply.
	Revision string `json:"revision,omitempty"`
	// FamilyName is the family name, one of the four matching attributes.
	FamilyName string `json:"familyName,omitempty"`
	// GivenNames holds all given names, separated by spaces or hyphens, in any order.
	GivenNames string `json:"givenNames,omitempty"`
	// BirthDate is the date of birth; zero when not known.
	BirthDate Date `json:"birthDate,omitzero"`
	// BirthPlace is the place of birth as written; compared through PlaceRules.
	BirthPlace string `json:"birthPlace,omitempty"`
	// Emails are the person's e-mail addresses, compared as a set.
	Emails []string `json:"emails,omitempty"`
	// EPPNs are the person's eduPersonPrincipalNames, compared as a set.
	EPPNs []string `json:"eppns,omitempty"`
	// Protected marks a person with protected identity (for example an SS 12000 security
	// marking other than none): left out of targets unless Options.IncludeProtected.
	Protected bool `json:"protected,omitempty"`
	// Contexts are the person's roles per organisation, compared as a set.
	Contexts []Context `json:"contexts,omitempty"`
	// Relations are the persons related to this one (its guardians), compared as a set. A
	// related person left out of the target (protected identity) is left out of the set. Like
	// every field, an empty list means "not known": a pupil whose last guardian relation ended
	// keeps it in the target until a new one replaces it or the pupil leaves.
	Relations []Relation `json:"relations,omitempty"`
	// Attributes carries fields the model does not know, by name; the source's values are laid
	// over the target's, attributes only the target has are kept.
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Organisation is the canonical record of a school, school unit or other organisation.
type Organisation struct {
	// Keys identify the organisation in both systems.
	Keys Keys `json:"keys"`
	// Revision is the target's revision of the record (target side only).
	Revision string `json:"revision,omitempty"`
	// Name is the organisation's name.
	Name string `json:"name,omitempty"`
	// Type is the kind of organisation as the systems write it (for example "Schule").
	Type string `json:"type,omitempty"`
	// Attributes carries fields the model does not know, by name.
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Group is the canonical record of a class, course, teaching group or other set of persons.
// Organisation is the owning organisation's key in the snapshot's own key space.
type Group struct {
	// Keys identify the group in both systems.
	Keys Keys `json:"keys"`
	// Revision is the target's revision of the record (target side only).
	Revision string `json:"revision,omitempty"`
	// Name is the group's name (for example "7a").
	Name string `json:"name,omitempty"`
	// Type is the kind of group as the systems write it (for example "Klasse", "Kurs").
	Type string `json:"type,omitempty"`
	// Organisation is the owning organisation's key in the snapshot's own key space.
	Organisation string `json:"organisation,omitempty"`
	// Valid is the period the group exists for.
	Valid Period `json:"valid,omitzero"`
	// Attributes carries fields the model does not know, by name.
	Attributes map[string]string `json:"attributes,omitempty"`
}

// Membership says that a person belongs to a group in a role for a period. Person and Group are
// keys in the snapshot's own key space (source keys in a source snapshot, target ids in a target
// snapshot); a membership is identified by that pair. ID and Revision are the target's own id and
// revision of the membership record, when it has them.
type Membership struct {
	// ID is the target's id of the membership record, if it has one (target side only).
	ID string `json:"id,omitempty"`
	// Revision is the target's revision of the membership record (target side only).
	Revision string `json:"revision,omitempty"`
	// Person is the member's key in the snapshot's own key space.
	Person string `json:"person"`
	// Group is the group's key in the snapshot's own key space.
	Group string `json:"group"`
	// Role is the member's role in the group (for example "Lern", "Lehr"). A member with
	// several roles in one group (a pupil who is also the class's mentor) has one membership
	// whose roles are joined with commas ("Lern,KlLeit"); they are compared as a set.
	Role string `json:"role,omitempty"`
	// Period is the period of the membership.
	Period Period `json:"period,omitzero"`
}

// Snapshot is everything one side holds at one moment. Planning reads two of them and never
// changes them. AsSource turns one into a Source.
type Snapshot struct {
	// Capabilities are what the target the snapshot was read from stores (Load sets them);
	// planning reads them from the target snapshot. nil means the whole model (Everything), for
	// snapshots a host builds itself; Apply still checks the plan against the real target.
	Capabilities *Capabilities `json:"capabilities,omitempty"`
	// Organisations are the side's schools and other organisations, in any order.
	Organisations []Organisation `json:"organisations,omitempty"`
	// Persons are the side's persons, in any order.
	Persons []Person `json:"persons,omitempty"`
	// Groups are the side's groups, in any order.
	Groups []Group `json:"groups,omitempty"`
	// Memberships are the side's memberships, in any order.
	Memberships []Membership `json:"memberships,omitempty"`
}

// Source is the side whose data is authoritative: it yields its current records. Adapters for
// concrete APIs live beside their clients (ss12000/ss12000sync, schulconnex/schulconnexsync).
// A source that also has organisations implements OrganisationSource.
type Source interface {
	// Persons yields every person; an error ends the sequence.
	Persons(ctx context.Context) iter.Seq2[Person, error]
	// Groups yields every group; an error ends the sequence.
	Groups(ctx context.Context) iter.Seq2[Group, error]
	// Memberships yields every membership; an error ends the sequence.
	Memberships(ctx context.Context) iter.Seq2[Membership, error]
}

// OrganisationSource is implemented by sources and targets that also hold organisations.
type OrganisationSource interface {
	// Organisations yields every organisation; an error ends the sequence.
	Organisations(ctx context.Context) iter.Seq2[Organisation, error]
}

// Target is the side being kept in step: it yields its current state like a Source, declares
// what it stores, and applies one action at a time. "Writing a Target" in the package
// documentation walks through one. The rules (those marked checked are enforced by Load,
// NewPlan or Apply; reconciletest.TargetSuite tests the others against a live target):
//
//   - Capabilities declares the kinds, fields and attributes it keeps and how it normalises
//     values. Planning proposes nothing beyond them and Apply refuses a plan that does, before
//     any write (checked). It implements OrganisationSource exactly when it declares
//     organisations, and Transactional exactly when it declares AllAtOnce (checked).
//   - It yields every record it holds of the kinds it declares, each with its own id
//     (Keys.TargetID) and, where it keeps referrers, the referrer exactly as it was written:
//     the referrer is how the next run knows the record is this pipeline's. Memberships refer to
//     persons and groups by those ids.
//   - Apply gets one action whose references to records created earlier in the run are already
//     target ids. For creates, updates and restores, Change.After is the whole record as it
//     must be afterwards (the target's record with the source's values laid over it), not just
//     the fields in Diffs; unchanged fields are in it too.
//   - A create reports the new record's id in Written.TargetID (checked for every kind but
//     memberships, which may have no id of their own).
//   - A deactivated record stays readable until it is deleted, so that it can be restored.
//   - Deleting a person or a group removes its memberships with it: they are never yielded
//     again, and no membership action for them follows.
//   - Where it keeps revisions (Capabilities.Revisions) it reports each record's new revision
//     and refuses an update or removal whose Action.Revision is no longer the record's, with an
//     error wrapping ErrStale, so that a concurrent change is never overwritten.
//   - What it yields after applying a plan is what the plan wrote, so that planning again
//     yields no changes. A field that reads back otherwise is reported once the next plan sees
//     it (Plan.Unconverged) and is not written again while the source value stays the same.
type Target interface {
	Source
	// Capabilities declares what the target stores; it must return the same value every time.
	Capabilities() Capabilities
	// Apply carries out one action and reports the record's id and new revision.
	Apply(ctx context.Context, a Action) (Written, error)
}

// BatchTarget is implemented by targets that take many actions in one call, such as the
// file-set targets, which build a whole set in memory: Apply then hands them consecutive
// actions of one kind in batches of a few hundred rather than one by one, which on a first run
// of a million memberships saves a call, a lock and a copy of every record. Apply still
// resolves, checks, logs and reports every action by itself, ends a batch before an action
// that needs a record the batch creates (a pupil's relation to a guardian new in the same
// batch), and gives imports to the Importer between batches.
type BatchTarget interface {
	Target
	// ApplyBatch carries out the actions in order, each exactly as Target.Apply would, and
	// puts each one's result in written[i] or its error in errs[i] (both as long as actions,
	// zeroed). One action failing does not stop the others. The actions and the records they
	// point to are valid only during the call: keep copies, not pointers.
	ApplyBatch(ctx context.Context, actions []Action, written []Written, errs []error)
}

// Written is what a target reports after applying one action: the record's id (new for
// creates) and its new revision, if the target keeps revisions.
type Written struct {
	// TargetID is the record's id in the target (new for creates).
	TargetID string `json:"targetId,omitempty"`
	// Revision is the record's revision after the write, if the target keeps revisions.
	Revision string `json:"revision,omitempty"`
}

// Importer takes approved imports (Schulconnex cases 4 and 5: records the target holds that the
// source does not) into the source system. It returns the record's new source key.
type Importer interface {
	// Import creates the record of an approved OpImport action in the source system.
	Import(ctx context.Context, a Action) (sourceKey string, err error)
}

// SnapshotSource is implemented by sources (and targets) that hold their records in memory
// and can give them all at once, such as ss12000sync.Source and the file-set targets: Load
// then takes the snapshot's records as they are instead of copying them one by one, which at a
// million memberships is most of a Load. The snapshot is shared: Load's callers and planning
// only read it, and the source must not change it afterwards (it builds a new one when its
// records change). Records may come in any order.
type SnapshotSource interface {
	// Snapshot returns every record the source holds.
	Snapshot(ctx context.Context) (*Snapshot, error)
}

// Load reads a whole Source (or Target) into a Snapshot: organisations too when it implements
// OrganisationSource, then persons, groups and memberships. From a Target it reads only the kinds
// its Capabilities declare, after checking them (CheckTarget), and puts them on the snapshot,
// so a plan made against the snapshot proposes only what the target can hold. The first error
// stops the read; it is returned with the kind that failed. A SnapshotSource is read with one
// call to Snapshot, and the snapshot returned shares its records.
func Load(ctx context.Context, src Source) (*Snapshot, error) {
	var s Snapshot
	var err error
	want := func(Kind) bool { return true }
	if t, ok := src.(Target); ok {
		if err := CheckTarget(t); err != nil {
			return nil, err
		}
		caps := t.Capabilities()
		s.Capabilities = &caps
		want = func(k Kind) bool { return caps.Of(k) != nil }
	}
	if whole, ok := src.(SnapshotSource); ok {
		return loadWhole(ctx, whole, &s, want)
	}
	if os, ok := src.(OrganisationSource); ok && want(KindOrganisation) {
		if s.Organisations, err = collect(os.Organisations(ctx)); err != nil {
			return nil, fmt.Errorf("reconcile: reading organisations: %w", err)
		}
	}
	if want(KindPerson) {
		if s.Persons, err = collect(src.Persons(ctx)); err != nil {
			return nil, fmt.Errorf("reconcile: reading persons: %w", err)
		}
	}
	if want(KindGroup) {
		if s.Groups, err = collect(src.Groups(ctx)); err != nil {
			return nil, fmt.Errorf("reconcile: reading groups: %w", err)
		}
	}
	if want(KindMembership) {
		if s.Memberships, err = collect(src.Memberships(ctx)); err != nil {
			return nil, fmt.Errorf("reconcile: reading memberships: %w", err)
		}
	}
	return &s, nil
}

// loadWhole takes a SnapshotSource's snapshot, keeping only the kinds wanted.
func loadWhole(ctx context.Context, src SnapshotSource, s *Snapshot, want func(Kind) bool) (*Snapshot, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("reconcile: reading the snapshot: %w", err)
	}
	whole, err := src.Snapshot(ctx)
	if err != nil {
		return nil, fmt.Errorf("reconcile: reading the snapshot: %w", err)
	}
	if whole == nil {
		return s, nil
	}
	if want(KindOrganisation) {
		s.Organisations = whole.Organisations
	}
	if want(KindPerson) {
		s.Persons = whole.Persons
	}
	if want(KindGroup) {
		s.Groups = whole.Groups
	}
	if want(KindMembership) {
		s.Memberships = whole.Memberships
	}
	return s, nil
}

func collect[T any](seq iter.Seq2[T, error]) ([]T, error) {
	var out []T
	if seq == nil {
		return nil, nil
	}
	for v, err := range seq {
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, nil
}

// AsSource returns the snapshot as a Source (with organisations), for tests and for hosts
// that load data their own way.
func (s *Snapshot) AsSource() Source { return snapshotSource{s} }

type snapshotSource struct{ s *Snapshot }

// Organisations yields the snapshot's organisations.
func (v snapshotSource) Organisations(ctx context.Context) iter.Seq2[Organisation, error] {
	return sliceSeq(ctx, v.s.Organisations)
}

// Persons yields the snapshot's persons.
func (v snapshotSource) Persons(ctx context.Context) iter.Seq2[Person, error] {
	return sliceSeq(ctx, v.s.Persons)
}

// Groups yields the snapshot's groups.
func (v snapshotSource) Groups(ctx context.Context) iter.Seq2[Group, error] {
	return sliceSeq(ctx, v.s.Groups)
}

// Memberships yields the snapshot's memberships.
func (v snapshotSource) Memberships(ctx context.Context) iter.Seq2[Membership, error] {
	return sliceSeq(ctx, v.s.Memberships)
}

func sliceSeq[T any](ctx context.Context, items []T) iter.Seq2[T, error] {
	return func(yield func(T, error) bool) {
		for i := range items {
			if err := ctx.Err(); err != nil {
				var zero T
				yield(zero, err)
				return
			}
			if !yield(items[i], nil) {
				return
			}
		}
	}
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}
