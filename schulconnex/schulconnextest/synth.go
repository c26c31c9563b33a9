package schulconnextest

import (
	"fmt"

	openapi_types "github.com/oapi-codegen/runtime/types"

	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/schulconnex"
	"github.com/edusync/edusync/schulconnex/schulconnexsync"
	"github.com/edusync/edusync/synth"
)

// Converting synth populations. synth speaks SS 12000's vocabulary in every country; these
// functions map it to Schulconnex. LoadPopulation fills the server as if a source system had
// synchronised the population before; SourceSnapshot gives the same population as the
// reconcile source a school-administration system would export, in the canonical form of
// package schulconnexsync's reconcile adapters, so that a population loaded on day 0 and the source
// of day 0 are in step, and NextDay's changes are exactly what a synchronisation has to write.

// Rolle maps a staff duty to the role of its context: teachers (Lärare, Förstelärare,
// Speciallärare) are Lehr, principals Leit, everyone else non-teaching staff (NLehr).
func Rolle(d synth.DutyRole) schulconnex.Rolle {
	switch d {
	case synth.DutyTeacher, synth.DutyLeadTeacher, synth.DutySpecialTeacher, synth.DutyPreschoolTeacher:
		return schulconnex.RolleLehr
	case synth.DutyPrincipal:
		return schulconnex.RolleLeit
	}
	return schulconnex.RolleNLehr
}

// Gruppentyp maps a group type: classes (Klass) are Klasse, teaching groups Kurs, the rest
// (mentor groups, preschool units, staff teams) Sonstig.
func Gruppentyp(t synth.GroupType) schulconnex.Gruppentyp {
	switch t {
	case synth.GroupClass:
		return schulconnex.GruppentypKlasse
	case synth.GroupTeaching:
		return schulconnex.GruppentypKurs
	}
	return schulconnex.GruppentypSonstig
}

// Gruppenrolle maps a membership role: student Lern, teacher Lehr, mentor (class teacher)
// KlLeit, staff GMit.
func Gruppenrolle(r synth.MemberRole) schulconnex.Gruppenrolle {
	switch r {
	case synth.MemberStudent:
		return schulconnex.GruppenrolleLern
	case synth.MemberTeacher:
		return schulconnex.GruppenrolleLehr
	case synth.MemberMentor:
		return schulconnex.GruppenrolleKlLeit
	}
	return schulconnex.GruppenrolleGMit
}

// Geschlecht maps a sex: female w, male m, other d, unknown x.
func Geschlecht(s synth.Sex) schulconnex.Geschlecht {
	switch s {
	case synth.Female:
		return schulconnex.GeschlechtW
	case synth.Male:
		return schulconnex.GeschlechtM
	case synth.SexOther:
		return schulconnex.GeschlechtD
	}
	return schulconnex.GeschlechtX
}

// Jahrgangsstufe maps a grade (1 to 13) to its two-digit code, and anything else to "".
func Jahrgangsstufe(year int8) schulconnex.Jahrgangsstufe {
	if year < 1 || year > 13 {
		return ""
	}
	return schulconnex.Jahrgangsstufe(fmt.Sprintf("%02d", year))
}

var fachCodesByName = map[string]schulconnex.Fachkennung{
	"Deutsch": schulconnex.FachkennungDE, "Mathematik": schulconnex.FachkennungMA, "Englisch": schulconnex.FachkennungEN,
	"Sport": schulconnex.FachkennungSP, "Kunst": schulconnex.FachkennungKU, "Musik": schulconnex.FachkennungMU,
	"Sachunterricht": schulconnex.FachkennungSU, "Biologie": schulconnex.FachkennungBI, "Physik": schulconnex.FachkennungPH,
	"Chemie": schulconnex.FachkennungCH, "Erdkunde": schulconnex.FachkennungEK, "Geschichte": schulconnex.FachkennungGE,
	"Französisch": schulconnex.FachkennungFR, "Latein": schulconnex.FachkennungLA, "Informatik": schulconnex.FachkennungIF,
	"Politik": schulconnex.FachkennungPO, "Wirtschaft": schulconnex.FachkennungWS, "Pädagogik": schulconnex.FachkennungPA,
	"Ethik": schulconnex.FachkennungWN,
}

// Fach maps a subject name to its code where the code list has one, and to a named subject
// otherwise ("Religion", "Philosophie").
func Fach(subject string) schulconnex.Fach {
	if k, ok := fachCodesByName[subject]; ok {
		return schulconnex.Fach{Kennung: k}
	}
	return schulconnex.Fach{Bezeichnung: subject}
}

func date(d synth.Date) openapi_types.Date {
	if d.IsZero() {
		return openapi_types.Date{}
	}
	return openapi_types.Date{Time: d.Time()}
}

func civil(d synth.Date) reconcile.Date {
	if d.IsZero() {
		return reconcile.Date{}
	}
	return reconcile.NewDate(d.Year(), d.Month(), d.Day())
}

// VendorExtension is the vendor extension LoadPopulation adds to staff members (with
// LoadOptions.VendorExtensions): a URN-named object no model declares, which updates must
// send back unchanged.
const VendorExtension = "urn:edusync:params:schulconnex:schemas:test:1.0:personalerweiterung"

// LoadOptions say what LoadPopulation loads.
type LoadOptions struct {
	// Units are the school-unit codes to load; empty loads every school unit. Each becomes an
	// organisation (kennung = code); the first loaded unit may be the server's default
	// organisation (see Default).
	Units []string
	// Default makes the first loaded unit the server's default organisation (the one
	// Credentials and Client stand for) instead of adding a new one.
	Default bool
	// ReferrerPrefix is put in front of the synth ids that become the referrers of persons,
	// contexts and groups.
	ReferrerPrefix string
	// NoReferrers leaves referrers out, as for data entered in the service by hand (a first
	// synchronisation matches such records by their attributes).
	NoReferrers bool
	// Used marks every context as used by services (deleting one directly answers 400/13).
	Used bool
	// VendorExtensions adds VendorExtension, with a staff number, to every member of staff.
	VendorExtensions bool
	// NoRelations leaves out the guardian relations (SorgBer) between student and guardian contexts.
	NoRelations bool
	// Groups chooses the groups to load (and their memberships); nil loads every group of the
	// units. A source system that synchronises only its classes and the teachers' group loads
	// those.
	Groups func(*synth.Group) bool
}

// Loaded maps the population's records to the server's ids.
type Loaded struct {
	Organisations map[string]string     // school-unit code -> organisation id
	Persons       map[synth.ID]string   // person -> person id
	Kontexte      map[synth.ID][]string // person -> context ids
	Gruppen       map[synth.ID]string   // group -> group id
	Memberships   int                   // number of memberships loaded
}

// selection is the part of a population a school's source system holds.
type selection struct {
	units    map[synth.ID]string // unit id -> code
	unitList []*synth.Organisation
	persons  []*synth.Person
	contexts map[synth.ID][]ctxSpec
	groups   []*synth.Group
	members  []*synth.Membership
	guardian map[synth.ID][]synth.ID // student -> guardians
}

type ctxSpec struct {
	unit  synth.ID
	rolle schulconnex.Rolle
	grade schulconnex.Jahrgangsstufe
	key   string // synth id of the enrolment, duty or guardianship (the context's source key)
}

func selectUnits(pop *synth.Population, opts LoadOptions) (*selection, error) {
	codes := opts.Units
	sel := &selection{units: map[synth.ID]string{}, contexts: map[synth.ID][]ctxSpec{}, guardian: map[synth.ID][]synth.ID{}}
	want := map[string]bool{}
	for _, c := range codes {
		want[c] = true
	}
	all := len(codes) == 0
	for u := range pop.SchoolUnits() {
		if all || want[u.Code] {
			sel.units[u.ID] = u.Code
			sel.unitList = append(sel.unitList, u)
			delete(want, u.Code)
		}
	}
	if len(want) > 0 {
		return nil, fmt.Errorf("schulconnextest: the population has no school unit %v", want)
	}
	has := func(person synth.ID, unit synth.ID, r schulconnex.Rolle) bool {
		for _, c := range sel.contexts[person] {
			if c.unit == unit && c.rolle == r {
				return true
			}
		}
		return false
	}
	for i := range pop.Enrolments {
		e := &pop.Enrolments[i]
		if _, ok := sel.units[e.SchoolUnit]; ok && !has(e.Person, e.SchoolUnit, schulconnex.RolleLern) {
			sel.contexts[e.Person] = append(sel.contexts[e.Person], ctxSpec{unit: e.SchoolUnit, rolle: schulconnex.RolleLern,
				grade: Jahrgangsstufe(e.SchoolYear), key: e.ID.String()})
		}
	}
	for i := range pop.Duties {
		d := &pop.Duties[i]
		r := Rolle(d.Role)
		if _, ok := sel.units[d.Organisation]; ok && !has(d.Person, d.Organisation, r) {
			sel.contexts[d.Person] = append(sel.contexts[d.Person], ctxSpec{unit: d.Organisation, rolle: r, key: d.ID.String()})
		}
	}
	for i := range pop.Guardianships {
		g := &pop.Guardianships[i]
		for _, c := range sel.contexts[g.Student] {
			if c.rolle == schulconnex.RolleLern {
				sel.guardian[g.Student] = append(sel.guardian[g.Student], g.Guardian)
				if !has(g.Guardian, c.unit, schulconnex.RolleSorgBer) {
					sel.contexts[g.Guardian] = append(sel.contexts[g.Guardian], ctxSpec{unit: c.unit, rolle: schulconnex.RolleSorgBer, key: g.ID.String()})
				}
			}
		}
	}
	for i := range pop.Persons {
		if len(sel.contexts[pop.Persons[i].ID]) > 0 {
			sel.persons = append(sel.persons, &pop.Persons[i])
		}
	}
	for i := range pop.Groups {
		if _, ok := sel.units[pop.Groups[i].Organisation]; ok && (opts.Groups == nil || opts.Groups(&pop.Groups[i])) {
			sel.groups = append(sel.groups, &pop.Groups[i])
		}
	}
	inGroup := map[synth.ID]bool{}
	for _, g := range sel.groups {
		inGroup[g.ID] = true
	}
	for i := range pop.Memberships {
		if inGroup[pop.Memberships[i].Group] {
			sel.members = append(sel.members, &pop.Memberships[i])
		}
	}
	return sel, nil
}

// contextFor picks the context a membership belongs to: the learner context for learners, a
// teaching context for teachers and class teachers, any context otherwise.
func contextFor(specs []ctxSpec, unit synth.ID, role schulconnex.Gruppenrolle) int {
	best := -1
	for i, c := range specs {
		if c.unit != unit || c.rolle == schulconnex.RolleSorgBer {
			continue
		}
		switch {
		case role == schulconnex.GruppenrolleLern && c.rolle == schulconnex.RolleLern:
			return i
		case (role == schulconnex.GruppenrolleLehr || role == schulconnex.GruppenrolleKlLeit) && c.rolle == schulconnex.RolleLehr:
			return i
		case role != schulconnex.GruppenrolleLern && c.rolle != schulconnex.RolleLern && best < 0:
			best = i
		}
	}
	return best
}

func (s *selection) person(p *synth.Person, referrer string) schulconnex.Person {
	sp := schulconnex.Person{
		Referrer:        referrer,
		Name:            schulconnex.PersonName{Familienname: p.FamilyName, Vorname: p.GivenName},
		Geburt:          schulconnex.Geburt{Datum: date(p.BirthDate), Geburtsort: p.BirthPlace},
		Geschlecht:      Geschlecht(p.Sex),
		Auskunftssperre: schulconnex.JaNeinOf(p.Security.IsProtected()),
		Vertrauensstufe: schulconnex.VertrauensstufeVoll,
		Lokalisierung:   "de",
	}
	return sp
}

// LoadPopulation fills the server with the school units of pop (German populations read best):
// each unit an organisation, its students (Lern, with their grade), staff (Lehr, Leit, NLehr)
// and the students' guardians (SorgBer) as persons with contexts and e-mail addresses, guardian
// relations, and its classes, courses and other groups with their memberships. Referrers are the
// synth ids (with opts.ReferrerPrefix), so a source system that keys by them finds its records.
func (s *Server) LoadPopulation(pop *synth.Population, opts LoadOptions) (*Loaded, error) {
	sel, err := selectUnits(pop, opts)
	if err != nil {
		return nil, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.data
	ld := &Loaded{Organisations: map[string]string{}, Persons: map[synth.ID]string{},
		Kontexte: map[synth.ID][]string{}, Gruppen: map[synth.ID]string{}}
	orgOf := map[synth.ID]string{}
	for i, u := range sel.unitList {
		var id string
		if i == 0 && opts.Default {
			def := s.clients[0].Organisation
			o := st.orgs[def].o
			o.Kennung, o.Name = u.Code, u.Name
			st.addOrganisation(o)
			id = def
		} else if existing, ok := st.orgByKennung(u.Code); ok {
			id = existing
		} else {
			o := st.addOrganisation(schulconnex.Organisation{Kennung: u.Code, Name: u.Name, Typ: schulconnex.OrganisationstypSchule})
			id = o.ID
			s.clients = append(s.clients, Credentials{ClientID: "edusync-" + u.Code, ClientSecret: "secret-" + id[:8],
				Username: "svs-" + u.Code, Password: "password-" + id[:8], Organisation: id})
		}
		orgOf[u.ID] = id
		ld.Organisations[u.Code] = id
	}
	ref := func(id synth.ID) string {
		if opts.NoReferrers {
			return ""
		}
		return opts.ReferrerPrefix + id.String()
	}
	kontextIDs := map[synth.ID][]string{}
	for _, p := range sel.persons {
		sp := sel.person(p, ref(p.ID))
		var raw []byte
		if opts.VendorExtensions && p.Roles.Has(synth.RoleStaff) {
			raw = []byte(`{"` + VendorExtension + `":{"personalnummer":"PN ` + p.ID.String()[:6] + `","quelle":"edusync & synth <test>"}}`)
		}
		specs := sel.contexts[p.ID]
		rec := st.createPerson(orgOf[specs[0].unit], sp, raw, "synth/"+p.ID.String())
		ld.Persons[p.ID] = rec.p.ID
		for _, c := range specs {
			k := schulconnex.Personenkontext{Rolle: c.rolle, Jahrgangsstufe: c.grade, Personenstatus: schulconnex.PersonenstatusAktiv}
			if !opts.NoReferrers {
				k.Referrer = ref(p.ID) + "/" + string(c.rolle)
			}
			if p.Email != "" {
				k.Erreichbarkeiten = []schulconnex.Erreichbarkeit{{Typ: schulconnex.ErreichbarkeitstypEMail, Kennung: p.Email}}
			}
			kr := st.createKontext(rec.p.ID, orgOf[c.unit], k, nil, "synth/"+c.key+"/"+string(c.rolle), opts.Used)
			kontextIDs[p.ID] = append(kontextIDs[p.ID], kr.k.ID)
		}
		ld.Kontexte[p.ID] = kontextIDs[p.ID]
	}
	if !opts.NoRelations {
		for _, p := range sel.persons {
			for ci, c := range sel.contexts[p.ID] {
				if c.rolle != schulconnex.RolleLern {
					continue
				}
				for _, g := range sel.guardian[p.ID] {
					for gi, gc := range sel.contexts[g] {
						if gc.rolle == schulconnex.RolleSorgBer && gc.unit == c.unit {
							st.createBeziehung(kontextIDs[p.ID][ci], schulconnex.Beziehung{Ktid: kontextIDs[g][gi], Beziehung: schulconnex.BeziehungstypSorgBer})
						}
					}
				}
			}
		}
	}
	for _, g := range sel.groups {
		sg := gruppe(g, ref(g.ID))
		rec := st.createGruppe(orgOf[g.Organisation], sg, nil, "synth/"+g.ID.String())
		ld.Gruppen[g.ID] = rec.g.ID
	}
	groupUnit := map[synth.ID]synth.ID{}
	for _, g := range sel.groups {
		groupUnit[g.ID] = g.Organisation
	}
	for _, m := range sel.members {
		role := Gruppenrolle(m.Role)
		i := contextFor(sel.contexts[m.Person], groupUnit[m.Group], role)
		if i < 0 {
			continue
		}
		z := schulconnex.Gruppenzugehoerigkeit{Ktid: kontextIDs[m.Person][i], Rollen: []schulconnex.Gruppenrolle{role},
			Von: date(m.Start), Bis: date(m.End)}
		st.createZug(ld.Gruppen[m.Group], z, nil, "synth/"+m.ID.String())
		ld.Memberships++
	}
	return ld, nil
}

func gruppe(g *synth.Group, referrer string) schulconnex.Gruppe {
	sg := schulconnex.Gruppe{Referrer: referrer, Bezeichnung: g.Name, Typ: Gruppentyp(g.Type),
		Laufzeit: schulconnex.Laufzeit{Von: date(g.Start), Bis: date(g.End)}}
	if j := Jahrgangsstufe(g.SchoolYear); j != "" {
		sg.Jahrgangsstufen = []schulconnex.Jahrgangsstufe{j}
	}
	if g.Subject != "" {
		sg.Faecher = []schulconnex.Fach{Fach(g.Subject)}
	}
	return sg
}

// SourceSnapshot returns the school units of pop (opts.Units, as for LoadPopulation) as a
// source system would export them, in the canonical model of schulconnexsync.Target: persons keyed
// by synth id with names, birth date and place, e-mail, protected identity (auskunftssperre),
// contexts (school-unit code and role) and the attributes geschlecht and jahrgangsstufe; groups
// with name, type, school and period and the attributes jahrgangsstufen and faecher;
// memberships with their role and period. What LoadPopulation stored for a population and
// SourceSnapshot of the same population are in step: a plan between them changes nothing.
func SourceSnapshot(pop *synth.Population, opts LoadOptions) (*reconcile.Snapshot, error) {
	sel, err := selectUnits(pop, opts)
	if err != nil {
		return nil, err
	}
	snap := &reconcile.Snapshot{Persons: make([]reconcile.Person, 0, len(sel.persons)),
		Groups: make([]reconcile.Group, 0, len(sel.groups)), Memberships: make([]reconcile.Membership, 0, len(sel.members))}
	for _, p := range sel.persons {
		sp := sel.person(p, "")
		x := reconcile.Person{Keys: reconcile.Keys{SourceKey: p.ID.String()}, FamilyName: sp.Name.Familienname,
			GivenNames: sp.Name.Vorname, BirthDate: civil(p.BirthDate), BirthPlace: p.BirthPlace,
			Protected: p.Security.IsProtected(), Attributes: map[string]string{schulconnexsync.AttrGeschlecht: string(sp.Geschlecht)}}
		if p.Email != "" {
			x.Emails = []string{p.Email}
		}
		for _, c := range sel.contexts[p.ID] {
			x.Contexts = append(x.Contexts, reconcile.Context{Organisation: sel.units[c.unit], Role: string(c.rolle)})
			if c.grade != "" {
				x.Attributes[schulconnexsync.AttrJahrgangsstufe] = string(c.grade)
			}
		}
		snap.Persons = append(snap.Persons, x)
	}
	for _, g := range sel.groups {
		sg := gruppe(g, "")
		snap.Groups = append(snap.Groups, reconcile.Group{Keys: reconcile.Keys{SourceKey: g.ID.String()}, Name: sg.Bezeichnung,
			Type: string(sg.Typ), Organisation: sel.units[g.Organisation], Valid: reconcile.Period{From: civil(g.Start), To: civil(g.End)},
			Attributes: schulconnexsync.GruppeAttributes(&sg)})
	}
	groupUnit := map[synth.ID]synth.ID{}
	for _, g := range sel.groups {
		groupUnit[g.ID] = g.Organisation
	}
	for _, m := range sel.members {
		role := Gruppenrolle(m.Role)
		if contextFor(sel.contexts[m.Person], groupUnit[m.Group], role) < 0 {
			continue
		}
		snap.Memberships = append(snap.Memberships, reconcile.Membership{Person: m.Person.String(), Group: m.Group.String(),
			Role: string(role), Period: reconcile.Period{From: civil(m.Start), To: civil(m.End)}})
	}
	return snap, nil
}
