// Package ss12000sync makes an SS 12000 service a reconcile.Source: the school-administration
// system every Swedish municipality runs feeds any reconcile Target (Schulconnex, the SDS,
// OneRoster and Apple School Manager file sets, an SS 12000 provider of its own) through the same
// plan, review and holds.
//
//	src, err := ss12000sync.New(client, ss12000sync.Options{Store: st, Scope: store.Scope{Flow: "sds", Tenant: "exempelby"}})
//	source, err := src.Snapshot(ctx)              // reads what changed since the last run
//	target, err := reconcile.Load(ctx, sdsTarget)
//	plan, err := reconcile.NewPlan(source, target, opts)
//
// # What it yields
//
// For the day it runs (Options.Now, in Options.Location):
//
//   - Organisations: every organisation that has not ended (the principal, schools, school
//     units), keyed by id, with name and type, and attributes for its parent (parent), school
//     unit code, organisation code, municipality code and school types.
//   - Persons with a current enrolment or duty, keyed by id (or by personal number, see
//     KeyCivicNo): family name; given name and middle name as GivenNames (the middle name also
//     as the middleName attribute); birth date; e-mail addresses (not the private ones, see
//     Options.EmailTypes); EPPNs; protected identity through ss12000.IsProtected, which treats
//     a missing or unknown marking as protected; one Context per current enrolment (its school
//     unit, role Elev, with the school types and years as the schoolType and schoolYear
//     attributes) and per current duty (its school unit and duty role, "Lärare", "Rektor", ...).
//     With Options.Guardians, the guardians (responsibles) of those pupils too, and a Relation on
//     each pupil to each guardian, with the relation type as role.
//   - Groups that have not ended, with name, type, organisation, period and school type.
//   - Memberships, one per person and group, from the group's memberships (role Elev for
//     enrolled persons, Personal for staff, Medlem otherwise), from duties' assignment roles
//     ("Mentor", ...) and from activities' teachers (role Lärare in each of the activity's
//     groups). The roles of one person in one group are merged: a pupil who is also the group's
//     mentor is one membership "Elev,Mentor". Memberships of persons or groups not in the
//     snapshot are left out (Counts.DroppedMemberships).
//
// Dates SS 12000 leaves out are absent (the zero reconcile.Date), never 0001-01-01. SS 12000 has
// no birth place, so its persons never match a target's records by the four attributes of
// reconcile's case 2: they match by key, or by the attributes present on both sides after a
// person's confirmation (case 3). Where a target already knows persons by their personal number
// and the host allows it, KeyCivicNo makes it the key. Addresses, phone numbers and photos are
// never read into the snapshot.
//
// Persons with protected identity are in the snapshot marked Protected: reconcile leaves them,
// their memberships and relations to them out of every target unless the host opts in for that
// target (reconcile.Options.IncludeProtected). Their personal number is never a key.
//
// # Reading only what changed
//
// Refresh (called by Snapshot, and by Organisations, which reconcile.Load reads first) reads
// the service with ss12000.Syncer: everything the first time, then delta runs that list only
// the records modified since the last run and the removals on /deletedEntities. With
// Options.Store the records it needs are kept in store (a compact binary form, no personal
// number unless KeyCivicNo) with the Syncer's watermarks, written in one transaction: a new
// process loads them and reads only what changed, so an hourly run on a municipality costs a
// few requests. The records lie in a base of large segments, rewritten only when everything
// is read or the records changed since outgrow a quarter of it, and a row per record changed
// since: a run writes what it read, and loading reads a few hundred rows, not one a record. A run that fails stores nothing and keeps the previous snapshot; records the
// service sends that cannot be decoded fail the run (ErrUnreadableRecords) rather than vanish
// from the targets. A stored snapshot that cannot be read is replaced by a full read
// (Report.Reread says why); Options.FullEvery forces one now and then.
package ss12000sync
