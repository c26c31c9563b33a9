// Package schulconnextest provides an in-memory Schulconnex service for source systems, so that
// code using package schulconnex (and hosts' own pipelines) can be tested without an operator's
// test system, and so that examples and benchmarks run anywhere.
//
// NewServer starts it on a loopback port (Serve on a listener of your own) with one organisation
// and its credentials; Server.Client returns a schulconnex.Client for it. The server implements
// the 33 operations of the source-system API over the models of package schulconnex, generated
// from the same openapi/schulconnex.yaml, with the behaviour clients must cope with:
//
//   - An OAuth2 token endpoint at TokenURL for the client-credentials and the password grant
//     (with refresh tokens), client authentication by HTTP Basic or form; tokens expire
//     (WithTokenLifetime, ExpireTokens) and are answered with 401/01.
//   - Every record has a revision; an update or delete with another one is 409/00.
//   - Errors carry the Schulconnex body {code, subcode, titel, beschreibung}; WithNumericCodes
//     sends code as a number, as some servers do.
//   - String filters (referrer, familienname, bezeichnung, ...) match substrings without regard to
//     case; code filters match whole codes, comma-separated lists all of them; a repeated filter
//     is 400/17.
//   - Organisations see only their own persons, contexts and groups, and the contexts other
//     organisations released to them (Sichtfreigabe, within its period), marked sichtfreigabe Ja
//     and read-only (403).
//   - A context's organisation comes from the token; rolle cannot change (400/11); a person
//     cannot hold one role twice at an organisation; a person with contexts cannot be deleted
//     (400/12); a context services used (MarkUsed, WithContextsUsed) cannot be deleted directly
//     (400/13); deletion times must be YYYY-MM-DDThh:mmZ (400/09) and not in the past, and the
//     server deletes the context when its time comes.
//   - Bodies are checked like a strict server: properties neither the models nor vendor
//     extensions (URN names) declare are 400/06. Vendor extensions are stored and served back
//     as they were sent.
//   - Faults (SetFaults): rules for chosen requests and seeded rates of error statuses with
//     Retry-After (the subcode from Rule.Code), dropped connections, slow and stalled answers,
//     and writes whose answer is lost after they were carried out.
//
// Editor changes the store directly, as the service's administration or another source system
// would, for seeding and for concurrent changes. Stats counts requests by operation id and
// status, reads and writes and tokens by grant, for tests that measure how much a
// synchronisation writes.
//
// It has the shape of every edusync fake (internal/fakekit): NewServer(opts...), URL(),
// Client(opts...), SetFaults, Stats, LoadPopulation and Close.
//
// LoadPopulation fills the server with a synth population (German ones read best), and
// SourceSnapshot returns the same population as a school-administration system's export in the
// canonical model of schulconnexsync.Target, so that a loaded population and its export are in
// step and synth's next-day changes are exactly what a synchronisation has to write.
package schulconnextest
