// Package ladokfeed reads Ladok's event feed without losing or repeating events: a Reader hands
// every entry to a Handler, oldest first across and within pages, and keeps its place in
// package store. It sits beside the ladok client, which holds the API (the pages and their
// decoding) and nothing durable.
//
// # Reading the feed without losing events
//
// The Reader's position (the href of the page being read and the last handled entry) and the
// keys of the processed entries (EntryKey: the HandelseUID, or the entry id of an entry without
// one) are kept in a State: StoreState, over any store.Store (sqlite.Open in production,
// store.NewMemory in tests). Both are committed in one transaction, after the handler has
// succeeded, at the end of each page or every n entries (WithCommitEvery):
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
// behind the reader is (pages, and the age of the newest handled event).
//
// # A pipeline
//
// A catch-up fetches, hands over and commits at the same time: while the handler works
// through a page, the next one has been fetched and decoded and the one after it is on its
// way, and the commits of the pages already handled are saved in the background, several in
// one transaction when they queue up behind a slow disk. The handler never gets further than
// Window (2) pages beyond the last committed page, so a crash hands over again at most the
// entries of two pages; a State whose Commit waits until the work it covers is really done
// (an adapter that applies events in the background, as ladokcanvas does) bounds the reader by
// that work in the same way. Entries repeated on a later page are skipped also while the
// commit of their first copy is still under way. BenchmarkFeedIngest compares the whole
// pipeline with decoding alone (ingest_ratio).
//
// # Past one process
//
// PublishHandler turns the reader into the producer of a Kafka topic (through a
// *stream.Producer): each entry is published keyed by the student its event names
// (EntryMessage), and the position is committed once the entries are published. Several
// adapter instances then consume the topic in a consumer group, each with the partitions it
// was given, every student's events still applied in the feed's order; EventHandler hands
// them to an adapter's Handle, de-duplicated by EntryKey:
//
//	reader, _ := ladokfeed.NewReader(client, ladokfeed.NewStoreState(st), ladokfeed.PublishHandler(producer))
//	consumer, _ := stream.NewConsumer(stream.ConsumerConfig{..., Handle: ladokfeed.EventHandler(adapter.Handle)})
package ladokfeed
