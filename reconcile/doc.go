// Package reconcile keeps persons, groups, organisations and memberships in a target system in
// step with a source system: pure matching and planning, then a careful apply.
//
// Most school-sync tools key on a single id and duplicate people when it changes, or delete
// everything that is missing from a full import. This package implements the matching protocol
// Schulconnex describes for source systems, with human confirmation where a match is not
// certain, as a library that any pair of systems can use through two small interfaces.
//
// # Model
//
// Person, Group, Organisation and Membership are a small canonical model. Each record carries
// Keys for both systems: the source's own key, the target's id (when the source stores it) and
// the referrer (the source key the target stores). Attributes hold fields the model does not
// know; Person.Relations carry guardians. Empty values mean "not known" and never erase what the
// target holds. Source and Target are the interfaces adapters implement (ss12000/ss12000sync is a
// Source over SS 12000, schulconnex/schulconnexsync a Target over Schulconnex and a Source over
// its CSV export); Load reads one into a Snapshot, a Target with its Capabilities.
//
// # Planning
//
// NewPlan(source, target, options) is pure: no I/O, no clock (Options.Now is an input), and
// whatever it needs beyond the two snapshots (records this pipeline created, when records were
// deactivated, earlier decisions) arrives in Options. The host keeps that History and updates it
// from each apply report with History.Update.
//
// Persons are matched in the Schulconnex order: (1) by either key (or, for a record this
// pipeline created in a target that keeps no referrers, through History.Created), (2) by family
// name, given names, birth date and birth place, all present and equal, (3) by the attributes present on both
// sides, after confirmation (the family name and the given names or the birth date present on
// both sides, and every attribute present on both equal), (4) target records carrying this
// pipeline's referrer that the source no longer has, and (5) target records matching nothing,
// are offered for import after confirmation, (6) source records still unmatched are created. Groups and organisations follow the
// group cases: key match, import offers for the rest (never automatic: groups made by other systems,
// such as timetabling, stay), creation. Key conflicts and attribute matches with more than one
// candidate are questions for a person, never guesses. Names are compared after Fold (Unicode
// compatibility normalisation and full case folding, so "MÜLLER" equals "Müller" however the
// umlaut is encoded; white space and hyphens; invisible characters) with given names in any
// order; birth places through PlaceRules ("Erfurt" equals "Erfurt, Deutschland", aliases, and a
// normaliser function of the host's own). Memberships are compared per person-group pair, their
// comma-separated roles as a set. A source without birth places (SS 12000 has none) never
// matches in case 2: its persons match by key, or wait for a decision in case 3; a source can
// make a stronger key its SourceKey where the host allows it (ss12000sync can key persons by
// personal number).
//
// Planning proposes only what the target can hold: the source is first reduced to the target's
// Capabilities (kinds, fields and attributes it keeps, values normalised as it stores them).
// A field the target gives back otherwise than it was written, though it declared nothing, is
// reported in Plan.Unconverged from the next run on and not written again until the source
// value changes (History.Writes remembers what was written, as digests).
//
// # The plan
//
// A Plan is data: actions in a fixed order (kind, then ID), each with a reason, the Schulconnex
// case, before and after records and field diffs; counts per outcome; a sha256 fingerprint of its
// inputs and of itself; a JSON form. The inputs fingerprint hashes every record and sorts the
// record digests, so it does not depend on the order of the snapshots and is as collision
// resistant as sha256. Pending actions are answered
// with Plan.Answer (decisions one by one or a Policy such as RejectAll(OpImport)), which re-plans
// deterministically.
//
// # Safety
//
// Only records this pipeline owns are updated or removed: those carrying its referrer (see
// Options.ReferrerPrefix for targets shared with other source systems) or listed as created by
// it. Removals are off by default; when on, records go through a grace period (deactivate, delete
// after Removals.GraceDays, restore if they reappear). Holds (absolute and relative thresholds
// per kind and op) stop a plan before any write with a *HoldError. Persons with protected
// identity are left out unless Options.IncludeProtected.
//
// # Applying
//
// Apply executes exactly the plan's executable actions, organisations to memberships with
// removals in reverse, after checking the target (CheckTarget) and every action against its
// Capabilities; it re-checks each record against the target's current state and refuses stale
// actions (ErrStale), continues past failures, stops cleanly when its context ends, and emits
// one slog record and one AuditEvent per action, each write's as soon as it is done. A target
// that changes all at once (Transactional) gets Begin, then Commit, or Abort when anything
// failed. Planning again on the applied state gives a plan without changes. Package
// reconciletest has an in-memory Target for hosts' tests and TargetSuite, the conformance suite.
//
// # Writing a Target
//
// A Target is a Source (Persons, Groups, Memberships; Organisations through OrganisationSource
// where it keeps them) plus Capabilities and Apply. The rules are listed on Target; in practice:
//
//  1. Declare what you store. Capabilities returns, per kind, the fields you keep (FieldsOf(kind)
//     for all of them) and the attribute names, or nil for a kind you do not hold. Say whether
//     you keep referrers and revisions. If you store values in your own form (grades as "08",
//     codes in upper case, addresses in lower case), give Normalise and a NormaliseID: planning
//     then writes values as you will give them back, and never asks again. Everything() is the
//     declaration of a target that keeps the whole model.
//  2. Read your records. Yield each with Keys.TargetID (your id) and Keys.Referrer (the
//     referrer you were given, exactly), Revision if you keep one, and only the fields you
//     declared. Memberships name their person and group by your ids; a member with several
//     roles in one group is one membership with its roles joined by commas. Deactivated records
//     are still yielded until deleted.
//  3. Apply one action at a time, by Kind and Op. For OpCreate, OpUpdate and OpRestore,
//     Change.After is the whole record to store (not a patch); report the new id on create.
//     OpDeactivate marks the record inactive in your system's way; OpDelete removes it and its
//     memberships. With revisions, refuse an action whose Revision is not the record's current
//     one with an error wrapping ErrStale. Actions never ask for more than you declared.
//  4. If you deliver whole sets at once (files, archives), implement Transactional and declare
//     AllAtOnce: Begin opens a new set, Commit switches to it atomically, Abort throws it away.
//     A target that holds its records in memory can also give them as one snapshot
//     (SnapshotSource, which Load then takes without copying) and take actions in batches
//     (BatchTarget), which matters at a million memberships.
//  5. Test it: reconciletest.TargetSuite(t, newFixture) creates, reruns (nothing written, nothing
//     unconverged), updates, deactivates, restores and deletes records, checks that stale
//     actions are refused and capabilities honoured, and aborts a run of an all-at-once target;
//     a BatchTarget is driven through ApplyBatch, and a SnapshotSource's snapshot must give what
//     its iterators give.
//
// A plan is made against the target's own snapshot, so the declaration reaches planning by
// itself:
//
//	tgt, err := reconcile.Load(ctx, target) // reads what the target declares, with its capabilities
//	src, err := reconcile.Load(ctx, source)
//	plan, err := reconcile.NewPlan(src, tgt, opts)
//	report, err := reconcile.Apply(ctx, plan, target, reconcile.ApplyOptions{})
//	opts.History.Update(report) // keep it for the next run
package reconcile
