package ss12000server

import (
	"testing"
	"time"

	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/store"
)

func TestTargetSuiteOnSQLite(t *testing.T) {
	reconciletest.TargetSuite(t, func(t *testing.T) *reconciletest.Fixture {
		e := newEnv(t, nil, nil)
		return &reconciletest.Fixture{Target: e.p, Source: school(), Start: t0,
			Options: withProtected(), Advance: func(d time.Duration) { e.clock.Advance(d) }}
	})
}

func TestTargetSuiteOnMemory(t *testing.T) {
	reconciletest.TargetSuite(t, func(t *testing.T) *reconciletest.Fixture {
		e := newEnv(t, store.NewMemory(), nil)
		return &reconciletest.Fixture{Target: e.p, Source: school(), Start: t0,
			Options: withProtected(), Advance: func(d time.Duration) { e.clock.Advance(d) }}
	})
}
