// Package oneroster delivers rosters as OneRoster 1.2 CSV sets (the binding Google
// Classroom's roster import reads; SDS and Apple School Manager take OneRoster too): a
// reconcile.Target, fed by the SS 12000 Source or any other through the same plan, review and
// holds.
//
//	target, err := oneroster.New("/var/lib/flowsync/oneroster", oneroster.Options{UsernameTemplate: "{given}.{family}@elev.exempelby.se"})
//	// ... reconcile.Load, NewPlan, Apply as for every target ...
//	f, _ := os.Create("oneroster.zip")
//	target.Zip(f) // the current set as the one zip archive the binding exchanges
//
// # The set
//
// manifest.csv (manifest.version 1.0, oneroster.version 1.2, a file.<name> row for each of
// the binding's 21 data files, source.systemName edusync) and the data files that have rows:
// orgs, academicSessions, users, roles, courses, classes, enrollments, and, with
// Options.Demographics, demographics. A file without rows is left out and named absent, since
// the binding forbids empty files. Headers are the binding's, in its order; RFC 4180, CRLF.
//
//   - orgs.csv: organisations; type from SS 12000 (Huvudman district, Skolenhet and Skola
//     school, the levels between department; other types are refused); identifier is the
//     school unit code, parentSourcedId the parent.
//   - users.csv: enabledUser (false while reconcile's grace period runs after a deactivation),
//     username (see sds: the EPPN, a kept or generated one), names, e-mail address,
//     agentSourcedIds (the pupil's guardians). Never a password, phone number or identity
//     number.
//   - roles.csv: a row per context (Elev student, Lärare teacher, Rektor principal, Kurator,
//     Skolpsykolog and Studie- och yrkesvägledare counselor, Lärarassistent and Barnskötare aide,
//     administrative duties siteAdministrator, Skolsköterska ext:nurse, others ext:staff, roles
//     not known ext:other), primary for a person's first role at an organisation, secondary for
//     the others; and a guardian role for each guardian at each school of its pupils.
//   - courses.csv and classes.csv: a course and a class per group (classType homeroom for
//     Klass, scheduled otherwise), at the group's school, in the term of its validity period.
//   - academicSessions.csv: a term per validity period (a group without a closed period takes
//     Options.Term, or is left out).
//   - enrollments.csv: a row per member and role (teachers: Lärare, Mentor, Personal; everyone
//     else student), beginDate and endDate from the membership's period.
//
// End dates are exclusive in OneRoster and inclusive in reconcile: a term that ends on 12 June
// is written 2026-06-13, and read back as 12 June.
//
// # Bulk and delta
//
// By default a set is a bulk set: status and dateLastModified are empty and the set is the
// whole truth. With Options.Delta every row carries status (active, or tobedeleted while a
// deactivated record's grace period runs) and dateLastModified, the time this target last
// wrote the record (read back from the set, so unchanged rows keep theirs and a rerun writes
// the same bytes). Either way every set holds every record: a consumer that applies deltas
// applies unchanged rows as no-ops.
//
// # Rules
//
// Every row is checked before the set is switched to (package fileset): required columns,
// value lists (with ext: terms where the binding allows them), GUID characters and length,
// dates, date-times in UTC, years, e-mail addresses, unique sourcedIds and usernames, and
// references between files (a class's course, school and terms, an enrollment's class,
// school and user, a role's user and organisation, a user's agents, an organisation's
// parent); a class's organisation must be a school. Where the binding leaves room, the
// stricter reading is taken.
//
// # Protected identity
//
// Persons with protected identity are left out unless the host opts in for this target
// (reconcile.Options.IncludeProtected); then they are written with id, name, username and
// roles only: no e-mail address, no agents, no demographics.
package oneroster
