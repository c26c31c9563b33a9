package ladokcanvas

import (
	"context"
	"errors"
	"fmt"
	"sort"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/store"
)

// The admin API: what an admin tool of the university calls while the adapter runs. Each call
// waits for the events in progress and runs on its own (a barrier), so the feed never sees a
// half-changed mapping.

// ErrCoReading is a co-reading change that would make the mapping ambiguous.
var ErrCoReading = errors.New("ladokcanvas: invalid co-reading")

// SetCoReading makes the offerings share the Canvas course of primary (co-reading,
// samläsning): the course's SIS id stays the primary offering's UID, and every offering keeps
// its own section (SIS id its UID), moved into the primary's course (cross-listed) if it
// exists elsewhere. An offering that is itself the primary of others cannot be co-read, and
// the primary must not be co-read in another course. The courses the offerings had are left
// as they are (teachers may have content in them).
func (a *Adapter) SetCoReading(ctx context.Context, primary string, offerings ...string) error {
	if err := a.Start(ctx); err != nil {
		return err
	}
	return a.do(ctx, nil, true, func(ctx context.Context) error {
		if primary == "" {
			return fmt.Errorf("%w: empty primary offering", ErrCoReading)
		}
		a.m.mu.RLock()
		p, primaryCoRead := a.m.coread[primary]
		var bad error
		for _, o := range offerings {
			if o == "" || o == primary {
				bad = fmt.Errorf("%w: offering %q cannot be co-read in %s", ErrCoReading, o, primary)
				break
			}
			for other, prim := range a.m.coread {
				if prim == o && other != o {
					bad = fmt.Errorf("%w: %s is the primary offering of %s", ErrCoReading, o, other)
				}
			}
		}
		a.m.mu.RUnlock()
		if primaryCoRead {
			return fmt.Errorf("%w: %s is co-read in %s", ErrCoReading, primary, p)
		}
		if bad != nil {
			return bad
		}
		if err := a.update(ctx, func(tx store.Tx) error {
			for _, o := range offerings {
				if err := store.Put(tx, keyCoRead+o, primary); err != nil {
					return err
				}
			}
			return nil
		}); err != nil {
			return err
		}
		a.m.mu.Lock()
		for _, o := range offerings {
			a.m.coread[o] = primary
		}
		a.m.mu.Unlock()
		for _, o := range offerings {
			if r, ok := a.m.offering(o); ok && r.InCanvas && r.Course != primary {
				if _, err := a.courses.ensureOffering(ctx, o, r.Kind); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// RemoveCoReading gives a co-read offering its own course again: its section moves back
// into the course it came from, or into a new course of its own.
func (a *Adapter) RemoveCoReading(ctx context.Context, offering string) error {
	if err := a.Start(ctx); err != nil {
		return err
	}
	return a.do(ctx, nil, true, func(ctx context.Context) error {
		a.m.mu.RLock()
		_, ok := a.m.coread[offering]
		a.m.mu.RUnlock()
		if !ok {
			return nil
		}
		if err := a.update(ctx, func(tx store.Tx) error { return tx.DeleteValue(keyCoRead + offering) }); err != nil {
			return err
		}
		a.m.mu.Lock()
		delete(a.m.coread, offering)
		a.m.mu.Unlock()
		r, ok := a.m.offering(offering)
		if !ok || !r.InCanvas {
			return nil
		}
		if err := a.courses.ensureCourse(ctx, &r); err != nil {
			return err
		}
		if _, err := a.canvas.CrossListSection(ctx, canvas.SISSection(offering), canvas.SISCourse(offering)); err != nil {
			return err
		}
		a.facts.dropSection(offering)
		r.Course = offering
		return a.saveOffering(ctx, r)
	})
}

// CoReadings returns the co-read offerings, each with its primary offering.
func (a *Adapter) CoReadings() map[string]string {
	a.m.mu.RLock()
	defer a.m.mu.RUnlock()
	out := make(map[string]string, len(a.m.coread))
	for o, p := range a.m.coread {
		out[o] = p
	}
	return out
}

// SetEarlyAccess turns early access on or off for a course (named by its SIS id, the primary
// offering's UID). Turning it on replays the course from Ladok (ReplayCourse), so students
// admitted before early access was on are added too; turning it off removes nobody.
func (a *Adapter) SetEarlyAccess(ctx context.Context, course string, on bool) error {
	if err := a.Start(ctx); err != nil {
		return err
	}
	if !a.cfg.UseAdmitted && on {
		return &ConfigError{Fields: []FieldError{{Field: "UseAdmitted", Message: "early access needs UseAdmitted"}}}
	}
	course = a.m.primary(course)
	if err := a.do(ctx, nil, true, func(ctx context.Context) error {
		return a.setBool(ctx, keyEarlyAccess, course, on, a.m.earlyAccess)
	}); err != nil {
		return err
	}
	if on {
		_, err := a.ReplayCourse(ctx, course)
		return err
	}
	return nil
}

// EarlyAccess reports whether early access is on for a course.
func (a *Adapter) EarlyAccess(course string) bool { return a.m.isEarlyAccess(a.m.primary(course)) }

// EarlyAccessCourses lists the courses with early access on, sorted.
func (a *Adapter) EarlyAccessCourses() []string {
	a.m.mu.RLock()
	defer a.m.mu.RUnlock()
	out := make([]string, 0, len(a.m.earlyAccess))
	for c := range a.m.earlyAccess {
		out = append(out, c)
	}
	sort.Strings(out)
	return out
}
