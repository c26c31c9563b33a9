// Package reconciletest provides an in-memory reconcile.Target for testing pipelines built on
// package reconcile without a real service, and TargetSuite, the conformance suite every Target
// runs.
//
// Target has the semantics hosts rely on from real targets: it generates ids for created
// records, keeps a revision per record and refuses writes planned on an older revision with an
// error wrapping reconcile.ErrStale, deactivates and restores records, and removes a person's or
// group's memberships when the record is deleted. It logs every write (Writes), can fail a chosen
// action (FailOn) and lets a test change a record behind the pipeline's back (EditPerson).
// WithCapabilities makes it a narrower target (no organisations, no referrers or revisions,
// values stored normalised) that keeps only what it declares; AtomicTarget changes all at once
// (reconcile.Transactional), as file-set targets do.
//
// TargetSuite(t, newFixture) is to targets what storetest.Run is to stores: given a fresh target
// and a small source in its vocabulary, it checks the rules of reconcile.Target a program cannot
// check by itself against the live target.
package reconciletest
