package pipeline

import (
	"context"
	"errors"
	"hash/fnv"
	"strconv"
	"time"

	"github.com/edusync/edusync/store"
)

// Start runs the pipeline on its schedule until ctx ends, and returns nil then. A run is due
// an interval (WithInterval, plus the jitter) after the latest run started, wherever it ran;
// sooner after a failed or interrupted run (WithRetryDelay, doubling up to the interval), at
// once when there has been no run yet, when a run was requested (Trigger, Ledger.Request) or
// when the latest run's runner died and its lease has expired. Processes sharing the store may
// all call Start: they compute the same schedule, one runs and the others find its run done.
// A run's failure is logged and retried, not returned; Start returns early only when the
// pipeline's own store fails beyond repair (store.IsPermanent). Start may be called once at a
// time (ErrStarted).
func (p *Pipeline) Start(ctx context.Context) error {
	if !p.started.CompareAndSwap(false, true) {
		return ErrStarted
	}
	defer p.started.Store(false)
	troubles := 0 // store failures in a row
	for ctx.Err() == nil {
		trig, wait, err := p.due(ctx)
		if err != nil {
			if ctx.Err() != nil {
				break
			}
			if store.IsPermanent(err) {
				return &bookkeepingError{p.name, "reading its schedule", err}
			}
			p.cfg.logger.WarnContext(ctx, "pipeline: cannot read its schedule; trying again", "pipeline", p.name, "error", errorText(err))
			trig, wait = "", p.cfg.retry
		}
		if trig == "" {
			select {
			case <-ctx.Done():
				return nil
			case <-p.trigger:
				trig = TriggerDemand
			case <-p.cfg.clock.After(min(wait, p.cfg.poll)):
				continue
			}
		}
		// A run on demand asked for before this run starts is answered by it.
		select {
		case <-p.trigger:
		default:
		}
		_, err = p.run(ctx, trig)
		var be *bookkeepingError
		if !errors.As(err, &be) || ctx.Err() != nil {
			troubles = 0
			continue
		}
		if store.IsPermanent(err) {
			return err
		}
		// The pipeline's own store failed before the run could record anything: wait before
		// trying again, as after a failed run.
		troubles++
		p.cfg.logger.WarnContext(ctx, "pipeline: its store failed; trying again", "pipeline", p.name, "error", errorText(err))
		select {
		case <-ctx.Done():
		case <-p.cfg.clock.After(p.retryDelay(troubles)):
		}
	}
	return nil
}

// Trigger asks for a run now, without waiting for the interval: the Start loop runs it as soon
// as no run of the pipeline is under way (never two at once), and any number of triggers
// before that run starts make one run. Trigger does not block. Without Start running, it waits
// for the next Start; call Run instead. From another process, use Ledger.Request.
func (p *Pipeline) Trigger() {
	select {
	case p.trigger <- struct{}{}:
	default:
	}
}

// NextRun says when Start will run the pipeline next, as far as the store tells now (a
// Trigger in this process aside): the latest run's start plus the interval and jitter, its end
// plus the retry delay after a failure, or now when a run is due (none yet, one requested, a
// dead runner's to finish).
func (p *Pipeline) NextRun(ctx context.Context) (time.Time, error) {
	_, wait, err := p.due(ctx)
	if err != nil {
		return time.Time{}, &bookkeepingError{p.name, "reading its schedule", err}
	}
	return p.now().Add(wait), nil
}

// due says whether a run is due now (trig set) or how long until it is.
func (p *Pipeline) due(ctx context.Context) (trig Trigger, wait time.Duration, err error) {
	var st state
	var requested, leaseHeld bool
	err = p.st.View(ctx, p.scope, func(tx store.Tx) error {
		if st, err = readState(tx); err != nil {
			return err
		}
		_, requested, err = get[request](tx, keyRequest)
		if err != nil || st.LastStatus != StatusRunning {
			return err
		}
		l, err := tx.Lease(leaseName)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		leaseHeld = l.Held(p.now())
		return err
	})
	if err != nil {
		return "", 0, err
	}
	now := p.now()
	var next time.Time
	switch {
	case requested:
		return TriggerDemand, 0, nil
	case st.LastRun == 0:
		return TriggerSchedule, 0, nil
	case st.LastStatus == StatusRunning && !leaseHeld:
		// Its runner died: finish its work now rather than an interval later.
		return TriggerSchedule, 0, nil
	case st.Failures > 0 && st.LastStatus != StatusRunning:
		next = st.LastEnded.Add(p.retryDelay(st.Failures))
	default:
		next = st.LastStarted.Add(p.cfg.interval + p.jitter(st.LastRun))
	}
	if !now.Before(next) {
		return TriggerSchedule, 0, nil
	}
	return "", next.Sub(now), nil
}

// retryDelay is the wait after the n-th failure in a row: the retry delay, doubling, at most
// the interval.
func (p *Pipeline) retryDelay(n int) time.Duration {
	d := p.cfg.retry
	for i := 1; i < n && d < p.cfg.interval; i++ {
		if d > p.cfg.interval/2 {
			return p.cfg.interval
		}
		d *= 2
	}
	return min(d, p.cfg.interval)
}

// jitter is the extra wait after run n: drawn from the name and n, so every process sharing
// the pipeline computes the same.
func (p *Pipeline) jitter(n int64) time.Duration {
	if p.cfg.jitter <= 0 {
		return 0
	}
	h := fnv.New64a()
	h.Write([]byte(p.name))
	h.Write([]byte{0})
	h.Write([]byte(strconv.FormatInt(n, 10)))
	return time.Duration(h.Sum64() % uint64(p.cfg.jitter))
}
