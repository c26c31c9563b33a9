// Package fileset is the engine under edusync's file-set targets (packages sds, oneroster and
// asm): a reconcile.Target that delivers whole sets of files, never parts of one.
//
// School Data Sync, Google Classroom's OneRoster import and Apple School Manager take rosters
// as sets of CSV files, and read a file or row missing from a set as a mass deactivation. So a
// Target here keeps the records of the current set in memory, applies a run's actions to them,
// and on Commit writes a complete new set into a staging directory, checks every row against
// the format's rules (required columns, value lists, formats, uniqueness, references between
// files), syncs it to disk and switches to it atomically (see Dir). A run that fails, is
// canceled or breaks a rule leaves the last good set current and changes nothing on disk.
// The state for planning is the current set itself, read back from its files, so a target
// pointed at a set another tool (or an earlier version) wrote plans against that set.
//
// # Formats
//
// A Format says what a file format keeps (reconcile Capabilities, with a Normalise that maps
// SS 12000's vocabulary to the format's value lists: see RoleOf, OrgOf, Guardian), how a
// record looks once written and read back (Fit), and how a State becomes files (Write, with a
// SetWriter that validates as it writes and names the file, line, row id and rule of every
// problem in a *ValidationError) and back (Read, with ReadFile, which checks headers and bounds
// what it reads: see Limits). Dialect writes and parses CSV as RFC 4180 or Apple's variant.
//
// Ids are the referrers reconcile writes (the source keys behind Options.ReferrerPrefix),
// checked against the format's id rule; an id holding an identity number is refused (ErrID),
// so a source keyed by personal number can never put one in a file.
//
// # Scale
//
// A municipality's first set is a million memberships. The Target gives its records to
// reconcile.Load as one snapshot and Deliverable gives the screened source the same way
// (reconcile.SnapshotSource), so neither is copied record by record; it takes actions in
// batches (reconcile.BatchTarget); writers check uniqueness by 128-bit hashes of the values
// and sort memberships group by group (State.SortedMembers). BENCHMARKS.md has the figures.
//
// # Stable output
//
// Rows are written in id order and nothing is written that the input does not hold (no
// timestamps of the run, except where a format needs one per record and then from the record's
// own history), so the same records give the same bytes. A run without changes writes nothing
// (reconcile does not begin one), and a run whose new set equals the current one byte for byte
// is not switched to (Commit.Bytes is 0).
package fileset
