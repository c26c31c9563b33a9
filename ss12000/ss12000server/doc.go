// Package ss12000server is a production SS 12000 provider: it keeps a school's or a
// municipality's organisations, persons, groups and memberships in a store (SQLite, or
// PostgreSQL for several processes), fed from any reconcile.Source through a reviewed plan, and
// serves them as SS 12000 2.1.0 to the systems that pull from a school, first among them
// Skolverket's digital national tests (DNP).
//
//	p, err := ss12000server.New(st, ss12000server.Options{
//		BasePath:  "/ss12000",
//		Receivers: []ss12000server.Receiver{{Name: "dnp", Bearer: &ss12000server.JWT{...}, Protected: true}},
//		EPPN:      ss12000.EPPNGenerator{Template: "{given}.{family}@skola.example.se"},
//	})
//	plan, err := reconcile.NewPlan(source, target, opts) // target: reconcile.Load(ctx, p)
//	report, err := reconcile.Apply(ctx, plan, p, reconcile.ApplyOptions{})
//	http.Handle("/ss12000/", p)
//
// # A reconcile Target
//
// The Provider is a reconcile.Target that keeps the whole canonical model (organisations,
// persons, groups, memberships, with referrers and revisions) and changes all at once
// (reconcile.Transactional): a run stages its actions in the store and Commit makes them
// visible in one transaction, so receivers see the state before the plan or its whole result,
// never a part. Commit stamps meta.created and meta.modified on every served record whose
// content changed (and on no other), notes removals for /deletedEntities, gives every person
// the source gives no eduPersonPrincipalName one from the EPPN template (kept across runs;
// DNP requires at least one), and queues the subscription callbacks. One run applies at a
// time across every process that shares the store (a lease). It passes
// reconciletest.TargetSuite on SQLite and in memory.
//
// How canonical records read in SS 12000 (Vocabulary; by default the vocabulary of
// ss12000sync, so a provider fed from another SS 12000 service serves what that service does):
// organisations as organisations, their parent named by the parent's source key (AttrParent);
// persons with an enrolment per pupil context (school type and year from AttrSchoolType and
// AttrSchoolYear, or the school unit's only school type), their guardians (relations) and
// civic number (AttrCivicNo, served as twelve digits when it is a valid personal or
// coordination number); a duty per staff context; groups with a group membership for each
// member role; an activity per group with teachers, taught by their duties at the group's
// organisation; assignment roles ("Mentor") on the duty the person holds there. Where the
// source gives no start date, the day the provider first held the record is served.
// Deactivated records are no longer served (they appear on /deletedEntities) and come back
// when restored.
//
// # Serving
//
// The Provider is an http.Handler for the read operations of SS 12000 2.1.0: the organisations,
// persons, placements, duties, groups, programmes, study plans, syllabuses, school unit
// offerings, activities, calendar events, attendance, grades, absences, aggregated attendance,
// resources and rooms lists with every filter and sortkey of the standard, expand and
// expandReferenceNames, the gets and the lookups; subscriptions; /deletedEntities; POST
// /log/ and /statistics/ (with and without the trailing slash, as DNP's client sends them).
// The kinds the canonical model does not hold answer as a service that holds none of them.
// The filters, sort orders and expansions are those of the fake ss12000test (both use
// internal/ss12000serve).
//
// Lists page over a consistent listing: the first request fixes the generation it reads
// (records that appear later are not part of it; removed ones drop out; each page serves the
// current version of a record), and the pageToken carries the listing sealed in itself, so no
// state is kept between pages and any process on the store answers the next. Tokens expire
// (410 Gone) after PageTokenTTL; combined with any other parameter than limit they are a 400.
// Pages follow the records' key order and read a page's worth from the store, so serving a
// municipality of 300,000 persons keeps memory bounded; a sortkey sorts the matching ids once
// and keeps them in the store for the listing's pages. Unknown parameters, values outside the
// code lists, a limit below 1 and malformed bodies are 400 with the standard's Error body;
// lookups with more keys than MaxLookup are 413; more concurrent requests than MaxInFlight are
// 503 with Retry-After.
//
// # Receivers, authentication and protected identity
//
// Every request comes from a Receiver: one that presents a bearer JWT (checked against its
// JWKS with issuer, audience, expiry, and DNP's location and organisation claims; RS256 and
// ES256 only, so neither "none" nor an HMAC signed with a public key passes), a TLS client
// certificate on its allow-list (mutual TLS), or both. A receiver may be limited to some
// organisations and those below them. Persons with protected identity are never served to a
// receiver, nor named in what it reads (group memberships, guardians, teachers, reference
// names, removals), unless the host opts it in (Receiver.Protected); it then gets them reduced
// to id, names, marking, civic number, EPPNs and enrolments. Nothing personal, no token and no
// page token is ever logged.
//
// # Serving Skolverket's DNP
//
// DNP's client pulls with bearer JWTs of SUNET's token service: configure its receiver with
// the JWKS, issuer and audience it is given, Location set to this provider's address (a
// token naming another provider is refused), Protected (DNP must see every pupil, reduced to
// what it needs) and Spelling CorrectSpelling; it posts to /log and /statistics without the
// trailing slash, which are answered as the standard's paths. What DNP ingests requires, per
// person, at least one eduPersonPrincipalName (set EPPN's Template) and a civic number: the
// source must give it (AttrCivicNo, or CivicNoFromReferrer for sources keyed by it); per
// group, a school type (AttrSchoolType, or the school unit's only school type). The tools
// module checks what such a receiver reads of the synth school against DNP's reference JSON
// Schemas, and the provider's traffic against the official SS 12000 file.
// examples/ss12000-provider runs the whole way: a school planned in, served on localhost,
// read back with a delta sync and a subscription callback.
//
// # Subscriptions
//
// Receivers subscribe to resource types with a target under one of their CallbackURLs. A
// committed run queues one callback per interested subscription in the store's queue, in the
// commit's own transaction; it lists the changed types under "modifiedEntites" as the standard
// spells it, or "modifiedEntities" as DNP reads it (Receiver.Spelling), and a failed one is
// repeated CallbackRetries times (4, as DNP's reference) with doubling waits. Subscriptions
// expire after SubscriptionLifetime and are renewed with PATCH.
package ss12000server
