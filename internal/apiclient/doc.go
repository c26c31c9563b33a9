// Package apiclient is the core every edusync API client is built on, so that SS 12000,
// Schulconnex, Ladok, Canvas and the clients after them share one way of talking HTTP and fail
// the same way.
//
// # What a client package does with it
//
//   - Options: its With* options write into a Settings (this package's With* functions do the
//     work; the client re-exports them with its own doc comments), then New(Config{...}) checks
//     the base URL and builds the transport stack once: retry, rate limit, the API's own layer
//     (Config.Wrap), authentication (the one place where a rejected token is renewed, once),
//     logging, the body cap and fixed headers.
//   - Requests: Do / Call take a Request (a path under the base URL or an absolute URL on its
//     origin). Non-2xx answers become *apierror.APIError with the API's own code filled in by
//     Config.ErrorBody; transport failures never carry Go's *url.Error with its whole URL.
//   - Lists: GetPage collects one page; Walk returns an iterator over every page. Both decode
//     the answer record by record as it arrives (Shape says where the records are), so a
//     listing never holds a whole body or page, and a bad record becomes an
//     *apierror.RecordError while the others are delivered. The paging is pluggable
//     (TokenPaging, LinkPaging, OffsetPaging, PageNumberPaging, or the API's own Paging), and
//     Walk ends any of them with an *apierror.PageCycleError when a page would be requested
//     twice.
//   - Redaction: every error and log line the core builds goes through Client.Redact (identity
//     numbers, the client's credentials and the tokens it fetched, control characters) and
//     paths and queries through redact.Path; decoder complaints lose the values they quote.
//
// docs/adding-a-client.md walks through a new client from spec to benchmarks.
package apiclient
