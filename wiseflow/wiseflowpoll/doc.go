// Package wiseflowpoll finds what changed in WISEflow for the exam flows and takes WISEflow's
// webhook calls, both durably, through package store.
//
// # Polling
//
// WISEflow's API cannot say what changed since a time, so Poller compares: each Round lists the
// watched flows (Poller.Query) and reads in detail only the flows whose listing changed, that
// are new, that a webhook call named (Poller.Hint), or that have open business and are due
// for a recheck. It queues, in the store's queue, one Change per new or changed explanation
// request (state, visibility, assessor), remarking flow, grade (an appeal's new grade among
// them) and concluded master's-thesis flow with its submissions. What it remembers of each
// flow and the changes it queues for it are written in one transaction, so a change is queued
// exactly once, also across failed rounds and restarts; a store lease keeps two pollers of a
// scope from working at once. The consumer takes the changes with a store.Worker:
//
//	p := &wiseflowpoll.Poller{Client: c, Store: st, Scope: store.Scope{Flow: "wiseflow-poll", Tenant: "uio"},
//		Query: wiseflow.FlowQuery{States: []wiseflow.FlowState{wiseflow.FlowStateParticipationEnded, wiseflow.FlowStateConcluded}}}
//	go p.Run(ctx, 2*time.Minute)
//	w := &store.Worker{Store: st, Scope: p.Scope, Handle: func(ctx context.Context, d store.Delivery) error {
//		ch, err := wiseflowpoll.DecodeChange(d.Payload)
//		...
//	}}
//
// WISEflow pages its searches by offset, so a flow that enters or leaves the search while a
// round reads it shifts the pages; the poller reads each page from the previous page's last
// flow on and checks that it finds it there, stepping back when it does not, so that no flow is
// missed or read twice (ErrNoConvergence ends a search that never settles).
//
// # Webhooks
//
// Receiver is the http.Handler of a webhook's URL. It checks the call's HMAC-SHA256 signature
// in constant time, reads it, and answers 200 only once it is in the store's queue; a failed
// store answers 503 and WISEflow calls again (eight times, fifteen minutes apart). Calls are
// de-duplicated by their unique id. With Receiver.Poller set, each call also hints the poller,
// whose next round reads the flow the call names: webhooks make the poller quick, polling
// makes lost calls harmless. The header and encoding of the signature are options (see
// wiseflow.Signature; WISEflow's pages disagree and the default awaits confirmation on its
// staging licence).
//
// With Receiver.Publisher set (a *stream.Producer), calls go to a Kafka topic instead of the
// store's queue, under the same id key and per-flow order key, for flows that run in several
// processes; a stream.Consumer group takes them and keeps repeated calls out by their key.
//
// # Privacy
//
// Changes carry ids and states only; calls are queued as WISEflow signed them (ids, no names).
// Nothing is logged but flow and call ids.
package wiseflowpoll
