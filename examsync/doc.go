// Package examsync carries Norwegian students' appeals (klage) and requests for explanations
// of grades (begrunnelse) from FS to the exam system where the exam ran, Inspera or WISEflow,
// and the explanations given there back to FS: what Sikt runs as a dispatcher and a consumer per
// exam system and flow, built here as one embeddable package on fs, inspera, wiseflow and store.
//
// # Tenants
//
// A Tenant is one institution and exam system (an institution running both has two): FS's
// orgId and short name, the exam system and its instance, Inspera's client code, the FS
// environment, whether it is active, which flows are on (klage, begrunnelse), autoEpost, an
// appeal filter and how often FS is read. LoadTenants reads them as JSON (Sikt's names) and
// reports every bad field as a *TenantError; Setup adds the clients a tenant runs on.
//
//	tenants, err := examsync.LoadTenants(file)
//	s, err := examsync.New(examsync.Config{Store: st, Notifier: n, Listen: ":8443",
//		Tenants: []examsync.Setup{{Tenant: tenants[0], FS: fsClient, Inspera: insperaClient,
//			InsperaSecrets: []insperahook.Secret{{Name: "flows", Value: secret}}}}})
//	err = s.Run(ctx) // FS every 120 minutes, WISEflow polled, webhooks served, until ctx ends
//
// # What happens
//
//   - FS is read per tenant every PollInterval (default 120 minutes) and on Trigger (Sikt's
//     manual run), through fs/fspoll: every new or changed appeal and explanation request is a
//     message keyed by a hash of its content, FS's change time included, so AKTIV, TRUKKET and
//     AKTIV again are three messages, and a repeat is dropped.
//   - An AKTIV appeal opens a new evaluation round for the REASSESSMENT committee in Inspera
//     (appeals) or the flow's reassessment flow in WISEflow (201 and 200 both success; a licence
//     without the reassessment module is a permanent failure, reported). A TRUKKET appeal is
//     withdrawn in Inspera (appeals/withdraw); WISEflow has no call for it, its reassessment
//     flow drops the appellant at its next synchronisation with FS, which the audit records.
//     The appeal filter and states that need nothing (AVGJORT) are recorded too.
//   - An explanation request turns on administered explanations on the Inspera test (once)
//     and requests the candidate's, or creates a WISEflow explanation request due
//     ExplanationDays after FS received it.
//   - A given explanation (Inspera's explanation_published webhook, or WISEflow's accepted
//     state found by the poller and its webhooks) is shown to the candidate where WISEflow needs
//     it (showJustification, with autoEpost) and registered in FS (POST
//     /eksamen/begrunnelser/{examSystem}) with Inspera's document or text, or WISEflow's link.
//     A published explanation is final: it is posted at most once, ever. The post's intent is
//     committed before it is sent, an interrupted post is checked against FS before anything is
//     sent again, and one FS holds already is never sent again.
//   - An appeal's decision (Inspera's appeal_graded, a grade in WISEflow's reassessment flow)
//     is recorded in the audit.
//
// # Durability
//
// Every message is recorded in a store queue before work on it starts (FS changes by fspoll,
// Inspera's events by insperahook, WISEflow's changes by wiseflowpoll) and handed out one at a
// time per candidate and exam. A failed step is retried with backoff up to MaxAttempts (5),
// then the message is a dead letter with its reason (DeadLetters, Retry); a refusal that
// retrying cannot change (an unknown candidate, a missing module) is a dead letter at once.
// A dead-lettered message's key is released, so a copy sent again runs. Each step may be
// repeated: the exam systems' writes set a state, and FS's is guarded as above. A process
// that dies loses nothing: another over the same store resumes where it stopped, once the dead
// one's claims run out (Visibility); pass Holder to take its leases back at once.
//
// # Audit and alerts
//
// Every step leaves an AuditRecord with the fields Sikt logs per flow (env, errorMessage,
// errorCode, examSys, flowId, testId, instance, inputTopic and offset, kandidatnr, key,
// klagestatus, orgId, submodule, success, userCandidateId, vurdId, reassessmentFlowId,
// explanationRequestId, participantId), committed with the message's state in one
// transaction; Audit queries them by candidate, exam, step and outcome, Summary counts them.
// personlopenr, names and identity numbers are never stored in them (identity numbers in error
// texts are masked). A message given up on is an alert through package notify, with the fields
// Sikt's Slack messages carry; notify's per-tenant blacklist keeps known kinds
// ("wiseflow-module-missing") out of the chat.
//
// # Running
//
// Run runs everything of every active tenant in one process and serves Handler (Inspera's
// webhooks at /inspera/{orgShortName}, WISEflow's at /wiseflow/{orgShortName}) on Listen; it
// stops it all when ctx ends. Hosts with a scheduler of their own call Poll and Drain instead.
// The package uses only the store's interfaces: store/sqlite for one process, store/postgres
// for several.
package examsync
