package ladokcanvas_test

import (
	"fmt"
	"math/rand/v2"
	"time"

	"github.com/edusync/edusync/ladok"
)

// termScenario is a term at a university as the feed tells it, with every kind of event the
// adapter acts on, for the reliability tests: students arriving (some with protected personal
// data, some changing name), admissions, registrations, withdrawals and their undoing,
// declined places, breaks, programme starts, suspensions (in the past, in force, to come;
// some moved, some lifted early), course and syllabus changes and two cancelled offerings; two
// pairs of offerings are co-read. Ladok's REST resources hold the state after the term's
// changes, as they would when the adapter catches up. n caps the feed entries (5% are
// delivered twice).
func termScenario(seed uint64, n int) *scenario {
	r := rand.New(rand.NewPCG(seed, seed*31+7))
	sc := &scenario{deltagare: map[string][]ladok.Deltagare{}}
	nOff := 60
	sc.population(r, 8, nOff, n/5)
	sc.coread = map[string][]string{offeringUID(0): {offeringUID(1), offeringUID(2)}, offeringUID(10): {offeringUID(11)}}
	sc.programmes = []ladok.Utbildningstillfalle{
		{UID: "kp-data", Utbildningskod: "TDATA", Utbildningstillfalleskod: "30001", Benamning: ladok.Benamning{"sv": "Datavetenskapligt program"},
			OrganisationUID: sc.orgs[0].UID, StartperiodID: 113001, UtbildningsinstansUID: "in-tdata", UtbildningUID: "ut-tdata", Status: 2,
			Tillfallesperioder: []ladok.Tillfallesperiod{{Index: 1, ForstaUndervisningsdatum: "2026-08-31", SistaUndervisningsdatum: "2029-06-06"}}},
		{UID: "kp-ekon", Utbildningskod: "SEKON", Utbildningstillfalleskod: "30002", Benamning: ladok.Benamning{"sv": "Ekonomprogrammet"},
			OrganisationUID: sc.orgs[1].UID, StartperiodID: 113001, UtbildningsinstansUID: "in-sekon", UtbildningUID: "ut-sekon", Status: 2,
			Tillfallesperioder: []ladok.Tillfallesperiod{{Index: 1, ForstaUndervisningsdatum: "2026-08-31", SistaUndervisningsdatum: "2029-06-06"}}},
	}

	// Course events. REST holds the result: new dates, new names, the cancellations.
	var courseEvs []ladok.Event
	for i := 0; i < nOff; i += 2 {
		o := sc.offerings[i]
		courseEvs = append(courseEvs, &ladok.KurstillfalleTillStatusEvent{Kurstillfalle: ladok.Kurstillfalle{Tillfallesbas: ladok.Tillfallesbas{
			Utbildningsattribut:     ladok.Utbildningsattribut{OrganisationUID: o.OrganisationUID, Status: 2, UtbildningsinstansUID: o.UtbildningsinstansUID},
			UtbildningstillfalleUID: o.UID, Utbildningstillfalleskod: o.Utbildningstillfalleskod}}})
	}
	for i := 3; i < nOff; i += 6 {
		o := &sc.offerings[i]
		o.Tillfallesperioder[0].SistaUndervisningsdatum = "2026-12-18"
		courseEvs = append(courseEvs, &ladok.KurstillfalleUppdateratEvent{Kurstillfalle: ladok.Kurstillfalle{Tillfallesbas: ladok.Tillfallesbas{
			UtbildningstillfalleUID: o.UID, Utbildningstillfalleskod: o.Utbildningstillfalleskod},
			Kurstillfallesperioder: []ladok.TillfallesperiodEventPart{{ForstaUndervisningsdatum: ladok.Date(o.Tillfallesperioder[0].ForstaUndervisningsdatum),
				SistaUndervisningsdatum: "2026-12-18"}}}})
	}
	for _, i := range []int{5, 17, 29} {
		o := &sc.offerings[i]
		name := o.Benamning["sv"] + " (ny kursplan)"
		o.Benamning = ladok.Benamning{"sv": name}
		sc.instanser[i].Benamning = ladok.Benamning{"sv": name}
		courseEvs = append(courseEvs, &ladok.KursUppdateradEvent{Utbildningsinstansbas: ladok.Utbildningsinstansbas{
			Utbildningsattribut: ladok.Utbildningsattribut{UtbildningsinstansUID: o.UtbildningsinstansUID, UtbildningUID: o.UtbildningUID},
			Benamningar:         ladok.Benamning{"sv": name}, Utbildningskod: o.Utbildningskod}, Kurskod: o.Utbildningskod})
	}
	for _, i := range []int{7, 11} { // 11 is co-read in 10's course
		sc.offerings[i].Installt = true
		courseEvs = append(courseEvs, &ladok.UtbildningstillfalleInstalltEvent{UtbildningstillfalleUID: sc.offerings[i].UID})
	}
	sc.programmes[1].Benamning = ladok.Benamning{"sv": "Ekonomprogrammet (civilekonom)"}
	courseEvs = append(courseEvs,
		&ladok.KurspaketeringstillfalleTillStatusEvent{Kurspaketeringstillfalle: ladok.Kurspaketeringstillfalle{Tillfallesbas: ladok.Tillfallesbas{UtbildningstillfalleUID: "kp-data"}}},
		&ladok.KurspaketeringUppdateradEvent{Utbildningsinstansbas: ladok.Utbildningsinstansbas{
			Utbildningsattribut: ladok.Utbildningsattribut{UtbildningsinstansUID: "in-sekon", UtbildningUID: "ut-sekon"},
			Benamningar:         ladok.Benamning{"sv": "Ekonomprogrammet (civilekonom)"}, Utbildningskod: "SEKON"}})

	// Per student, in order.
	var queues [][]ladok.Event
	suspension := 0
	for i := range sc.students {
		st := &sc.students[i]
		var q []ladok.Event
		if i%10 == 9 {
			q = append(q, &ladok.StudentTillLarosateEvent{StudentUID: st.UID, Tilltalsnamn: st.Fornamn, Efternamn: st.Efternamn, Personnummer: st.Personnummer})
		} else {
			first := st.Fornamn
			if i%60 == 1 { // a name change during the term; Ladok now has the new name
				st.Fornamn = first + "-Lo"
			}
			q = append(q, &ladok.LokalStudentEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: st.UID, Fornamn: first, Efternamn: st.Efternamn, Personnummer: st.Personnummer})
			if i%60 == 1 {
				q = append(q, &ladok.LokalStudentEvent{Handelsetyp: ladok.HandelsetypUppdaterad, StudentUID: st.UID, Fornamn: st.Fornamn, Efternamn: st.Efternamn, Personnummer: st.Personnummer})
			}
		}
		if i%4 == 0 {
			for _, k := range sc.contacts {
				if k.StudentUID == st.UID {
					q = append(q, &ladok.KontaktuppgifterEvent{Handelsetyp: ladok.HandelsetypUppdaterad, StudentUID: st.UID, Epostadress: k.Epostadress})
				}
			}
		}
		if i%50 == 3 {
			q = append(q, &ladok.SkyddadePersonuppgifterEvent{Handelsetyp: ladok.HandelsetypSkapad, StudentUID: st.UID, SkyddadePersonuppgifterUID: "sk-" + st.UID})
		}
		nAdm := 1 + r.IntN(3)
		used := map[int]bool{}
		for range nAdm {
			o := r.IntN(nOff)
			if used[o] {
				continue
			}
			used[o] = true
			off := offeringUID(o)
			q = append(q, &ladok.ForvantatDeltagandeSkapadEvent{StudentUID: st.UID, UtbildningstillfalleUID: off})
			state := ladok.DeltagaretillstandForvantadDeltagare
			switch p := r.IntN(100); {
			case p < 4:
				q = append(q, &ladok.AterbudEvent{StudentUID: st.UID, UtbildningstillfalleUID: off})
				state = ladok.DeltagaretillstandAterbud
			case p < 74:
				q = append(q, registrering(st.UID, off))
				state = ladok.DeltagaretillstandRegistrerad
				switch p2 := r.IntN(100); {
				case p2 < 8:
					q = append(q, &ladok.AvbrottEvent{StudentUID: st.UID, UtbildningstillfalleUID: off})
					state = ladok.DeltagaretillstandAvbrott
					if p2 < 3 {
						q = append(q, &ladok.AvbrottBorttagetEvent{StudentUID: st.UID, UtbildningstillfalleUID: off})
						state = ladok.DeltagaretillstandRegistrerad
					}
				case p2 < 11:
					q = append(q, &ladok.AterkalladregistreringEvent{Aterkallning: ladok.Aterkallning{RegistreringBas: ladok.RegistreringBas{StudentUID: st.UID, KurstillfalleUID: off}}})
					state = ladok.DeltagaretillstandEjPaborjad
					if p2 < 9 {
						q = append(q, &ladok.OmregistreringEvent{RegistreringBas: ladok.RegistreringBas{StudentUID: st.UID, KurstillfalleUID: off}})
						state = ladok.DeltagaretillstandRegistrerad
					}
				case p2 < 12:
					q = append(q, &ladok.UppehallBorttagetEvent{StudentUID: st.UID, UtbildningstillfalleUID: off})
				}
			case p < 76:
				q = append(q, &ladok.ForvantatDeltagandeBorttagetEvent{StudentUID: st.UID, UtbildningstillfalleUID: off})
				state = ""
			}
			if state != "" {
				sc.deltagare[off] = append(sc.deltagare[off], ladok.Deltagare{UID: "dt-" + st.UID + off, UtbildningstillfalleUID: off,
					Student:       ladok.DeltagareStudent{UID: st.UID, Fornamn: st.Fornamn, Efternamn: st.Efternamn, Personnummer: st.Personnummer},
					TillstandKurs: ladok.TillstandKurs{Tillfallesdeltagande: string(state)}})
			}
		}
		if i%10 == 4 {
			prog := sc.programmes[i%2].UID
			q = append(q, &ladok.PaborjatUtbildningstillfalleEvent{StudentUID: st.UID, UtbildningstillfalleUID: prog})
			if i%100 == 14 {
				q = append(q, &ladok.UppehallEvent{StudentUID: st.UID, KurspaketeringstillfalleUID: prog},
					&ladok.AterkallatPaborjatUtbildningstillfalleEvent{StudentUID: st.UID, UtbildningstillfalleUID: prog})
			}
		}
		if i%33 == 5 {
			rid := fmt.Sprintf("sr-%06d", i)
			periods := [][2]string{{"2026-09-01", "2026-10-31"}, {"2026-11-15", "2026-12-15"}, {"2026-08-01", "2026-08-10"}, {"2026-09-10", ""}}
			p := periods[suspension%len(periods)]
			ev := &ladok.StudentrestriktionEvent{Handelsetyp: ladok.HandelsetypSkapad, Restriktionstyp: ladok.RestriktionAvstangning,
				StudentUID: st.UID, StudentrestriktionUID: rid, Giltighetsperiod: ladok.Datumperiod{Startdatum: p[0], Slutdatum: p[1]}}
			at := 1 + r.IntN(len(q)) // somewhere after the student arrived
			q = append(q[:at], append([]ladok.Event{ev}, q[at:]...)...)
			switch suspension % 5 {
			case 1: // moved: shortened to three days
				start, _ := time.Parse(time.DateOnly, p[0])
				q = append(q, &ladok.StudentrestriktionEvent{Handelsetyp: ladok.HandelsetypUppdaterad, Restriktionstyp: ladok.RestriktionAvstangning,
					StudentUID: st.UID, StudentrestriktionUID: rid, Giltighetsperiod: ladok.Datumperiod{Startdatum: p[0], Slutdatum: start.AddDate(0, 0, 2).Format(time.DateOnly)}})
			case 2: // moved: extended into next term
				q = append(q, &ladok.StudentrestriktionEvent{Handelsetyp: ladok.HandelsetypUppdaterad, Restriktionstyp: ladok.RestriktionAvstangning,
					StudentUID: st.UID, StudentrestriktionUID: rid, Giltighetsperiod: ladok.Datumperiod{Startdatum: p[0], Slutdatum: "2027-01-20"}})
			case 3: // lifted early
				q = append(q, &ladok.StudentrestriktionEvent{Handelsetyp: ladok.HandelsetypBorttagen, Restriktionstyp: ladok.RestriktionAvstangning,
					StudentUID: st.UID, StudentrestriktionUID: rid})
			}
			suspension++
		}
		if i%41 == 6 {
			q = append(q, &ladok.StudentrestriktionEvent{Handelsetyp: ladok.HandelsetypSkapad, Restriktionstyp: ladok.RestriktionAvskiljande,
				StudentUID: st.UID, StudentrestriktionUID: fmt.Sprintf("sx-%06d", i)})
		}
		queues = append(queues, q)
	}

	// Interleave: students in random order, a course event now and then, each student's
	// events in their order.
	var evs []ladok.Event
	open := make([]int, len(queues))
	for i := range open {
		open[i] = i
	}
	pos := make([]int, len(queues))
	ci := 0
	for len(open) > 0 {
		if ci < len(courseEvs) && r.IntN(12) == 0 {
			evs = append(evs, courseEvs[ci])
			ci++
		}
		k := r.IntN(min(len(open), 40)) // students arrive in waves
		s := open[k]
		evs = append(evs, queues[s][pos[s]])
		if pos[s]++; pos[s] == len(queues[s]) {
			open = append(open[:k], open[k+1:]...)
		}
	}
	evs = append(evs, courseEvs[ci:]...)
	evs, sc.nDuplicates = withDuplicates(r, evs, 5)
	if len(evs) > n {
		evs = evs[:n]
	}
	sc.events = evs
	return sc
}
