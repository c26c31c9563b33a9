// Package canvas is a client for the admin and SIS side of the Canvas LMS REST API: accounts,
// terms, users, logins, communication channels, courses, sections, enrolments, roles, SIS
// imports and progress, as an integration from a student-records system (Ladok, SS 12000, FS,
// Schulconnex) needs them, and conversations (messages to users) for the notices such an
// integration sends.
//
// # Models and references
//
// The record types (Enrollment, User, Course, Section, ...) and parameter structs
// (ListCourseEnrollmentsParams, ...) are generated from openapi/canvas.yaml, edusync's own
// description of the subset; its header lists where it differs from Canvas's documentation.
// Every method takes a Ref where Canvas takes an id, so objects are addressed by their SIS ids
// everywhere: SISUser("19900101-x"), SISCourse("HIST-101.VT26"), SISSection(...),
// SISIntegration(...), SISLogin(...), SISTerm(...), SISAccount(...), or ID(n) and Self. In paths
// the SIS value is percent-encoded with "/" as %2F and "." as %2E, which Canvas requires.
//
// # Reading
//
// Every list has an iterator (ListCourseEnrollments, ListUsers, ...) and a page-level call
// (ListCourseEnrollmentsPage, ...). Paging follows the Link header and treats the next URL as
// opaque: Canvas uses numbered pages for some lists and bookmarks (with no rel="last") for
// others; a next URL on another host is never followed (the token would go with it), and one
// that leads back to a page already read ends the listing with a *PageCycleError. The iterators
// ask for 100 records per page (WithPageSize) and pipeline: the next page is requested as soon
// as the current page's headers arrive, and up to two pages (WithPrefetch) are decoded ahead of
// the caller on other cores, each into a queue of at most a page of records, so memory stays
// bounded whatever a page holds. Records are decoded one by one as they arrive, into the typed
// models with github.com/go-json-experiment/json (encoding/json/v2); a malformed record, or one
// without an id, is yielded as a *RecordError without losing the rest of the page.
//
// # Throttling
//
// Canvas rate-limits each token with a leaky bucket and answers throttled requests with 403
// "Rate Limit Exceeded" (older instances) or 429. Both are recognised (ErrRateLimited, never
// ErrForbidden) and retried with backoff for any method, since the request was not processed; a
// 403 for a missing permission is never retried. An adaptive limiter reads X-Rate-Limit-Remaining
// and X-Request-Cost from every answer and allows as many requests in flight as the bucket holds
// (see ThrottleConfig), so RunBulk and EnrollMany run as fast as the bucket allows without being
// throttled.
//
// # Writing safely
//
// PUT and DELETE are retried after server errors and lost connections. Creates are POSTs: one
// whose answer was lost may have been applied, so before it is sent again the object is looked
// up by the key the request carries (a user by SIS id or login, a course, section, term or
// account by SIS id, an enrolment among the user's enrolments in the course with the same role
// and state, a login by unique id, a channel by address). A fault therefore never creates a
// duplicate. A conversation message (CreateConversation) has no such key, so it is never sent
// again after a lost answer; the error says whether it may have been delivered
// (ErrOutcomeUnknown) or was (ErrAnswerUnreadable). Only throttled attempts are repeated.
// Enrolments are always created with an explicit state (active unless asked otherwise), never Canvas's default "invited"; custom roles are resolved by label once at start
// (ResolveRoles), because their ids differ between instances, and a missing label fails at once.
//
// # SIS imports
//
// SISData holds the rows of terms, users, courses, sections and enrolments and writes Canvas's
// SIS CSV files (quoted correctly, zipped). ImportSIS uploads them, waits for Canvas to process
// them and returns the import with its warnings and errors; SISImportOptions sets diffing (a data
// set identifier, so rows that disappeared are removed), the change threshold and batch mode.
//
// # Errors and privacy
//
// The error types are package apierror's, which every edusync client shares. Non-2xx answers
// are *APIError values; Canvas's error bodies (several shapes) are decoded into Code and
// Message. Logs (WithLogger) and errors never contain the token, personal numbers (in SIS ids
// too), the values a decoder quoted, or bookmarks; a failed connection names the request by its
// redacted path. An answer larger than the cap (DefaultMaxResponseBody, WithMaxResponseBody)
// fails with a *BodyTooLargeError naming it.
//
// The package canvastest provides an in-memory Canvas with the same semantics, throttling
// included, for tests and examples; examples/canvas-roster lists a course's enrolments with it.
package canvas
