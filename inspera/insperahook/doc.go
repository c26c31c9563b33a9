// Package insperahook receives Inspera Assessment's webhooks durably: an http.Handler that
// verifies each delivery's signature, answers only once the event is committed to a store queue,
// and keeps Inspera's repeated deliveries out, so the appeal, explanation and archive flows
// process every event once even when the receiving process crashes.
//
// # Receiving
//
//	st, _ := sqlite.Open(ctx, "/var/lib/edusync/state.db")
//	h, err := insperahook.NewHandler(insperahook.Config{
//		Store: st, Scope: store.Scope{Flow: "inspera-hook", Tenant: "uib"},
//		Secrets: []insperahook.Secret{{Name: "flows", Value: secret}},
//	})
//	defer h.Close()
//	http.Handle("/inspera/events", h)
//
// Inspera POSTs a thin JSON payload (eventName, contextObjectId and -Type, associatedObjectId
// and -Type, triggeringUserId and -Name, timestamp, org, instance, env, examSystem) signed in
// X-Inspera-Signature: the hex HMAC-SHA1 of the raw body under the subscription's secret. It
// waits 10 s for a 200 and retries three times, and it may deliver an event more than once. The
// Handler
//
//   - caps the body (64 KiB by default; 413 above);
//   - answers Inspera's validation request at registration (a POST without signature and event)
//     with 200 and enqueues nothing;
//   - verifies the signature in constant time against every configured secret (several at once,
//     so a secret can be rotated, SetSecrets), accepting upper- or lower-case hex; a wrong or
//     missing signature is 401 and is logged without the body;
//   - reads the event tolerantly: ids as numbers or strings, unknown members ignored, the older
//     payloads' "event" member and key=value form; a signed body that is no event is 400;
//   - enqueues it under Event.Key, a digest of what it says, so a repeated delivery (same event,
//     any member order) is a duplicate in the queue's de-duplication window and is processed
//     once; messages are ordered per test and associated object (a candidate's appeal before
//     its explanation);
//   - answers 200 only after the transaction holding the event committed, batching concurrent
//     deliveries into one transaction; 503 when the store fails, so Inspera retries.
//
// Serve it from an http.Server with ReadHeaderTimeout and ReadTimeout set (a few seconds: Inspera
// sends a few hundred bytes), so that slow senders cannot hold connections open.
//
// Inspera signs no timestamp, so a signature does not expire: a captured delivery can be
// replayed, but only as the same event, which the queue's key keeps out.
//
// # Processing
//
// A store.Worker takes the events from the queue; EventHandler decodes them:
//
//	w := store.Worker{Store: st, Scope: scope, Handle: insperahook.EventHandler(
//		func(ctx context.Context, ev insperahook.Event) error {
//			test, err := client.GetTest(ctx, inspera.TestID(ev.TestID()))
//			...
//		})}
//
// # Past one process
//
// With Config.Publisher set (a *stream.Producer), the handler publishes each event to a Kafka
// topic instead of the store's queue, under the same Key and an order key per test and
// associated object, and answers 200 once Kafka acknowledged it; a stream.Consumer group takes
// the events with the same EventHandler and keeps repeated deliveries out by their Key.
//
// # Subscribing
//
// Subscribe registers the receiver's URL for the flows' events (FlowEvents) with the
// subscribing user's client, skipping those it has. Inspera sends no events about a user's own
// actions to that user's subscriptions: if the flows wrote with the same API key as the one that
// subscribed, the events their own writes cause would never arrive. Subscribe warns (in its
// result and the log) when the subscribing client and the writing one are the same user; use two
// Inspera users, one to subscribe and one to write.
//
// The package uses only the store's interfaces; the host opens the backend (store/sqlite,
// store/postgres).
package insperahook
