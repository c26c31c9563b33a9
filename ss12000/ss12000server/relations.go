package ss12000server

import (
	"encoding/json"

	"github.com/edusync/edusync/internal/ss12000serve"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/store"
)

// relations answers what filters and expansion ask about other records
// (ss12000serve.Relations) from the served records, as the receiver may see them: a record it
// may not see is as absent as one that does not exist, a protected person it may see is
// reduced. Store errors are kept in err; the request fails with the first.
type relations struct {
	p  *Provider
	tx store.Tx
	q  *request
	// cur is the envelope of the record being filtered or rendered.
	cur  *envelope
	docs map[string]any // by resource and id; nil for records the receiver may not see
	err  error
}

func newRelations(p *Provider, tx store.Tx, q *request) *relations {
	return &relations{p: p, tx: tx, q: q, docs: map[string]any{}}
}

var _ ss12000serve.Relations = (*relations)(nil)

func (r *relations) fail(err error) {
	if r.err == nil {
		r.err = err
	}
}

// record reads a served record as the receiver may see it, or nil.
func record[T any](r *relations, res, id string, transform func(any, *envelope, bool) bool) *T {
	if id == "" || r.tx == nil {
		return nil
	}
	key := res + "/" + id
	if v, ok := r.docs[key]; ok {
		t, _ := v.(*T)
		return t
	}
	env, ok, err := readDoc(r.tx, res, id)
	if err != nil {
		r.fail(err)
		return nil
	}
	if !ok || !r.q.sees(&env) {
		r.docs[key] = nil
		return nil
	}
	v := new(T)
	if err := json.Unmarshal(env.doc, v); err != nil {
		r.fail(errEnvelope)
		return nil
	}
	if transform != nil {
		transform(v, &env, r.q.recv.cfg.Protected)
	}
	r.docs[key] = v
	return v
}

func (r *relations) Person(id string) *ss12000.Person {
	return record[ss12000.Person](r, resPersons, id, transformPerson)
}

func (r *relations) Group(id string) *ss12000.Group {
	return record[ss12000.Group](r, resGroups, id, transformGroup)
}

func (r *relations) Duty(id string) *ss12000.Duty { return record[ss12000.Duty](r, resDuties, id, nil) }

func (r *relations) Activity(id string) *ss12000.Activity {
	return record[ss12000.Activity](r, resActivities, id, transformActivity)
}

// The provider holds no placements, syllabuses, calendar events or attendance.

func (r *relations) Placement(string) *ss12000.Placement           { return nil }
func (r *relations) Syllabus(string) *ss12000.Syllabus             { return nil }
func (r *relations) CalendarEvent(string) *ss12000.CalendarEvent   { return nil }
func (r *relations) PlacementsOf(string) []*ss12000.Placement      { return nil }
func (r *relations) PlacementsOwnedBy(string) []*ss12000.Placement { return nil }
func (r *relations) AttendancesOf(string) []*ss12000.Attendance    { return nil }

// Relationships are kept with each person's served record when it is written; the filter
// asks for those of the record being filtered (cur).
func (r *relations) Relationships(*ss12000.Person) []ss12000serve.Relationship {
	if r.cur == nil || len(r.cur.extra) == 0 {
		return nil
	}
	var rels []ss12000serve.Relationship
	if err := json.Unmarshal(r.cur.extra, &rels); err != nil {
		r.fail(errEnvelope)
	}
	return rels
}

// keys lists the last segments of the keys under prefix.
func (r *relations) keys(prefix string, fn func(id string, value []byte)) {
	if r.tx == nil {
		return
	}
	if err := each(r.tx, prefix, func(key string, value []byte) error {
		fn(lastSegment(key), value)
		return nil
	}); err != nil {
		r.fail(err)
	}
}

func (r *relations) DutiesOf(person string) []*ss12000.Duty {
	var out []*ss12000.Duty
	if r.Person(person) == nil {
		return nil
	}
	r.keys(pDutyOf+person+"/", func(id string, _ []byte) {
		if d := r.Duty(id); d != nil {
			out = append(out, d)
		}
	})
	return out
}

func (r *relations) ResponsibleFor(person string) []ss12000serve.Responsibility {
	var out []ss12000serve.Responsibility
	if r.Person(person) == nil {
		return nil
	}
	r.keys(pRespFor+person+"/", func(id string, _ []byte) {
		child := r.Person(id)
		if child == nil {
			return
		}
		for _, resp := range child.Responsibles {
			if resp.Person.ID == person {
				out = append(out, ss12000serve.Responsibility{Child: child, Relation: resp.RelationType})
				return
			}
		}
	})
	return out
}

// memberOf reads a membership index entry: whether it makes a group membership, and its period.
func (r *relations) memberOf(value []byte) (memberIndex, bool) {
	var ix memberIndex
	if err := json.Unmarshal(value, &ix); err != nil {
		r.fail(errEnvelope)
		return ix, false
	}
	rs := roles(ix.Roles)
	if len(rs) == 0 {
		return ix, true
	}
	for _, role := range rs {
		if r.p.voc.memberRole(role) {
			return ix, true
		}
	}
	return ix, false
}

func (r *relations) MembershipsOf(person string) []ss12000serve.Membership {
	var out []ss12000serve.Membership
	if r.Person(person) == nil {
		return nil
	}
	r.keys(pPersonMem+person+"/", func(group string, value []byte) {
		ix, member := r.memberOf(value)
		if !member {
			return
		}
		if g := r.Group(group); g != nil {
			out = append(out, ss12000serve.Membership{Group: g, Start: date(ix.Valid.From), End: date(ix.Valid.To)})
		}
	})
	return out
}

func (r *relations) IsMember(person, group string) bool {
	if r.tx == nil || r.Person(person) == nil {
		return false
	}
	raw, ok, err := get(r.tx, pGroupMem+group+"/"+person)
	if err != nil {
		r.fail(err)
		return false
	}
	if !ok {
		return false
	}
	_, member := r.memberOf(raw)
	return member
}

// AssignmentRoles are kept with each group's served record when it is written; those of
// duties the receiver may not see are left out.
func (r *relations) AssignmentRoles(group string) []ss12000.GroupAssignmentRole {
	if r.Group(group) == nil {
		return nil
	}
	env, ok, err := readDoc(r.tx, resGroups, group)
	if err != nil {
		r.fail(err)
		return nil
	}
	if !ok || len(env.extra) == 0 {
		return nil
	}
	var all, out []ss12000.GroupAssignmentRole
	if err := json.Unmarshal(env.extra, &all); err != nil {
		r.fail(errEnvelope)
		return nil
	}
	for _, a := range all {
		if r.Duty(a.Duty.ID) != nil {
			out = append(out, a)
		}
	}
	return out
}

// NameOf returns the reference name of a served record, or "" for one the receiver may not
// see named (a person with protected identity, unless it opted in).
func (r *relations) NameOf(id string) string {
	if r.tx == nil || id == "" {
		return ""
	}
	raw, ok, err := get(r.tx, pName+id)
	if err != nil {
		r.fail(err)
		return ""
	}
	if !ok || len(raw) == 0 || (raw[0] == 'p' && !r.q.recv.cfg.Protected) {
		return ""
	}
	return string(raw[1:])
}
