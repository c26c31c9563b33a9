// Package fs is a client for the web services of FS (Felles studentsystem), the student-records
// system of Norwegian universities and colleges, that digital exams use ("DigEks", under
// /eksamen): the appeals (klager) and grade-explanation requests (begrunnelser) students file
// in FS, and the explanations registered back into FS once an examiner has given them. The
// appeal and explanation flows (examsync) and the thesis archive (archive) are built on it.
//
//	c, err := fs.New("https://fsws.usit.no", fs.WithBasicAuth(user, password))
//	q := fs.ChangeQuery{System: fs.Inspera, Institution: "185", Since: lastPoll}
//	for a, err := range c.ListChangedAppeals(ctx, q) { ... }
//
// # The API and its description
//
// Sikt documents these services only in part and publishes no payloads. openapi/fs.yaml is
// edusync's description, written from what Sikt documents (paths, parameters, field names) and
// marking every shape that is inferred; the models here are generated from it and the fake in
// fs/fstest serves the same models. Where FS turns out to differ, that file and the one place
// that reads each inference change, not the flows.
//
// # Models
//
// Appeal (klage: personlopenr, kandidatnr, brukernavn, names, klagestatus AKTIV / TRUKKET /
// AVGJORT and any other FS sends, sensurfrist, kommisjonsidOppr and kommisjonsidNy),
// ExplanationRequest (begrunnelse: personlopenr, kandidatnr, brukernavn, kommisjonsId,
// datoKlageMottat, datoVedtakFormidlet, and the registered explanation once there is one) and
// Explanation (what is registered). Each record names its exam by vurdId; ExamKey is that key
// (institusjonsnr, emnekode, versjonskode, vurdkombkode, year and term) with its encodings:
// VurdID ("185_INF1000_1_SKR_2026_VÅR", as FS and the exam systems carry it) and ExamID (the
// {examId} of the paths). Days are fsrules.Date, the type FS's deadline rules count with;
// sistEndret is a Timestamp, read in the several ways FS writes instants; the numbers FS keeps
// as numbers are Number, read from a JSON number or string.
//
// # Authentication
//
// FS authenticates an API user with HTTP Basic on every request (WithBasicAuth, required; sent
// without waiting for a challenge). An institution that reaches FS through an API gateway adds
// the gateway's key header (WithAPIKey, GatewayKeyHeader for Sikt's). Both are masked wherever
// a server echoes them.
//
// # Reading
//
// ListChangedAppeals and ListChangedExplanationRequests list the records of an institution's
// exams in one exam system created or changed at or after a time (siden), as iterators that
// decode the answer record by record as it arrives; FS does not page. GetExamAppeals and
// GetExamExplanationRequests read one exam's records. Reading is tolerant: a record that does
// not decode, names no exam or candidate, or belongs to an institution or exam not asked
// about is a *RecordError in its place and the others are delivered (WithStrict fails
// instead); unknown fields are ignored. The body cap (WithMaxResponseBody) bounds how long one
// answer may go on. fs/fspoll keeps the siden position durably, with an overlap and
// de-duplication, and hands the changes to a store queue.
//
// # Writing
//
// CreateExplanation registers a given explanation, validated before anything is sent. A
// published explanation is final and must reach FS exactly once, so the request is never
// repeated blindly: after a lost answer the exam's requests are read back and it is sent again
// only when FS does not hold it; when that cannot be checked the error matches
// ErrOutcomeUnknown. Reads are retried after server faults and lost connections; anything is
// retried after a 429.
//
// # Where the deadlines start
//
// Every deadline of a result counts from the day it was announced (kunngjøringsdato), and no
// DigEks call returns it. FS holds it on the exam unit; the exam systems know when they
// published the result (Inspera's gradedDate, WISEflow's assessment date). Client.Announcement
// takes FS's own day where the host can read it (WithAnnouncementLookup: a database view, a
// GraphQL query, an export) and the exam system's publication otherwise. FS's day wins because
// FS is where the result is announced to the student: a grade set in the exam system may be
// announced later, and counting from the earlier day would close an appeal period early. A
// lookup that fails fails the call rather than fall back, and with neither date the result has
// no announcement (ErrNoAnnouncement): the flows wait rather than count from nothing. The rules
// themselves (7 and 21 days, three weeks after an explanation, manual deadlines) are
// fs/fsrules'; Announcement.Case builds their input. datoVedtakFormidlet on an explanation
// request is not used as the announcement: FS does not document what it means there.
//
// # Behind an interface
//
// FS is moving its integrations to a GraphQL API. The flows use FS only through Service, which
// *Client implements over DigEks; an implementation over GraphQL replaces it without a change
// to the flows.
//
// # Errors and privacy
//
// Non-2xx answers are *APIError (FS's kode and melding, or the first line of a text answer)
// matching ErrNotFound, ErrConflict and the other sentinels; invalid input is refused before
// anything is sent (ErrInvalidQuery, *ExamKeyError, *ExplanationError). A personlopenr is
// personal data like a fødselsnummer: neither appears in an error or a log line. URLs are
// redacted, identity numbers and the credentials are masked in every error, runs of five or
// more digits in FS's error bodies (where a personlopenr could be quoted) are masked, decoder
// complaints lose the values they quote, and the records log only their exam, candidate number
// and state (LogValue).
package fs
