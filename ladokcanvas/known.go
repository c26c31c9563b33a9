package ladokcanvas

import (
	"context"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/edusync/edusync/canvas"
)

// known remembers the Canvas objects the adapter has seen exist (users, accounts, enrolments),
// so that repeated and related events cost no requests. It is a cache: after a restart it is
// empty and the adapter finds out again (a create answered "already in use", a listing).
// Courses and sections are remembered in the store (offering records).
type known struct {
	mu       sync.Mutex
	users    map[string]userVal
	accounts map[string]bool
	enr      map[enrKey]enrVal
}

type userVal struct {
	name, email, login string
	// fresh: created by this process, so every enrolment it has is in the cache.
	fresh bool
}

// enrKey is one managed enrolment: a student's role in an offering's section.
type enrKey struct {
	user, section string
	role          roleKind
}

type enrVal struct {
	id, course int64
	state      canvas.EnrollmentState
}

type roleKind uint8

const (
	roleRegistered roleKind = iota + 1
	roleAdmitted
)

func (r roleKind) String() string {
	if r == roleAdmitted {
		return "admitted"
	}
	return "registered"
}

func newKnown() *known {
	return &known{users: map[string]userVal{}, accounts: map[string]bool{}, enr: map[enrKey]enrVal{}}
}

func (k *known) user(uid string) (userVal, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	u, ok := k.users[uid]
	return u, ok
}

func (k *known) setUser(uid string, u userVal) {
	k.mu.Lock()
	k.users[uid] = u
	k.mu.Unlock()
}

func (k *known) account(sis string) bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return k.accounts[sis]
}

func (k *known) setAccount(sis string) {
	k.mu.Lock()
	k.accounts[sis] = true
	k.mu.Unlock()
}

func (k *known) enrollment(key enrKey) (enrVal, bool) {
	k.mu.Lock()
	defer k.mu.Unlock()
	v, ok := k.enr[key]
	return v, ok
}

func (k *known) setEnrollment(key enrKey, v enrVal) {
	k.mu.Lock()
	k.enr[key] = v
	k.mu.Unlock()
}

func (k *known) dropEnrollment(key enrKey) {
	k.mu.Lock()
	delete(k.enr, key)
	k.mu.Unlock()
}

// dropSection forgets every enrolment of a section (after it moved to another course); their
// users are no longer sure to have only known enrolments.
func (k *known) dropSection(section string) {
	k.mu.Lock()
	for key := range k.enr {
		if key.section == section {
			delete(k.enr, key)
			k.unfresh(key.user)
		}
	}
	k.mu.Unlock()
}

// restate records the new state of the user's enrolments with the given ids.
func (k *known) restate(uid string, ids map[int64]bool, state canvas.EnrollmentState) {
	k.mu.Lock()
	for key, v := range k.enr {
		if key.user == uid && ids[v.id] {
			v.state = state
			k.enr[key] = v
		}
	}
	k.mu.Unlock()
}

func (k *known) unfresh(uid string) {
	if u, ok := k.users[uid]; ok && u.fresh {
		u.fresh = false
		k.users[uid] = u
	}
}

// flights serialises work on one key (creating one course, one account) across tasks that
// may run at the same time; callers re-check what they need after acquiring it.
type flights struct {
	mu sync.Mutex
	m  map[string]*flightLock
}

type flightLock struct {
	ch   chan struct{}
	refs int
}

func (f *flights) lock(ctx context.Context, key string) (unlock func(), err error) {
	f.mu.Lock()
	if f.m == nil {
		f.m = map[string]*flightLock{}
	}
	l := f.m[key]
	if l == nil {
		l = &flightLock{ch: make(chan struct{}, 1)}
		f.m[key] = l
	}
	l.refs++
	f.mu.Unlock()
	release := func() {
		f.mu.Lock()
		if l.refs--; l.refs == 0 {
			delete(f.m, key)
		}
		f.mu.Unlock()
	}
	select {
	case l.ch <- struct{}{}:
		return func() { <-l.ch; release() }, nil
	case <-ctx.Done():
		release()
		return nil, ctx.Err()
	}
}

// periodCache maps Ladok period ids to their codes (HT2026), read once from Ladok and again
// when an offering names a period not seen yet.
type periodCache struct {
	mu      sync.Mutex
	codes   map[int]string
	fetched time.Time
}

func (a *Adapter) termOf(ctx context.Context, periodID int) (string, error) {
	if periodID == 0 {
		return "", nil
	}
	pc := &a.periods
	pc.mu.Lock()
	defer pc.mu.Unlock()
	if code, ok := pc.codes[periodID]; ok {
		return code, nil
	}
	if pc.codes != nil && time.Since(pc.fetched) < time.Minute {
		return "", nil
	}
	ps, err := a.ladok.GetPeriods(ctx)
	if err != nil {
		return "", fmt.Errorf("ladokcanvas: reading Ladok's periods: %w", err)
	}
	pc.codes = make(map[int]string, len(ps))
	pc.fetched = time.Now()
	for _, p := range ps {
		if id, err := strconv.Atoi(p.ID); err == nil {
			pc.codes[id] = p.Kod
		}
	}
	return pc.codes[periodID], nil
}
