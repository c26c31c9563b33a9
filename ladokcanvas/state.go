package ladokcanvas

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"

	"github.com/edusync/edusync/store"
)

// Flow is the store flow under which the adapter keeps its state; the scope's tenant is the
// adapter's tenant (WithTenant).
const Flow = "ladok-canvas"

// Keys of the adapter's values in its store scope.
const (
	keyOffering    = "offering/"    // + offering UID: offeringRecord
	keyCoRead      = "coread/"      // + offering UID: the primary offering UID
	keyEarlyAccess = "earlyaccess/" // + course SIS id (primary offering UID): true
	keyProtected   = "protected/"   // + student UID: true
	keySuspension  = "suspension/"  // + student UID: suspensionRecord; timers share the prefix
	keyWork        = "work/"        // + timer id: suspension work a fired timer left to do
	keyNotice      = "notice/"      // + student UID/first day/last day[/teacher]: noticeMark
	keyDead        = "event/"       // attempt items of dead-lettered events
)

// Kind of an offering.
const (
	kindCourse    = "course"    // a kurstillfälle
	kindProgramme = "programme" // a kurspaketeringstillfälle
)

// offeringRecord is what the adapter knows about one offering and its Canvas objects.
type offeringRecord struct {
	UID          string `json:"uid"`
	Kind         string `json:"kind"`
	NameSV       string `json:"nameSv,omitempty"`
	NameEN       string `json:"nameEn,omitempty"`
	Code         string `json:"code,omitempty"`         // Utbildningskod
	OfferingCode string `json:"offeringCode,omitempty"` // Utbildningstillfalleskod
	Term         string `json:"term,omitempty"`         // the start period's code (HT2026)
	Start        string `json:"start,omitempty"`        // first teaching day, YYYY-MM-DD
	End          string `json:"end,omitempty"`          // last teaching day, YYYY-MM-DD
	OrgUID       string `json:"org,omitempty"`
	Utbildning   string `json:"utbildning,omitempty"` // UtbildningUID
	Instans      string `json:"instans,omitempty"`    // UtbildningsinstansUID
	Cancelled    bool   `json:"cancelled,omitempty"`

	// InCanvas: the section (and, for a primary offering, the course) exists in Canvas; Course
	// is the SIS id of the course the section is in.
	InCanvas bool   `json:"inCanvas,omitempty"`
	Course   string `json:"course,omitempty"`
	// Creating: the adapter is creating (or has created) the course itself; kept across a
	// stop between the create and the record, so the course still counts as its own.
	Creating bool `json:"creating,omitempty"`
	// Written is what the adapter last wrote to the Canvas course (or section), so unchanged
	// data is not written again.
	Written written `json:"written"`
}

type written struct {
	Name    string `json:"name,omitempty"`
	Code    string `json:"code,omitempty"`
	Start   string `json:"start,omitempty"`
	End     string `json:"end,omitempty"`
	Section string `json:"section,omitempty"`
}

// suspensionRecord is a student's suspensions and what the adapter did about them.
type suspensionRecord struct {
	// Periods are the suspensions by StudentrestriktionUID.
	Periods map[string]period `json:"periods,omitempty"`
	// Phase is "" (nothing done), "applying" (making enrolments inactive), "applied" or
	// "releasing" (making them active again).
	Phase string `json:"phase,omitempty"`
	// Deactivated are the enrolments the suspension made inactive (or created inactive).
	Deactivated []enrollmentID `json:"deactivated,omitempty"`
	// Notified: teachers have been told about the suspension in force.
	Notified bool `json:"notified,omitempty"`
}

type period struct {
	Start string `json:"start"`         // first day, YYYY-MM-DD (Swedish date)
	End   string `json:"end,omitempty"` // last day, inclusive; "" is open-ended
}

type enrollmentID struct {
	Course     int64 `json:"course"`
	Enrollment int64 `json:"enrollment"`
}

const (
	phaseApplying  = "applying"
	phaseApplied   = "applied"
	phaseReleasing = "releasing"
)

// mirror holds the small state the adapter consults on every event (co-reading, early access,
// protected students, suspended students, offering records) in memory, loaded from the store
// at start and written through. The adapter is the only writer of its scope: an admin tool
// changes co-reading and early access through the Adapter's methods.
type mirror struct {
	mu          sync.RWMutex
	offerings   map[string]*offeringRecord
	coread      map[string]string
	earlyAccess map[string]bool
	protected   map[string]bool
	suspended   map[string]bool // students with a suspension record
}

func loadMirror(ctx context.Context, st store.Store, scope store.Scope) (*mirror, error) {
	m := &mirror{offerings: map[string]*offeringRecord{}, coread: map[string]string{}, earlyAccess: map[string]bool{},
		protected: map[string]bool{}, suspended: map[string]bool{}}
	err := st.View(ctx, scope, func(tx store.Tx) error {
		offs, err := store.List[offeringRecord](tx, keyOffering)
		if err != nil {
			return err
		}
		for _, e := range offs {
			r := e.Value
			m.offerings[strings.TrimPrefix(e.Key, keyOffering)] = &r
		}
		cr, err := store.List[string](tx, keyCoRead)
		if err != nil {
			return err
		}
		for _, e := range cr {
			m.coread[strings.TrimPrefix(e.Key, keyCoRead)] = e.Value
		}
		for prefix, dst := range map[string]map[string]bool{keyEarlyAccess: m.earlyAccess, keyProtected: m.protected} {
			vs, err := store.List[bool](tx, prefix)
			if err != nil {
				return err
			}
			for _, e := range vs {
				if e.Value {
					dst[strings.TrimPrefix(e.Key, prefix)] = true
				}
			}
		}
		ss, err := tx.Values(keySuspension)
		if err != nil {
			return err
		}
		for _, e := range ss {
			m.suspended[strings.TrimPrefix(e.Key, keySuspension)] = true
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ladokcanvas: loading the adapter's state: %w", err)
	}
	return m, nil
}

func (m *mirror) offering(uid string) (offeringRecord, bool) {
	m.mu.RLock()
	defer m.mu.RUnlock()
	r, ok := m.offerings[uid]
	if !ok {
		return offeringRecord{}, false
	}
	return *r, true
}

func (m *mirror) setOffering(r offeringRecord) {
	m.mu.Lock()
	m.offerings[r.UID] = &r
	m.mu.Unlock()
}

// primary returns the offering whose course uid's section belongs in.
func (m *mirror) primary(uid string) string {
	m.mu.RLock()
	defer m.mu.RUnlock()
	if p, ok := m.coread[uid]; ok {
		return p
	}
	return uid
}

func (m *mirror) isEarlyAccess(course string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.earlyAccess[course]
}

func (m *mirror) isProtected(uid string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.protected[uid]
}

func (m *mirror) hasSuspension(uid string) bool {
	m.mu.RLock()
	defer m.mu.RUnlock()
	return m.suspended[uid]
}

func (m *mirror) setFlag(dst map[string]bool, key string, on bool) {
	m.mu.Lock()
	if on {
		dst[key] = true
	} else {
		delete(dst, key)
	}
	m.mu.Unlock()
}

// offeringsWhere returns the records for which keep is true, in no particular order.
func (m *mirror) offeringsWhere(keep func(*offeringRecord) bool) []offeringRecord {
	m.mu.RLock()
	defer m.mu.RUnlock()
	var out []offeringRecord
	for _, r := range m.offerings {
		if keep(r) {
			out = append(out, *r)
		}
	}
	return out
}

// Writes through to the store.

func (c *core) update(ctx context.Context, fn func(tx store.Tx) error) error {
	if err := c.st.Update(ctx, c.scope, fn); err != nil {
		return fmt.Errorf("ladokcanvas: writing the adapter's state: %w", err)
	}
	return nil
}

func (c *core) saveOffering(ctx context.Context, r offeringRecord) error {
	if err := c.update(ctx, func(tx store.Tx) error { return store.Put(tx, keyOffering+r.UID, r) }); err != nil {
		return err
	}
	c.m.setOffering(r)
	return nil
}

func (c *core) setBool(ctx context.Context, prefix, key string, on bool, dst map[string]bool) error {
	err := c.update(ctx, func(tx store.Tx) error {
		if on {
			return store.Put(tx, prefix+key, true)
		}
		return tx.DeleteValue(prefix + key)
	})
	if err != nil {
		return err
	}
	c.m.setFlag(dst, key, on)
	return nil
}

func (c *core) loadSuspension(ctx context.Context, uid string) (suspensionRecord, error) {
	var rec suspensionRecord
	err := c.st.View(ctx, c.scope, func(tx store.Tx) error {
		r, err := store.Get[suspensionRecord](tx, keySuspension+uid)
		if errors.Is(err, store.ErrNotFound) {
			return nil
		}
		rec = r
		return err
	})
	if err != nil {
		return rec, fmt.Errorf("ladokcanvas: reading a suspension: %w", err)
	}
	return rec, nil
}

// saveSuspension stores rec (deleting it when there is nothing left to remember) with any
// timer changes in the same transaction.
func (c *core) saveSuspension(ctx context.Context, uid string, rec suspensionRecord, timers func(tx store.Tx) error) error {
	empty := len(rec.Periods) == 0 && rec.Phase == "" && len(rec.Deactivated) == 0
	err := c.update(ctx, func(tx store.Tx) error {
		if timers != nil {
			if err := timers(tx); err != nil {
				return err
			}
		}
		if empty {
			return tx.DeleteValue(keySuspension + uid)
		}
		return store.Put(tx, keySuspension+uid, rec)
	})
	if err != nil {
		return err
	}
	c.m.setFlag(c.m.suspended, uid, !empty)
	return nil
}
