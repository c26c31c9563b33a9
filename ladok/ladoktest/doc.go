// Package ladoktest is an in-memory Ladok3 for tests, benchmarks and the sandbox: the REST
// resources package ladok reads and the Atom event feed with archive pages, served over mutual
// TLS like the real one.
//
// NewServer starts it on a loopback port with a fresh test CA, a server certificate and a
// client certificate (Credentials; Client returns a ready ladok.Client); Serve runs it on a
// listener of the host's. Connections without a client certificate signed by the test CA are
// refused in the TLS handshake, and each REST service answers only requests whose Accept header
// names its vendor media type, as Ladok does. CA issues more certificates (expired ones, other
// OUs) for tests of the refusals.
//
// The feed is filled with Append (typed or generic events, rendered once with
// ladok.MarshalEvent), AppendRaw and AppendEntryXML (for broken entries). Pages hold
// WithEntriesPerPage entries, oldest page first, newest entry first within a page; the last
// page is the recent one, and pages link to each other with prev-archive and next-archive.
// Mix generates a realistic event mix (60% study participation, 20% student, 20% course).
//
// REST resources are added with AddStudents, AddUtbildningstillfallen and the other Add
// methods, or all at once from a synth university population with LoadPopulation, which can
// also put the population's events into the feed. Searches page and sort like Ladok's and
// insist on an explicit order.
//
// SetFaults makes matching requests fail: a status (5xx) with a Ladok error body, a body cut
// in half with a matching Content-Length (so only the parser notices), a dropped connection, a
// stall or a delay, for a number of requests, every nth one, or a seeded share. Stats counts
// requests by operation id and status; Stats.RequestsTo counts the requests to one path.
//
// It has the shape of every edusync fake (internal/fakekit): NewServer(opts...), URL(),
// Client(opts...), SetFaults, Stats, LoadPopulation and Close. What the kit does not do here:
// authentication is the TLS handshake's (a refused certificate never reaches the kit, so it
// is not counted), there is no token endpoint, and the feed's Atom pages are the fake's own.
package ladoktest
