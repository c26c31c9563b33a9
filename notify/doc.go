// Package notify tells people when edusync's flows fail: a chat message per failure, and a
// daily e-mail digest for those who opt in. The exam flows share it (examsync's appeals and
// explanations, the thesis archive, publication), as Sikt's services share one Slack channel
// and one list of error kinds not to alert on.
//
// # Alerts
//
// A flow that gives up on a step (a dead letter, a refusal it cannot get past) builds an Alert
// with what an operator needs to find the cause: the module and its step, the institution
// (FS's orgId and its short name), the exam system and its instance, the vurdId, the dates FS
// was read from, a kind naming the class of failure, a message and further fields (the FS
// test id, the files to archive). Notifier.Notify redacts it (identity numbers, the values
// listed in Alert.Personal such as FS's personlopenr, fields named like identity numbers or
// secrets) and sends it on. Only the redacted alert leaves the process or reaches the store.
//
// # Chat
//
// WithChatWebhook posts each alert to an incoming webhook as Slack's JSON (a text line and an
// attachment of fields), which Mattermost, Rocket.Chat and Discord's Slack-compatible
// endpoints also take. Rate limits (429, honouring Retry-After up to 30 s), server errors and
// lost connections are tried three times; a refusal (a revoked webhook) is a *ChatError
// matching ErrChatRefused at once. The webhook's URL is its secret and never appears in errors.
//
// WithBlacklist names, per tenant or for all, kinds of failure that should not alert (a
// licence without WISEflow's reassessment module, known to the institution): they stay out of
// the chat, but are still counted in the digest. SetBlacklist replaces a tenant's list when
// the host reloads its configuration.
//
// # Daily digest
//
// WithDigest keeps every alert of the day in a store (store/sqlite in production), so none is
// lost across restarts, and Digest.Run (or SendDue from the host's own scheduler) mails each
// Recipient, after the digest's time of the next morning, one summary of the failures of the
// tenants they follow: counts per institution, module and kind, then the first 200 failures
// in full. A day is forgotten once every recipient has had it; a recipient whose mail the SMTP
// server refused gets it on the next round, the others not again.
//
// package notifytest has a local chat webhook and a local SMTP server for tests.
package notify
