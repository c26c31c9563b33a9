package canvas_test

import (
	"context"
	"testing"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/canvas/canvastest"
)

// fastRetry keeps tests quick: many attempts, millisecond backoff.
var fastRetry = canvas.RetryPolicy{MaxAttempts: 12, BaseDelay: time.Millisecond, MaxDelay: 20 * time.Millisecond}

func newFake(t testing.TB, opts ...canvastest.Option) *canvastest.Server {
	t.Helper()
	srv := canvastest.NewServer(append([]canvastest.Option{canvastest.WithSISImportDelay(time.Millisecond)}, opts...)...)
	t.Cleanup(srv.Close)
	return srv
}

func newClient(t testing.TB, srv *canvastest.Server, opts ...canvas.Option) *canvas.Client {
	t.Helper()
	c, err := canvas.New(srv.URL(), append([]canvas.Option{canvas.WithBearerToken(srv.Token()), canvas.WithRetry(fastRetry)}, opts...)...)
	if err != nil {
		t.Fatal(err)
	}
	return c
}

func ctxT(t testing.TB) context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	t.Cleanup(cancel)
	return ctx
}

func must[T any](t testing.TB) func(T, error) T {
	return func(v T, err error) T {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
}

func all[T any](t testing.TB, seq func(yield func(T, error) bool)) []T {
	t.Helper()
	var out []T
	for v, err := range seq {
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, v)
	}
	return out
}
