package reconcile

import (
	"fmt"
	"slices"
)

// Policy answers pending actions wholesale, for hosts that decide by rule rather than one by
// one (for example "reject all imports"). It returns Undecided to leave an action pending.
type Policy func(a *Action) Verdict

// RejectAll is the policy that rejects every pending action with the given op, for example
// RejectAll(OpImport) never imports.
func RejectAll(op Op) Policy {
	return func(a *Action) Verdict {
		if a.Op == op {
			return Reject
		}
		return Undecided
	}
}

// ApproveCase is the policy that approves every pending action of one kind and Schulconnex
// case, for example ApproveCase(KindPerson, 3) for a first synchronisation where the source
// lacks birth places.
func ApproveCase(kind Kind, c int) Policy {
	return func(a *Action) Verdict {
		if a.Kind == kind && a.Case == c {
			return Approve
		}
		return Undecided
	}
}

// Policies combines policies: the first that decides wins.
func Policies(ps ...Policy) Policy {
	return func(a *Action) Verdict {
		for _, p := range ps {
			if p == nil {
				continue
			}
			if v := p(a); v != Undecided {
				return v
			}
		}
		return Undecided
	}
}

// maxAnswerRounds bounds how often Answer re-plans when a policy's answers uncover new pending
// actions (a rejected pairing leaves both records free to pair otherwise or to be imported).
const maxAnswerRounds = 16

// Answer returns the plan that follows from answering pending actions: each decision names a
// pending action by ID; then policy (which may be nil) answers what is still pending, again after
// each re-plan, since a rejected pairing can make new questions. The result is computed afresh
// from the same inputs plus the decisions, so it is deterministic, and its Decisions list every
// answer it used, for the host to keep and pass to later plans as Options.Decisions.
//
// Answer needs the inputs of the plan, so it works on plans made by NewPlan or Answer in this
// process (ErrNoInputs otherwise). A decision naming no pending or decided action is an error.
func (p *Plan) Answer(policy Policy, decisions ...Decision) (*Plan, error) {
	if p.inputs == nil {
		return nil, ErrNoInputs
	}
	known := make(map[string]bool)
	for i := range p.Actions {
		if p.Actions[i].Confirm != "" {
			known[p.Actions[i].ID] = true
		}
	}
	for _, d := range p.Decisions {
		known[d.ID] = true
	}
	for i, d := range decisions {
		if !known[d.ID] {
			return nil, fmt.Errorf("reconcile: decision %d: the plan has no pending action with this ID", i)
		}
		if d.Verdict != Approve && d.Verdict != Reject {
			return nil, fmt.Errorf("reconcile: decision %d: verdict must be approve or reject", i)
		}
	}
	opts := p.inputs.opts
	opts.Decisions = append(slices.Clone(opts.Decisions), decisions...)
	decided := make(map[string]bool, len(opts.Decisions))
	for _, d := range opts.Decisions {
		decided[d.ID] = true
	}
	for range maxAnswerRounds {
		next, err := NewPlan(p.inputs.src, p.inputs.tgt, opts)
		if err != nil {
			return nil, err
		}
		if policy == nil {
			return next, nil
		}
		added := false
		for i := range next.Actions {
			a := &next.Actions[i]
			if a.Confirm != Pending || decided[a.ID] {
				continue
			}
			if v := policy(a); v == Approve || v == Reject {
				opts.Decisions = append(opts.Decisions, Decision{ID: a.ID, Verdict: v})
				decided[a.ID] = true
				added = true
			}
		}
		if !added {
			return next, nil
		}
	}
	return NewPlan(p.inputs.src, p.inputs.tgt, opts)
}

// Pending lists the actions that wait for a decision.
func (p *Plan) Pending() []*Action {
	var out []*Action
	for i := range p.Actions {
		if p.Actions[i].Confirm == Pending {
			out = append(out, &p.Actions[i])
		}
	}
	return out
}
