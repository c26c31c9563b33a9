// Package conformance checks edusync's clients and fakes against the API specifications: a
// validating reverse proxy (kin-openapi's openapi3filter) built from the official file where one
// exists (SS 12000 2.1.0, Schulconnex 1.7-rc1 in ../shared/specs) and from our own file in
// openapi/ otherwise stands between a client and its fake; every client operation is run once
// through it, and the test fails for any request or answer that departs from the file, except
// for an allow-list of the official file's own defects, each entry explained and each required
// to match something (so a fixed defect leaves the list).
//
// The production provider ss12000server is checked the same way (its traffic against the
// official SS 12000 file), and what it serves to a receiver configured as Skolverket's DNP
// client against DNP's reference JSON Schemas (santhosh-tekuri/jsonschema).
//
// Because client and fake share the generated models, a defect in a model could never show
// in tests that use both; checked against the official file, it does. This package lives in
// the tools module so that kin-openapi stays out of users' builds.
//
// # Adding a client
//
// A test file per API: start the fake, Start a Proxy with the spec, the fake's root and the
// base path, make the client with the proxy's URL, run every operation once, then
// proxy.Check(t, allowList) and proxy.Covered(t, ourFile). SharedSpecs finds the official
// files (or skips loudly when they are absent; CI checks they are there).
package conformance
