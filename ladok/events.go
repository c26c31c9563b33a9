package ladok

import (
	"encoding/xml"
	"fmt"
	"log/slog"
	"time"
)

// Ladok's XML namespaces: the base schema, the event base types and the services whose events
// this package types.
const (
	NSBase                   = "http://schemas.ladok.se"
	NSEvents                 = "http://schemas.ladok.se/events"
	NSStudentinformation     = "http://schemas.ladok.se/studentinformation"
	NSStudiedeltagande       = "http://schemas.ladok.se/studiedeltagande"
	NSUtbildningsinformation = "http://schemas.ladok.se/utbildningsinformation"
	NSKataloginformation     = "http://schemas.ladok.se/kataloginformation"
)

// Event is one Ladok event from the feed: one of the typed events of this package
// (*RegistreringEvent, *LokalStudentEvent, ...) or, for every other event type, a
// *GenericEvent. Use a type switch to handle the ones you need.
type Event interface {
	// Name is the local name of the event's XML element, such as "RegistreringEvent", for
	// typed and generic events alike.
	Name() string
	// Namespace is the XML namespace of the event's element (its Ladok service).
	Namespace() string
	// EventHeader returns what every event carries: its HandelseUID and context.
	EventHeader() *Header
}

// Header is what every Ladok event carries (events:BaseEvent).
type Header struct {
	// HandelseUID identifies the event itself; the reader uses it, besides the entry id, to
	// recognise an event delivered twice.
	HandelseUID string       `xml:"HandelseUID" ns:"events"`
	Context     EventContext `xml:"EventContext" ns:"events"`
}

// EventHeader returns h; every event type gets it by embedding Header.
func (h *Header) EventHeader() *Header { return h }

// EventContext says who caused an event and for which university.
type EventContext struct {
	AnvandareUID string `xml:"AnvandareUID" ns:"events"`
	// Anvandarnamn is the user name of the staff member or system that made the change.
	Anvandarnamn string `xml:"Anvandarnamn" ns:"events"`
	// LarosateID is the university that owns the data the event is about.
	LarosateID int    `xml:"LarosateID" ns:"events"`
	StudentUID string `xml:"StudentUID" ns:"events"`
}

// GenericEvent is any event this package has no type for. Nothing is dropped: the element's name
// and namespace, the header and the raw XML are kept, and Decode reads the XML into a struct of
// the host's.
type GenericEvent struct {
	Header
	// Element is the event element's namespace and local name.
	Element xml.Name
	// Raw is the event element as it appeared in the feed. It shares memory with the feed
	// page; copy it to keep it beyond the page.
	Raw []byte
}

// Name returns the element's local name.
func (g *GenericEvent) Name() string { return g.Element.Local }

// Namespace returns the element's namespace.
func (g *GenericEvent) Namespace() string { return g.Element.Space }

// Decode unmarshals the raw event XML into v with encoding/xml (match fields by local name,
// `xml:"StudentUID"`).
func (g *GenericEvent) Decode(v any) error { return xml.Unmarshal(g.Raw, v) }

// Handelsetyp says whether an event created, updated or removed its record, for the events
// that carry one.
type Handelsetyp string

// The values of Handelsetyp.
const (
	HandelsetypSkapad     Handelsetyp = "SKAPAD"
	HandelsetypUppdaterad Handelsetyp = "UPPDATERAD"
	HandelsetypBorttagen  Handelsetyp = "BORTTAGEN"
)

// Date is an xs:date as Ladok sends it (YYYY-MM-DD). It is kept as text so that no event is
// refused for an odd date; Time parses it.
type Date string

// Time parses d; an empty Date is the zero time and no error.
func (d Date) Time() (time.Time, error) {
	if d == "" {
		return time.Time{}, nil
	}
	s := string(d)
	if len(s) > 10 { // a zone suffix such as 2026-09-14+02:00
		s = s[:10]
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("ladok: date %q is not YYYY-MM-DD", string(d))
	}
	return t, nil
}

// Studentevents ----------------------------------------------------------------------------

// LokalStudentEvent: a student was created or changed at the university (names, personal
// number, gender). It carries personal data; its LogValue hides it.
type LokalStudentEvent struct {
	Header
	Handelsetyp                    Handelsetyp
	Efternamn                      string
	ErsattAvStudentUID             string
	ExterntStudentUID              string
	Fodelsedata                    string
	Fornamn                        string
	HanvisningNuGallandeStudentUID string
	Kon                            int
	Personnummer                   string
	StudentUID                     string
	TidigarePersonnummer           string
}

// StudentTillLarosateEvent: a student became known at the university (for example on
// admission).
type StudentTillLarosateEvent struct {
	Header
	Efternamn    string
	Personnummer string
	StudentUID   string
	Tilltalsnamn string
}

// PostadressEventPart is one postal address of a student.
type PostadressEventPart struct {
	CareOf           string
	Land             string
	PostadressTyp    string // FOLKBOKFORINGSADRESS or POSTADRESS
	Postnummer       string
	Postort          string
	Utdelningsadress string
}

// KontaktuppgifterEvent: a student's contact details changed.
type KontaktuppgifterEvent struct {
	Header
	Handelsetyp   Handelsetyp
	Epostadress   string
	Postadresser  []PostadressEventPart
	StudentUID    string
	Telefonnummer string
}

// Restriktionstyp is the kind of a student restriction.
type Restriktionstyp string

// The values of Restriktionstyp.
const (
	// RestriktionAvstangning is a suspension: the student may not take part in teaching or
	// examinations during Giltighetsperiod.
	RestriktionAvstangning Restriktionstyp = "AVSTANGNING"
	// RestriktionAvskiljande is an expulsion from a programme.
	RestriktionAvskiljande Restriktionstyp = "AVSKILJANDE"
)

// StudentrestriktionEvent: a restriction on a student was created, updated or removed
// (Handelsetyp). A suspension is Restriktionstyp AVSTANGNING with a validity period; Ladok
// sends no event when the period ends, so a host that acts on suspensions must schedule the
// end itself (Ends).
type StudentrestriktionEvent struct {
	Header
	Handelsetyp           Handelsetyp
	Anteckning            string
	Giltighetsperiod      Datumperiod
	Restriktionstyp       Restriktionstyp
	StudentUID            string
	StudentrestriktionUID string
}

// IsSuspension reports whether the restriction is a suspension (AVSTANGNING).
func (e *StudentrestriktionEvent) IsSuspension() bool {
	return e.Restriktionstyp == RestriktionAvstangning
}

// ActiveOn reports whether the restriction is in force on day (its validity period holds
// day; an open end means no end). A removed restriction is never active.
func (e *StudentrestriktionEvent) ActiveOn(day time.Time) bool {
	if e.Handelsetyp == HandelsetypBorttagen {
		return false
	}
	d := day.Format(time.DateOnly)
	if s := e.Giltighetsperiod.Startdatum; s != "" && d < s[:min(10, len(s))] {
		return false
	}
	if s := e.Giltighetsperiod.Slutdatum; s != "" && d > s[:min(10, len(s))] {
		return false
	}
	return true
}

// Ends returns the last day of the restriction; ok is false for an open-ended one.
func (e *StudentrestriktionEvent) Ends() (last time.Time, ok bool, err error) {
	if e.Giltighetsperiod.Slutdatum == "" {
		return time.Time{}, false, nil
	}
	t, err := Date(e.Giltighetsperiod.Slutdatum).Time()
	return t, err == nil, err
}

// SkyddadePersonuppgifterEvent: a student's protected personal data (skyddade
// personuppgifter) was created, changed or removed. Such a student must be left out of targets
// or reduced to the minimum they need.
type SkyddadePersonuppgifterEvent struct {
	Header
	Handelsetyp                Handelsetyp
	SkyddadePersonuppgifterUID string
	SkyddatEfternamn           string
	SkyddatFornamn             string
	SkyddatKon                 int
	SkyddatPersonnummer        string
	StudentUID                 string
}

// Education events ----------------------------------------------------------------------------

// BeslutEventPart is a decision on an education (started, complete, discontinued, reactivated).
type BeslutEventPart struct {
	Anteckning     string
	Beslutsdatum   string
	Beslutsfattare string
	Beslutstyp     string // PABORJAD, KOMPLETT, AVVECKLAD, ATERAKTIVERAD
	SenastSparad   string
}

// LokalMarkningEventPart is a local marking (key and value ids) on an education.
type LokalMarkningEventPart struct {
	Markningsnyckel int
	Markningsvarde  int
}

// Utbildningsattributvarde is one attribute of an education, such as its grading scale.
type Utbildningsattributvarde struct {
	UID                   string `xml:"Uid" ns:"base"`
	AttributdefinitionUID string
	Grupp                 int
	Namn                  string
	Sprak                 string
	Trunkerad             bool
	Varde                 string
}

// Utbildningsattribut are the fields every course and programme event shares.
type Utbildningsattribut struct {
	Beslut                []BeslutEventPart
	LokalMarkning         []LokalMarkningEventPart
	OrganisationUID       string
	Status                int
	UtbildningUID         string
	Attributvarde         []Utbildningsattributvarde
	UtbildningsinstansUID string
	UtbildningstypID      int
}

// Tillfallesbas are the fields the offering events (kurstillfälle, kurspaketeringstillfälle) share.
type Tillfallesbas struct {
	Utbildningsattribut
	Avgiftsbelagt              bool
	StartperiodID              int
	StudielokaliseringID       int
	StudietaktID               int
	UndervisningsformID        int
	UndervisningstidID         int
	UtbildningUtbildningstypID int
	UtbildningstillfalleUID    string
	Utbildningstillfalleskod   string
}

// UtbildningsomradePerOrganisation is an organisation's share of an education's area.
type UtbildningsomradePerOrganisation struct {
	OrganisationUID     string
	Procent             int
	UtbildningsomradeID int
}

// TillfallesperiodEventPart is one study period of an offering.
type TillfallesperiodEventPart struct {
	UID                              string `xml:"Uid" ns:"base"`
	ForstaRegistreringsdatum         Date
	ForstaUndervisningsdatum         Date
	Omfattningsvarde                 string
	SistaRegistreringsdatum          Date
	SistaUndervisningsdatum          Date
	UtbildningsomradePerOrganisation []UtbildningsomradePerOrganisation
}

// KurstillfallesattributEventPart are the attributes of a course offering.
type KurstillfallesattributEventPart struct {
	Finansieringsform                     int
	ForegaendeTillfallesantagningUID      string
	IndividuelltAtagandeReferensUID       string
	KurspaketeringstillfallesantagningUID string
	StudentUID                            string
	TillfallesByteForStudentTillatet      bool
	Undervisningsform                     int
}

// Kurstillfalle are the fields of the course offering events.
type Kurstillfalle struct {
	Tillfallesbas
	Kurstillfallesattribut KurstillfallesattributEventPart
	Kurstillfallesperioder []TillfallesperiodEventPart
}

// KurstillfalleTillStatusEvent: a course offering changed status (Status; 2 is started).
type KurstillfalleTillStatusEvent struct {
	Header
	Kurstillfalle
}

// KurstillfalleUppdateratEvent: a course offering was changed.
type KurstillfalleUppdateratEvent struct {
	Header
	Kurstillfalle
}

// Kurspaketeringstillfalle are the fields of the programme offering events.
type Kurspaketeringstillfalle struct {
	Tillfallesbas
	AlternativaBenamningar       Benamning
	AntagningTillSenareDel       bool
	Tillfallesperioder           []TillfallesperiodEventPart
	SpecificeratOmfattningsvarde string
}

// KurspaketeringstillfalleTillStatusEvent: a programme offering changed status.
type KurspaketeringstillfalleTillStatusEvent struct {
	Header
	Kurspaketeringstillfalle
}

// KurspaketeringstillfalleUppdateratEvent: a programme offering was changed.
type KurspaketeringstillfalleUppdateratEvent struct {
	Header
	Kurspaketeringstillfalle
}

// UtbildningstillfalleInstalltEvent: an offering was cancelled.
type UtbildningstillfalleInstalltEvent struct {
	Header
	UtbildningstillfalleUID string
}

// Versionsinformation identifies the version of a syllabus.
type Versionsinformation struct {
	UID                string `xml:"Uid" ns:"base"`
	Anteckning         string
	GiltigFranPeriodID int
	Versionsnummer     int
	ArSenasteVersion   bool
}

// Utbildningsinstansbas are the fields the course and programme (syllabus) events share.
type Utbildningsinstansbas struct {
	Utbildningsattribut
	Benamningar                       Benamning
	EnhetID                           int
	Omfattningsvarde                  string
	StudieordningID                   int
	UtbildningsformID                 int
	Utbildningskod                    string
	Versionsinformation               Versionsinformation
	OverliggandeUtbildningUID         string
	OverliggandeUtbildningsinstansUID string
}

// HuvudomradeSuccessivFordjupning is a main field of study with its progression level.
type HuvudomradeSuccessivFordjupning struct {
	HuvudomradeID          int
	SuccessivFordjupningID int
}

// MarkningForBevisEventPart marks a course for a degree subject.
type MarkningForBevisEventPart struct {
	ExamensamneID    int
	Omfattningsvarde string
}

// KursattributEventPart are a course's attributes.
type KursattributEventPart struct {
	BetygsskalaID                      int
	HuvudomradeMedSuccessivFordjupning []HuvudomradeSuccessivFordjupning
	MarkningForBevis                   []MarkningForBevisEventPart
	NivaInomStudieordningID            int
	TitelSkaAnges                      bool
	UtbildningsomradeFordelning        []UtbildningsomradePerOrganisation
}

// KursUppdateradEvent: a course (its syllabus version) was changed: name, credits, code.
type KursUppdateradEvent struct {
	Header
	Utbildningsinstansbas
	Kursattribut KursattributEventPart
	Kurskod      string
}

// BevisbenamningarEventPart lists the degree titles of a programme.
type BevisbenamningarEventPart struct {
	BevisbenamningUID []string
}

// KurspaketeringUppdateradEvent: a programme (its syllabus version) was changed.
type KurspaketeringUppdateradEvent struct {
	Header
	Utbildningsinstansbas
	Bevisbenamningar BevisbenamningarEventPart
	ExternPartID     int
	TilltradesnivaID int
}

// Utbildningsgrundtyp is the basic kind of an education.
type Utbildningsgrundtyp string

// The values of Utbildningsgrundtyp.
const (
	GrundtypKurs           Utbildningsgrundtyp = "KURS"
	GrundtypKurspaketering Utbildningsgrundtyp = "KURSPAKETERING"
	GrundtypModul          Utbildningsgrundtyp = "MODUL"
)

// UtbildningsinstansPaUtbildningstillfalleAndradEvent: an offering was moved to another
// syllabus version. (On the wire the two UIDs are spelt UtbildningsinstansUid and
// UtbildningstillfalleUid.)
type UtbildningsinstansPaUtbildningstillfalleAndradEvent struct {
	Header
	UtbildningsinstansUID         string `xml:"UtbildningsinstansUid"`
	UtbildningstillfalleUID       string `xml:"UtbildningstillfalleUid"`
	Utbildningstillfallesgrundtyp Utbildningsgrundtyp
}

// Study participation events -----------------------------------------------------------------

// InomKurspaketeringstillfalleEventPart names the programme offering a registration belongs to.
type InomKurspaketeringstillfalleEventPart struct {
	KurspaketeringUID           string
	KurspaketeringstillfalleUID string
	TillfallesantagningUID      string
	UtbildningstypID            int
}

// RegistreringBas are the fields every registration event shares.
type RegistreringBas struct {
	ForegaendeKurstillfalleUID       string
	ForegaendeRegistreringUID        string
	ForegaendeStudieperiodSlut       Date
	ForegaendeStudieperiodStart      Date
	ForegaendeTillfallesantagningUID string
	ForegaendeUtbildningsinstansUID  string
	InomKurspaketeringstillfalle     []InomKurspaketeringstillfalleEventPart
	KursUID                          string
	KurstillfalleUID                 string
	Period                           int
	RegistreringUID                  string
	StudentUID                       string
	TillfallesantagningUID           string
	UtbildningsinstansUID            string
}

// Studieavgiftsbetalning is the tuition-fee payment status of a registration.
type Studieavgiftsbetalning string

// RegistreringEvent: a student registered on a course offering for a study period.
type RegistreringEvent struct {
	Header
	RegistreringBas
	Omfattningsvarde       string
	Studieavgiftsbetalning Studieavgiftsbetalning
	StudieperiodSlut       Date
	StudieperiodStart      Date
	ArAnpassad             bool
}

// OmregistreringEvent: a student registered again on a course offering (re-registration).
type OmregistreringEvent struct {
	Header
	RegistreringBas
	Omfattningsvarde  string
	StudieperiodSlut  Date
	StudieperiodStart Date
	ArAnpassad        bool
}

// OrsakTillAterkallning says why a registration or start was withdrawn.
type OrsakTillAterkallning string

// Aterkallning are the fields of the withdrawn-registration events.
type Aterkallning struct {
	RegistreringBas
	Anteckning        string
	ExternReferens    string
	Orsak             OrsakTillAterkallning
	Aterkallandedatum Date
}

// AterkalladregistreringEvent: a registration was withdrawn.
type AterkalladregistreringEvent struct {
	Header
	Aterkallning
}

// AterkalladOmregistreringEvent: a re-registration was withdrawn.
type AterkalladOmregistreringEvent struct {
	Header
	Aterkallning
}

// BehorighetsvillkorEventPart is an eligibility condition of an admission.
type BehorighetsvillkorEventPart struct {
	Behorighetsvillkorstyp string
	ExternTextUID          string
}

// DeltagandePeriod is one period of an expected participation.
type DeltagandePeriod struct {
	UID                   string `xml:"Uid" ns:"base"`
	Anpassat              bool
	Omfattningsvarde      string
	Periodbenamningar     Benamning
	PerioddeltagandeUID   string
	Periodindex           int
	Registreringsperiod   Datumperiod
	Tillstand             string
	UtbildningsPeriodFran Date
	UtbildningsPeriodTill Date
	AterkalladDatum       Date
}

// ForvantatDeltagandeSkapadEvent: a student is expected on an offering (admitted; Canvas-side
// an expected participant).
type ForvantatDeltagandeSkapadEvent struct {
	Header
	Anmalningsnummer                   string
	BehorighetsvillkorLista            []BehorighetsvillkorEventPart `xml:"BehorighetsvillkorLista>BehorighetsvillkorEventPart"`
	PaketerandeUtbildningstillfalleUID []string
	Perioddeltaganden                  []DeltagandePeriod `xml:"Perioddeltaganden>Perioddeltagande"`
	Senaredelmarkering                 bool
	StudentUID                         string
	StudieavgiftsbefriadEnligtNyA      bool
	Studieavgiftsbetalning             Studieavgiftsbetalning
	TidigareTillfallesantagningUID     string
	TillfallesantagningUID             string
	UtbildningstillfalleUID            string
}

// ForvantatDeltagandeBorttagetEvent: an expected participation was removed.
type ForvantatDeltagandeBorttagetEvent struct {
	Header
	StudentUID              string
	TillfallesantagningUID  string
	UtbildningstillfalleUID string
}

// AvbrottEvent: a student discontinued an offering.
type AvbrottEvent struct {
	Header
	Anteckning              string
	Avbrottsdatum           Date
	ExternReferens          string
	StudentUID              string
	UtbildningUID           string
	UtbildningstillfalleUID string
	UtbildningstypID        int
}

// AvbrottBorttagetEvent: a discontinuation was removed.
type AvbrottBorttagetEvent struct {
	Header
	StudentUID              string
	UtbildningUID           string
	UtbildningstillfalleUID string
	UtbildningstypID        int
}

// Aterbudsorsak says why a student declined a place.
type Aterbudsorsak string

// AterbudEvent: a student declined a place on an offering.
type AterbudEvent struct {
	Header
	AutomatisktAterbud      bool
	ExterntSystem           string
	StudentUID              string
	TillfallesantagningUID  string
	UtbildningstillfalleUID string
	Aterbudsdatum           Date
	Aterbudsorsak           Aterbudsorsak
}

// UppehallEvent: a student took a break (studieuppehåll) from a programme.
type UppehallEvent struct {
	Header
	Anteckning                  string
	ExternReferens              string
	KurspaketeringUID           string
	KurspaketeringstillfalleUID string
	PlaneratSlutdatum           Date
	RattAttAterupptaStudier     bool
	Startdatum                  Date
	StudentUID                  string
	UppehallUID                 string
}

// UppehallBorttagetEvent: a break was removed.
type UppehallBorttagetEvent struct {
	Header
	KurspaketeringUID       string
	PlaneratSlutdatum       Date
	Startdatum              Date
	StudentUID              string
	UppehallUID             string
	UtbildningstillfalleUID string
}

// PaborjatUtbildningstillfalleEvent: a student started an offering.
type PaborjatUtbildningstillfalleEvent struct {
	Header
	PaborjandeDatum                Date
	StudentUID                     string
	TidigareTillfallesantagningUID string
	TillfallesantagningUID         string
	UtbildningUID                  string
	UtbildningsinstansUID          string
	UtbildningstillfalleUID        string
	UtbildningstillfallestypID     int
}

// AterkallatPaborjatUtbildningstillfalleEvent: a start of an offering was withdrawn.
type AterkallatPaborjatUtbildningstillfalleEvent struct {
	Header
	Orsak                      OrsakTillAterkallning
	StudentUID                 string
	UtbildningUID              string
	UtbildningsinstansUID      string
	UtbildningstillfalleUID    string
	UtbildningstillfallestypID int
}

// The names and namespaces of the typed events. One registry: decoding, encoding, and the
// tests that check the catalogue all read it.
var typedEvents = []struct {
	name, ns string
	new      func() Event
}{
	{"LokalStudentEvent", NSStudentinformation, func() Event { return new(LokalStudentEvent) }},
	{"KontaktuppgifterEvent", NSStudentinformation, func() Event { return new(KontaktuppgifterEvent) }},
	{"StudentrestriktionEvent", NSStudentinformation, func() Event { return new(StudentrestriktionEvent) }},
	{"SkyddadePersonuppgifterEvent", NSStudentinformation, func() Event { return new(SkyddadePersonuppgifterEvent) }},
	{"StudentTillLarosateEvent", NSStudiedeltagande, func() Event { return new(StudentTillLarosateEvent) }},
	{"KurstillfalleTillStatusEvent", NSUtbildningsinformation, func() Event { return new(KurstillfalleTillStatusEvent) }},
	{"KurstillfalleUppdateratEvent", NSUtbildningsinformation, func() Event { return new(KurstillfalleUppdateratEvent) }},
	{"KursUppdateradEvent", NSUtbildningsinformation, func() Event { return new(KursUppdateradEvent) }},
	{"UtbildningstillfalleInstalltEvent", NSUtbildningsinformation, func() Event { return new(UtbildningstillfalleInstalltEvent) }},
	{"KurspaketeringstillfalleTillStatusEvent", NSUtbildningsinformation, func() Event { return new(KurspaketeringstillfalleTillStatusEvent) }},
	{"KurspaketeringstillfalleUppdateratEvent", NSUtbildningsinformation, func() Event { return new(KurspaketeringstillfalleUppdateratEvent) }},
	{"KurspaketeringUppdateradEvent", NSUtbildningsinformation, func() Event { return new(KurspaketeringUppdateradEvent) }},
	{"UtbildningsinstansPaUtbildningstillfalleAndradEvent", NSUtbildningsinformation, func() Event { return new(UtbildningsinstansPaUtbildningstillfalleAndradEvent) }},
	{"RegistreringEvent", NSStudiedeltagande, func() Event { return new(RegistreringEvent) }},
	{"OmregistreringEvent", NSStudiedeltagande, func() Event { return new(OmregistreringEvent) }},
	{"AterkalladregistreringEvent", NSStudiedeltagande, func() Event { return new(AterkalladregistreringEvent) }},
	{"AterkalladOmregistreringEvent", NSStudiedeltagande, func() Event { return new(AterkalladOmregistreringEvent) }},
	{"ForvantatDeltagandeSkapadEvent", NSStudiedeltagande, func() Event { return new(ForvantatDeltagandeSkapadEvent) }},
	{"ForvantatDeltagandeBorttagetEvent", NSStudiedeltagande, func() Event { return new(ForvantatDeltagandeBorttagetEvent) }},
	{"AvbrottEvent", NSStudiedeltagande, func() Event { return new(AvbrottEvent) }},
	{"AvbrottBorttagetEvent", NSStudiedeltagande, func() Event { return new(AvbrottBorttagetEvent) }},
	{"AterbudEvent", NSStudiedeltagande, func() Event { return new(AterbudEvent) }},
	{"UppehallEvent", NSStudiedeltagande, func() Event { return new(UppehallEvent) }},
	{"UppehallBorttagetEvent", NSStudiedeltagande, func() Event { return new(UppehallBorttagetEvent) }},
	{"PaborjatUtbildningstillfalleEvent", NSStudiedeltagande, func() Event { return new(PaborjatUtbildningstillfalleEvent) }},
	{"AterkallatPaborjatUtbildningstillfalleEvent", NSStudiedeltagande, func() Event { return new(AterkallatPaborjatUtbildningstillfalleEvent) }},
}

// TypedEventNames lists the local names of the events this package decodes into typed structs;
// every other event arrives as a *GenericEvent.
func TypedEventNames() []string {
	out := make([]string, len(typedEvents))
	for i, t := range typedEvents {
		out[i] = t.name
	}
	return out
}

// NewEvent returns a zero typed event for name, or nil when name has no type here.
func NewEvent(name string) Event {
	if t, ok := typedByName[name]; ok {
		return typedEvents[t].new()
	}
	return nil
}

var typedByName = func() map[string]int {
	m := make(map[string]int, len(typedEvents))
	for i, t := range typedEvents {
		m[t.name] = i
	}
	return m
}()

func nsOf(name string) string {
	if i, ok := typedByName[name]; ok {
		return typedEvents[i].ns
	}
	return ""
}

// The Name and Namespace methods of the typed events.

// Name returns "LokalStudentEvent".
func (*LokalStudentEvent) Name() string { return "LokalStudentEvent" }

// Namespace returns Ladok's studentinformation namespace.
func (*LokalStudentEvent) Namespace() string { return NSStudentinformation }

// Name returns "KontaktuppgifterEvent".
func (*KontaktuppgifterEvent) Name() string { return "KontaktuppgifterEvent" }

// Namespace returns Ladok's studentinformation namespace.
func (*KontaktuppgifterEvent) Namespace() string { return NSStudentinformation }

// Name returns "StudentrestriktionEvent".
func (*StudentrestriktionEvent) Name() string { return "StudentrestriktionEvent" }

// Namespace returns Ladok's studentinformation namespace.
func (*StudentrestriktionEvent) Namespace() string { return NSStudentinformation }

// Name returns "SkyddadePersonuppgifterEvent".
func (*SkyddadePersonuppgifterEvent) Name() string { return "SkyddadePersonuppgifterEvent" }

// Namespace returns Ladok's studentinformation namespace.
func (*SkyddadePersonuppgifterEvent) Namespace() string { return NSStudentinformation }

// Name returns "StudentTillLarosateEvent".
func (*StudentTillLarosateEvent) Name() string { return "StudentTillLarosateEvent" }

// Namespace returns Ladok's studiedeltagande namespace.
func (*StudentTillLarosateEvent) Namespace() string { return NSStudiedeltagande }

// Name returns "KurstillfalleTillStatusEvent".
func (*KurstillfalleTillStatusEvent) Name() string { return "KurstillfalleTillStatusEvent" }

// Namespace returns Ladok's utbildningsinformation namespace.
func (*KurstillfalleTillStatusEvent) Namespace() string { return NSUtbildningsinformation }

// Name returns "KurstillfalleUppdateratEvent".
func (*KurstillfalleUppdateratEvent) Name() string { return "KurstillfalleUppdateratEvent" }

// Namespace returns Ladok's utbildningsinformation namespace.
func (*KurstillfalleUppdateratEvent) Namespace() string { return NSUtbildningsinformation }

// Name returns "KursUppdateradEvent".
func (*KursUppdateradEvent) Name() string { return "KursUppdateradEvent" }

// Namespace returns Ladok's utbildningsinformation namespace.
func (*KursUppdateradEvent) Namespace() string { return NSUtbildningsinformation }

// Name returns "UtbildningstillfalleInstalltEvent".
func (*UtbildningstillfalleInstalltEvent) Name() string { return "UtbildningstillfalleInstalltEvent" }

// Namespace returns Ladok's utbildningsinformation namespace.
func (*UtbildningstillfalleInstalltEvent) Namespace() string { return NSUtbildningsinformation }

// Name returns "KurspaketeringstillfalleTillStatusEvent".
func (*KurspaketeringstillfalleTillStatusEvent) Name() string {
	return "KurspaketeringstillfalleTillStatusEvent"
}

// Namespace returns Ladok's utbildningsinformation namespace.
func (*KurspaketeringstillfalleTillStatusEvent) Namespace() string { return NSUtbildningsinformation }

// Name returns "KurspaketeringstillfalleUppdateratEvent".
func (*KurspaketeringstillfalleUppdateratEvent) Name() string {
	return "KurspaketeringstillfalleUppdateratEvent"
}

// Namespace returns Ladok's utbildningsinformation namespace.
func (*KurspaketeringstillfalleUppdateratEvent) Namespace() string { return NSUtbildningsinformation }

// Name returns "KurspaketeringUppdateradEvent".
func (*KurspaketeringUppdateradEvent) Name() string { return "KurspaketeringUppdateradEvent" }

// Namespace returns Ladok's utbildningsinformation namespace.
func (*KurspaketeringUppdateradEvent) Namespace() string { return NSUtbildningsinformation }

// Name returns "UtbildningsinstansPaUtbildningstillfalleAndradEvent".
func (*UtbildningsinstansPaUtbildningstillfalleAndradEvent) Name() string {
	return "UtbildningsinstansPaUtbildningstillfalleAndradEvent"
}

// Namespace returns Ladok's utbildningsinformation namespace.
func (*UtbildningsinstansPaUtbildningstillfalleAndradEvent) Namespace() string {
	return NSUtbildningsinformation
}

// Name returns "RegistreringEvent".
func (*RegistreringEvent) Name() string { return "RegistreringEvent" }

// Namespace returns Ladok's studiedeltagande namespace.
func (*RegistreringEvent) Namespace() string { return NSStudiedeltagande }

// Name returns "OmregistreringEvent".
func (*OmregistreringEvent) Name() string { return "OmregistreringEvent" }

// Namespace returns Ladok's studiedeltagande namespace.
func (*OmregistreringEvent) Namespace() string { return NSStudiedeltagande }

// Name returns "AterkalladregistreringEvent".
func (*AterkalladregistreringEvent) Name() string { return "AterkalladregistreringEvent" }

// Namespace returns Ladok's studiedeltagande namespace.
func (*AterkalladregistreringEvent) Namespace() string { return NSStudiedeltagande }

// Name returns "AterkalladOmregistreringEvent".
func (*AterkalladOmregistreringEvent) Name() string { return "AterkalladOmregistreringEvent" }

// Namespace returns Ladok's studiedeltagande namespace.
func (*AterkalladOmregistreringEvent) Namespace() string { return NSStudiedeltagande }

// Name returns "ForvantatDeltagandeSkapadEvent".
func (*ForvantatDeltagandeSkapadEvent) Name() string { return "ForvantatDeltagandeSkapadEvent" }

// Namespace returns Ladok's studiedeltagande namespace.
func (*ForvantatDeltagandeSkapadEvent) Namespace() string { return NSStudiedeltagande }

// Name returns "ForvantatDeltagandeBorttagetEvent".
func (*ForvantatDeltagandeBorttagetEvent) Name() string { return "ForvantatDeltagandeBorttagetEvent" }

// Namespace returns Ladok's studiedeltagande namespace.
func (*ForvantatDeltagandeBorttagetEvent) Namespace() string { return NSStudiedeltagande }

// Name returns "AvbrottEvent".
func (*AvbrottEvent) Name() string { return "AvbrottEvent" }

// Namespace returns Ladok's studiedeltagande namespace.
func (*AvbrottEvent) Namespace() string { return NSStudiedeltagande }

// Name returns "AvbrottBorttagetEvent".
func (*AvbrottBorttagetEvent) Name() string { return "AvbrottBorttagetEvent" }

// Namespace returns Ladok's studiedeltagande namespace.
func (*AvbrottBorttagetEvent) Namespace() string { return NSStudiedeltagande }

// Name returns "AterbudEvent".
func (*AterbudEvent) Name() string { return "AterbudEvent" }

// Namespace returns Ladok's studiedeltagande namespace.
func (*AterbudEvent) Namespace() string { return NSStudiedeltagande }

// Name returns "UppehallEvent".
func (*UppehallEvent) Name() string { return "UppehallEvent" }

// Namespace returns Ladok's studiedeltagande namespace.
func (*UppehallEvent) Namespace() string { return NSStudiedeltagande }

// Name returns "UppehallBorttagetEvent".
func (*UppehallBorttagetEvent) Name() string { return "UppehallBorttagetEvent" }

// Namespace returns Ladok's studiedeltagande namespace.
func (*UppehallBorttagetEvent) Namespace() string { return NSStudiedeltagande }

// Name returns "PaborjatUtbildningstillfalleEvent".
func (*PaborjatUtbildningstillfalleEvent) Name() string { return "PaborjatUtbildningstillfalleEvent" }

// Namespace returns Ladok's studiedeltagande namespace.
func (*PaborjatUtbildningstillfalleEvent) Namespace() string { return NSStudiedeltagande }

// Name returns "AterkallatPaborjatUtbildningstillfalleEvent".
func (*AterkallatPaborjatUtbildningstillfalleEvent) Name() string {
	return "AterkallatPaborjatUtbildningstillfalleEvent"
}

// Namespace returns Ladok's studiedeltagande namespace.
func (*AterkallatPaborjatUtbildningstillfalleEvent) Namespace() string { return NSStudiedeltagande }

// Log values: events with personal data describe themselves without it.

// LogValue hides names and personal numbers.
func (e *LokalStudentEvent) LogValue() slog.Value {
	return slog.GroupValue(slog.String("event", e.Name()), slog.String("handelse", e.HandelseUID),
		slog.String("student", e.StudentUID), slog.String("handelsetyp", string(e.Handelsetyp)))
}

// LogValue hides names and personal numbers.
func (e *StudentTillLarosateEvent) LogValue() slog.Value {
	return slog.GroupValue(slog.String("event", e.Name()), slog.String("handelse", e.HandelseUID),
		slog.String("student", e.StudentUID))
}

// LogValue hides contact details.
func (e *KontaktuppgifterEvent) LogValue() slog.Value {
	return slog.GroupValue(slog.String("event", e.Name()), slog.String("handelse", e.HandelseUID),
		slog.String("student", e.StudentUID), slog.String("handelsetyp", string(e.Handelsetyp)))
}

// LogValue hides the protected data.
func (e *SkyddadePersonuppgifterEvent) LogValue() slog.Value {
	return slog.GroupValue(slog.String("event", e.Name()), slog.String("handelse", e.HandelseUID),
		slog.String("student", e.StudentUID), slog.String("handelsetyp", string(e.Handelsetyp)))
}

// LogValue leaves out the free-text note.
func (e *StudentrestriktionEvent) LogValue() slog.Value {
	return slog.GroupValue(slog.String("event", e.Name()), slog.String("handelse", e.HandelseUID),
		slog.String("student", e.StudentUID), slog.String("restriktionstyp", string(e.Restriktionstyp)),
		slog.String("handelsetyp", string(e.Handelsetyp)))
}

// String, for the events with personal data, is the same redacted description as LogValue,
// so that printing an event with fmt does not print names or personal numbers either.

// String describes the event without personal data.
func (e *LokalStudentEvent) String() string { return e.LogValue().String() }

// String describes the event without personal data.
func (e *StudentTillLarosateEvent) String() string { return e.LogValue().String() }

// String describes the event without contact details.
func (e *KontaktuppgifterEvent) String() string { return e.LogValue().String() }

// String describes the event without the protected data.
func (e *SkyddadePersonuppgifterEvent) String() string { return e.LogValue().String() }

// String describes the event without its free-text note.
func (e *StudentrestriktionEvent) String() string { return e.LogValue().String() }
