package fakekit

import (
	"context"
	"net/http"
)

// reqState is what the kit notes about one request while it runs.
type reqState struct {
	op      *Operation
	fault   string
	dropped bool
	record  func() // counts the request once; a drop calls it before the connection closes
}

// drop counts the request as unanswered and closes its connection, in that order, so a test
// that reads Stats as soon as its client sees the connection close finds the request counted.
func (st *reqState) drop(w http.ResponseWriter) {
	st.dropped = true
	if st.record != nil {
		st.record()
	}
	Drop(w)
}

type stateKey struct{}

func withState(ctx context.Context, st *reqState) context.Context {
	return context.WithValue(ctx, stateKey{}, st)
}

func stateOf(ctx context.Context) *reqState {
	if st, ok := ctx.Value(stateKey{}).(*reqState); ok {
		return st
	}
	return &reqState{}
}

// Dropped reports whether a fault closed the connection of r (a request the kit passed to an
// operation or a Wrap layer), so a layer that buffers the answer writes nothing after it.
func Dropped(r *http.Request) bool {
	st, ok := r.Context().Value(stateKey{}).(*reqState)
	return ok && st.dropped
}
