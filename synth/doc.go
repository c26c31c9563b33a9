// Package synth generates deterministic, referentially valid school and university populations
// for Sweden, Germany and Norway, and "next day" changes to them, so that sync pipelines can be
// tested and measured at the scale of a real municipality or university without real data.
//
// # Generating
//
//	opts, _ := synth.PresetOptions(synth.PresetMunicipality) // or PresetSchool, PresetUniversity
//	opts.Seed = 42
//	opts.Country = synth.Norway                                 // default Sweden
//	pop, err := synth.Generate(opts)
//
// A Population holds organisations (a principal and its school units with eight-digit
// school-unit codes; a university and its departments), persons (students, staff, guardians),
// enrolments, guardianships, duties, groups (classes, teaching groups, mentor groups,
// preschool units, staff teams) and group memberships with roles and periods; for universities
// course offerings, programmes, programme offerings, admissions and registrations. Every count
// is an Options field; the presets are "school" (about 500 persons), "municipality" (a
// Stockholm-sized principal: 110,000 students, 15,000 staff, 180,000 guardians, 1,200 school
// units, 25,000 groups, 1.2 million memberships), "university" (30,000 students, 2,000
// course offerings, 150,000 registrations) and "university-no" (a Norwegian university in its
// grading season with its exams; see Exams below).
//
// Persons have names with real diacritics and several given names (Åsa, Jörg, Ødegård,
// Müller-Lüdenscheidt), birth dates and birth places, Swedish personnummer with the right Luhn
// digit (and some samordningsnummer) or Norwegian fødselsnummer (and some D-numbers), a share
// with protected identity, e-mail addresses and EPPNs for most and none for some. A share of
// hard cases for matching code is labelled with Flags: pairs with the same name and birth date,
// duplicate names, missing birth places, and misspelt names whose intended spelling is in
// Population.Typos.
//
// # Determinism
//
// The same Options (Seed included) give byte-identical output on every machine and Go version:
// all randomness comes from PCG streams of the seed, turned into numbers with integer
// arithmetic only, and nothing depends on map order or the clock. Population.WriteTo writes
// a canonical text form and Population.Hash its SHA-256, for golden tests.
//
// # The next day
//
//	next, changes, err := synth.NextDay(pop, seed, 0.001)
//
// NextDay returns a new population one day later (pop is not modified) and the list of true
// changes: new students, leavers, class moves, name changes, corrected typos, new guardians,
// protected-identity changes, group renames at the school-year change, new university
// registrations and the day's exam events (theses handed in, results announced, explanations
// requested, assigned, given and published, appeals filed, withdrawn, made active again and
// decided). Each Change names its event (Kind), the record (Entity, ID), the operation and,
// for updates, every changed field with its value before and after. A record appears in at
// most one change, so len(changes) is the minimum number of writes a sync needs, and
// Diff(pop, next) finds the same changes from the populations alone.
//
// # Exams (Norway)
//
// With Options.ExamCandidates or Options.Theses set (Country Norway), a university population
// also holds one term's exams as FS, Inspera and WISEflow know them, enough for their fakes to
// load and for the appeal, explanation, archive and publication flows to be tested:
//
//   - ExamUnit: FS's key (Institution, CourseCode, Version, AssessmentCode, Term "2026 VÅR")
//     and VurdID, the exam system (Inspera test id or WISEflow flow id, flow type, Purpose
//     such as MASTER), grade scale (A-F or pass/fail), exam day, grading deadline (sensurfrist)
//     and for a few an absolute manual appeal deadline.
//   - Committee: the kommisjonsid (Number), its examiners, ordinary or appeal committee.
//   - Candidate: a student in one unit with kandidatnr, personlopenr, username and the exam
//     system's ids; names, fødselsnummer or D-number and protected identity are the Person's
//     (SecurityMarking.Norwegian: "strengt fortrolig", "fortrolig"). Grade, announcement day
//     (kunngjøringsdato) and the explanation and appeal deadlines of fs/fsrules, FS's rules
//     (7 and 21 calendar days, three weeks after a given explanation, manual deadlines).
//   - Explanation: requested, assigned, given (with its document), published.
//   - Appeal: AKTIV, TRUKKET or decided, with datoKlageMottatt, sensurfrist,
//     kommisjonsidOppr and kommisjonsidNy, the new grade and datoVedtakFormidlet.
//   - Thesis: a master's thesis with its cover sheet (title, publish, delayed publication
//     none/1/2/3 years/never, confidentiality; answers may be missing or contradict each other)
//     and its files. A File holds only name, type, size and seed: File.Open makes the bytes on
//     demand, a well-formed PDF of the stated size (a few MB to a few hundred, times
//     Options.FileScale), readable in any range without holding the file in memory.
//
// Generate runs the term's calendar from its first day to Today: theses are handed in,
// committees announce results, candidates ask for explanations (Options.ExplanationShare of
// them, about 10% in the preset) and appeal (AppealShare, about 7%; more often after an
// explanation) within FS's deadlines, examiners answer and appeal committees decide. The same
// calendar drives NextDay. Hard cases are labelled with ExamFlag: appeals filed after an
// explanation and later than three weeks after the result, appeals withdrawn and made active
// again, late appeals, confidential theses to be published, contradictory and missing
// cover-sheet answers. Candidates include students sitting several exams (one kandidatnr for
// all) and, when ProtectedShare is above zero, persons with a strictly confidential and with a
// confidential address, and a thesis author with one. The "university-no" preset (22 June
// 2026: 30,000 candidates, 1,500 theses) takes about 0.25 s and 55 MB of heap
// (BenchmarkGenerateExams).
//
// # Using the records
//
// Records refer to each other by ID (a UUID-shaped 128-bit value; ID.String gives the UUID).
// Slices are in a fixed order; NewIndex builds lookups by ID and relations (members of a
// group, guardians of a student, ...), and the iterator methods (Students, Staff, Guardians,
// SchoolUnits, GroupsOf) stream without copying. The vocabulary is that of SS 12000 (school
// types GR, GY, FS, FKLASS, GRS; group types Klass, Undervisning, Mentor; duty roles Lärare,
// Rektor, ...) in every country; converters into each fake (ss12000test, schulconnextest,
// ladoktest, canvastest) map it to their standard and live with the fake. synth imports no
// client package.
//
// Memory stays lean: records are small structs with IDs instead of pointers and no per-record
// maps; the municipality preset takes about 0.5 s and under 300 MB of peak heap on two cores
// (BenchmarkGenerateMunicipality), one NextDay of it about 0.6 s.
package synth
