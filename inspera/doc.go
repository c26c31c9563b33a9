// Package inspera is a client for the Inspera Assessment API, the digital exam system in which
// Norwegian universities run exams and receive master's theses: the tests with their candidates,
// committees, grades and submitted files, administered explanations of grades (begrunnelse),
// appeals (klage), results, file exports, users and webhook subscriptions — what the appeal,
// explanation, thesis-archive and publication flows read from Inspera and write to it.
//
// The package holds the API and nothing else. The webhook receiver is inspera/insperahook; an
// in-memory Inspera for tests is inspera/insperatest.
//
// # Models
//
// The types (Test, Candidate, Committee, Explanation, CandidateResults, FileExportJob, User,
// Subscription, ...) are generated from openapi/inspera.yaml, edusync's description of the API.
// Inspera publishes no machine-readable description beyond a live Swagger page, so that file
// marks each shape as documented (stated by Inspera's knowledge base or by Sikt's description of
// its integration) or inferred; the inferred ones (request bodies, error bodies, nesting, the
// search's paging, the event names beyond confirm_final_grades) may differ on a real tenant.
// Ids are ID, which reads numbers and numeric strings; grades are GradeValue, which reads
// strings and numbers. Tests are named by TestRef: TestID (Inspera's assessmentRunId) or
// ExternalTest (FS's vurdId, sent with ?isExternal=true).
//
// # Authentication
//
// WithAPIKey does what Inspera documents: the API key of a user with extended access goes in the
// code header of POST {base}/authenticate/token/ with grant_type=authorization_code and
// client_id the tenant, and the answer's access token (about an hour, expires_in) is sent as a
// bearer token, renewed shortly before it expires and once more when the API refuses it (401).
// Every call acts as the key's user, with that user's privileges — and Inspera never sends a
// user webhook events about that user's own actions, so the user who subscribes must not be the
// one whose key writes (SameUser tells; insperahook.Subscribe warns).
//
// # Reading
//
//	c, err := inspera.New("https://uni.inspera.no/api", inspera.WithAPIKey("uni", key))
//	test, err := c.GetTest(ctx, inspera.ExternalTest("999_INF1000_1_SKR_2026_VÅR"))
//	for t, err := range c.SearchTests(ctx, inspera.TestSearch{Title: "master"}) { ... }
//
// GetTest decodes a test's candidates one by one as the answer arrives: a candidate that cannot
// be used becomes a RecordError in a RecordErrors returned with the test and the good candidates
// (WithStrict fails instead). SearchTests pages by offset and ends with a *PageCycleError when a
// page leads back to one already read. Unknown fields are ignored. Answers are capped
// (WithMaxResponseBody), and one that lists more than MaxListRecords records is refused.
//
// Files (a candidate's assetsDownloadInfo, an export's files, an explanation's document) come
// as pre-signed links that live as long as the token that read them, about an hour: OpenFile and
// DownloadFile fetch them promptly, stream them (never a whole file in memory, capped by
// WithMaxDownload), send them without the API key or token whatever their host, and turn a
// refused link into ErrLinkRefused (read the test or the export again for fresh links).
// OrderFileExport, GetFileExportStatus, WaitFileExport and ExportFiles run an export job.
//
// # Writing
//
// RequestExplanations, RegisterAppeals, WithdrawAppeals, SetTestOptions (and
// EnableExplanationAdministration), CreateCommittees and MoveCommitteeCandidates set a state
// rather than add one, so they are retried after server errors and lost connections like a PUT;
// their WriteResult says which candidates changed and which already were as asked. Inspera's
// rules are enforced by Inspera and come back as a *RefusalError matching ErrExplanationPublished
// (published explanations are final), ErrExplanationsDisabled, ErrNotGraded (explanations and
// appeals need a final grade), ErrAppealDecided or ErrCandidateNotFound; nothing of a refused
// request is applied. CreateSubscription, which creates, is re-read before it is sent again
// after a lost answer; OrderFileExport is never repeated. Rate-limit answers (429) are retried
// for any request, honouring Retry-After.
//
// # Errors
//
// Non-2xx answers are *APIError (status, Inspera's code and message, a capped, redacted body
// excerpt) matching ErrNotFound, ErrConflict, ErrUnauthorized, ErrRateLimited, ErrServer, ...
// with errors.Is. A refused API key is a *TokenError matching ErrUnauthorized.
//
// # Privacy
//
// The API key, the tokens, subscription secrets and the signatures of download links never
// appear in an error or a log line; identity numbers (fødselsnummer, D-numbers, personlopenr in
// an 11-digit form) are masked in every error and log text. Users and candidates carry names and
// external ids (FS personlopenr, Feide): treat what GetTest and GetUser return as personal data.
package inspera
