// Package pipeline runs a synchronisation: it reads a reconcile Source and Target, plans,
// puts the plan's questions to people, and applies it, once (Run) or on a schedule (Start),
// never twice at once, keeping everything a run needs from the last one in a store.
//
// Without it a host writes that loop itself: it keeps reconcile's History and the answers to
// the plan's questions between runs, guards against two runs at once (two replicas of a
// service, a run that takes longer than its interval), and keeps a record of what each run did.
// A pipeline is a name, a Source, a Target, reconcile options and a store:
//
//	st, err := sqlite.Open(ctx, "/var/lib/flowsync/state.db")
//	p, err := pipeline.New("kommun-x/sds", source, target, st,
//		pipeline.WithInterval(6*time.Hour),
//		pipeline.WithOptions(reconcile.Options{Removals: reconcile.Removals{Enabled: true, GraceDays: 30}}),
//		pipeline.WithLogger(logger), pipeline.WithAudit(audit))
//	go p.Start(ctx)      // every six hours, and at once when there was no run yet
//	p.Trigger()          // a run now, queued behind one under way
//
// # A run
//
// A run takes the pipeline's lease in the store, reads both sides (reconcile.Load), plans
// with the history and the answers kept in the store (reconcile.NewPlan, then the host's
// Policy if one is set), and stores the plan. Then one of:
//
//   - The plan trips a safety hold, or the pipeline is held from an earlier run: the run ends
//     held before any write (StatusHeld, ErrHeld), and every run after it does the same until
//     someone reviews a held run's plan and calls Ledger.Release. The next run may then make
//     the changes that run tripped its thresholds with, up to its counts; a plan that goes
//     further is held again.
//   - The plan has questions (matches that are not certain, imports: Schulconnex cases 3 to 5):
//     the run ends waiting (StatusWaiting, ErrWaiting) and writes nothing, so people answer
//     before anything is written, as the Schulconnex practice guide asks (WithPartialApply
//     writes the certain part meanwhile). Answers given through the Ledger are used by the
//     next run; a waiting pipeline holds no lease and blocks no other pipeline.
//   - Otherwise the plan is applied (reconcile.Apply, with the pipeline's logger and audit
//     sink, so every action gets its slog record and AuditEvent), the report is folded into
//     the history, and the run ends succeeded, or failed when actions failed.
//
// Each run is recorded (Run: trigger, start, end, status, plan and report counts, the hold and
// its reason, the error with personal numbers masked) with its whole plan and report, for the
// last WithKeepRuns runs. Ledger reads them, pages through large plans and reports, lists the
// open questions and takes answers, releases holds and requests runs; it needs only the store,
// so a review page in another process opens it with OpenLedger.
//
// # One run at a time
//
// Within a process, runs of one pipeline queue behind each other; Trigger coalesces: any
// number of triggers before a run starts make one run. Across processes sharing the store, the
// store's lease on the pipeline admits one runner: it is renewed every third of its
// time-to-live while the run lasts, and a runner that finds it held waits for it. When the
// runner that held it dies, its lease expires (WithLeaseTTL) and another takes it over with a
// higher fencing token. Every store write a run makes is fenced with its token
// (store.UpdateFenced), so a runner that was paused past its lease's expiry and wakes up cannot
// record anything more. The target is outside the store's reach, so a run writes to it only
// while its lease is surely still held (its last renewal is younger than the time-to-live) and
// its context has not ended; a Target that keeps the highest token it saw can refuse a late
// runner's writes too (FencingToken). A run that finds that another run started after it was
// asked for returns that run instead of running again, so processes that all call Start on one
// schedule make one run per interval.
//
// # Crashes
//
// A run journals the target's writes in the store as it applies them, so when its process
// dies in the middle, the next run, which finds the dead run still marked running, puts what
// the journal says into the history, marks that run interrupted, and plans from there: it
// neither asks about nor creates again what the dead run wrote. Creates in a target that keeps
// no referrers are journaled at once, since there the history is the only memory of whose
// record it is (only the create under way when the process died, which reached the target but
// not the journal, is then a question for a person); other writes in batches (a write a crash
// loses from a batch is recognised by its referrer, or written once more). Start runs a dead runner's pipeline again as soon as its
// lease has expired. A target that changes all at once (reconcile.Transactional) keeps nothing
// of a run that did not commit and needs no journal.
//
// # The schedule
//
// Start runs the pipeline an interval after the latest run started, wherever it ran, plus a
// jitter drawn from the name and the run number (so every process computes the same time and
// pipelines started together spread out); after a failed or interrupted run it tries again
// sooner (WithRetryDelay, doubling up to the interval). It polls the store for runs requested
// from other processes (Ledger.Request) every WithPoll. The clock is injectable (WithClock)
// for tests.
//
// # The store
//
// A pipeline keeps its state in scope {Flow: "pipeline", Tenant: name} of a store.Store:
// store/sqlite for a host on one machine, or any backend passing storetest. Names lists the
// pipelines a store holds. The stored plans hold the records they change (names, birth dates,
// source keys, which may be personal numbers): protect the store as the systems it connects.
// Logs, run records and errors never hold personal numbers.
package pipeline
