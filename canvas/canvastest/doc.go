// Package canvastest is an in-memory Canvas LMS for tests, examples, benchmarks and the
// sandbox: the operations of openapi/canvas.yaml (accounts, terms, users, logins, communication
// channels, courses, sections, enrolments, roles, SIS imports, progress, conversations) over the generated
// models of package canvas, with Canvas's semantics.
//
//   - Paths take Canvas ids and SIS references (sis_user_id:, sis_login_id:, sis_integration_id:,
//     sis_course_id:, sis_section_id:, sis_term_id:, sis_account_id:, hex:...). Like Canvas (a
//     Rails application), a path segment with an unescaped "." is read as a format suffix and
//     an unescaped "/" splits the path, so SIS ids with either only work percent-encoded.
//   - Lists are paged through Link headers: enrolments and users with opaque bookmarks
//     (page=bookmark:..., no rel="last"), the others with numbered pages; per_page defaults to
//     10 and is capped at 100.
//   - Enrolments default to "invited" when no state is sent, a custom role decides the type,
//     and enrolling the same user in the same section with the same role updates the existing
//     enrolment. Conclude, delete, deactivate (inactivate) and reactivate change the state.
//   - Custom roles (WithCustomRoles) get ids that depend on WithSeed, as ids differ between
//     Canvas instances.
//   - SIS imports accept a CSV or a zip of CSVs (terms, users, courses, sections, enrolments),
//     are processed in the background after a delay, report counts, statistics, warnings and
//     errors, and support diffing (data set identifier, drop status, change threshold) and
//     batch mode.
//   - Throttling is Canvas's leaky bucket per token (Throttle, DefaultThrottle: high-water mark
//     600, maximum 800, 10 units a second outflow, 50 up-front units per request in flight,
//     plus each request's cost), answering 403 "Rate Limit Exceeded" or 429, with
//     X-Rate-Limit-Remaining and X-Request-Cost on every answer. WithLatency simulates the time
//     Canvas spends on a request.
//   - Faults (WithFaults, SetFaults) inject, by rule or at seeded rates, server errors,
//     throttling, dropped connections, stalled requests (held without an answer, then
//     dropped), truncated answers and writes that are carried out before the connection
//     drops. Writes lists every change the server made, so tests can check that each was made
//     exactly once; Stats counts requests by operation and status, faults and throttling.
//   - Conversations (POST /conversations) are sent by the token's user to users that exist
//     (unknown ones are left out; none left is a 400, as are an empty body, an unknown context
//     and more than 100 recipients without force_new) or to a course's members (course_<id>,
//     course_<id>_teachers, ...). A private conversation with the same person is reused
//     unless force_new is set, and nothing is de-duplicated. Conversations returns every
//     conversation with its messages, for tests.
//   - SeedEnrollments fills a course with realistic enrolments in bulk; LoadPopulation loads a
//     synth university.
//
// It has the shape of every edusync fake (internal/fakekit): NewServer(opts...), URL(),
// Client(opts...) for a ready canvas.Client, SetFaults, Stats, LoadPopulation and Close.
package canvastest
