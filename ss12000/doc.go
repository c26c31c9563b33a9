// Package ss12000 is a client for SS 12000, the Swedish standard interface through which school
// administration systems share organisations, persons, groups, duties, placements, timetables,
// attendance and grades (API version 2.1.0, SS 12000:2020).
//
// # Models
//
// The record types (Person, Organisation, Group, Duty, Placement, Activity, ...) and the
// parameter structs (ListPersonsParams, ...) are generated from openapi/ss12000.yaml, edusync's
// own description of the standard, with oapi-codegen. Ids and e-mail addresses are plain strings:
// services send ids that are not UUIDs, and a record a person could still use is never rejected
// for its format. Validate methods (Person.Validate, Organisation.Validate, ...) check formats
// when a host wants to, and WithStrict makes decoding fail on any bad record.
//
// # Reading
//
// Every list endpoint has an iterator (ListPersons, ListGroups, ...) and a page-level call
// (ListPersonsPage, ...). The iterators follow SS 12000 paging exactly: the first request carries
// the filters, the following ones only pageToken and limit; a missing or null pageToken ends the
// listing; when a pageToken has expired (410) the listing restarts once from the beginning and
// records already delivered are skipped by id.
//
// Pages are read record by record as they arrive: the iterators hand each record to the caller
// before the next is decoded, so a listing never holds a page, let alone the whole body, in
// memory; the page-level calls collect one page. A record that is malformed or has no id is
// yielded as a *RecordError (position, id when readable, cause) without stopping the listing;
// WithStrict makes such a page fail instead (and delivers none of it). A pageToken that leads
// back to a page already read ends the listing with a *PageCycleError, and an answer larger
// than the body cap (DefaultMaxResponseBody, WithMaxResponseBody) with a *BodyTooLargeError
// naming the cap. Lookups (LookupPersons, ...) split their keys into batches and halve a batch
// the service rejects as too large (413) or cannot serve (503).
//
// # Errors, retries, privacy
//
// The error types are those of package apierror, which every edusync client shares: non-2xx
// answers are *APIError values that match ErrNotFound, ErrUnauthorized, ErrRateLimited and the
// other sentinels with errors.Is. Idempotent requests are retried on 502, 503, 504 and lost
// connections; 429 is retried for every method, honouring Retry-After. No error and no log line
// (WithLogger) carries a token, a page token, a personal number or a value a decoder quoted;
// a failed connection names the request by its redacted path. Person's LogValue hides civic
// numbers, addresses and photos, and the names of persons with protected identity. IsProtected
// fails closed: only the marking Ingen counts as unprotected.
//
// # Keeping a copy current
//
// Syncer runs delta and full syncs with per-type watermarks on meta.modified, an overlap window
// and de-duplication, and reads removals from /deletedEntities; its SyncState is plain JSON for
// the host to persist. WebhookHandler receives subscription callbacks and coalesces bursts into
// one delta run; SubscriptionManager keeps the subscription alive. EPPNGenerator assigns stable
// eduPersonPrincipalNames. CreateLogEntry and CreateStatisticsEntry report back to the service.
//
// The package ss12000test provides an in-memory SS 12000 server with the same semantics for tests
// and examples; examples/quickstart shows the client against it.
package ss12000
