package ladoktest

import (
	"fmt"
	"math/rand/v2"

	"github.com/edusync/edusync/ladok"
)

// The event mix of Mix, in percent of all events. It is what a university's feed looks like
// in term time: mostly study participation, then students and courses.
const (
	MixStudyParticipation = 60 // Registrering, Omregistrering, ForvantatDeltagandeSkapad, PaborjatUtbildningstillfalle, Avbrott, Aterbud
	MixStudent            = 20 // LokalStudent, Kontaktuppgifter, StudentTillLarosate, Studentrestriktion
	MixCourse             = 20 // KurstillfalleTillStatus, KurstillfalleUppdaterat, KursUppdaterad
)

// Mix returns n realistic events, deterministic for seed, with every field Ladok normally
// fills: 60% study participation, 20% student and 20% course events (MixStudyParticipation,
// MixStudent, MixCourse; exact for n a multiple of five; the kinds inside each group are equally
// likely). Students, offerings
// and courses are drawn from small pools so that events refer to each other. Benchmarks and
// the sandbox use it.
func Mix(seed uint64, n int) []ladok.Event {
	r := rand.New(rand.NewPCG(seed, 0x1adc))
	g := mixGen{r: r}
	for i := range g.students {
		g.students[i] = g.uid()
	}
	for i := range g.offerings {
		g.offerings[i] = g.uid()
	}
	for i := range g.courses {
		g.courses[i] = g.uid()
	}
	// Every block of five events holds three participation, one student and one course event
	// in shuffled order, so the shares are exact for any n that is a multiple of five.
	out := make([]ladok.Event, n)
	block := []byte("ppp" + "s" + "c")
	for i := range out {
		if i%len(block) == 0 {
			r.Shuffle(len(block), func(a, b int) { block[a], block[b] = block[b], block[a] })
		}
		switch block[i%len(block)] {
		case 'p':
			out[i] = g.participation()
		case 's':
			out[i] = g.student()
		default:
			out[i] = g.course()
		}
	}
	return out
}

type mixGen struct {
	r         *rand.Rand
	students  [500]string
	offerings [60]string
	courses   [40]string
}

func (g *mixGen) uid() string {
	return fmt.Sprintf("%08x-%04x-4%03x-%04x-%012x", g.r.Uint32(), g.r.IntN(1<<16), g.r.IntN(1<<12), 0x8000|g.r.IntN(1<<14), g.r.Uint64()&(1<<48-1))
}

func (g *mixGen) header() ladok.Header {
	return ladok.Header{HandelseUID: g.uid(), Context: ladok.EventContext{Anvandarnamn: "handlaggare@uni.example.se", LarosateID: 99}}
}

func (g *mixGen) pick(s []string) string { return s[g.r.IntN(len(s))] }

func (g *mixGen) date() ladok.Date {
	return ladok.Date(fmt.Sprintf("2026-%02d-%02d", 1+g.r.IntN(12), 1+g.r.IntN(28)))
}

func (g *mixGen) regBas() ladok.RegistreringBas {
	return ladok.RegistreringBas{
		InomKurspaketeringstillfalle: []ladok.InomKurspaketeringstillfalleEventPart{{
			KurspaketeringUID: g.uid(), KurspaketeringstillfalleUID: g.uid(), TillfallesantagningUID: g.uid(), UtbildningstypID: 51,
		}},
		KursUID:                g.pick(g.courses[:]),
		KurstillfalleUID:       g.pick(g.offerings[:]),
		Period:                 1 + g.r.IntN(4),
		RegistreringUID:        g.uid(),
		StudentUID:             g.pick(g.students[:]),
		TillfallesantagningUID: g.uid(),
		UtbildningsinstansUID:  g.uid(),
	}
}

func (g *mixGen) participation() ladok.Event {
	switch g.r.IntN(6) {
	case 0:
		return &ladok.RegistreringEvent{Header: g.header(), RegistreringBas: g.regBas(), Omfattningsvarde: "7.5",
			Studieavgiftsbetalning: "studiedeltagande.domain.studieavgiftsbetalningsvarde.ej_aktuell",
			StudieperiodStart:      "2026-08-31", StudieperiodSlut: "2026-11-01"}
	case 1:
		return &ladok.OmregistreringEvent{Header: g.header(), RegistreringBas: g.regBas(), Omfattningsvarde: "7.5",
			StudieperiodStart: "2026-11-02", StudieperiodSlut: "2027-01-17"}
	case 2:
		return &ladok.ForvantatDeltagandeSkapadEvent{Header: g.header(), Anmalningsnummer: fmt.Sprintf("UU-%05d", g.r.IntN(99999)),
			BehorighetsvillkorLista: []ladok.BehorighetsvillkorEventPart{{Behorighetsvillkorstyp: "studiedeltagande.domain.behorighetsvillkor.typ.gba"}},
			Perioddeltaganden: []ladok.DeltagandePeriod{{
				Omfattningsvarde: "7.5", PerioddeltagandeUID: g.uid(), Periodindex: 1,
				Registreringsperiod: ladok.Datumperiod{Startdatum: "2026-08-31", Slutdatum: "2026-11-01"},
				Tillstand:           "FORVANTAD",
			}},
			StudentUID: g.pick(g.students[:]), TillfallesantagningUID: g.uid(), UtbildningstillfalleUID: g.pick(g.offerings[:]),
			Studieavgiftsbetalning: "studiedeltagande.domain.studieavgiftsbetalningsvarde.ej_aktuell"}
	case 3:
		return &ladok.PaborjatUtbildningstillfalleEvent{Header: g.header(), PaborjandeDatum: g.date(), StudentUID: g.pick(g.students[:]),
			TillfallesantagningUID: g.uid(), UtbildningUID: g.pick(g.courses[:]), UtbildningsinstansUID: g.uid(),
			UtbildningstillfalleUID: g.pick(g.offerings[:]), UtbildningstillfallestypID: 52}
	case 4:
		return &ladok.AvbrottEvent{Header: g.header(), Anteckning: "Avbrott anmält av studenten via studentwebben.", Avbrottsdatum: g.date(),
			StudentUID: g.pick(g.students[:]), UtbildningUID: g.pick(g.courses[:]), UtbildningstillfalleUID: g.pick(g.offerings[:]), UtbildningstypID: 22}
	default:
		return &ladok.AterbudEvent{Header: g.header(), StudentUID: g.pick(g.students[:]), TillfallesantagningUID: g.uid(),
			UtbildningstillfalleUID: g.pick(g.offerings[:]), Aterbudsdatum: g.date(),
			Aterbudsorsak: "studiedeltagande.domain.aterbudsorsak.meddelat.av.studenten"}
	}
}

var (
	givenNames  = []string{"Åsa", "Björn", "Märta", "Jörgen", "Linnéa", "Oskar", "Ebba", "Elias"}
	familyNames = []string{"Öberg", "Lindqvist", "Ågren", "Nilsson", "Sjöström", "Bäckman", "Eriksson"}
)

func (g *mixGen) student() ladok.Event {
	st := g.pick(g.students[:])
	switch g.r.IntN(4) {
	case 0:
		return &ladok.LokalStudentEvent{Header: g.header(), Handelsetyp: ladok.HandelsetypUppdaterad,
			Efternamn: familyNames[g.r.IntN(len(familyNames))], Fornamn: givenNames[g.r.IntN(len(givenNames))],
			Fodelsedata: "2001-03-14", Kon: 1 + g.r.IntN(2), Personnummer: fmt.Sprintf("2001%04d%04d", 100+g.r.IntN(1200), g.r.IntN(10000)),
			StudentUID: st, ExterntStudentUID: g.uid()}
	case 1:
		return &ladok.KontaktuppgifterEvent{Header: g.header(), Handelsetyp: ladok.HandelsetypUppdaterad,
			Epostadress: fmt.Sprintf("student%d@student.uni.example.se", g.r.IntN(100000)), Telefonnummer: "070-1234567",
			Postadresser: []ladok.PostadressEventPart{{PostadressTyp: "POSTADRESS", Utdelningsadress: "Storgatan 12 B", Postnummer: "752 36", Postort: "Uppsala", Land: "Sverige"}},
			StudentUID:   st}
	case 2:
		return &ladok.StudentTillLarosateEvent{Header: g.header(), Efternamn: familyNames[g.r.IntN(len(familyNames))],
			Tilltalsnamn: givenNames[g.r.IntN(len(givenNames))], Personnummer: fmt.Sprintf("2002%04d%04d", 100+g.r.IntN(1200), g.r.IntN(10000)), StudentUID: st}
	default:
		return &ladok.StudentrestriktionEvent{Header: g.header(), Handelsetyp: ladok.HandelsetypSkapad, Anteckning: "Beslut av disciplinnämnden",
			Giltighetsperiod: ladok.Datumperiod{Startdatum: "2026-10-01", Slutdatum: "2026-11-30"}, Restriktionstyp: ladok.RestriktionAvstangning,
			StudentUID: st, StudentrestriktionUID: g.uid()}
	}
}

func (g *mixGen) attributes() ladok.Utbildningsattribut {
	return ladok.Utbildningsattribut{
		Beslut:          []ladok.BeslutEventPart{{Beslutsdatum: "2026-03-01", Beslutsfattare: "Prefekt", Beslutstyp: "PABORJAD"}},
		OrganisationUID: g.uid(), Status: 2, UtbildningUID: g.pick(g.courses[:]),
		Attributvarde: []ladok.Utbildningsattributvarde{
			{Grupp: 0, Namn: "utbildning.attribut.betygsskala", Varde: "113185"},
			{Grupp: 0, Namn: "utbildning.attribut.utbildningsomrade", Varde: "2"},
		},
		UtbildningsinstansUID: g.uid(), UtbildningstypID: 22,
	}
}

func (g *mixGen) course() ladok.Event {
	switch g.r.IntN(3) {
	case 0, 1:
		k := ladok.Kurstillfalle{
			Tillfallesbas: ladok.Tillfallesbas{Utbildningsattribut: g.attributes(), StartperiodID: 113076, StudielokaliseringID: 1,
				StudietaktID: 100, UndervisningsformID: 1, UtbildningstillfalleUID: g.pick(g.offerings[:]), Utbildningstillfalleskod: fmt.Sprintf("%05d", g.r.IntN(100000))},
			Kurstillfallesattribut: ladok.KurstillfallesattributEventPart{Finansieringsform: 1, Undervisningsform: 1},
			Kurstillfallesperioder: []ladok.TillfallesperiodEventPart{{ForstaUndervisningsdatum: "2026-08-31", SistaUndervisningsdatum: "2026-11-01", Omfattningsvarde: "7.5"}},
		}
		if g.r.IntN(2) == 0 {
			return &ladok.KurstillfalleTillStatusEvent{Header: g.header(), Kurstillfalle: k}
		}
		return &ladok.KurstillfalleUppdateratEvent{Header: g.header(), Kurstillfalle: k}
	default:
		return &ladok.KursUppdateradEvent{Header: g.header(),
			Utbildningsinstansbas: ladok.Utbildningsinstansbas{Utbildningsattribut: g.attributes(),
				Benamningar: ladok.Benamning{"sv": "Grundläggande datavetenskap", "en": "Introductory Computer Science"},
				EnhetID:     2, Omfattningsvarde: "7.5", StudieordningID: 1, UtbildningsformID: 1, Utbildningskod: "1DV000",
				Versionsinformation: ladok.Versionsinformation{UID: g.uid(), GiltigFranPeriodID: 113076, Versionsnummer: 1, ArSenasteVersion: true}},
			Kursattribut: ladok.KursattributEventPart{BetygsskalaID: 113185, NivaInomStudieordningID: 1,
				UtbildningsomradeFordelning: []ladok.UtbildningsomradePerOrganisation{{OrganisationUID: g.uid(), Procent: 100, UtbildningsomradeID: 2}}},
			Kurskod: "1DV000"}
	}
}
