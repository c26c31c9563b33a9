package fakekit

import "context"

// reqState is what the kit notes about one request while it runs.
type reqState struct {
	op      *Operation
	fault   string
	dropped bool
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
