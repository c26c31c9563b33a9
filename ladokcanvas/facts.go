package ladokcanvas

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/edusync/edusync/canvas"
	"github.com/edusync/edusync/store"
)

// facts is what the adapter knows exists in Canvas (users, accounts, managed enrolments) and
// what it last wrote there, so that repeated and related events cost no requests and a
// replayed event can tell that its effect is already done. It lives in the adapter's store
// scope and in memory: loaded at New, every change is written through the ledger, which
// makes it durable before the event that caused it counts as done. A fact is only ever
// recorded after Canvas confirmed it (an answer to a write, or a read), so a fact that did not
// reach the store before a crash is found out again from Canvas's answers.
//
// Names and e-mail addresses are kept as fingerprints (fingerprint), enough to tell whether
// Canvas already has a value, without keeping the personal data itself; personal numbers are
// not kept at all.
type facts struct {
	l *ledger

	mu       sync.Mutex
	users    map[string]userFact
	accounts map[string]bool
	enr      map[string]map[enrKey]enrFact // by student UID
}

// userFact is what the adapter knows about a student's Canvas user.
type userFact struct {
	// Name is the fingerprint of the name Canvas has (written or read); "" when unknown.
	Name string `json:"n,omitempty"`
	// Email is the fingerprint of the e-mail address Canvas has as far as the adapter knows;
	// "" when none or unknown.
	Email string `json:"e,omitempty"`
	// Wrote are the fingerprints of every e-mail address the adapter wrote to the user: the
	// ones it takes back when the student's personal data becomes protected.
	Wrote []string `json:"w,omitempty"`
	// Login says what the SIS login's unique id is: loginUID (the Ladok UID), loginOther (a
	// personal number) or "" (unknown).
	Login string `json:"l,omitempty"`
	// Fresh: created by the adapter, so every managed enrolment it has is in facts.
	Fresh bool `json:"f,omitempty"`
}

const (
	loginUID   = "uid"
	loginOther = "other"
)

// enrKey is one managed enrolment: a student's role in an offering's section.
type enrKey struct {
	user, section string
	role          roleKind
}

// enrFact is a managed enrolment in Canvas.
type enrFact struct {
	ID     int64                  `json:"id"`
	Course int64                  `json:"course"`
	State  canvas.EnrollmentState `json:"state"`
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

func parseRole(s string) (roleKind, bool) {
	switch s {
	case "registered":
		return roleRegistered, true
	case "admitted":
		return roleAdmitted, true
	}
	return 0, false
}

// Keys of facts in the adapter's scope.
const (
	keyUser    = "user/"    // + student UID: userFact
	keyAccount = "account/" // + account SIS id: true
	keyEnrol   = "enrol/"   // + student UID/section SIS id/role: enrFact
)

func (k enrKey) storeKey() string { return keyEnrol + k.user + "/" + k.section + "/" + k.role.String() }

// fingerprint stands for a name or an address in facts: equal values have equal
// fingerprints, and the value cannot be read back from it.
func fingerprint(v string) string {
	if v == "" {
		return ""
	}
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:8])
}

// loadFacts reads the facts of scope from st.
func loadFacts(ctx context.Context, st store.Store, scope store.Scope, l *ledger) (*facts, error) {
	f := &facts{l: l, users: map[string]userFact{}, accounts: map[string]bool{}, enr: map[string]map[enrKey]enrFact{}}
	err := st.View(ctx, scope, func(tx store.Tx) error {
		users, err := store.List[userFact](tx, keyUser)
		if err != nil {
			return err
		}
		for _, e := range users {
			f.users[strings.TrimPrefix(e.Key, keyUser)] = e.Value
		}
		accts, err := tx.Values(keyAccount)
		if err != nil {
			return err
		}
		for _, e := range accts {
			f.accounts[strings.TrimPrefix(e.Key, keyAccount)] = true
		}
		enrs, err := store.List[enrFact](tx, keyEnrol)
		if err != nil {
			return err
		}
		for _, e := range enrs {
			// student UID/section/role; UIDs and section ids hold no "/".
			parts := strings.Split(strings.TrimPrefix(e.Key, keyEnrol), "/")
			if len(parts) != 3 {
				continue
			}
			role, ok := parseRole(parts[2])
			if !ok {
				continue
			}
			f.setEnrollmentLocked(enrKey{user: parts[0], section: parts[1], role: role}, e.Value)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("ladokcanvas: loading what the adapter knows of Canvas: %w", err)
	}
	return f, nil
}

func (f *facts) user(uid string) (userFact, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u, ok := f.users[uid]
	return u, ok
}

// setUser records u and has the ledger write it.
func (f *facts) setUser(uid string, u userFact) {
	f.mu.Lock()
	f.users[uid] = u
	f.mu.Unlock()
	f.l.put(keyUser+uid, u)
}

// changeUser applies change to the user's fact (a zero fact when there is none) and records it.
func (f *facts) changeUser(uid string, change func(u *userFact)) {
	f.mu.Lock()
	u := f.users[uid]
	change(&u)
	f.users[uid] = u
	f.mu.Unlock()
	f.l.put(keyUser+uid, u)
}

func (f *facts) account(sis string) bool {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.accounts[sis]
}

func (f *facts) setAccount(sis string) {
	f.mu.Lock()
	f.accounts[sis] = true
	f.mu.Unlock()
	f.l.put(keyAccount+sis, true)
}

func (f *facts) enrollment(key enrKey) (enrFact, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	v, ok := f.enr[key.user][key]
	return v, ok
}

func (f *facts) setEnrollment(key enrKey, v enrFact) {
	f.mu.Lock()
	f.setEnrollmentLocked(key, v)
	f.mu.Unlock()
	f.l.put(key.storeKey(), v)
}

func (f *facts) setEnrollmentLocked(key enrKey, v enrFact) {
	m := f.enr[key.user]
	if m == nil {
		m = map[enrKey]enrFact{}
		f.enr[key.user] = m
	}
	m[key] = v
}

func (f *facts) dropEnrollment(key enrKey) {
	f.mu.Lock()
	if m := f.enr[key.user]; m != nil {
		delete(m, key)
		if len(m) == 0 {
			delete(f.enr, key.user)
		}
	}
	f.mu.Unlock()
	f.l.del(key.storeKey())
}

// dropSection forgets every enrolment of a section (after it moved to another course, or
// before a replay lists it afresh); their users are no longer sure to have only known
// enrolments.
func (f *facts) dropSection(section string) {
	var gone []enrKey
	f.mu.Lock()
	for uid, m := range f.enr {
		for key := range m {
			if key.section == section {
				delete(m, key)
				gone = append(gone, key)
			}
		}
		if len(m) == 0 {
			delete(f.enr, uid)
		}
	}
	var unfresh []string
	for _, key := range gone {
		if u, ok := f.users[key.user]; ok && u.Fresh {
			u.Fresh = false
			f.users[key.user] = u
			unfresh = append(unfresh, key.user)
		}
	}
	users := make(map[string]userFact, len(unfresh))
	for _, uid := range unfresh {
		users[uid] = f.users[uid]
	}
	f.mu.Unlock()
	for _, key := range gone {
		f.l.del(key.storeKey())
	}
	for uid, u := range users {
		f.l.put(keyUser+uid, u)
	}
}

// restate records the new state of the user's enrolments with the given ids.
func (f *facts) restate(uid string, ids map[int64]bool, state canvas.EnrollmentState) {
	type change struct {
		key enrKey
		v   enrFact
	}
	var changed []change
	f.mu.Lock()
	for key, v := range f.enr[uid] {
		if ids[v.ID] && v.State != state {
			v.State = state
			f.enr[uid][key] = v
			changed = append(changed, change{key, v})
		}
	}
	f.mu.Unlock()
	for _, c := range changed {
		f.l.put(c.key.storeKey(), c.v)
	}
}

// ledger makes the adapter's bookkeeping durable: the facts that changed and the keys of the
// events that are done (the "marks"), in one store transaction for everything that queued up
// (a group commit). An event's task counts as done only once its mark, and every fact
// recorded before it, is in the store: a crash can then only make the adapter hand over again
// an event whose task had not finished, never one whose effects later events have built on.
// The feed reader counts marked events as processed (catch-up's gate), so a restart applies
// only what was in progress.
type ledger struct {
	st        store.Store
	scope     store.Scope
	retention time.Duration // how long marks are kept
	now       func() time.Time

	mu    sync.Mutex
	cond  *sync.Cond
	dirty map[string][]byte // fact keys to write (nil: delete)
	marks []string
	next  *flush // the flush that will take what is queued now
	busy  bool   // a flush is being written
}

// flush is one group commit; waiters learn its outcome.
type flush struct {
	done bool
	err  error
}

func newLedger(st store.Store, scope store.Scope, retention time.Duration, now func() time.Time) *ledger {
	l := &ledger{st: st, scope: scope, retention: retention, now: now, dirty: map[string][]byte{}, next: &flush{}}
	l.cond = sync.NewCond(&l.mu)
	return l
}

func (l *ledger) put(key string, v any) {
	raw, err := json.Marshal(v)
	if err != nil {
		return // facts are plain structs: cannot happen
	}
	l.mu.Lock()
	l.dirty[key] = raw
	l.mu.Unlock()
}

func (l *ledger) del(key string) {
	l.mu.Lock()
	l.dirty[key] = nil
	l.mu.Unlock()
}

// commit makes marks, and every fact recorded so far, durable: it joins the next group
// commit (leading it when no other is being written) and returns its outcome.
func (l *ledger) commit(ctx context.Context, marks ...string) error {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.marks = append(l.marks, marks...)
	f := l.next
	for !f.done {
		if l.busy {
			l.cond.Wait()
			continue
		}
		l.busy = true
		b := store.Batch{Expires: l.now().Add(l.retention)}
		for k, v := range l.dirty {
			if v == nil {
				b.Delete(k)
			} else {
				b.Set(k, v)
			}
		}
		b.MarkProcessed(l.marks...)
		written := l.dirty
		l.dirty, l.marks, l.next = map[string][]byte{}, nil, &flush{}
		l.mu.Unlock()
		err := l.write(context.WithoutCancel(ctx), b)
		l.mu.Lock()
		if err != nil {
			// The facts stay to be written by the next flush (unless changed since); the marks'
			// tasks fail, and their events are handed over again.
			for k, v := range written {
				if _, newer := l.dirty[k]; !newer {
					l.dirty[k] = v
				}
			}
		}
		f.done, f.err = true, err
		l.busy = false
		l.cond.Broadcast()
	}
	return f.err
}

func (l *ledger) write(ctx context.Context, b store.Batch) error {
	if b.Len() == 0 {
		return nil
	}
	if err := l.st.Update(ctx, l.scope, func(tx store.Tx) error { return tx.Apply(b) }); err != nil {
		return fmt.Errorf("ladokcanvas: writing the adapter's state: %w", err)
	}
	return nil
}
