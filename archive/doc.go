// Package archive files master's theses in the institution's archive once FS's appeal and
// explanation deadlines have passed, as every Norwegian institution must: collected from
// Inspera and WISEflow, given an access code from the cover sheet and the grade, mapped to the
// archive's records as the archive's mapping document says, staged, and delivered exactly
// once.
//
//	flow, err := archive.New(archive.Config{
//		Store: st, Scope: store.Scope{Flow: "thesis-archive", Tenant: "uit"},
//		FS:    fsClient,
//		Sources: map[archive.System]archive.Source{
//			archive.Inspera:  &archive.InsperaSource{Client: insperaClient, Covers: lookup},
//			archive.WISEflow: &archive.WISEflowSource{Client: wiseflowClient, Cover: elements},
//		},
//		Stager:   &s3stage.Stager{Client: s3Client, Bucket: "thesis-staging"},
//		Archiver: &archive.NoarkArchiver{Client: noarkClient, Series: "Masteroppgaver"},
//		Alerts:   notifier, // *notify.Notifier
//	})
//	go flow.Run(ctx, time.Hour)
//
// # Collecting
//
// The receivers hand theses over: an insperahook event (submission_delivered,
// confirm_final_grades, appeal_graded on a test whose purpose is MASTER) through
// InsperaSource.Theses, a wiseflowpoll change (a concluded flow of purpose MASTER with its
// handed-in submissions) through WISEflowSource.Theses; Collect records each thesis (key: exam
// system, vurdId, kandidatnr) in the store with its cover sheet, grade, candidate, source ids
// and files, and schedules its check. Inspera's API holds no cover sheet: InsperaSource.Covers
// reads it where the institution keeps it, and a thesis without one is restricted.
//
// # Deadlines
//
// A thesis is archived when it has a final grade and FS's deadlines (fs/fsrules, the rules
// the exam flows share) have passed: the explanation period (7 days after the announcement)
// and the appeal period (21 days, three weeks after an explanation was given, or a manual
// deadline), with no explanation requested and not given and no appeal still open. The
// announcement day is FS's where the host's lookup knows it, else the day the exam system
// published the grade (fs.Client.Announcement). After an appeal the reassessment's grade
// counts: the source is read again before every check. Each thesis has a store timer, set to
// the end of its periods or, while something is open, to a daily recheck (Config.Recheck);
// timers survive restarts. A late appeal (filed after the deadline and accepted by FS) that
// arrives before delivery reopens the wait; one that arrives after delivery (HandleAppeal, fed
// from fs/fspoll, or the weekly recheck for Config.Watch after delivery) adds the
// reassessment's outcome to the archived case file as a new registration, never a second case.
//
// # Access codes
//
// AccessPolicy decides (Decide), configurable per institution with its local codes and
// legal-basis texts. The default table: confidentiality (taushetsplikt) restricts under Offl.
// § 13; a thesis that passed without confidentiality and with a delayed publication under
// Offl. § 5 with the embargo noted; a fail under Offl. § 26 first paragraph; a pass without
// confidentiality or delay is open. Everything else restricts: a missing cover sheet, a missing
// or unknown answer, contradicting answers, an unknown grade (RuleUnclear), and an author with
// a protected identity (RuleProtected; Config.Protected looks it up, a failed lookup
// restricts). A property test holds Decide and Map to it: nothing that should be restricted is
// delivered as open, whatever the inputs.
//
// # Mapping
//
// Mapping is the archive's mapping document as configuration (LoadMapping reads JSON): a case
// file per student or per course and term, title templates, the public titles (which never
// show the student's name when the thesis is screened, nor anywhere for a protected author),
// document roles and types, disposal and screened metadata. DefaultMapping documents the
// default. The source ids travel as the registration's keywords and its source key.
//
// # Delivering
//
// Archiver files the records; NoarkArchiver does it through a Noark 5 tjenestegrensesnitt
// (archive/noark5): case file, registration, document descriptions and objects with screening
// and disposal embedded, each file's size and SHA-256 declared and the upload checked, the
// document finished by an update carrying its ETag. Each thesis is delivered exactly once: the
// source key is stored in the registration and looked up before every delivery, so a retry
// after a lost answer finds the earlier one; an incomplete earlier attempt is deleted first.
// Before delivery every file is staged (Stager: archive/s3stage in S3, DirStager on disk)
// under its SHA-256, with a manifest (source ids, grade, deadlines, the access decision and
// its inputs, the archive's receipt), and delivery reads from there.
//
// # Failures
//
// A failed step is retried with doubling backoff (Config.Backoff); after Config.MaxAttempts (5)
// the thesis is dead-lettered with its reason (Statuses, Requeue) and Config.Alerts is told
// with the fields Sikt's integration sends (module and step, institution, exam system, vurdId
// and FS's examId, the dates read from FS, the files to archive). Step holds a store lease, so
// two processes never archive the same scope at once; a process killed at any point leaves
// nothing archived twice (the SIGKILL test).
//
// # Audit and privacy
//
// Every step of every thesis is kept in its audit trail (Audit). Logs and audit name theses by
// key only (vurdId and kandidatnr); names never reach them, identity numbers are masked in
// every error text, and manifests hold no names.
package archive
