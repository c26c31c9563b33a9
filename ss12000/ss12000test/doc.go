// Package ss12000test is an in-memory SS 12000 service (API 2.1.0) for testing code that reads
// from or writes to a Swedish school administration system: users test their own pipelines
// against it, and edusync's own client and sync are tested with it.
//
//	srv := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.SampleSchool()))
//	defer srv.Close()
//	client, err := srv.Client() // an ss12000.Client with OAuth2 client credentials
//	// or configure any client with srv.URL() and the bearer token srv.Token(),
//	// or with the OAuth2 client-credentials endpoint srv.TokenURL() and srv.ClientCredentials().
//
// It has the shape of every edusync fake (internal/fakekit): NewServer(opts...), URL(),
// Client(opts...), SetFaults, Stats, LoadPopulation and Close.
//
// # Design
//
// The handlers are written by hand over the models generated from openapi/ss12000.yaml into
// package ss12000 (Person, PersonExpanded, ListPersonsParams, ...). Query parameters are decoded
// with internal/apiquery into the same generated Params structs the client encodes from, and
// strictly: a parameter the operation does not declare is a 400. So client and fake share one
// spec and cannot drift apart, while the semantics the spec only describes in prose (paging,
// filters, expansion) are real code that can be read and tested. The filters, lookups, sort
// orders, expansion, error answers and callbacks are also those of the production provider
// (ss12000/ss12000server): both use internal/ss12000serve, so what the fake answers is what a
// provider built with edusync answers. Later fakes (schulconnextest,
// canvastest, ladoktest, ...) follow the same pattern: generated models, apiquery, a kind table
// for the type-independent parts (store, paging, rendering), one small filter function per list
// operation, options for the server's quirks, Faults for the network's.
//
// # What the server does
//
// Every one of the 69 operations is routed under BasePath (default /ss12000/v2), /log/ and
// /statistics/ with their trailing slash only, as the standard writes them (a path that differs
// by a slash is unknown, never redirected). Unknown paths are 404, known paths with another
// method 405 (with Allow); every error carries the standard's Error body
// {code, message}, and every answer an X-Request-Id header (the client's own when it sent one).
// Requests need a bearer token (401 otherwise) unless WithoutAuth: Token returns a static one,
// and the OAuth2 token endpoint at TokenURL (POST /oauth2/token under the server's root, grant
// type client_credentials, client id and secret by HTTP Basic or form fields) issues tokens that
// expire after the token lifetime. Request bodies are capped (WithMaxBody, 413 beyond); bodies
// are decoded strictly (unknown properties, malformed JSON, trailing data: 400).
//
// Lists page as SS 12000 prescribes. limit defaults to DefaultLimit and is lowered to the
// maximum (WithLimits); less than 1 is a 400. The first request carries the filters; the server
// takes a snapshot of the ids of the matching records in their final order and answers with the
// first page and an opaque pageToken. Following requests carry only pageToken and limit: any
// other parameter with a pageToken is a 400. The last page has no pageToken (or "pageToken":
// null with WithNullPageToken). Each page serves the current version of the records at its
// positions and skips records removed since; records created after the snapshot are not part
// of the listing (a delta sync on meta.modified finds them). A token can be used again (a
// retry gets the same page and the same next token) until it expires (WithPageTokenTTL);
// an expired or unknown token is 410 Gone. The default order is by id; sortkey is honoured
// where the operation declares it.
//
// Filters: meta.created.before/after and meta.modified.before/after, all exclusive, wherever
// declared; the date ranges (startDate.onOrBefore, ...; a record whose date is not set passes,
// as the standard says for relationships); and each operation's own filters: persons by
// nameContains (every value in some name, case-insensitive), civicNo, eduPersonPrincipalName,
// identifier.value/context and relationship.* (enrolment, duty, placement.child,
// placement.owner, responsibleFor.enrolment, responsibleFor.placement, groupMembership
// including a duty's assignment roles; with organisation and date ranges); organisations by
// parent, schoolUnitCode, organisationCode, municipalityCode, type and schoolTypes; groups by
// groupType, schoolTypes and organisation; duties by organisation, dutyRole and person;
// placements by organisation, group, child and owner; activities by member (through their
// groups), teacher (duty id), organisation and group; calendar events by their required
// startTime range, endTime, activity, student, teacher, organisation and group; and the id
// filters of the other resources. Values outside a code list are a 400.
//
// expand fills _embedded as the standard describes (persons: duties, responsibleFor,
// placements, ownedPlacements, groupMemberships; groups: assignmentRoles from the duties;
// duties: person; placements: child, owners; activities: groups, syllabus, teachers; calendar
// events: activity, attendance; attendance events: group, person, registeredBy; aggregated
// attendance: activity, student). expandReferenceNames fills displayName in every reference:
// names of persons, organisations, groups, activities, syllabuses (course or subject name),
// programmes, rooms and resources, and "name (role)" for duties.
//
// Lookups (POST /<resource>/lookup) take the body's ids and the other keys the standard
// allows (civicNos; schoolUnitCodes and organisationCodes; personIds; members and teachers;
// ...). More keys than WithMaxLookup is 413, so clients split the batch; unknown keys are just
// absent from the answer. GET by id is 404 with the Error body for an unknown id.
//
// Writes the standard has (POST and DELETE of attendances, attendanceEvents and
// attendanceSchedule, POST of absences) validate required properties and code lists, refuse
// what the standard marks read-only (id, meta, _embedded, the displayName of references) and
// references to records the server does not hold (calendar events, persons, groups,
// placements, organisations), check schedule times (HH:MM), all with a 400, then give the
// record a new id and meta and answer with the record. /deletedEntities
// lists removals (through the API, Delete or the delete operations) per type with after
// (exclusive) and entities filters, paged like the lists; removed activities appear under
// "activitites" as in the standard unless WithDeletedActivitiesSpelling says otherwise.
//
// Subscriptions can be created (the server sets id and expires = now + lifetime), listed,
// read, renewed (PATCH moves expires) and deleted; expired ones are gone. While one is live,
// changes to its resource types (through the API or Upsert, Modify, Delete) make the server
// POST a SubscriptionNotification to its target: changes are collected for the callback
// window, so a burst makes one call listing every changed type the subscription asked for,
// with deletedEntities true when records were removed. A failing target is called again a few
// times; mutations never wait for callbacks. Callbacks lists them.
//
// POST /log/ and /statistics/ validate and record LogEntry and StatisticsEntry values
// (LogEntries, StatisticsEntries) and answer 201.
//
// # Tests drive the server
//
// Upsert, Modify and Delete change records as another writer at the service would, stamping
// meta.created and meta.modified from the server clock (WithClock), truncated to the timestamp
// resolution (WithTimestampResolution: with whole seconds several changes share one
// meta.modified, as at many services). Get, All and Count read the records; Stats counts
// requests per operationId and status and keeps a log of the last ones; Writes, LogEntries,
// StatisticsEntries, Callbacks and Removals show what clients did. SetFaults switches faults
// at run time: rules that hit chosen operations a number of times, and rates chosen from a
// seed: server errors (502, 503, 504), 429 with Retry-After, added latency, stalls,
// connections closed before anything happens, truncated answers, and writes carried out whose
// answer is then lost.
//
// SampleSchool is a small deterministic school (314 persons) for examples and tests.
// FromPopulation converts a synth population (the school or municipality preset, or any
// other size) into a Dataset: organisations, persons with enrolments and guardians, duties with
// mentor roles, groups with memberships, placements for preschool children and an activity per
// teaching group naming its teachers; examples/sandbox serves it. Personal numbers never reach
// the server's log: URLs are logged redacted.
package ss12000test
