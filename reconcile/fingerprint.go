package reconcile

import (
	"cmp"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"hash"
	"maps"
	"slices"
	"strings"
)

// multisetSum adds up the sha256 digests of records as 256-bit numbers. The sum does not depend
// on the order the records are added in, which makes the inputs fingerprint independent of
// snapshot order without sorting a million records.
type multisetSum struct {
	limbs [4]uint64
	count uint64
	buf   []byte
	keys  []string
}

func (m *multisetSum) addDigest(d [32]byte) {
	var carry uint64
	for i := 3; i >= 0; i-- {
		v := binary.BigEndian.Uint64(d[i*8:])
		s := m.limbs[i] + v
		c1 := uint64(0)
		if s < v {
			c1 = 1
		}
		s2 := s + carry
		if s2 < s {
			c1 = 1
		}
		m.limbs[i] = s2
		carry = c1
	}
	m.count++
}

// record hashes the bytes appended since the last record.
func (m *multisetSum) record() {
	m.addDigest(sha256.Sum256(m.buf))
	m.buf = m.buf[:0]
}

func (m *multisetSum) str(s string) {
	m.buf = binary.AppendUvarint(m.buf, uint64(len(s)))
	m.buf = append(m.buf, s...)
}

func (m *multisetSum) strs(l []string) {
	m.buf = binary.AppendUvarint(m.buf, uint64(len(l)))
	for _, s := range l {
		m.str(s)
	}
}

func (m *multisetSum) date(d Date) {
	m.buf = binary.BigEndian.AppendUint32(m.buf, uint32(d.year))
	m.buf = append(m.buf, d.month, d.day)
}

func (m *multisetSum) keysOf(k *Keys) {
	m.str(k.SourceKey)
	m.str(k.TargetID)
	m.str(k.Referrer)
}

func (m *multisetSum) attrs(a map[string]string) {
	m.buf = binary.AppendUvarint(m.buf, uint64(len(a)))
	if len(a) == 0 {
		return
	}
	m.keys = m.keys[:0]
	for k := range a {
		m.keys = append(m.keys, k)
	}
	slices.Sort(m.keys)
	for _, k := range m.keys {
		m.str(k)
		m.str(a[k])
	}
}

func (m *multisetSum) writeTo(h hash.Hash, section string) {
	var b []byte
	b = binary.AppendUvarint(b, uint64(len(section)))
	b = append(b, section...)
	b = binary.BigEndian.AppendUint64(b, m.count)
	for _, l := range m.limbs {
		b = binary.BigEndian.AppendUint64(b, l)
	}
	h.Write(b)
}

func sumOrganisations(list []Organisation) *multisetSum {
	m := &multisetSum{}
	for i := range list {
		o := &list[i]
		m.keysOf(&o.Keys)
		m.str(o.Revision)
		m.str(o.Name)
		m.str(o.Type)
		m.attrs(o.Attributes)
		m.record()
	}
	return m
}

func sumPersons(list []Person) *multisetSum {
	m := &multisetSum{}
	for i := range list {
		x := &list[i]
		m.keysOf(&x.Keys)
		m.str(x.Revision)
		m.str(x.FamilyName)
		m.str(x.GivenNames)
		m.date(x.BirthDate)
		m.str(x.BirthPlace)
		m.strs(x.Emails)
		m.strs(x.EPPNs)
		if x.Protected {
			m.buf = append(m.buf, 1)
		} else {
			m.buf = append(m.buf, 0)
		}
		m.buf = binary.AppendUvarint(m.buf, uint64(len(x.Contexts)))
		for _, c := range x.Contexts {
			m.str(c.Organisation)
			m.str(c.Role)
		}
		m.attrs(x.Attributes)
		m.record()
	}
	return m
}

func sumGroups(list []Group) *multisetSum {
	m := &multisetSum{}
	for i := range list {
		g := &list[i]
		m.keysOf(&g.Keys)
		m.str(g.Revision)
		m.str(g.Name)
		m.str(g.Type)
		m.str(g.Organisation)
		m.date(g.Valid.From)
		m.date(g.Valid.To)
		m.attrs(g.Attributes)
		m.record()
	}
	return m
}

func sumMemberships(list []Membership) *multisetSum {
	m := &multisetSum{}
	for i := range list {
		x := &list[i]
		m.str(x.ID)
		m.str(x.Revision)
		m.str(x.Person)
		m.str(x.Group)
		m.str(x.Role)
		m.date(x.Period.From)
		m.date(x.Period.To)
		m.record()
	}
	return m
}

// fingerprintInputs is the sha256 fingerprint of everything planning reads. Records are hashed
// one by one and summed (see multisetSum); options are hashed as canonical JSON with their lists
// in a fixed order.
func fingerprintInputs(src, tgt *Snapshot, opts *Options) string {
	h := sha256.New()
	h.Write([]byte("edusync/reconcile inputs v1\n"))
	for _, side := range []struct {
		name string
		s    *Snapshot
	}{{"source", src}, {"target", tgt}} {
		sumOrganisations(side.s.Organisations).writeTo(h, side.name+".organisations")
		sumPersons(side.s.Persons).writeTo(h, side.name+".persons")
		sumGroups(side.s.Groups).writeTo(h, side.name+".groups")
		sumMemberships(side.s.Memberships).writeTo(h, side.name+".memberships")
	}
	canon := *opts
	canon.History.Created = slices.Clone(opts.History.Created)
	slices.SortFunc(canon.History.Created, func(a, b Record) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.TargetID, b.TargetID))
	})
	canon.History.Deactivated = slices.Clone(opts.History.Deactivated)
	slices.SortFunc(canon.History.Deactivated, func(a, b Deactivated) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.TargetID, b.TargetID), a.Since.Compare(b.Since))
	})
	canon.Decisions = slices.Clone(opts.Decisions)
	slices.SortStableFunc(canon.Decisions, func(a, b Decision) int { return strings.Compare(a.ID, b.ID) })
	if canon.Holds == nil {
		canon.Holds = DefaultHolds()
	}
	b, err := json.Marshal(canon)
	if err != nil {
		// Options hold only plain data; this cannot fail, but a fingerprint must never be silent.
		b = []byte(err.Error())
	}
	h.Write(b)
	return hex.EncodeToString(h.Sum(nil))
}

// planHeader is the part of a plan hashed before its actions.
type planHeader struct {
	Version     int             `json:"version"`
	Inputs      string          `json:"inputs"`
	Now         string          `json:"now"`
	Counts      Counts          `json:"counts"`
	ByKind      map[Kind]Counts `json:"byKind"`
	TargetSizes map[Kind]int    `json:"targetSizes"`
	Holds       []Hold          `json:"holds,omitempty"`
	Tripped     []Trip          `json:"tripped,omitempty"`
	Decisions   []Decision      `json:"decisions,omitempty"`
	Actions     int             `json:"actions"`
}

// digest computes the plan's own fingerprint: sha256 over the canonical JSON of every field
// except Fingerprint, action by action so a large plan is never encoded in one piece.
func (p *Plan) digest() string {
	h := sha256.New()
	h.Write([]byte("edusync/reconcile plan v1\n"))
	enc := json.NewEncoder(h)
	hdr := planHeader{
		Version: p.Version, Inputs: p.Inputs, Counts: p.Counts, ByKind: p.ByKind,
		TargetSizes: p.TargetSizes, Holds: p.Holds, Tripped: p.Tripped, Decisions: p.Decisions,
		Actions: len(p.Actions),
	}
	if !p.Now.IsZero() {
		hdr.Now = p.Now.UTC().Format("2006-01-02T15:04:05.999999999Z")
	}
	if err := enc.Encode(hdr); err != nil {
		h.Write([]byte(err.Error()))
	}
	for i := range p.Actions {
		if err := enc.Encode(&p.Actions[i]); err != nil {
			h.Write([]byte(err.Error()))
		}
	}
	return hex.EncodeToString(h.Sum(nil))
}

// seal evaluates the holds and fixes the fingerprint; called whenever a plan is made.
func (p *Plan) seal() {
	p.Tripped = evaluateHolds(p)
	p.Fingerprint = p.digest()
}

// Verify checks that the plan still matches its fingerprint, for example after it was stored
// and read back. Apply calls it before doing anything.
func (p *Plan) Verify() error {
	if p == nil {
		return ErrTampered
	}
	if p.digest() != p.Fingerprint {
		return ErrTampered
	}
	return nil
}

// sortedKinds lists the kinds of a map in dependency order, for stable output.
func sortedKinds[V any](m map[Kind]V) []Kind {
	ks := slices.Collect(maps.Keys(m))
	slices.SortFunc(ks, func(a, b Kind) int { return cmp.Or(a.rank()-b.rank(), strings.Compare(string(a), string(b))) })
	return ks
}
