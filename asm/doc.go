// Package asm delivers rosters to Apple School Manager as its SFTP upload: the six CSV files
// (locations, students, staff, courses, classes, rosters) in one zip archive. It is a
// reconcile.Target, fed by the SS 12000 Source or any other through the same plan, review and
// holds; package asmsftp uploads the archive.
//
//	target, err := asm.New("/var/lib/flowsync/asm", asm.Options{})
//	// ... reconcile.Load, NewPlan, Apply as for every target ...
//	target.Zip(w) // the current upload: every file, at the root of the archive
//
// # The upload
//
// Every upload has all six files, even those without changes, as Apple expects. Files are
// written in Apple's dialect: UTF-8, LF line ends, a value quoted only when it holds a space
// or comma (or a quote or backslash), quotes and backslashes escaped with a backslash, never
// doubled. Headers are those of Apple's templates as its documentation lists them
// (students: person_id, person_number, first_name, middle_name, last_name, grade_level,
// email_address, sis_username, password_policy, location_id; staff alike without grade level
// and password policy), with location_id_2 ... and instructor_id_4 ... only where a row needs
// them.
//
//   - locations.csv: every organisation.
//   - students.csv and staff.csv: a person with an Elev context is a student, a person with
//     any other context staff, at the organisations of its contexts. person_number is never
//     written: it must never carry a personal number. sis_username is the EPPN.
//   - courses.csv and classes.csv: a course and a class per group (course_id is the class's
//     id), its staff members as instructors (at most 15).
//   - rosters.csv: a row per student of each class (roster_id joins the class's and the
//     student's ids, so it is unique in the organisation and stable).
//
// # Rules
//
// Every row is checked before the upload is switched to: ids of letters, digits and hyphens,
// required columns, unique person_id across students and staff, every location_id,
// course_id, class_id, instructor and student resolving to a row of its file, at least one
// student per class and at most 15 instructors. Apple School Manager overwrites a user when a
// new upload reuses its person_id: ids are the source's keys (behind reconcile's referrer
// prefix), a create never takes an id the set holds (fileset.ErrExists), and a person's id
// never changes (fileset.ErrID), so one person's id is never given to another.
//
// Target.Deliverable leaves out what Apple School Manager cannot take: persons who are
// neither students nor staff (guardians), persons who are both, classes without students or
// with more than 15 instructors; without it such records refuse the run.
//
// # Protected identity
//
// Persons with protected identity are left out unless the host opts in for this target
// (reconcile.Options.IncludeProtected); then they are written with id, name, username and
// location only: no e-mail address.
package asm
