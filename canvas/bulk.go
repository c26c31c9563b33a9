package canvas

import (
	"context"
	"sync"
	"sync/atomic"
)

// RunBulk calls fn for every i in [0, n) concurrently and returns one error per item (nil for
// success). It starts ThrottleConfig.MaxConcurrency workers; the client's adaptive throttle
// decides how many of their requests are in flight at once, so bulk work runs as fast as
// Canvas's rate limit allows without being throttled. When ctx ends, items not started get
// ctx's error.
func (c *Client) RunBulk(ctx context.Context, n int, fn func(ctx context.Context, i int) error) []error {
	errs := make([]error, n)
	if n == 0 {
		return errs
	}
	workers := min(max(c.maxBulk, 1), n)
	var next atomic.Int64
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := ctx.Err(); err != nil {
					errs[i] = err
					continue
				}
				errs[i] = fn(ctx, i)
			}
		}()
	}
	wg.Wait()
	return errs
}

// EnrollMany creates enrolments in a course concurrently under the adaptive throttle (see
// RunBulk and Enroll). It returns the created enrolments and the errors, both indexed like es.
func (c *Client) EnrollMany(ctx context.Context, course Ref, es []NewEnrollment) ([]*Enrollment, []error) {
	out := make([]*Enrollment, len(es))
	errs := c.RunBulk(ctx, len(es), func(ctx context.Context, i int) error {
		e, err := c.Enroll(ctx, course, es[i])
		out[i] = e
		return err
	})
	return out, errs
}
