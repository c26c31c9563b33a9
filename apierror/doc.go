// Package apierror holds the error types every edusync client returns, so that a host handles
// the failures of SS 12000, Schulconnex, Ladok, Canvas and the other clients in one way.
//
// Each client package re-exports these types and sentinels under its own name
// (ss12000.APIError is apierror.APIError, canvas.ErrNotFound is apierror.ErrNotFound), so most
// code never imports this package; code that handles several clients can.
//
// # What the errors say
//
//   - [APIError]: the server answered with a non-2xx status. errors.Is maps its status to the
//     sentinels ([ErrNotFound], [ErrRateLimited], ...).
//   - [DecodeError]: an answer was not the JSON (or XML) the API describes.
//   - [RecordError]: one record of a list answer could not be used; the rest of the list still
//     arrives. [RecordErrors] collects them where a call returns a whole list at once.
//   - [BodyTooLargeError]: an answer was larger than the client's body cap; it names the cap.
//   - [PageCycleError]: a listing's paging pointed back to a page already read.
//   - [TokenError]: a token endpoint refused to issue a token.
//
// # Privacy
//
// Every field of these errors is filled in by the clients after redaction: identity numbers,
// the client's own credentials, page tokens and control characters never appear in them, not in
// Error(), not with %+v, and not in the fields. Values a decoder quoted from the answer are left
// out rather than recognised. Code that builds these errors itself is responsible for the same.
//
// # Layering
//
// This package is a leaf: it imports only the standard library. It is the one public package
// edusync's internal packages import, so that the client core can build these errors without the
// clients having to convert them.
package apierror
