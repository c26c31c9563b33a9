// Package fakekit is what every edusync fake server (ss12000test, schulconnextest, canvastest,
// ladoktest and the fakes after them) is built on, so that they all have one shape and misbehave
// in the same ways: a test that injects a fault or counts requests does it the same way against
// each of them.
//
// # The one shape
//
// A fake package <api>test offers NewServer(opts...), URL(), Client(opts...) returning a ready
// client of its package, SetFaults(Faults), Stats() Stats, ResetStats(), LoadPopulation(...)
// for synth data, and Close(). The kit provides all of it except the client and the data:
//
//   - Server routes requests to Operations (operation ids as in the API's OpenAPI file),
//     answers unknown paths (404) and other methods (405 with Allow) in the API's own error
//     body (Config.Error), numbers requests (X-Request-Id), authenticates (Config.Authenticate),
//     injects faults, caps request bodies (413) and counts everything.
//   - Faults: deterministic Rules (this operation, the next three times) and seeded rates:
//     server errors, rate limiting with Retry-After (or the API's own throttling answer,
//     Config.RateLimited), latency, stalls, dropped connections, truncated answers, and writes
//     carried out before the connection drops.
//   - Stats: requests per operation and per status, faults, throttling, token grants, reads
//     and writes, and a log of the last LogSize requests (paths redacted).
//   - Table: values under random keys that expire, swept in amortised steps (bearer tokens,
//     refresh tokens, page tokens); Issuer and TokenEndpoint build OAuth2 on it (client
//     credentials, password and refresh grants; a grant of an API's own plugs in as a Grant);
//     CheckBasic checks HTTP Basic.
//
// A fake keeps what is its API's own: the models, the handlers with their semantics, the
// paging, its error body, its Write records, its options.
//
// docs/adding-a-client.md, step 4, walks through a new fake.
package fakekit
