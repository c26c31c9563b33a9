package ladoktest

import (
	"slices"
	"strconv"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/synth"
)

// LoadOptions says what LoadPopulation puts into the feed besides the REST resources.
type LoadOptions struct {
	// Events caps how many events the population adds to the feed: students arriving
	// (StudentTillLarosate, LokalStudent, Kontaktuppgifter, SkyddadePersonuppgifter for
	// protected students), offerings started (KurstillfalleTillStatus), admissions
	// (ForvantatDeltagandeSkapad) and registrations (Registrering, Omregistrering), in that
	// order. 0 adds none; -1 adds them all.
	Events int
}

// LoadPopulation fills the fake with the university part of a synth population: the university
// and its departments, one period per term, students (UID = synth person ID, personnummer,
// names, e-mail), course offerings with their syllabus versions, programme offerings,
// participations and participants. Students with protected identity get a
// SkyddadePersonuppgifterEvent. KonID is 1 for women and 2 for men. It returns how many events
// were appended.
func (s *Server) LoadPopulation(pop *synth.Population, o LoadOptions) int {
	x := synth.NewIndex(pop)
	var orgs []ladok.Organisation
	for _, org := range pop.Organisations {
		typ := 0
		switch org.Type {
		case synth.OrgUniversity:
			typ = 1
		case synth.OrgDepartment:
			typ = 2
		default:
			continue
		}
		orgs = append(orgs, ladok.Organisation{UID: org.ID.String(), Organisationskod: org.Code,
			Benamning: ladok.Benamning{"sv": org.Name}, Organisationsenhetstyp: typ})
	}
	s.AddOrganisations(orgs...)

	// Periods: one per term, spanning its offerings.
	type span struct{ from, to synth.Date }
	terms := map[string]*span{}
	for _, co := range pop.CourseOfferings {
		sp := terms[co.Term]
		if sp == nil {
			sp = &span{co.Start, co.End}
			terms[co.Term] = sp
		}
		sp.from, sp.to = min(sp.from, co.Start), max(sp.to, co.End)
	}
	termNames := make([]string, 0, len(terms))
	for t := range terms {
		termNames = append(termNames, t)
	}
	slices.Sort(termNames)
	periodID := map[string]int{}
	for i, t := range termNames {
		periodID[t] = 113000 + i
		s.AddPeriods(ladok.Period{ID: strconv.Itoa(113000 + i), Kod: t, FromDatum: terms[t].from.String(), TomDatum: terms[t].to.String(),
			Benamning: ladok.Benamning{"sv": t}, PeriodtypID: 1})
	}

	// Students: persons with an admission or a registration.
	isStudent := map[synth.ID]bool{}
	for _, a := range pop.Admissions {
		isStudent[a.Person] = true
	}
	for _, r := range pop.Registrations {
		isStudent[r.Person] = true
	}
	var students []*synth.Person
	for i := range pop.Persons {
		if p := &pop.Persons[i]; isStudent[p.ID] {
			students = append(students, p)
		}
	}
	for _, p := range students {
		st := ladok.Student{UID: p.ID.String(), Fornamn: p.GivenName, Efternamn: p.FamilyName,
			Fodelsedata: p.BirthDate.String(), KonID: konID(p.Sex), LarosateID: s.opts.larosateID}
		if p.CivicNoKind == synth.Personnummer || p.CivicNoKind == synth.Samordningsnummer {
			st.Personnummer = p.CivicNo
		}
		s.AddStudents(st)
		if p.Email != "" {
			s.AddKontaktuppgifter(ladok.Kontaktuppgifter{UID: derive(p.ID, 1), StudentUID: p.ID.String(), Epostadress: p.Email})
		}
	}

	// Offerings and their syllabus versions (one per course code).
	instanceOf := map[string]string{}
	for _, co := range pop.CourseOfferings {
		inst, ok := instanceOf[co.CourseCode]
		if !ok {
			inst = derive(co.ID, 2)
			instanceOf[co.CourseCode] = inst
			s.AddUtbildningsinstanser(ladok.Utbildningsinstans{UID: inst, Utbildningskod: co.CourseCode, UtbildningUID: derive(co.ID, 3),
				Benamning: ladok.Benamning{"sv": co.NameSV, "en": co.NameEN}, Omfattning: credits(co.Credits),
				OrganisationUID: co.Department.String(), Status: 2, UtbildningstypID: 22})
		}
		s.AddUtbildningstillfallen(ladok.Utbildningstillfalle{UID: co.ID.String(), Utbildningstillfalleskod: co.OfferingCode,
			Utbildningskod: co.CourseCode, UtbildningsinstansUID: inst, OrganisationUID: co.Department.String(), Status: 2,
			Benamning: ladok.Benamning{"sv": co.NameSV, "en": co.NameEN}, StartperiodID: periodID[co.Term],
			StudietaktID: co.Pace, UtbildningstypID: 52, Omfattningsvarde: credits(co.Credits),
			Tillfallesperioder: []ladok.Tillfallesperiod{{Index: 1, ForstaUndervisningsdatum: co.Start.String(), SistaUndervisningsdatum: co.End.String(), Omfattningsvarde: credits(co.Credits)}}})
	}
	programmes := map[synth.ID]*synth.Programme{}
	for i := range pop.Programmes {
		programmes[pop.Programmes[i].ID] = &pop.Programmes[i]
	}
	for _, po := range pop.ProgrammeOfferings {
		pr := programmes[po.Programme]
		u := ladok.Utbildningstillfalle{UID: po.ID.String(), Utbildningstillfalleskod: po.Code, Status: 2, UtbildningstypID: 51,
			StartperiodID: periodID[po.Term]}
		if pr != nil {
			u.Utbildningskod, u.Benamning, u.OrganisationUID = pr.Code, ladok.Benamning{"sv": pr.NameSV, "en": pr.NameEN}, pr.Department.String()
			u.Omfattningsvarde = credits(pr.Credits)
		}
		s.AddKurspaketeringstillfallen(u)
	}

	// Participations: registrations, and admissions to courses without a registration.
	registered := map[[2]synth.ID]bool{}
	for _, r := range pop.Registrations {
		co, ok := x.CourseOffering(r.CourseOffering)
		if !ok {
			continue
		}
		registered[[2]synth.ID{r.Person, r.CourseOffering}] = true
		p, _ := x.Person(r.Person)
		s.AddTillfallesdeltagande(r.Person.String(), ladok.Tillfallesdeltagande{UID: derive(r.ID, 4), Nuvarande: true, Paborjad: true,
			Utbildningsinformation: ladok.Utbildningsinformation{UtbildningstillfalleUID: co.ID.String(), Utbildningstillfalleskod: co.OfferingCode,
				Utbildningskod: co.CourseCode, UtbildningsinstansUID: instanceOf[co.CourseCode], Benamning: ladok.Benamning{"sv": co.NameSV, "en": co.NameEN},
				Omfattningsvarde: credits(co.Credits), Studieperiod: ladok.Datumperiod{Startdatum: co.Start.String(), Slutdatum: co.End.String()}},
			TillstandKurs: ladok.TillstandKurs{Tillfallesdeltagande: string(ladok.DeltagaretillstandRegistrerad)}})
		s.AddDeltagare(deltagare(derive(r.ID, 5), p, co.ID, ladok.DeltagaretillstandRegistrerad))
	}
	for _, a := range pop.Admissions {
		if a.Kind != synth.AdmittedToCourse || registered[[2]synth.ID{a.Person, a.Offering}] {
			continue
		}
		p, _ := x.Person(a.Person)
		s.AddDeltagare(deltagare(derive(a.ID, 5), p, a.Offering, ladok.DeltagaretillstandForvantadDeltagare))
	}
	if o.Events == 0 {
		return 0
	}
	return len(s.Append(populationEvents(pop, x, students, instanceOf, o.Events)...))
}

func deltagare(uid string, p *synth.Person, offering synth.ID, t ladok.Deltagaretillstand) ladok.Deltagare {
	d := ladok.Deltagare{UID: uid, UtbildningstillfalleUID: offering.String(), TillstandKurs: ladok.TillstandKurs{Tillfallesdeltagande: string(t)}}
	if p != nil {
		d.Student = ladok.DeltagareStudent{UID: p.ID.String(), Fornamn: p.GivenName, Efternamn: p.FamilyName}
		if p.CivicNoKind == synth.Personnummer || p.CivicNoKind == synth.Samordningsnummer {
			d.Student.Personnummer = p.CivicNo
		}
	}
	return d
}

func populationEvents(pop *synth.Population, x *synth.Index, students []*synth.Person, instanceOf map[string]string, limit int) []ladok.Event {
	var evs []ladok.Event
	full := func() bool { return limit >= 0 && len(evs) >= limit }
	add := func(e ladok.Event) {
		if !full() {
			evs = append(evs, e)
		}
	}
	for _, p := range students {
		if full() {
			break
		}
		pnr := ""
		if p.CivicNoKind == synth.Personnummer || p.CivicNoKind == synth.Samordningsnummer {
			pnr = p.CivicNo
		}
		add(&ladok.StudentTillLarosateEvent{StudentUID: p.ID.String(), Personnummer: pnr, Efternamn: p.FamilyName, Tilltalsnamn: p.GivenNames()[0]})
		add(&ladok.LokalStudentEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: p.ID.String(), Personnummer: pnr,
			Fornamn: p.GivenName, Efternamn: p.FamilyName, Fodelsedata: p.BirthDate.String(), Kon: konID(p.Sex)})
		if p.Email != "" {
			add(&ladok.KontaktuppgifterEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: p.ID.String(), Epostadress: p.Email})
		}
		if p.Security.IsProtected() {
			add(&ladok.SkyddadePersonuppgifterEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: p.ID.String(), SkyddadePersonuppgifterUID: derive(p.ID, 6)})
		}
	}
	for _, co := range pop.CourseOfferings {
		add(&ladok.KurstillfalleTillStatusEvent{Kurstillfalle: ladok.Kurstillfalle{Tillfallesbas: ladok.Tillfallesbas{
			Utbildningsattribut: ladok.Utbildningsattribut{OrganisationUID: co.Department.String(), Status: 2,
				UtbildningsinstansUID: instanceOf[co.CourseCode], UtbildningstypID: 52},
			UtbildningstillfalleUID: co.ID.String(), Utbildningstillfalleskod: co.OfferingCode, StudietaktID: co.Pace},
			Kurstillfallesperioder: []ladok.TillfallesperiodEventPart{{ForstaUndervisningsdatum: ladok.Date(co.Start.String()),
				SistaUndervisningsdatum: ladok.Date(co.End.String()), Omfattningsvarde: credits(co.Credits)}}}})
	}
	for _, a := range pop.Admissions {
		if a.Kind != synth.AdmittedToCourse {
			continue
		}
		add(&ladok.ForvantatDeltagandeSkapadEvent{StudentUID: a.Person.String(), TillfallesantagningUID: a.ID.String(), UtbildningstillfalleUID: a.Offering.String()})
	}
	for _, r := range pop.Registrations {
		co, ok := x.CourseOffering(r.CourseOffering)
		if !ok {
			continue
		}
		bas := ladok.RegistreringBas{KurstillfalleUID: co.ID.String(), RegistreringUID: r.ID.String(), StudentUID: r.Person.String(),
			UtbildningsinstansUID: instanceOf[co.CourseCode], Period: 1}
		if r.Repeat {
			add(&ladok.OmregistreringEvent{RegistreringBas: bas, StudieperiodStart: ladok.Date(co.Start.String()), StudieperiodSlut: ladok.Date(co.End.String())})
		} else {
			add(&ladok.RegistreringEvent{RegistreringBas: bas, StudieperiodStart: ladok.Date(co.Start.String()), StudieperiodSlut: ladok.Date(co.End.String()),
				Omfattningsvarde: credits(co.Credits)})
		}
	}
	return evs
}

func konID(s synth.Sex) int {
	switch s {
	case synth.Female:
		return 1
	case synth.Male:
		return 2
	}
	return 0
}

func credits(hp float64) string { return strconv.FormatFloat(hp, 'f', 1, 64) }

// derive makes a stable UUID-shaped id for a record that synth has no id for (a syllabus
// version, a participation) from the id it belongs to and a small tag.
func derive(id synth.ID, tag byte) string {
	id[15] ^= tag
	id[14] ^= 0x5a
	return id.String()
}
