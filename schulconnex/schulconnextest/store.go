package schulconnextest

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"time"

	"github.com/edusync/edusync/internal/rawjson"
	"github.com/edusync/edusync/schulconnex"
)

// The store keeps every record as its generated model and as the JSON it is served as. The JSON
// is what the last writer sent, merged with the server's own fields, so vendor extensions (and
// any property the models do not know) survive exactly as a real service keeps them.

type orgRec struct {
	o   schulconnex.Organisation
	raw []byte
}

type personRec struct {
	p        schulconnex.Person // Raw holds the stored JSON
	owner    string             // organisation that created it
	rev      int
	kontexte []string // context ids in creation order
	deleted  bool
}

type kontextRec struct {
	k         schulconnex.Personenkontext // Raw holds the stored JSON (no sichtfreigabe, no beziehungen)
	person    string
	org       string
	rev       int
	used      bool
	freigaben []string
	hatAls    []string // relations starting here
	deleted   bool
}

type gruppeRec struct {
	g       schulconnex.Gruppe
	org     string
	rev     int
	members []string
	deleted bool
}

type zugRec struct {
	m       schulconnex.Gruppenzugehoerigkeit
	gruppe  string
	rev     int
	deleted bool
}

type bezRec struct {
	b    schulconnex.Beziehung
	from string
	rev  int
}

type freigabeRec struct {
	f       schulconnex.Sichtfreigabe
	kontext string
	rev     int
}

type store struct {
	mandant string
	now     func() time.Time
	seq     int

	orgs     map[string]*orgRec
	orgOrder []string

	persons     map[string]*personRec
	personOrder []string
	kontexte    map[string]*kontextRec
	gruppen     map[string]*gruppeRec
	gruppeOrder []string
	zug         map[string]*zugRec
	bez         map[string]*bezRec
	freigaben   map[string]*freigabeRec
	scheduled   map[string]bool // contexts with a deletion time
}

func newStore(mandant string, now func() time.Time) *store {
	return &store{mandant: mandant, now: now, orgs: map[string]*orgRec{}, persons: map[string]*personRec{},
		kontexte: map[string]*kontextRec{}, gruppen: map[string]*gruppeRec{}, zug: map[string]*zugRec{},
		bez: map[string]*bezRec{}, freigaben: map[string]*freigabeRec{}, scheduled: map[string]bool{}}
}

// newID returns a UUID-shaped id that depends only on the seed (or, without one, on the store's
// sequence), so loaded populations get the same ids on every run.
func (s *store) newID(kind, seed string) string {
	if seed == "" {
		s.seq++
		seed = strconv.Itoa(s.seq)
	}
	h := sha256.Sum256([]byte(s.mandant + "/" + kind + "/" + seed))
	h[6] = h[6]&0x0f | 0x40
	h[8] = h[8]&0x3f | 0x80
	x := hex.EncodeToString(h[:16])
	return x[0:8] + "-" + x[8:12] + "-" + x[12:16] + "-" + x[16:20] + "-" + x[20:32]
}

// stored returns the JSON a record is kept as: body (what the writer sent) with the record's
// current values laid over it.
func stored(body []byte, rec any) []byte {
	b, err := rawjson.Merge(body, rec)
	if err != nil || b == nil {
		b, _ = json.Marshal(rec)
	}
	return b
}

func (s *store) addOrganisation(o schulconnex.Organisation) schulconnex.Organisation {
	if o.ID == "" {
		o.ID = s.newID("organisation", o.Kennung)
	}
	if o.Typ == "" {
		o.Typ = schulconnex.OrganisationstypSchule
	}
	raw, _ := json.Marshal(o)
	if _, ok := s.orgs[o.ID]; !ok {
		s.orgOrder = append(s.orgOrder, o.ID)
	}
	s.orgs[o.ID] = &orgRec{o: o, raw: raw}
	return o
}

func (s *store) orgByKennung(kennung string) (string, bool) {
	for _, id := range s.orgOrder {
		if s.orgs[id].o.Kennung == kennung {
			return id, true
		}
	}
	return "", false
}

// putPerson stores p (created or replaced) with the next revision.
func (s *store) putPerson(rec *personRec, p schulconnex.Person, body []byte) {
	rec.rev++
	p.Mandant = s.mandant
	p.Revision = strconv.Itoa(rec.rev)
	p.Raw = nil
	p.Raw = stored(body, p)
	rec.p = p
}

func (s *store) createPerson(owner string, p schulconnex.Person, body []byte, seed string) *personRec {
	p.ID = s.newID("person", seed)
	rec := &personRec{owner: owner}
	s.putPerson(rec, p, body)
	s.persons[p.ID] = rec
	s.personOrder = append(s.personOrder, p.ID)
	return rec
}

func (s *store) putKontext(rec *kontextRec, k schulconnex.Personenkontext, body []byte) {
	rec.rev++
	k.ID = rec.k.ID
	k.Mandant = s.mandant
	k.Organisation = schulconnex.Organisation{ID: rec.org}
	k.Revision = strconv.Itoa(rec.rev)
	k.Sichtfreigabe, k.Beziehungen = "", schulconnex.KontextBeziehungen{}
	k.Raw = nil
	k.Raw = stored(body, k)
	rec.k = k
	if k.Loeschung.IsZero() {
		delete(s.scheduled, k.ID)
	} else {
		s.scheduled[k.ID] = true
	}
}

func (s *store) createKontext(person, org string, k schulconnex.Personenkontext, body []byte, seed string, used bool) *kontextRec {
	id := s.newID("kontext", seed)
	rec := &kontextRec{person: person, org: org, used: used}
	rec.k.ID = id
	if k.Personenstatus == "" {
		k.Personenstatus = schulconnex.PersonenstatusAktiv
	}
	s.putKontext(rec, k, body)
	s.kontexte[id] = rec
	p := s.persons[person]
	p.kontexte = append(p.kontexte, id)
	return rec
}

func (s *store) putGruppe(rec *gruppeRec, g schulconnex.Gruppe, body []byte) {
	rec.rev++
	g.ID = rec.g.ID
	g.Mandant = s.mandant
	g.Orgid = rec.org
	g.Revision = strconv.Itoa(rec.rev)
	g.Raw = nil
	g.Raw = stored(body, g)
	rec.g = g
}

func (s *store) createGruppe(org string, g schulconnex.Gruppe, body []byte, seed string) *gruppeRec {
	rec := &gruppeRec{org: org}
	rec.g.ID = s.newID("gruppe", seed)
	s.putGruppe(rec, g, body)
	s.gruppen[rec.g.ID] = rec
	s.gruppeOrder = append(s.gruppeOrder, rec.g.ID)
	return rec
}

func (s *store) putZug(rec *zugRec, m schulconnex.Gruppenzugehoerigkeit, body []byte) {
	rec.rev++
	m.ID = rec.m.ID
	m.Mandant = s.mandant
	m.Revision = strconv.Itoa(rec.rev)
	m.Raw = nil
	m.Raw = stored(body, m)
	rec.m = m
}

func (s *store) createZug(gruppe string, m schulconnex.Gruppenzugehoerigkeit, body []byte, seed string) *zugRec {
	rec := &zugRec{gruppe: gruppe}
	rec.m.ID = s.newID("zugehoerigkeit", seed)
	s.putZug(rec, m, body)
	s.zug[rec.m.ID] = rec
	g := s.gruppen[gruppe]
	g.members = append(g.members, rec.m.ID)
	return rec
}

func (s *store) createBeziehung(from string, b schulconnex.Beziehung) *bezRec {
	b.ID = s.newID("beziehung", "")
	b.Mandant = s.mandant
	b.Revision = "1"
	b.IstVonKtid = ""
	rec := &bezRec{b: b, from: from, rev: 1}
	s.bez[b.ID] = rec
	k := s.kontexte[from]
	k.hatAls = append(k.hatAls, b.ID)
	return rec
}

func (s *store) createFreigabe(kontext string, f schulconnex.Sichtfreigabe) *freigabeRec {
	f.ID = s.newID("sichtfreigabe", "")
	f.Revision = "1"
	rec := &freigabeRec{f: f, kontext: kontext, rev: 1}
	s.freigaben[f.ID] = rec
	k := s.kontexte[kontext]
	k.freigaben = append(k.freigaben, f.ID)
	return rec
}

// deleteKontext removes a context with its memberships, relations and releases.
func (s *store) deleteKontext(id string) {
	k, ok := s.kontexte[id]
	if !ok {
		return
	}
	k.deleted = true
	delete(s.kontexte, id)
	delete(s.scheduled, id)
	if p, ok := s.persons[k.person]; ok {
		p.kontexte = slices.DeleteFunc(p.kontexte, func(x string) bool { return x == id })
	}
	for zid, z := range s.zug {
		if z.m.Ktid == id {
			s.deleteZug(zid)
		}
	}
	for bid, b := range s.bez {
		if b.from == id || b.b.Ktid == id {
			s.deleteBeziehung(bid)
		}
	}
	for _, fid := range k.freigaben {
		delete(s.freigaben, fid)
	}
}

func (s *store) deleteZug(id string) {
	z, ok := s.zug[id]
	if !ok {
		return
	}
	z.deleted = true
	delete(s.zug, id)
	if g, ok := s.gruppen[z.gruppe]; ok {
		g.members = slices.DeleteFunc(g.members, func(x string) bool { return x == id })
	}
}

func (s *store) deleteBeziehung(id string) {
	b, ok := s.bez[id]
	if !ok {
		return
	}
	delete(s.bez, id)
	if k, ok := s.kontexte[b.from]; ok {
		k.hatAls = slices.DeleteFunc(k.hatAls, func(x string) bool { return x == id })
	}
}

func (s *store) deleteGruppe(id string) {
	g, ok := s.gruppen[id]
	if !ok {
		return
	}
	for _, zid := range slices.Clone(g.members) {
		s.deleteZug(zid)
	}
	g.deleted = true
	delete(s.gruppen, id)
}

func (s *store) deletePerson(id string) {
	p, ok := s.persons[id]
	if !ok {
		return
	}
	for _, kid := range slices.Clone(p.kontexte) {
		s.deleteKontext(kid)
	}
	p.deleted = true
	delete(s.persons, id)
}

// sweep deletes the contexts whose deletion time has come, as the service does.
func (s *store) sweep() {
	if len(s.scheduled) == 0 {
		return
	}
	now := s.now()
	for id := range s.scheduled {
		k, ok := s.kontexte[id]
		if !ok {
			delete(s.scheduled, id)
			continue
		}
		if !k.k.Loeschung.Zeitpunkt.Time().After(now) {
			s.deleteKontext(id)
		}
	}
}

// released reports whether context k is released to organisation org today.
func (s *store) released(k *kontextRec, org string) bool {
	today := s.now().UTC().Format(time.DateOnly)
	for _, fid := range k.freigaben {
		f := s.freigaben[fid]
		if f == nil || f.f.Orgid != org {
			continue
		}
		if f.f.Von.Format(time.DateOnly) <= today && today <= f.f.Bis.Format(time.DateOnly) {
			return true
		}
	}
	return false
}

// view says how a context looks to an organisation.
type view uint8

const (
	hidden view = iota
	own
	shared
)

func (s *store) kontextView(k *kontextRec, org string) view {
	switch {
	case k.org == org:
		return own
	case s.released(k, org):
		return shared
	}
	return hidden
}

// personView says whether a person is the organisation's (a context there, or created by it),
// visible through a release, or hidden.
func (s *store) personView(p *personRec, org string) view {
	if p.owner == org {
		return own
	}
	v := hidden
	for _, kid := range p.kontexte {
		switch s.kontextView(s.kontexte[kid], org) {
		case own:
			return own
		case shared:
			v = shared
		}
	}
	return v
}

func notFound(kind, id string) error { return fmt.Errorf("%w: %s %s", errUnknown, kind, id) }
