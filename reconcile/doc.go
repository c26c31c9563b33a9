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
// know. Empty values mean "not known" and never erase what the target holds. Source and Target
// are the interfaces adapters implement (the SS 12000, Schulconnex, ... client packages); Load
// reads one into a Snapshot.
//
// # Planning
//
// NewPlan(source, target, options) is pure: no I/O, no clock (Options.Now is an input), and
// whatever it needs beyond the two snapshots (records this pipeline created, when records were
// deactivated, earlier decisions) arrives in Options. The host keeps that History and updates it
// from each apply report with History.Update.
//
// Persons are matched in the Schulconnex order: (1) by either key, (2) by family name, given
// names, birth date and birth place, all present and equal, (3) by the attributes present on both
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
// normaliser function of the host's own). Memberships are compared per person-group pair.
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
// removals in reverse, re-checks each record against the target's current state and refuses stale
// actions (ErrStale), continues past failures, stops cleanly when its context ends, and emits one
// slog record and one AuditEvent per action, each write's as soon as it is done. Planning again on the applied state gives a plan
// without changes. Package reconciletest has an in-memory Target for hosts' tests.
package reconcile
