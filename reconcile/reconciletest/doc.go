// Package reconciletest provides an in-memory reconcile.Target for testing pipelines built on
// package reconcile without a real service.
//
// Target has the semantics hosts rely on from real targets: it generates ids for created
// records, keeps a revision per record and refuses writes planned on an older revision with an
// error wrapping reconcile.ErrStale, deactivates and restores records, and removes a person's or
// group's memberships when the record is deleted. It logs every write (Writes), can fail a chosen
// action (FailOn) and lets a test change a record behind the pipeline's back (EditPerson).
package reconciletest
