// Package ladokfeed reads Ladok's event feed without losing or repeating events: a Reader hands
// every entry to a Handler, oldest first across and within pages, and keeps its place in
// package store. It sits beside the ladok client, which holds the API (the pages and their
// decoding) and nothing durable.
//
// # Reading the feed without losing events
//
// The Reader's position (the href of the page being read and the last handled entry) and the
// keys of the processed entries (entry id and HandelseUID) are kept in a State: StoreState, over
// any store.Store (sqlite.Open in production, store.NewMemory in tests). Both are committed in
// one transaction, after the handler has succeeded, once per page or every n entries
// (WithCommitEvery):
//
//	st, _ := sqlite.Open(ctx, "/var/lib/edusync/state.db")
//	reader, _ := ladokfeed.NewReader(client, ladokfeed.NewStoreState(st), handle)
//	err := reader.Run(ctx)
//
// So:
//
//   - a handler failure stops the reader with the position just before the failed entry, and
//     the next run starts with that entry;
//   - an entry seen again (the same entry, or the same HandelseUID under a new entry id) is
//     recognised and skipped;
//   - from any position, however old, the reader follows next-archive page by page and never
//     skips one; it never builds archive URLs itself, only follows the hrefs in the pages, and
//     refuses hrefs to another host;
//   - pages that fail (network, 5xx, cut-off bodies) are fetched again with backoff;
//   - if the saved entry is no longer on the saved page (the page was archived under another
//     href), the reader looks for it on the pages before; if it is nowhere, it stops with
//     ErrPositionLost rather than guess.
//
// Delivery is at least once: handlers must be idempotent. Lag and WithProgress report how far
// behind the reader is (pages, and the age of the newest handled event). While the handler
// works through a page, the next page is already being fetched and decoded.
package ladokfeed
