package reconcile

import (
	"fmt"
	"strconv"
	"strings"
)

// Trip records a hold a plan exceeds: how many actions it counted against how many target
// records.
type Trip struct {
	// Hold is the hold that tripped.
	Hold Hold `json:"hold"`
	// Count is the number of executable actions it counted.
	Count int `json:"count"`
	// Base is the number of target records of the hold's kind.
	Base int `json:"base"`
}

// String says in words what tripped, e.g. "340 person deactivate actions (11.3% of 3000 target
// records) exceed the hold of 10%".
func (t Trip) String() string {
	kind := string(t.Hold.Kind)
	if kind == "" {
		kind = "record"
	}
	if t.Hold.Percent > 0 {
		share := 100.0
		if t.Base > 0 {
			share = 100 * float64(t.Count) / float64(t.Base)
		}
		floor := ""
		if t.Hold.Max > 0 {
			floor = fmt.Sprintf(" (and more than %d)", t.Hold.Max)
		}
		return fmt.Sprintf("%d %s %s actions (%s%% of %d target records) exceed the hold of %s%%%s",
			t.Count, kind, t.Hold.Op, strconv.FormatFloat(share, 'f', 1, 64), t.Base,
			strconv.FormatFloat(t.Hold.Percent, 'f', -1, 64), floor)
	}
	return fmt.Sprintf("%d %s %s actions exceed the hold of %d", t.Count, kind, t.Hold.Op, t.Hold.Max)
}

// HoldError is returned by Apply, before any write, when a plan exceeds one of its holds. It
// names every hold that tripped. It matches ErrHeld with errors.Is.
type HoldError struct {
	// Trips are the holds that tripped, in the order the plan lists its holds.
	Trips []Trip
}

// Error lists every hold that tripped.
func (e *HoldError) Error() string {
	parts := make([]string, len(e.Trips))
	for i, t := range e.Trips {
		parts[i] = t.String()
	}
	return "reconcile: safety hold tripped: " + strings.Join(parts, "; ")
}

// Is makes errors.Is(err, ErrHeld) true.
func (e *HoldError) Is(target error) bool { return target == ErrHeld }

// HoldError returns a *HoldError naming the holds the plan exceeds, or nil.
func (p *Plan) HoldError() error {
	if len(p.Tripped) == 0 {
		return nil
	}
	return &HoldError{Trips: p.Tripped}
}

// evaluateHolds counts the actions Apply would carry out per kind and op and returns the holds
// they exceed, in the order the holds are listed.
func evaluateHolds(p *Plan) []Trip {
	type kindOp struct {
		kind Kind
		op   Op
	}
	counts := map[kindOp]int{}
	for i := range p.Actions {
		a := &p.Actions[i]
		if a.Executable() {
			counts[kindOp{a.Kind, a.Op}]++
		}
	}
	var trips []Trip
	for _, h := range p.Holds {
		count, base := 0, 0
		for _, k := range Kinds {
			if h.Kind == "" || h.Kind == k {
				count += counts[kindOp{k, h.Op}]
				base += p.TargetSizes[k]
			}
		}
		var tripped bool
		if h.Percent > 0 {
			tripped = float64(count) > float64(base)*h.Percent/100 && count > h.Max
		} else {
			tripped = count > h.Max
		}
		if tripped {
			trips = append(trips, Trip{Hold: h, Count: count, Base: base})
		}
	}
	return trips
}
