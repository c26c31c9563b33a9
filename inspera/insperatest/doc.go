// Package insperatest is an in-memory Inspera Assessment tenant for tests and the sandbox: the
// operations of openapi/inspera.yaml served over the models of package inspera, so client and
// fake cannot drift apart. The appeal, explanation, thesis-archive and publication flows are
// tested against it.
//
//	srv := insperatest.NewServer()
//	defer srv.Close()
//	srv.LoadPopulation(pop, insperatest.LoadOptions{}) // synth's Norwegian exams
//	c, err := srv.Client()                             // an inspera.Client with the API key
//
// # Semantics
//
//   - The token endpoint takes the API key in the code header, grant_type=authorization_code and
//     the tenant as client_id (form or query) and answers {access_token, expires_in}; tokens
//     expire (WithTokenLifetime, ExpireTokens) and are refused with 401 afterwards.
//   - Tests are read by id or by external id (?isExternal=true), searched by title, instance and
//     external id with offset paging; unknown tests and candidates are 404 in Inspera's error
//     body.
//   - Explanations: requesting needs explanation administration enabled on the test
//     (EXPLANATIONS_DISABLED) and a final grade (NOT_GRADED); a published explanation is final
//     (EXPLANATION_PUBLISHED refuses the whole request); GET lists published ones only.
//   - Appeals open a new evaluation round graded by the REASSESSMENT committee; a repeat is
//     unchanged, a graded appeal cannot be withdrawn or appealed (APPEAL_DECIDED), a withdrawal
//     closes the round and the grade before it stands.
//   - Files are served from pre-signed links under Root()/storage that live as long as the token
//     that read them (403 afterwards, as S3); export jobs finish after WithExportPolls status
//     reads.
//   - Webhooks: creating a subscription POSTs to its URL first (VALIDATION_FAILED unless 200).
//     Events are POSTed with X-Inspera-Signature (hex HMAC-SHA1 of the body under the
//     subscription's secret), retried three times after a failure or timeout (WithWebhookRetries,
//     WithWebhookTimeout), repeated now and then when asked (WithRepeatedDeliveries), and never
//     sent to subscriptions of the user who triggered them.
//
// # Moving the tenant on
//
// Flows' tests advance it as the people in Inspera would: GradeCandidate and ConfirmFinalGrades
// (confirm_final_grades), GiveExplanation and PublishExplanation (explanation_published),
// ConcludeAppeal (appeal_graded), DeliverThesis (submission_delivered), FailExport. They observe
// it with Test, Rounds, ExplanationStatus, Writes (every write through the API, applied or
// refused, with its user), Subscriptions, Deliveries and WaitDeliveries. AddTest and AddAPIUser
// build a tenant by hand; ClientAs gives a client of another API user.
//
// # Faults
//
// SetFaults takes the fake kit's rules and seeded rates (server errors, 429 with Retry-After,
// stalls, dropped connections, truncated answers, writes applied before the connection drops);
// Stats counts requests, answers, faults and token grants by operation id.
package insperatest
