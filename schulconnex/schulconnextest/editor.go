package schulconnextest

import (
	"fmt"
	"slices"

	"github.com/edusync/edusync/schulconnex"
)

// Editor changes the server's records directly, as the service's administration interface or
// another source system would: tests use it to seed data and to make concurrent changes.
// Writes bypass validation (so tests can create what a client could not) and give records new
// revisions. Records keep what their Raw JSON holds beyond the modelled properties, so vendor
// extensions can be seeded by setting Raw.
type Editor struct{ s *store }

// Organisation returns the id of the organisation with this kennung.
func (e *Editor) Organisation(kennung string) (string, bool) { return e.s.orgByKennung(kennung) }

// AddPerson stores a new person created by organisation org (an id). p.Raw, when set, is the
// JSON the person is kept as beyond p's values (for vendor extensions).
func (e *Editor) AddPerson(org string, p schulconnex.Person) (schulconnex.Person, error) {
	if _, ok := e.s.orgs[org]; !ok {
		return p, notFound("organisation", org)
	}
	if p.Vertrauensstufe == "" {
		// The service holds no person without one; what the administration did not say is
		// unknown.
		p.Vertrauensstufe = schulconnex.VertrauensstufeUnbe
	}
	rec := e.s.createPerson(org, p, p.Raw, "")
	return rec.p, nil
}

// AddKontext stores a new context of a person at organisation org.
func (e *Editor) AddKontext(personID, org string, k schulconnex.Personenkontext) (schulconnex.Personenkontext, error) {
	if _, ok := e.s.persons[personID]; !ok {
		return k, notFound("person", personID)
	}
	if _, ok := e.s.orgs[org]; !ok {
		return k, notFound("organisation", org)
	}
	rec := e.s.createKontext(personID, org, k, k.Raw, "", false)
	return rec.k, nil
}

// AddGruppe stores a new group of organisation org.
func (e *Editor) AddGruppe(org string, g schulconnex.Gruppe) (schulconnex.Gruppe, error) {
	if _, ok := e.s.orgs[org]; !ok {
		return g, notFound("organisation", org)
	}
	rec := e.s.createGruppe(org, g, g.Raw, "")
	return rec.g, nil
}

// AddZugehoerigkeit stores a new membership of a group.
func (e *Editor) AddZugehoerigkeit(gruppeID string, m schulconnex.Gruppenzugehoerigkeit) (schulconnex.Gruppenzugehoerigkeit, error) {
	if _, ok := e.s.gruppen[gruppeID]; !ok {
		return m, notFound("gruppe", gruppeID)
	}
	if _, ok := e.s.kontexte[m.Ktid]; !ok {
		return m, notFound("kontext", m.Ktid)
	}
	rec := e.s.createZug(gruppeID, m, m.Raw, "")
	return rec.m, nil
}

// AddBeziehung stores a relation from context fromKtid to context b.Ktid.
func (e *Editor) AddBeziehung(fromKtid string, b schulconnex.Beziehung) (schulconnex.Beziehung, error) {
	if _, ok := e.s.kontexte[fromKtid]; !ok {
		return b, notFound("kontext", fromKtid)
	}
	if _, ok := e.s.kontexte[b.Ktid]; !ok {
		return b, notFound("kontext", b.Ktid)
	}
	return e.s.createBeziehung(fromKtid, b).b, nil
}

// Release makes a context visible, read-only, to organisation org (a visibility release).
func (e *Editor) Release(kontextID string, f schulconnex.Sichtfreigabe) (schulconnex.Sichtfreigabe, error) {
	if _, ok := e.s.kontexte[kontextID]; !ok {
		return f, notFound("kontext", kontextID)
	}
	if _, ok := e.s.orgs[f.Orgid]; !ok {
		return f, notFound("organisation", f.Orgid)
	}
	return e.s.createFreigabe(kontextID, f).f, nil
}

// EditPerson changes a person as another writer would; it gets a new revision and keeps the
// properties of its stored JSON that fn does not change.
func (e *Editor) EditPerson(id string, fn func(*schulconnex.Person)) error {
	rec, ok := e.s.persons[id]
	if !ok {
		return notFound("person", id)
	}
	p := rec.p
	fn(&p)
	p.ID = id
	e.s.putPerson(rec, p, rec.p.Raw)
	return nil
}

// EditKontext changes a context as another writer would.
func (e *Editor) EditKontext(id string, fn func(*schulconnex.Personenkontext)) error {
	rec, ok := e.s.kontexte[id]
	if !ok {
		return notFound("kontext", id)
	}
	k := rec.k
	fn(&k)
	e.s.putKontext(rec, k, rec.k.Raw)
	return nil
}

// EditGruppe changes a group as another writer would.
func (e *Editor) EditGruppe(id string, fn func(*schulconnex.Gruppe)) error {
	rec, ok := e.s.gruppen[id]
	if !ok {
		return notFound("gruppe", id)
	}
	g := rec.g
	fn(&g)
	e.s.putGruppe(rec, g, rec.g.Raw)
	return nil
}

// DeletePerson deletes a person with its contexts, memberships and relations.
func (e *Editor) DeletePerson(id string) error {
	if _, ok := e.s.persons[id]; !ok {
		return notFound("person", id)
	}
	e.s.deletePerson(id)
	return nil
}

// Person returns a person with all its contexts, whatever their organisation.
func (e *Editor) Person(id string) (schulconnex.Personendatensatz, bool) {
	rec, ok := e.s.persons[id]
	if !ok {
		return schulconnex.Personendatensatz{}, false
	}
	d := schulconnex.Personendatensatz{Person: rec.p}
	for _, kid := range rec.kontexte {
		d.Personenkontexte = append(d.Personenkontexte, e.s.kontexte[kid].k)
	}
	return d, true
}

// PersonJSON returns the JSON a person is stored and served as.
func (e *Editor) PersonJSON(id string) []byte {
	if rec, ok := e.s.persons[id]; ok {
		return slices.Clone(rec.p.Raw)
	}
	return nil
}

// Gruppe returns a group with its memberships.
func (e *Editor) Gruppe(id string) (schulconnex.Gruppendatensatz, bool) {
	rec, ok := e.s.gruppen[id]
	if !ok {
		return schulconnex.Gruppendatensatz{}, false
	}
	d := schulconnex.Gruppendatensatz{Gruppe: rec.g}
	for _, zid := range rec.members {
		d.Gruppenzugehoerigkeiten = append(d.Gruppenzugehoerigkeiten, e.s.zug[zid].m)
	}
	return d, true
}

// Persons returns the ids of every person, in creation order.
func (e *Editor) Persons() []string {
	var out []string
	for _, id := range e.s.personOrder {
		if rec, ok := e.s.persons[id]; ok && rec.p.ID == id {
			out = append(out, id)
		}
	}
	return out
}

// Gruppen returns the ids of every group, in creation order.
func (e *Editor) Gruppen() []string {
	var out []string
	for _, id := range e.s.gruppeOrder {
		if _, ok := e.s.gruppen[id]; ok {
			out = append(out, id)
		}
	}
	return out
}

// Counts returns how many persons, contexts, groups and memberships the server holds.
func (e *Editor) Counts() (persons, kontexte, gruppen, zugehoerigkeiten int) {
	return len(e.s.persons), len(e.s.kontexte), len(e.s.gruppen), len(e.s.zug)
}

// String summarises the store, for test failures.
func (e *Editor) String() string {
	p, k, g, z := e.Counts()
	return fmt.Sprintf("%d persons, %d contexts, %d groups, %d memberships", p, k, g, z)
}
