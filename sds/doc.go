// Package sds delivers rosters to Microsoft School Data Sync as SDS v2.1 CSV sets: a
// reconcile.Target, so the SS 12000 Source (or any other) feeds Teams through the same plan,
// review and holds as every other target.
//
//	target, err := sds.New("/var/lib/flowsync/sds", sds.Options{UsernameTemplate: "{given}.{family}@elev.exempelby.se"})
//	tgt, err := reconcile.Load(ctx, target)   // the current set, read back from its files
//	plan, err := reconcile.NewPlan(src, tgt, opts)
//	report, err := reconcile.Apply(ctx, plan, target, reconcile.ApplyOptions{})
//	// dir/current now holds orgs.csv, academicSessions.csv, users.csv, roles.csv,
//	// classes.csv, enrollments.csv and relationships.csv: upload that directory.
//
// # The set
//
// Every set has all seven files (header-only where empty), with the header rows of
// Microsoft's v2.1 samples, RFC 4180 quoting and CRLF line ends: SDS reads a file missing from
// a later upload as all its records gone. A set is written whole into a new directory and
// switched to atomically (package fileset); a run that fails or breaks a rule leaves the last
// good set in dir/current. Rows are sorted and nothing of the run's clock is written, so the
// same records give the same bytes, and a run without changes writes nothing.
//
//   - orgs.csv: organisations (name; type from SS 12000's organisation type: Huvudman is a
//     district, Skolenhet and Skola a school, Förvaltning, Verksamhetsområde and Rektorsområde a
//     department, SDS's own terms as they are; any other type is refused), with the parent from
//     the parent attribute.
//   - users.csv: persons, with username, given and family name and e-mail address (the first,
//     in lower case); never a password, phone number or personal number.
//   - roles.csv: a row per context (organisation and role): Elev is student; Lärare and the
//     other teaching duties teacher; Rektor principal; Kurator, Skolpsykolog and Studie- och
//     yrkesvägledare advisor; Skolsköterska and Skolläkare nurse; Lärarassistent and
//     Barnskötare teacherAssistant; administrative duties administrator; Bibliotekarie and
//     Annan personal staff; any role not known other (never a staff role).
//   - classes.csv: groups (title, organisation, and the term of their validity period).
//   - academicSessions.csv: a term per validity period of the groups (a period open at either
//     end cannot be written and is left out).
//   - enrollments.csv: a row per member and role: teachers (Lärare, Mentor, Personal) are the
//     class team's owners (teacher), everyone else and any role not known student.
//   - relationships.csv: a row per guardian relation (Vårdnadshavare, God man and Utsedd
//     behörig are guardian, other relations other). SDS requires an e-mail address of a
//     contact: a set whose contact has none is refused.
//
// # Usernames
//
// A person's username is Options.Username's answer when set; else the person's EPPN; else the
// username the set already holds for it (a username once given is kept); else, for a contact
// (a person without a role anywhere, such as a guardian), the e-mail address; else one
// generated from Options.UsernameTemplate with ss12000's EPPN generator, unique within the
// set. A person with none of these cannot be written: the run is refused.
//
// # Rules and the stricter reading
//
// Before a set is switched to, every row is checked: required columns, value lists, dates and
// years, usernames of the form name@domain, e-mail addresses, unique ids and usernames, and
// references (a role's user and organisation, a class's organisation and term, an
// enrollment's class and user, a relationship's two users, an organisation's parent exist).
// A set that breaks a rule is refused with a *fileset.ValidationError naming the file, line,
// row and rule. Where Microsoft's rules could not be confirmed (the required flags beyond
// orgs and users, the contact's e-mail address), the stricter reading is taken: given and
// family names are required of every user, and every contact needs an e-mail address.
//
// # Protected identity
//
// Persons with protected identity are left out by reconcile unless the host opts in for this
// target (reconcile.Options.IncludeProtected); then only what SDS requires is written: the id,
// the name and the username, never an e-mail address or a relationship.
//
// A record reconcile deactivates stays in the set until it deletes it after the grace period
// (SDS has no inactive marker: a missing row deactivates the user at once).
package sds
