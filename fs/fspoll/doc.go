// Package fspoll reads what changed in FS for one institution and exam system (new and changed
// appeals and explanation requests) into a durable store queue, so the appeal and explanation
// flows (examsync) handle each change once, across crashes and restarts.
//
//	p, err := fspoll.New(fspoll.Config{Source: fsClient, Store: st, Institution: "185", System: fs.Inspera,
//		Start: termStart})
//	go p.Run(ctx)                                   // a round now, then every two hours; p.Trigger() for one now
//	w := store.Worker{Store: st, Scope: p.Scope(), Handle: func(ctx context.Context, d store.Delivery) error {
//		c, err := fspoll.Decode(d.Payload)          // an fspoll.Change: Kind, Appeal or ExplanationRequest, Key
//		...
//	}}
//
// # Position, overlap and de-duplication
//
// FS lists the records changed at or after a time (siden). The poller keeps that time as the
// store Position of its scope (flow "fs/changes", tenant "<institusjonsnr>/<SYSTEM>"). Each
// round asks from the stored siden, and the next round's siden is the round's start less
// Overlap (an hour by default): a change FS stamped before a round but made visible only after
// it (a long transaction, FS's clock behind the host's) is read by the next round, as long as
// it became visible within Overlap of its stamp. Records read again in the overlap are not
// delivered again: each record's Key is a digest of its content with FS's change time, and the
// store keeps the keys of the records the last round read (a record a round no longer reads
// has changed since, or fallen behind siden), so what the poller keeps stays the size of the
// overlap, and an FS that lists old records again still has each delivered once. Without a
// change time the same content coming back later (an appeal made active again) is a new
// change.
//
// # Durability
//
// Each listing of a round is read whole (at most Config.MaxRecords records) before any of it
// is enqueued, so an answer cut short or one that never ends enqueues nothing. Its changes are
// then enqueued in transactions of Config.Chunk records together with their keys, and the
// position moves in a last transaction: a round that fails or is killed part way is read
// again from the old position, and only what it had not enqueued is enqueued. A record FS sent that cannot be used is kept as a dead letter of the scope
// (prefix "bad/") for an operator, not dropped silently. The poller uses only the store's
// interfaces (store/sqlite by default, store/postgres past one process).
//
// # Order and privacy
//
// Explanation requests are enqueued before appeals, and a candidate's messages at one exam
// share an OrderKey (a digest), so the store hands them out one at a time in the order read.
// A Change holds personal data (personlopenr, names): the queue is as sensitive as FS. The
// store's keys hold digests only, and Change and the records log without personal data.
package fspoll
