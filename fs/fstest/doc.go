// Package fstest is an in-memory FS (Felles studentsystem) serving the DigEks services for
// digital exams that package fs speaks, for tests and the sandbox: the appeals and explanation
// requests of an institution's exams, listed by when they changed (siden), read per exam, and
// explanations registered into it. The exam flows (examsync, archive) are tested against it.
//
//	srv := fstest.NewServer(fstest.WithClock(clock.Now))
//	defer srv.Close()
//	srv.LoadPopulation(pop, fstest.LoadOptions{}) // synth's Norwegian exams
//	c, _ := srv.Client()                          // an *fs.Client with the fake's credentials
//
// # Semantics
//
// The fake answers as openapi/fs.yaml describes FS, with FS's rules as far as they are known:
//
//   - Authentication: HTTP Basic on every request (WithCredentials; a 401 with a Basic
//     challenge otherwise) and, with WithGatewayKey, a gateway key header checked first.
//   - Changes: every record carries sistEndret, set by the fake's clock (WithClock) whenever
//     FS changes it; the change listings return the records of the institution's exams in the
//     exam system with sistEndret at or after siden, oldest change first, as one bare array.
//     A bad or missing institusjonsnr or siden, or an unknown exam system, is a 400.
//   - Per exam: an {examId} that is not an encoded vurdId is a 400, an exam the fake does not
//     hold in that exam system a 404.
//   - Registering an explanation: the body must name an exam of the exam system and a
//     candidate who asked for an explanation there (404 otherwise), with datoBegrunnelseGitt
//     and a URL or a document with its media type (400 otherwise). The request then carries the
//     explanation and is stamped as changed. The same explanation sent again is accepted and
//     changes nothing (Write.Repeat); another where one is registered is a 409.
//   - Errors answer in FS's body {kode, melding}, unknown paths 404 and other methods 405.
//
// # Data and hooks
//
// LoadPopulation loads synth's exams (preset "university-no"): exam units in Inspera and
// WISEflow, candidates, appeals (AKTIV, TRUKKET, AVGJORT) and explanation requests; loading
// the next day's population creates and changes only what differs and stamps only that. FS
// learns of a given explanation only when it is posted, as in production (LoadOptions
// RegisterGiven registers synth's given ones, for flows that only read). AddExam and
// AddCandidate build FS by hand. The hooks change FS as students and staff do: FileAppeal,
// WithdrawAppeal, DecideAppeal, RequestExplanation, Announce; Restamp sets a record's
// sistEndret back, as a change that became visible late. Appeals, ExplanationRequests,
// Appeal, ExplanationRequest, Registered and Writes show what FS holds and what was asked of
// it; Lookup answers the announcement days (the client from Client uses it).
//
// # Faults
//
// SetFaults takes the shared fake kit's Faults: rules by operation id ("createExplanation",
// "listChangedAppeals", ...) and seeded rates of server errors, 429s with Retry-After, dropped
// connections, stalls, truncated answers and explanations registered before the connection
// drops (Rule.AfterWrite, DropAfterWriteRate). Stats counts requests and answers by operation.
package fstest
