package ladokcanvas_test

import (
	"fmt"
	"math/rand/v2"
	"strconv"

	"github.com/edusync/edusync/ladok"
	"github.com/edusync/edusync/ladok/ladoktest"
	"github.com/edusync/edusync/synth"
)

// scenario is a Ladok population (REST resources, holding the final state) and the feed of
// events that leads to it.
type scenario struct {
	orgs       []ladok.Organisation
	periods    []ladok.Period
	instanser  []ladok.Utbildningsinstans
	offerings  []ladok.Utbildningstillfalle
	programmes []ladok.Utbildningstillfalle
	students   []ladok.Student
	contacts   []ladok.Kontaktuppgifter
	deltagare  map[string][]ladok.Deltagare
	events     []ladok.Event
	coread     map[string][]string // primary -> co-read offerings

	// For the admission burst: what the scenario needs in Canvas at the least.
	nOrgs, nOfferings, nStudents, nAdmissions, nRegistrations, nDuplicates int
}

func (sc *scenario) load(lad *ladoktest.Server) {
	lad.AddOrganisations(sc.orgs...)
	lad.AddPeriods(sc.periods...)
	lad.AddUtbildningsinstanser(sc.instanser...)
	lad.AddUtbildningstillfallen(sc.offerings...)
	lad.AddKurspaketeringstillfallen(sc.programmes...)
	lad.AddStudents(sc.students...)
	lad.AddKontaktuppgifter(sc.contacts...)
	for off, ds := range sc.deltagare {
		lad.SetDeltagare(off, ds...)
	}
}

var (
	givenNames  = []string{"Åsa", "Björn", "Elin", "Örjan", "Märta", "Jörg", "Linnéa", "Oskar", "Ida", "Mohammed", "Sara", "Kalle", "Maja", "Nils", "Ebba", "Ali"}
	familyNames = []string{"Lindström", "Öberg", "Nyström", "Ek", "Åkesson", "Karlsson", "Müller", "Berg", "Holm", "Sandén", "Yilmaz", "Strand"}
	courseNames = []string{"Programmering", "Databaser", "Algebra", "Historia", "Statistik", "Fysik", "Kemi", "Juridik", "Ekonomi", "Filosofi"}
)

// personnummer returns a valid personal number for student i.
func personnummer(i int) string {
	y, m, d := 1980+i%25, 1+(i/25)%12, 1+(i/300)%28
	serial := i % 1000
	nine := fmt.Sprintf("%02d%02d%02d%03d", y%100, m, d, serial)
	return fmt.Sprintf("%d%s%c", y/100, nine, synth.LuhnDigit(nine))
}

func studentUID(i int) string  { return fmt.Sprintf("st-%06d-0000-4000-8000-%012d", i, i) }
func offeringUID(i int) string { return fmt.Sprintf("ku-%06d-0000-4000-8000-%012d", i, i) }
func handelse(i int) string    { return fmt.Sprintf("h-%08d-0000-4000-8000-%012d", i, i) }

// population fills sc with orgs departments, offerings course offerings and students.
func (sc *scenario) population(r *rand.Rand, orgs, offerings, students int) {
	sc.periods = []ladok.Period{{ID: "113001", Kod: "HT2026", FromDatum: "2026-08-31", TomDatum: "2027-01-17"}}
	for i := range orgs {
		sc.orgs = append(sc.orgs, ladok.Organisation{UID: fmt.Sprintf("org-%02d", i), Organisationskod: fmt.Sprintf("INST%02d", i),
			Benamning: ladok.Benamning{"sv": "Institution " + strconv.Itoa(i)}})
	}
	for i := range offerings {
		code := fmt.Sprintf("%s%04d", string(rune('A'+i%26))+string(rune('A'+(i/26)%26)), 1000+i)
		name := courseNames[i%len(courseNames)] + " " + strconv.Itoa(1+i/len(courseNames))
		org := sc.orgs[i%orgs].UID
		inst := fmt.Sprintf("in-%06d", i)
		start := "2026-08-31"
		if i%3 == 1 {
			start = "2026-11-02"
		}
		sc.instanser = append(sc.instanser, ladok.Utbildningsinstans{UID: inst, Utbildningskod: code, UtbildningUID: "ut-" + inst,
			Benamning: ladok.Benamning{"sv": name}, OrganisationUID: org, Status: 2})
		sc.offerings = append(sc.offerings, ladok.Utbildningstillfalle{UID: offeringUID(i), Utbildningskod: code,
			Utbildningstillfalleskod: strconv.Itoa(10000 + i), Benamning: ladok.Benamning{"sv": name}, OrganisationUID: org,
			StartperiodID: 113001, UtbildningsinstansUID: inst, UtbildningUID: "ut-" + inst, Status: 2,
			Tillfallesperioder: []ladok.Tillfallesperiod{{Index: 1, ForstaUndervisningsdatum: start, SistaUndervisningsdatum: "2027-01-17"}}})
	}
	for i := range students {
		st := ladok.Student{UID: studentUID(i), Fornamn: givenNames[r.IntN(len(givenNames))], Efternamn: familyNames[r.IntN(len(familyNames))],
			Personnummer: personnummer(i)}
		sc.students = append(sc.students, st)
		if i%5 != 0 {
			sc.contacts = append(sc.contacts, ladok.Kontaktuppgifter{UID: "kt-" + st.UID, StudentUID: st.UID,
				Epostadress: fmt.Sprintf("student%d@student.example.se", i)})
		}
	}
}

// admissionBurst is the scenario of BenchmarkAdmissionBurst: students students, offerings
// course offerings; each student one LokalStudent and two admissions (to two different
// offerings), a registration for 70% of the admissions (every admission whose number ends in
// 0-6), and 10% of all events delivered a second time (the same event, HandelseUID included,
// under a new entry id, a little later in the feed). Admissions come student by student, the
// registrations later in random order, as at the start of a term.
func admissionBurst(students, offerings int, seed uint64) *scenario {
	r := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	sc := &scenario{}
	orgs := 10
	sc.population(r, orgs, offerings, students)
	var evs, regs []ladok.Event
	adm := 0
	usedOff, usedOrg := map[int]bool{}, map[string]bool{}
	for i, st := range sc.students {
		evs = append(evs, &ladok.LokalStudentEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: st.UID, Fornamn: st.Fornamn,
			Efternamn: st.Efternamn, Personnummer: st.Personnummer})
		a := r.IntN(offerings)
		b := (a + 1 + r.IntN(offerings-1)) % offerings
		for _, o := range []int{a, b} {
			usedOff[o], usedOrg[sc.offerings[o].OrganisationUID] = true, true
			evs = append(evs, &ladok.ForvantatDeltagandeSkapadEvent{StudentUID: st.UID, UtbildningstillfalleUID: offeringUID(o),
				TillfallesantagningUID: fmt.Sprintf("ta-%d-%d", i, o)})
			if adm%10 < 7 {
				regs = append(regs, &ladok.RegistreringEvent{RegistreringBas: ladok.RegistreringBas{StudentUID: st.UID, KurstillfalleUID: offeringUID(o)}})
				sc.nRegistrations++
			}
			adm++
		}
	}
	r.Shuffle(len(regs), func(i, j int) { regs[i], regs[j] = regs[j], regs[i] })
	evs = append(evs, regs...)
	sc.nOrgs, sc.nOfferings, sc.nStudents, sc.nAdmissions = len(usedOrg), len(usedOff), students, adm
	sc.events, sc.nDuplicates = withDuplicates(r, evs, 10)
	return sc
}

// withDuplicates gives every event a HandelseUID and delivers pct percent of them a second
// time, up to 200 entries later.
func withDuplicates(r *rand.Rand, evs []ladok.Event, pct int) ([]ladok.Event, int) {
	for i, ev := range evs {
		ev.EventHeader().HandelseUID = handelse(i)
	}
	n := len(evs) * pct / 100
	pick := r.Perm(len(evs))[:n]
	dupAt := map[int][]ladok.Event{}
	for _, i := range pick {
		at := min(len(evs)-1, i+1+r.IntN(200))
		dupAt[at] = append(dupAt[at], evs[i])
	}
	out := make([]ladok.Event, 0, len(evs)+n)
	for i, ev := range evs {
		out = append(out, ev)
		out = append(out, dupAt[i]...)
	}
	return out, n
}

// minimumRequests is the least number of Canvas requests the admission burst needs from a
// Canvas that has none of it, with the benchmark's configuration (UseAdmitted with role
// labels, EarlyAccessOnCreateCourse, purge on registration, no sub-accounts, no e-mail):
//
//   - 1 to check at start that the account new organisations go under exists;
//   - 1 to resolve the two role labels (one page of the root account's roles);
//   - 1 per organisation with an offering admitted to: its account;
//   - 2 per offering admitted to: its course and its section (with 10,000 students drawing
//     20,000 admissions from 500 offerings, that is every offering);
//   - 1 per student: the user;
//   - 1 per admission: the admitted enrolment;
//   - 2 per registration: the registered enrolment, and removing the admitted enrolment it
//     replaces (early access purge);
//   - 0 per duplicate: nothing changes.
//
// GETs are needed by none of these: users, courses and enrolments are addressed by SIS id, and
// the ids of created enrolments come back with the create.
func (sc *scenario) minimumRequests() int {
	return 2 + sc.nOrgs + 2*sc.nOfferings + sc.nStudents + sc.nAdmissions + 2*sc.nRegistrations
}
