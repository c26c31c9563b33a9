// Package wiseflowtest is an in-memory WISEflow licence for tests, examples and the sandbox: a
// fake of the WISEflow API that package wiseflow talks to, with the service's manners, built on
// the shared fake kit like every edusync fake.
//
//	srv := wiseflowtest.NewServer()
//	defer srv.Close()
//	srv.LoadPopulation(pop, wiseflowtest.LoadOptions{}) // synth's Norwegian exams ("university-no")
//	c, _ := srv.Client()                                // a *wiseflow.Client with the licence's credentials
//
// # What it serves
//
// Every operation of openapi/wiseflow.yaml over the models of package wiseflow: flows (bare,
// with numeric enumerations) and the flow search (an envelope, enumerations by name, titles
// matched in part, states, purposes, creation and date filters), metadata, participants with
// their users and assessors, grades, submissions with cover sheets and their files (download
// links outside the API that need no credentials, expire after DefaultLinkLifetime and serve
// ranges), remarking flows and the reassessment (201, then 200 with the same flow; 403 without
// the module, WithoutReassessmentModule), explanation requests (201, then 200 with the same
// request; 403 before a grade; PATCH showJustification), source search with "||" parts and "*"
// wildcards, and webhooks with their limit of MaxWebhooks.
//
// # Manners
//
//   - Authentication: POST /v1/oauth2/token takes client_credentials with the id and secret in
//     the form (client_secret_post) and answers 400 otherwise; tokens live an hour
//     (WithTokenLifetime, ExpireTokens); the older x-api-key header works too (Credentials).
//     Refusals are the gateway's 401 {"message"}.
//   - Errors are WISEflow's envelope {success: false, data: null, error: {code, message,
//     errors: [{reason, message}]}}; unknown paths 404 and other methods 405 in it.
//   - Paging by offset and limit (at most 100, else 400) with {limit, offset, total}.
//   - Rate limits per credential set: 200 requests a second and 5,000 a minute
//     (WithRateLimits, SetRateLimits, ResetRateLimits), each window starting with its first
//     request; every answer carries X-RateLimit-Second-*, X-RateLimit-Minute-* and the tighter
//     window's RateLimit-* (resets in whole seconds, rounded up); a request over a limit is
//     answered 429 with RateLimit-Reset and is not counted (Stats.Throttled).
//   - Webhooks call back: each event goes to the active webhooks subscribed to it as a call
//     {id, event, eventVersion, licenseId, sequenceNumber, callTime, payload}, signed with the
//     webhook's secret (WithSignature; wiseflow.DefaultSignature), retried with the same id
//     until answered 2xx, eight times fifteen minutes apart (WithWebhookRetries). Grades send
//     FINAL_GRADE, state changes FLOW_STATE_UPDATED, hand-ins PAPER_SUBMITTED, and explanation
//     requests ASSESSMENT with their ids (1.34.0 names no event of their own for them).
//     Deliveries and WaitDeliveries show what was sent.
//   - Faults: SetFaults with the kit's rules and rates, by operation id ("getAssessments",
//     "token", "downloadFile").
//
// # Moving the licence on
//
// The hooks do what people do in WISEflow, for the flows' tests: AddFlow, AddParticipant,
// AddAssessor and AllocateAssessor set a licence up; GradeParticipant, SetFlowState and
// ConcludeFlow grade and conclude; RequestExplanation, AssignExplanation, GiveExplanation and
// AcceptExplanation move an explanation request on; DeliverThesis hands in a thesis with its
// cover sheet (CoverTitle, CoverPublish, CoverDelay, CoverConfidential) and files; Quarantine
// marks a file. Writes lists what clients wrote through the API; Flow, ExplanationRequests,
// Grade and RemarkingFlow show the state.
package wiseflowtest
