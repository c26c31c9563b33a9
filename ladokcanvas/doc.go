// Package ladokcanvas keeps Canvas in step with Ladok: an event-driven adapter that reads
// Ladok's event feed (package ladok) and creates and updates users, courses, sections and
// enrolments in Canvas (package canvas), with its state in package store.
//
//	cfg, err := ladokcanvas.LoadConfig(file)                 // validated; every bad field listed
//	st, _ := sqlite.Open(ctx, "/var/lib/edusync/state.db")
//	ad, err := ladokcanvas.New(ctx, ladokClient, canvasClient, st, cfg, ladokcanvas.WithLogger(log))
//	err = ad.Run(ctx)                                        // catch up, then follow the feed
//
// # Keys
//
// A Canvas user's sis_user_id and integration_id are the Ladok StudentUID; the login id is
// the StudentUID or, with UseAsLoginId "ssn", the twelve-digit personal number. A course's SIS
// id is the UID of its (primary) offering, and every offering has its own section whose SIS id
// is the offering UID. Offerings co-read in one course (SetCoReading) share the primary
// offering's course and keep their sections. Courses live in the account of their Ladok
// organisation (SIS id the organisation UID, created under SubAccountNewOrganisations when
// missing), or with UseSubaccountsForProgramAndCourses in its "Kurser" or "Program"
// sub-account.
//
// # Events
//
// Student information: LokalStudent creates the user if missing (and, for an existing user,
// carries names and, with UpdateSsnFromLadok, a new personal number as configured);
// Kontaktuppgifter creates the user if missing, else updates the e-mail address when
// UpdateEmailFromLadok allows; StudentTillLarosate creates the user. Studentrestriktion of type
// AVSTANGNING (suspension) makes the student's enrolments inactive in every course not
// concluded from the first day of the period to the last (Swedish dates, Europe/Stockholm, the
// last day inclusive); enrolments made during the period are inactive too, and all of them are
// active again when it ends. The start and the end are store timers, so they fire after
// restarts; an updated or removed restriction moves or cancels them, and whether a student is
// suspended is always worked out from the periods and the clock, so a suspension shortened,
// extended or lifted early ends in the right state. Other restriction types are logged and
// ignored. SkyddadePersonuppgifter (protected personal data) marks the student: from then on
// only name and Ladok UID are written for them, and what was written before goes at once (a
// login id that is their personal number is replaced by the UID; the e-mail channels with
// addresses from Ladok are deleted, while addresses the student added stay), unless the host
// opts in with WriteProtectedPersonalData. Their course access is kept.
//
// Education information: KurstillfalleTillStatus and KurspaketeringstillfalleTillStatus
// create the course, or update it from Ladok's current data; KurstillfalleUppdaterat and
// KurspaketeringstillfalleUppdaterat update dates and offering code (creating a missing
// course); KursUppdaterad and KurspaketeringUppdaterad carry name and code changes to every
// offering's course of the syllabus; UtbildningsinstansPaUtbildningstillfalleAndrad moves an
// offering to another syllabus version; UtbildningstillfalleInstallt prefixes the course name
// (a co-read offering: its section's name) with CancelledPrefix, on the name Canvas has now.
// With UpdateCourseFromLadok off, names, codes and dates are set only when the adapter creates
// a course. CourseNameFormat composes names.
//
// Study participation: every event first makes sure that student and course exist, reading
// what is missing from Ladok's REST services (never assuming it from the order of the feed).
// Registrering, Omregistrering, AvbrottBorttaget and UppehallBorttaget add the student to the
// offering's section as registered; PaborjatUtbildningstillfalle to the programme offering's
// course; ForvantatDeltagandeSkapad adds an admitted student with the admitted role when
// UseAdmitted is on and the course has early access; Aterkalladregistrering,
// AterkalladOmregistrering, ForvantatDeltagandeBorttaget, Avbrott, Aterbud and
// AterkallatPaborjatUtbildningstillfalle remove the student from the section; Uppehall changes
// nothing. With UseAdmitted, admitted students get RoleIdAdmitted and registered ones
// RoleIdRegistered (labels resolved to ids at Start); a registration removes the admitted
// enrolment it replaces unless EarlyAccessDisablePurge. Without UseAdmitted only registered
// students are added, with Canvas's standard student role.
//
// # Order, parallelism and delivery
//
// Events of one student apply in feed order, and so do the course events of one offering
// (before the enrolments that follow them); different students, and different students'
// enrolments in the same course, are worked on in parallel (WithConcurrency), as fast as the
// Canvas client's adaptive throttle lets them. Syllabus changes, co-reading changes and
// replays run on their own. Every handler is idempotent: applying an event again, or a stretch
// of the feed again in order, leaves Canvas as it was.
//
// The feed is read with ladokfeed.Reader, whose position and processed keys are kept with
// ladokfeed.StoreState in the same store. The reader fetches and decodes the next pages while
// Canvas works, but never runs more than two pages ahead of the saved position, and a position
// is saved only once Canvas has accepted every change before it. Ready events are served oldest
// first, so a student's next event does not wait behind thousands of others and the saved
// position stays close behind the work. Each event is marked done in the store, with what its
// handler learnt of Canvas (which users, accounts and managed enrolments exist, fingerprints of
// the names and e-mail addresses written: never the values themselves, never personal numbers),
// in one transaction shared by the events finishing together. After a crash the adapter resumes
// from the saved position and skips every event marked done: only the events that were in
// progress are applied again, and those find their effect already done from the store or from
// Canvas's answers (a replayed creation does not write an older name back, an admission is not
// enrolled again after the registration that replaced it). An event delivered twice (the same
// HandelseUID under a new entry id) is skipped, also while its first delivery is still being
// applied.
//
// An event that fails because Canvas or Ladok is unavailable (after the clients' own retries)
// stops the run before it; Run tries again with backoff. An event that can never be applied (a
// student or offering Ladok does not know, a change Canvas refuses as invalid, an entry that
// does not decode) is parked in the store's dead letters (DeadLetters) and the feed goes on.
//
// Memory: each Canvas request in flight may hold an answer up to the Canvas client's body cap
// (canvas.DefaultMaxResponseBody, 64 MiB), so a Canvas that answers with huge bodies can make
// the adapter hold WithConcurrency (32) times that. The adapter's answers are small (a page of
// enrolments is some 100 KiB): give its client a cap to match, canvas.WithMaxResponseBody(4 << 20).
//
// # Starting
//
// Start (which Run calls) checks what can be checked before anything is read from the feed: the
// store can be read (sqlite.Open has run its integrity check), the account for new
// organisations exists, and with UseAdmitted both roles exist in Canvas, by label or id, as
// active student roles. With WithExistingState an empty store (a lost or zero-byte file, a
// wrong tenant) refuses to start instead of reading the whole feed again as a new
// installation. A configuration Canvas refutes (*ConfigError) and a store that cannot serve
// (store.IsPermanent: damaged, unwritable, state missing) stop Run with that error; anything
// else is retried.
//
// # State and the admin API
//
// The adapter's state lives in its store scope (Flow, tenant WithTenant): the offerings it
// created courses and sections for and what it last wrote to them, co-reading (SetCoReading,
// RemoveCoReading, CoReadings), early access per course (SetEarlyAccess, EarlyAccess; with
// EarlyAccessOnCreateCourse it is on for every course the adapter creates), protected
// students, and suspensions with their periods and the enrolments they made inactive
// (Suspension). An admin tool calls these methods on the running adapter; the adapter is the
// only writer of its scope. ReplayCourse re-derives a course's enrolments from Ladok REST
// (its participants per offering), so students whose events passed before the course was
// configured are still added; turning early access on replays the course.
//
// # Privacy
//
// Personal numbers never reach the adapter's logs or errors (students are logged by Ladok
// UID), are written to Canvas only as login ids when UseAsLoginId is "ssn", and never for
// students with protected personal data unless the host opted in.
//
// # Messages to teachers
//
// With RestrictionsSendMessageToTeachers, when a suspension comes into force the adapter finds
// the active teachers of the courses it made the student inactive in and tells them, once per
// suspension period (first and last day): the notice is marked in the store when it is done, so
// duplicate events, restarts and updates with the same dates send nothing again. Nothing is
// sent when the suspension ends. By default the adapter sends the messages itself as Canvas
// conversations from the Canvas token's user: one private conversation per teacher, naming the
// student, the period and only the courses that teacher teaches (filed under the course when
// there is one), in Swedish (SwedishNoticeText; WithNoticeText for another text, such as
// EnglishNoticeText). Students with protected personal data are named by name only. A message
// never contains a personal number: the notice carries none, and anything in the text that
// looks like one is masked. Each teacher's message is marked once Canvas accepted it; a crash
// between Canvas accepting it and the mark, or an answer lost on the way back
// (canvas.ErrOutcomeUnknown: conversations have no key Canvas could de-duplicate by, so the
// client never repeats them itself), makes the next try send that one message again: a teacher
// can get it twice, at most once per such failure. A teacher Canvas refuses to message is
// logged and skipped. A host that delivers notices another way (e-mail, a ticket) passes a
// Messenger (WithMessenger), which gets the whole SuspensionNotice.
package ladokcanvas
