// Package ss12000serve is the serving side of SS 12000 that the in-memory fake
// (ss12000/ss12000test) and the production provider (ss12000/ss12000server) share: the
// standard's error answers and strict request bodies, the parameters every list shares (meta
// filters, expand, sortkey, limit, pageToken), one filter per list operation and one match per
// lookup over the generated models, the sort orders, expansion and reference names, the
// subscription callback, and the checks of subscriptions, log and statistics entries.
//
// Storage is the servers' own business: the fake keeps records in memory, the provider in a
// store. What filters and expansion need to know beyond one record (a person's duties, a
// group's members) they ask through Relations, which each server implements over its data.
package ss12000serve
