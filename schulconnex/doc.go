// Package schulconnex is a client for Schulconnex, the German interface through which
// school-administration systems (source systems, "Quellsysteme") hand their persons, contexts,
// groups and memberships to the identity service that serves learning platforms and other
// services of a state's schools. It covers the 33 operations of the source-system API, version
// 1.7, and the flows the Schulconnex practice guide prescribes for synchronising, deleting and
// changing the school year.
//
// # Models
//
// The record types (Person, Personenkontext, Gruppe, Gruppenzugehoerigkeit, Organisation,
// Beziehung, Sichtfreigabe, ...) and the parameter structs (ListPersonenParams, ...) are generated
// from openapi/schulconnex.yaml, edusync's own description of the specification. Names follow
// the specification (German), so its documentation reads directly onto the code. Code lists are
// string types with constants (RolleLern, GruppentypKlasse, ...); they decode without regard to
// case, as Schulconnex compares codes, and keep values the lists do not know yet; Same compares
// two codes. Loeschzeitpunkt is the one time with a time of day: UTC, to the minute.
//
// # Authentication
//
// Source systems authenticate with OAuth2. WithClientCredentials uses the client-credentials
// grant the specification describes; WithPasswordGrant the password grant of the practice guide,
// which some operators require (renewing with refresh tokens where they are issued).
// WithTokenSource and WithBearerToken take tokens from elsewhere. Tokens are renewed before they
// expire, and when the service rejects one (401) the request is sent once more with a new one.
// Tokens (also those a server echoes back), secrets, personal numbers and the values a decoder
// quoted never appear in logs or errors; a failed connection names the request by its redacted
// path. The error types are package apierror's, which every edusync client shares.
//
// # Reading
//
// Schulconnex answers a list in one piece. Every list operation has a page call
// (ListPersonenPage, ...) that collects the answer and an iterator (ListPersonen, ...) that
// decodes it record by record as it arrives, so a tenant's whole person list is never held in
// memory; single reads are Get calls (GetPerson, GetBeziehungen, GetOrganisationsbeziehungen,
// ...). Answers are decoded tolerantly: a record that does not decode (or has no id) becomes a
// *RecordError and the others are delivered; WithStrict fails instead. An answer larger than
// the cap (DefaultMaxResponseBody, WithMaxResponseBody) fails with a *BodyTooLargeError naming
// it. The referrer filter of the service matches substrings
// without regard to case; FindPersonByReferrer, FindPersonenkontextByReferrer and
// FindGruppeByReferrer ask with it and keep only exact matches.
//
// # Writing
//
// Updates replace the whole record, and Schulconnex requires clients to send back what they
// do not understand, such as vendor extensions. Records the client decoded keep the JSON they
// came from in Raw; UpdatePerson, UpdatePersonenkontext, UpdateGruppe and
// UpdateGruppenzugehoerigkeit start from it and change only the members whose values changed,
// so every other member goes back byte for byte. Every update carries the revision the record
// was read with: when another writer changed it in between, the service answers 409 with
// subcode 00, which is an error matching ErrRevisionConflict, and nothing is written. The
// Modify helpers (ModifyPerson, ...) read the record again and re-apply the caller's change, up
// to a number of attempts; RetryOnConflict does the same for any read-change-write function.
// An update whose answer was lost and that is repeated meets its own earlier write as a
// conflict; the client recognises that case by reading the record back.
//
// Records another organisation released to this one for reading (Sichtfreigabe) are marked
// sichtfreigabe Ja and are never written: the client remembers them from every read and refuses
// writes to them with ErrReadOnly before sending anything.
//
// # Flows
//
// RemovePerson deletes a person the prescribed way: its contexts first, each given a deletion
// time instead when services already used it (400/13, ErrContextInUse), never in the past, then
// the person. ChangeRole gives a person a new role by creating the new context before deleting
// the old one. ChangeSchoolYear keeps continuing groups with their ids and renames them, gives
// ending groups laufzeit.bis, and DeleteEndedGroups deletes them after a grace period.
//
// # Synchronising with reconcile
//
// The reconcile Target over this client, the CSV export reader (a reconcile.Source) and the
// Importer live in package schulconnexsync, beside this one: this package holds the API.
//
// Package schulconnextest provides a fake Schulconnex service with the same semantics (revisions,
// error bodies, filters, releases, deletion times, OAuth2, faults) for tests and examples.
package schulconnex
