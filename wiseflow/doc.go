// Package wiseflow is a client of the WISEflow API (UNIwise), the digital exam platform that
// Norwegian universities run beside FS: flows (exams) with their participants, grades,
// submissions with cover sheets and files, the reassessment flows of appeals (klage) and grade
// explanations (begrunnelse), source (SIS code) search and webhooks. It covers what the exam
// flows of edusync need (examsync, archive, publication), written from WISEflow's OpenAPI 1.34.0
// (openapi/wiseflow.yaml lists every departure from it).
//
//	c, err := wiseflow.New(wiseflow.ProductionURL, wiseflow.WithClientCredentials(id, secret))
//	flow, err := c.GetFlow(ctx, 12345)
//	for f, err := range c.SearchFlows(ctx, wiseflow.FlowQuery{Purposes: []wiseflow.FlowPurpose{wiseflow.FlowPurposeMaster}}) { ... }
//
// The package holds the API and nothing else. The poller that finds what changed and the
// webhook receiver live in wiseflow/wiseflowpoll; the fake in wiseflow/wiseflowtest.
//
// # Models
//
// The models are generated from openapi/wiseflow.yaml (models.gen.go). WISEflow has two
// generations of endpoints: the older /flow/... answer bare objects and numbers for their
// enumerations, the newer /flows/..., /sources/... and /webhooks answer an envelope {success,
// data, error, pagination} and names. The client reads both: each call returns the envelope's
// data, and each enumeration (FlowType, FlowState, FlowVariant, FlowPurpose, ExplanationState,
// ExportState) is one type that reads the number and the name, so a flow from GetFlow and one
// from SearchFlows compare with the same constants. Times are UnixTime (seconds), grades
// GradeText (a letter, a word or a number).
//
// # Authentication
//
// WithClientCredentials is the current way: POST /oauth2/token with the client id and secret in
// the form body (client_secret_post), one-hour tokens renewed shortly before they expire and
// once more when the service refuses one. WithAPIKey sends the older x-api-key header. The
// secret, the key and the tokens never appear in errors or logs.
//
// # Rate limits
//
// WISEflow allows each credential set 200 requests a second and 5,000 a minute and describes
// both windows on every answer (RateLimit-* and X-RateLimit-Second-* / -Minute-*). The client's
// throttle follows those headers: it counts its own requests, those in flight included, against
// each window and holds further requests until a used-up window resets, so a client working
// alone never meets a 429; when one comes anyway (other programs on the same credentials) it
// waits for RateLimit-Reset and retries. RateLimitStats shows what it did; WithoutThrottle
// turns it off.
//
// # Reading
//
// Offset-paged listings (ListParticipants, ListSubmissions, SearchFlows, SearchSources) are
// iterators that read 100 records a page, decode each record as it arrives and end on the
// answer's total; the Page calls read one page. One record that does not decode becomes a
// *RecordError in its place and the others are still delivered (WithStrict fails instead). The
// calls that return a whole list (GetExplanationRequests, GetAssessments, GetSubmissionFiles,
// GetWebhooks) return the good records and RecordErrors for the bad. Answers are capped
// (WithMaxResponseBody) and hold at most MaxListRecords records; a listing that points back to
// a page it read ends with a *PageCycleError, as does one that answers with the same records at
// every offset. A record delivered already is not delivered again (pages shift right when a
// record enters a listing while it runs); one that leaves shifts them left, and wiseflowpoll
// reads searches so that no flow is missed then either. A bare answer that is an envelope
// saying the request failed is that failure, not an empty record.
//
// Files are streamed: OpenFile returns a reader of a submission file from its short-lived link
// (fetched without the client's credentials), resumes a broken download where it stopped and
// fails with ErrIncomplete when the bytes do not add up to the file's size; quarantined files
// are refused.
//
// # Writing
//
// The writes the exam flows make are safe to repeat and are retried after a lost answer:
// CreateReassessment and CreateExplanationRequest answer 200 with the existing record when
// there is one (created is false, and that is success), UpdateExplanationRequest sets a value.
// CreateWebhook is not repeated blindly: after a lost answer it looks for the webhook it may
// have made before sending again. Rate-limit answers (429) are retried for every request,
// since WISEflow did nothing with them.
//
// # Errors
//
// Every non-2xx answer is an *APIError (errors.Is with ErrNotFound, ErrForbidden,
// ErrRateLimited, ...). An error envelope's code and message fill Code and Message; when it
// lists reasons the error is an *EnvelopeError that carries them and unwraps to the *APIError.
// An envelope that says success false is an error even with a 2xx status. A licence without the
// reassessment module makes CreateReassessment fail with a *ModuleError (ErrModuleMissing).
//
// # Webhooks
//
// ParseWebhookCall reads the calls WISEflow posts to a subscriber, and Signature checks their
// HMAC-SHA256 signature in constant time; the header and encoding WISEflow uses are not settled
// by its documentation (see Signature). wiseflowpoll.Receiver stores calls durably before it
// answers.
//
// # Privacy
//
// Participants carry names and external ids, which may hold national identity numbers. The
// client never logs records; errors and log lines are redacted (identity numbers, the secret,
// the key, tokens and download links' signatures never appear in them).
package wiseflow
