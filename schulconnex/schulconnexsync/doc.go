// Package schulconnexsync connects Schulconnex to package reconcile: a Target that brings a
// source system's organisation in a Schulconnex service in step with a plan, a Source that reads
// a school-administration system's CSV export, and an Importer for the records a person chose
// to take over from the service. The client itself (package schulconnex) holds the API and
// nothing else.
//
// # The Target
//
// Target is a reconcile.Target for one organisation: persons with their contexts there, its
// groups and their memberships, in the canonical model of package reconcile. It writes the
// least each change needs (a name change is one PUT, a new person one POST for the person and
// one per context, a class move one DELETE and one POST) and refuses actions planned on records
// that changed since (reconcile.ErrStale). OpenCSV reads a school-administration system's CSV
// export (see The CSV export below) as a reconcile.Source; it is also how
// data from systems without an API enters edusync. Importer carries out approved imports into
// it. examples/schulconnex-sync runs the eleven steps of the practice guide with them.
//
// # The CSV export
//
// Three files, UTF-8 with or without a byte-order mark, separated by ";" or "," (detected from
// the header line, or CSVOptions.Delimiter), quoted as RFC 4180 says, a header line first. Column
// names are matched without regard to case; columns the format does not know are ignored, and
// only the columns marked (required) must be present. CSVOptions.Columns maps these names to a
// system's own headers.
//
// personen.csv, one row per person:
//
//	id              (required) the system's key of the person, unique; the referrer in Schulconnex
//	schulconnex_id  the person's Schulconnex id, where the system stores it
//	familienname    (required) family name(s)
//	vorname         (required) given name(s), separated by spaces
//	geburtsdatum    birth date, YYYY-MM-DD or DD.MM.YYYY
//	geburtsort      birth place ("Erfurt" or "Eindhoven, Niederlande")
//	geschlecht      m, w, d or x (also männlich, weiblich, divers)
//	auskunftssperre Ja or Nein (also 1/0, true/false): an information block, protected identity
//	email           e-mail addresses, separated by spaces
//	rollen          (required) roles at the school, separated by spaces: Lern, Lehr, SorgBer, Leit, NLehr, ...
//	schule          (required) the school's number (the organisation's kennung in Schulconnex)
//	jahrgangsstufe  the grade of a learner (7 or 07)
//
// gruppen.csv, one row per group:
//
//	id              (required) the system's key of the group, unique
//	schulconnex_id  the group's Schulconnex id, where the system stores it
//	bezeichnung     (required) name ("7a", "Englisch 7a", "Kollegium")
//	typ             (required) Klasse, Kurs or Sonstig
//	schule          the school's number
//	von, bis        the period the group runs, YYYY-MM-DD or DD.MM.YYYY
//	jahrgangsstufen grades, separated by spaces or commas
//	faecher         subjects: codes of the Schulconnex list (MA, DE, EN, ...) or names, separated by commas
//
// gruppenzugehoerigkeiten.csv, one row per membership:
//
//	person          (required) the id of the person
//	gruppe          (required) the id of the group
//	rollen          (required) roles in the group, separated by spaces: Lern, Lehr, KlLeit, GMit, ...
//	von, bis        the period of the membership
//
// A row that cannot be read (a missing required value, a date that is not one) fails the
// whole read with an error naming file and line: a source that silently lost a record would
// make a synchronisation remove it.
//
// Package schulconnextest provides a fake Schulconnex service with the same semantics for tests,
// and SourceSnapshot, a synthetic population's export in this package's canonical form.
package schulconnexsync
