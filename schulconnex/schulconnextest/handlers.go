package schulconnextest

import (
	"bytes"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/apiquery"
	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/schulconnex"
)

// fehler is an error answer in the Schulconnex format.
type fehler struct {
	status       int
	subcode      string
	titel, text  string
	retryAfterSe int
}

// Error renders status, subcode and title.
func (f *fehler) Error() string { return strconv.Itoa(f.status) + "/" + f.subcode + " " + f.titel }

func bad(sub, titel, text string) *fehler {
	return &fehler{status: http.StatusBadRequest, subcode: sub, titel: titel, text: text}
}

var (
	errMissingRevision = bad("01", "Fehlende Parameter", "Folgende Parameter fehlen: revision")
	errRevision        = &fehler{status: http.StatusConflict, subcode: "00", titel: "Konflikt mit dem aktuellen Zustand der Ressource.",
		text: "Die Entität wurde eventuell durch Dritte verändert. Die Revisionsnummer stimmt nicht überein."}
	errNotFound = &fehler{status: http.StatusNotFound, subcode: "01", titel: "Angefragte Entität existiert nicht",
		text: "Die angeforderte Entität existiert nicht."}
	errReadOnly = &fehler{status: http.StatusForbidden, subcode: "00", titel: "Fehlende Rechte",
		text: "Der Datensatz wurde nur zum Lesen freigegeben."}
)

// fail writes an error body. Called with or without s.mu; it reads only options.
func (s *Server) fail(w http.ResponseWriter, status int, sub, titel, text string) {
	var code any = strconv.Itoa(status)
	if s.opts.numericCodes {
		code = status
	}
	b, _ := json.Marshal(map[string]any{"code": code, "subcode": sub, "titel": titel, "beschreibung": text})
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(b)
}

func (s *Server) failWith(w http.ResponseWriter, f *fehler) {
	if f.retryAfterSe > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(f.retryAfterSe))
	}
	s.fail(w, f.status, f.subcode, f.titel, f.text)
}

// handler is one API operation. It runs with s.mu held and returns the status and body of a
// successful answer, or a *fehler.
type handler func(r *request) (int, []byte, *fehler)

type request struct {
	*http.Request
	s    *store
	org  string
	body []byte
}

func (r *request) id() string { return r.PathValue("id") }

// route is one operation: its id in openapi/schulconnex.yaml, method, path (under BasePath) and
// handler.
type route struct {
	op, method, path string
	h                handler
}

func (s *Server) routeTable() []route {
	return []route{
		{"listPersonen", "GET", "/personen", s.listPersonen},
		{"createPerson", "POST", "/personen", s.createPerson},
		{"getPerson", "GET", "/personen/{id}", s.getPerson},
		{"updatePerson", "PUT", "/personen/{id}", s.updatePerson},
		{"deletePerson", "DELETE", "/personen/{id}", s.deletePerson},
		{"listPersonenkontexteOfPerson", "GET", "/personen/{id}/personenkontexte", s.listKontexteOfPerson},
		{"createPersonenkontext", "POST", "/personen/{id}/personenkontexte", s.createKontext},
		{"listPersonenkontexte", "GET", "/personenkontexte", s.listKontexte},
		{"getPersonenkontext", "GET", "/personenkontexte/{id}", s.getKontext},
		{"updatePersonenkontext", "PUT", "/personenkontexte/{id}", s.updateKontext},
		{"deletePersonenkontext", "DELETE", "/personenkontexte/{id}", s.deleteKontext},
		{"getBeziehungen", "GET", "/personenkontexte/{id}/beziehungen", s.listBeziehungen},
		{"createBeziehung", "POST", "/personenkontexte/{id}/beziehungen", s.createBeziehung},
		{"listSichtfreigaben", "GET", "/personenkontexte/{id}/sichtfreigaben", s.listFreigaben},
		{"createSichtfreigabe", "POST", "/personenkontexte/{id}/sichtfreigaben", s.createFreigabe},
		{"getBeziehung", "GET", "/beziehungen/{id}", s.getBeziehung},
		{"deleteBeziehung", "DELETE", "/beziehungen/{id}", s.deleteBeziehung},
		{"deleteSichtfreigabe", "DELETE", "/sichtfreigaben/{id}", s.deleteFreigabe},
		{"listOrganisationen", "GET", "/organisationen", s.listOrganisationen},
		{"getOrganisation", "GET", "/organisationen/{id}", s.getOrganisation},
		{"getOrganisationsbeziehungen", "GET", "/organisationen/{id}/organisationsbeziehungen", s.listOrgBeziehungen},
		{"getOrganisationInfo", "GET", "/organisation-info", s.organisationInfo},
		{"listGruppen", "GET", "/gruppen", s.listGruppen},
		{"createGruppe", "POST", "/gruppen", s.createGruppe},
		{"getGruppe", "GET", "/gruppen/{id}", s.getGruppe},
		{"updateGruppe", "PUT", "/gruppen/{id}", s.updateGruppe},
		{"deleteGruppe", "DELETE", "/gruppen/{id}", s.deleteGruppe},
		{"listGruppenzugehoerigkeitenOfGruppe", "GET", "/gruppen/{id}/gruppenzugehoerigkeiten", s.listZugOfGruppe},
		{"createGruppenzugehoerigkeit", "POST", "/gruppen/{id}/gruppenzugehoerigkeiten", s.createZug},
		{"listGruppenzugehoerigkeiten", "GET", "/gruppenzugehoerigkeiten", s.listZug},
		{"getGruppenzugehoerigkeit", "GET", "/gruppenzugehoerigkeiten/{id}", s.getZug},
		{"updateGruppenzugehoerigkeit", "PUT", "/gruppenzugehoerigkeiten/{id}", s.updateZug},
		{"deleteGruppenzugehoerigkeit", "DELETE", "/gruppenzugehoerigkeiten/{id}", s.deleteZug},
	}
}

// maxBody caps request bodies.
const maxBody = 1 << 20

// routes registers the token endpoint and the API's operations with the kit.
func (s *Server) routes() {
	s.kit.Handle(fakekit.Operation{ID: "token", Method: http.MethodPost, Path: TokenPath, Root: true, Public: true,
		Handler: s.tokenEndpoint()})
	for _, rt := range s.routeTable() {
		h := rt.h
		s.kit.HandleFunc(rt.op, rt.method, rt.path, rt.method != http.MethodGet, func(w http.ResponseWriter, r *http.Request) {
			s.serve(w, r, h)
		})
	}
}

// kitFehler is the Schulconnex error for an answer the kit gives (unknown paths, other methods,
// injected faults, bodies over the cap); code is the subcode when it is one.
func kitFehler(status int, code string) *fehler {
	sub := "00"
	if len(code) == 2 && code[0] >= '0' && code[0] <= '9' && code[1] >= '0' && code[1] <= '9' {
		sub = code
	}
	switch status {
	case http.StatusNotFound:
		return &fehler{status: status, subcode: sub, titel: "Endpunkt existiert nicht", text: "Der aufgerufene Endpunkt existiert nicht."}
	case http.StatusMethodNotAllowed:
		return &fehler{status: status, subcode: sub, titel: "Nicht erlaubt", text: "Dieser Aufruf ist an diesem Endpunkt nicht erlaubt."}
	case http.StatusRequestEntityTooLarge:
		return &fehler{status: status, subcode: sub, titel: "Anfrage zu groß", text: "Der Anfrageinhalt ist zu groß."}
	}
	return &fehler{status: status, subcode: sub, titel: "Störung", text: "Vom Testserver eingespeister Fehler."}
}

// serve runs one API request after the kit has authenticated it and applied faults: the body,
// the duplicate-filter check, due deletions, the operation.
func (s *Server) serve(w http.ResponseWriter, r *http.Request, h handler) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			s.fail(w, http.StatusRequestEntityTooLarge, "00", "Anfrage zu groß", "Der Anfrageinhalt ist zu groß.")
			return
		}
		s.fail(w, http.StatusBadRequest, "00", "Fehlerhafte Anfrage", "Der Anfrageinhalt ist unvollständig.")
		return
	}
	if dup := duplicateParam(r); dup != "" {
		s.fail(w, http.StatusBadRequest, "17", "Doppelter Filter", "Der Filter "+dup+" ist mehrfach angegeben.")
		return
	}
	org, _ := r.Context().Value(orgKey{}).(string)
	s.mu.Lock()
	s.data.sweep()
	status, out, fe := h(&request{Request: r, s: s.data, org: org, body: body})
	s.mu.Unlock()
	if fe != nil {
		s.failWith(w, fe)
		return
	}
	if status == http.StatusNoContent {
		w.WriteHeader(status)
		return
	}
	fakekit.WriteRaw(w, status, "application/json", out)
}

func duplicateParam(r *http.Request) string {
	for k, vs := range r.URL.Query() {
		if len(vs) > 1 {
			return k
		}
	}
	return ""
}

// --- body decoding and validation ---

// decodeBody reads a JSON body into v. Unknown properties are accepted only when their names are
// URNs (vendor extensions), unless the server is lenient.
func (s *Server) decodeBody(r *request, v any) *fehler {
	if len(bytes.TrimSpace(r.body)) == 0 {
		return bad("01", "Fehlende Parameter", "Der Anfrageinhalt fehlt.")
	}
	if !json.Valid(r.body) {
		return bad("04", "JSON-Struktur ungültig", "Der Anfrageinhalt ist kein gültiges JSON.")
	}
	if err := json.Unmarshal(r.body, v); err != nil {
		return bad("05", "JSON-Struktur nicht deserialisierbar", "Der Anfrageinhalt passt nicht zum Datenmodell.")
	}
	if s.opts.strictBodies {
		if name := unknownMember(r.body, reflect.TypeOf(v).Elem()); name != "" {
			return bad("06", "JSON-Struktur besitzt ungültige Attribute", "Unbekanntes Attribut: "+name)
		}
	}
	return nil
}

// unknownMember returns the first top-level member of obj that t does not declare and that is
// not a vendor extension (a URN).
func unknownMember(obj []byte, t reflect.Type) string {
	var m map[string]json.RawMessage
	if json.Unmarshal(obj, &m) != nil {
		return ""
	}
	names := map[string]bool{}
	for i := 0; i < t.NumField(); i++ {
		tag := t.Field(i).Tag.Get("json")
		name, _, _ := strings.Cut(tag, ",")
		if name != "" && name != "-" {
			names[name] = true
		}
	}
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if !names[k] && !strings.HasPrefix(strings.ToLower(k), "urn:") {
			return k
		}
	}
	return ""
}

// revisionOf reads the revision of a DELETE body.
func (s *Server) revisionOf(r *request) (string, *fehler) {
	var rv schulconnex.Revision
	if len(bytes.TrimSpace(r.body)) == 0 {
		return "", errMissingRevision
	}
	if err := json.Unmarshal(r.body, &rv); err != nil {
		return "", bad("05", "JSON-Struktur nicht deserialisierbar", "Erwartet wird {\"revision\": ...}.")
	}
	if rv.Revision == "" {
		return "", errMissingRevision
	}
	return rv.Revision, nil
}

func checkRevision(sent string, current int) *fehler {
	if sent == "" {
		return errMissingRevision
	}
	if sent != strconv.Itoa(current) {
		return errRevision
	}
	return nil
}

func validatePerson(p *schulconnex.Person) *fehler {
	switch {
	case strings.TrimSpace(p.Name.Familienname) == "" || strings.TrimSpace(p.Name.Vorname) == "":
		return bad("01", "Fehlende Parameter", "Folgende Parameter fehlen: person.name.familienname, person.name.vorname")
	case p.Auskunftssperre == "":
		return bad("01", "Fehlende Parameter", "Folgende Parameter fehlen: person.auskunftssperre")
	case p.Vertrauensstufe == "":
		return bad("01", "Fehlende Parameter", "Folgende Parameter fehlen: person.vertrauensstufe")
	case !p.Auskunftssperre.Valid():
		return bad("10", "Attributwerte entspricht keinem der erwarteten Werte", "Attribut auskunftssperre muss Ja oder Nein sein.")
	case p.Geschlecht != "" && !p.Geschlecht.Valid():
		return bad("10", "Attributwerte entspricht keinem der erwarteten Werte", "Attribut geschlecht hat einen ungültigen Wert.")
	case !p.Vertrauensstufe.Valid():
		return bad("10", "Attributwerte entspricht keinem der erwarteten Werte", "Attribut vertrauensstufe hat einen ungültigen Wert.")
	case len([]rune(p.Name.Initialenfamilienname)) > 8 || len([]rune(p.Name.Initialenvorname)) > 8 ||
		len([]rune(p.Name.Rufname)) > 32 || len([]rune(p.Name.Titel)) > 128:
		return bad("07", "Attributwerte haben eine ungültige Länge", "Textlänge eines Namensattributs ist nicht valide.")
	}
	return nil
}

// validateKontext checks a context body; raw is the body, for the exact format of the deletion time.
func (s *Server) validateKontext(k *schulconnex.Personenkontext, raw []byte) *fehler {
	if k.Rolle == "" {
		return bad("01", "Fehlende Parameter", "Folgende Parameter fehlen: rolle")
	}
	if !k.Rolle.Valid() {
		return bad("10", "Attributwerte entspricht keinem der erwarteten Werte", "Attribut rolle hat einen ungültigen Wert.")
	}
	if k.Jahrgangsstufe != "" && !k.Jahrgangsstufe.Valid() {
		return bad("10", "Attributwerte entspricht keinem der erwarteten Werte", "Attribut jahrgangsstufe hat einen ungültigen Wert.")
	}
	if k.Personenstatus != "" && !k.Personenstatus.Valid() {
		return bad("10", "Attributwerte entspricht keinem der erwarteten Werte", "Attribut personenstatus hat einen ungültigen Wert.")
	}
	if s.opts.maxContacts > 0 && len(k.Erreichbarkeiten) > s.opts.maxContacts {
		return bad("19", "Erreichbarkeit kann nicht hinzugefügt werden.", "Dieser Server erlaubt höchstens "+strconv.Itoa(s.opts.maxContacts)+" Erreichbarkeit.")
	}
	for _, e := range k.Erreichbarkeiten {
		if !e.Typ.Valid() || !strings.Contains(e.Kennung, "@") {
			return bad("03", "Validierungsfehler", "Eine Erreichbarkeit ist keine gültige E-Mail-Adresse.")
		}
	}
	var lz struct {
		Loeschung *struct {
			Zeitpunkt json.RawMessage `json:"zeitpunkt"`
		} `json:"loeschung"`
	}
	_ = json.Unmarshal(raw, &lz)
	if lz.Loeschung != nil {
		var ts string
		if json.Unmarshal(lz.Loeschung.Zeitpunkt, &ts) != nil {
			return bad("01", "Fehlende Parameter", "Folgende Parameter fehlen: loeschung.zeitpunkt")
		}
		t, err := time.Parse(schulconnex.LoeschzeitpunktLayout, ts)
		if err != nil {
			return bad("09", "Datumsattribut hat einen ungültigen Wert", "Datumsformat von Attribut loeschung.zeitpunkt ist ungültig (YYYY-MM-DDThh:mmZ).")
		}
		if t.Before(s.opts.now().Truncate(time.Minute)) {
			return bad("03", "Validierungsfehler", "Ein Löschzeitpunkt darf nicht in der Vergangenheit liegen.")
		}
	}
	return nil
}

func validateGruppe(g *schulconnex.Gruppe) *fehler {
	switch {
	case strings.TrimSpace(g.Bezeichnung) == "" || g.Typ == "":
		return bad("01", "Fehlende Parameter", "Folgende Parameter fehlen: bezeichnung, typ")
	case !g.Typ.Valid():
		return bad("10", "Attributwerte entspricht keinem der erwarteten Werte", "Attribut typ hat einen ungültigen Wert.")
	case len([]rune(g.Beschreibung)) > 1024:
		return bad("15", "Text zu lang", "Die Beschreibung ist länger als 1024 Zeichen.")
	case (!g.Laufzeit.Von.IsZero() && g.Laufzeit.Vonlernperiode != "") || (!g.Laufzeit.Bis.IsZero() && g.Laufzeit.Bislernperiode != ""):
		return bad("16", "Inkonsistente Laufzeitangabe", "Laufzeiten dürfen nur einen Anfangs- und einen Endzeitpunkt haben.")
	}
	for _, j := range g.Jahrgangsstufen {
		if !j.Valid() {
			return bad("10", "Attributwerte entspricht keinem der erwarteten Werte", "Attribut jahrgangsstufen hat einen ungültigen Wert.")
		}
	}
	return nil
}

func validateZug(m *schulconnex.Gruppenzugehoerigkeit) *fehler {
	if m.Ktid == "" || len(m.Rollen) == 0 {
		return bad("01", "Fehlende Parameter", "Folgende Parameter fehlen: ktid, rollen")
	}
	for _, r := range m.Rollen {
		if !r.Valid() {
			return bad("10", "Attributwerte entspricht keinem der erwarteten Werte", "Attribut rollen hat einen ungültigen Wert.")
		}
	}
	return nil
}

// --- JSON assembly ---

// prepend adds a member at the front of a JSON object.
func prepend(obj []byte, name string, value []byte) []byte {
	out := make([]byte, 0, len(obj)+len(name)+len(value)+8)
	out = append(out, '{', '"')
	out = append(out, name...)
	out = append(out, '"', ':')
	out = append(out, value...)
	if rest := bytes.TrimSpace(obj[1:]); len(rest) > 0 && rest[0] != '}' {
		out = append(out, ',')
	}
	return append(out, obj[1:]...)
}

// kontextJSON renders a context as organisation org sees it.
func (r *request) kontextJSON(k *kontextRec, v view, withBez bool) []byte {
	out := k.k.Raw
	if withBez && len(k.hatAls) > 0 {
		var list []schulconnex.Beziehung
		for _, bid := range k.hatAls {
			list = append(list, r.s.bez[bid].b)
		}
		b, _ := json.Marshal(schulconnex.KontextBeziehungen{HatAlsBeziehungen: list})
		out = prepend(out, "beziehungen", b)
	}
	if v == shared {
		out = prepend(out, "sichtfreigabe", []byte(`"Ja"`))
	}
	return out
}

// datensatz writes {"person":..., "personenkontexte":[...]}.
func datensatz(buf *bytes.Buffer, person []byte, kontexte [][]byte) {
	buf.WriteString(`{"person":`)
	buf.Write(person)
	buf.WriteString(`,"personenkontexte":[`)
	for i, k := range kontexte {
		if i > 0 {
			buf.WriteByte(',')
		}
		buf.Write(k)
	}
	buf.WriteString("]}")
}

// contains is the specification's string filter: a substring, without regard to case.
func contains(value, filter string) bool {
	return filter == "" || strings.Contains(strings.ToLower(value), strings.ToLower(filter))
}

// codesMatch is the code-list filter: every comma-separated code must be among values.
func codesMatch[T ~string](values []T, filter string, alt func(code string) bool) bool {
	if filter == "" {
		return true
	}
	for _, want := range strings.Split(filter, ",") {
		want = strings.TrimSpace(want)
		found := false
		for _, v := range values {
			if strings.EqualFold(string(v), want) {
				found = true
				break
			}
		}
		if !found && (alt == nil || !alt(want)) {
			return false
		}
	}
	return true
}

func decodeParams(r *request, p any) *fehler {
	if err := apiquery.Decode(r.URL.Query(), p, false); err != nil {
		return bad("02", "Falsche Parameter", err.Error())
	}
	return nil
}

func sichtfreigabeFilter(v string) (string, *fehler) {
	switch strings.ToLower(v) {
	case "", "ja", "nein":
		return strings.ToLower(v), nil
	}
	return "", bad("02", "Falsche Parameter", "sichtfreigabe muss ja oder nein sein.")
}

// --- persons ---

func (s *Server) listPersonen(r *request) (int, []byte, *fehler) {
	var p schulconnex.ListPersonenParams
	if f := decodeParams(r, &p); f != nil {
		return 0, nil, f
	}
	sf, f := sichtfreigabeFilter(p.Sichtfreigabe)
	if f != nil {
		return 0, nil, f
	}
	withBez := strings.EqualFold(p.HatAlsBeziehungen, "ja")
	var buf bytes.Buffer
	buf.WriteByte('[')
	n := 0
	for _, id := range r.s.personOrder {
		rec, ok := r.s.persons[id]
		if !ok || rec.p.ID != id {
			continue
		}
		if !contains(rec.p.Referrer, p.Referrer) || !contains(rec.p.Mandant, p.Mandant) ||
			!contains(rec.p.Name.Familienname, p.Familienname) || !contains(rec.p.Name.Vorname, p.Vorname) {
			continue
		}
		var kontexte [][]byte
		hasOwn, hasShared := rec.owner == r.org, false
		for _, kid := range rec.kontexte {
			k := r.s.kontexte[kid]
			v := r.s.kontextView(k, r.org)
			switch {
			case v == hidden, v == own && sf == "ja", v == shared && sf == "nein":
				if v == own {
					hasOwn = true
				}
				continue
			case v == own:
				hasOwn = true
			case v == shared:
				hasShared = true
			}
			kontexte = append(kontexte, r.kontextJSON(k, v, withBez))
		}
		switch sf {
		case "ja":
			if !hasShared {
				continue
			}
		case "nein":
			if !hasOwn {
				continue
			}
		default:
			if !hasOwn && !hasShared {
				continue
			}
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		datensatz(&buf, rec.p.Raw, kontexte)
		n++
	}
	buf.WriteByte(']')
	return http.StatusOK, buf.Bytes(), nil
}

// person returns a person the caller may see, and how.
func (r *request) person(id string) (*personRec, view, *fehler) {
	rec, ok := r.s.persons[id]
	if !ok {
		return nil, hidden, errNotFound
	}
	v := r.s.personView(rec, r.org)
	if v == hidden {
		return nil, hidden, errNotFound
	}
	return rec, v, nil
}

func (s *Server) getPerson(r *request) (int, []byte, *fehler) {
	rec, _, f := r.person(r.id())
	if f != nil {
		return 0, nil, f
	}
	var kontexte [][]byte
	for _, kid := range rec.kontexte {
		k := r.s.kontexte[kid]
		if v := r.s.kontextView(k, r.org); v != hidden {
			kontexte = append(kontexte, r.kontextJSON(k, v, false))
		}
	}
	var buf bytes.Buffer
	datensatz(&buf, rec.p.Raw, kontexte)
	return http.StatusOK, buf.Bytes(), nil
}

func (s *Server) createPerson(r *request) (int, []byte, *fehler) {
	var p schulconnex.Person
	if f := s.decodeBody(r, &p); f != nil {
		return 0, nil, f
	}
	if f := validatePerson(&p); f != nil {
		return 0, nil, f
	}
	if p.ID != "" || p.Revision != "" {
		return 0, nil, bad("11", "Attribut darf nicht mit diesem Wert gesetzt oder verändert werden.", "id und revision vergibt der Server.")
	}
	rec := r.s.createPerson(r.org, p, r.body, "")
	return http.StatusCreated, rec.p.Raw, nil
}

func (s *Server) updatePerson(r *request) (int, []byte, *fehler) {
	rec, v, f := r.person(r.id())
	if f != nil {
		return 0, nil, f
	}
	if v == shared {
		return 0, nil, errReadOnly
	}
	var p schulconnex.Person
	if f := s.decodeBody(r, &p); f != nil {
		return 0, nil, f
	}
	if (p.ID != "" && p.ID != rec.p.ID) || (p.Mandant != "" && p.Mandant != rec.p.Mandant) {
		return 0, nil, bad("11", "Attribut darf nicht mit diesem Wert gesetzt oder verändert werden.", "id und mandant sind unveränderbar.")
	}
	if f := checkRevision(p.Revision, rec.rev); f != nil {
		return 0, nil, f
	}
	if f := validatePerson(&p); f != nil {
		return 0, nil, f
	}
	p.ID = rec.p.ID
	r.s.putPerson(rec, p, r.body)
	return http.StatusOK, rec.p.Raw, nil
}

func (s *Server) deletePerson(r *request) (int, []byte, *fehler) {
	rec, v, f := r.person(r.id())
	if f != nil {
		return 0, nil, f
	}
	if v == shared {
		return 0, nil, errReadOnly
	}
	rev, f := s.revisionOf(r)
	if f != nil {
		return 0, nil, f
	}
	if f := checkRevision(rev, rec.rev); f != nil {
		return 0, nil, f
	}
	if len(rec.kontexte) > 0 {
		return 0, nil, bad("12", "Person enthält noch Personenkontexte.",
			"Daten vom Typ Person können nur gelöscht werden, wenn für diese Person keine Personenkontexte mehr existieren.")
	}
	r.s.deletePerson(rec.p.ID)
	return http.StatusNoContent, nil, nil
}

// --- contexts ---

func (s *Server) listKontexteOfPerson(r *request) (int, []byte, *fehler) {
	rec, _, f := r.person(r.id())
	if f != nil {
		return 0, nil, f
	}
	var p schulconnex.ListPersonenkontexteOfPersonParams
	if f := decodeParams(r, &p); f != nil {
		return 0, nil, f
	}
	sf, f := sichtfreigabeFilter(p.Sichtfreigabe)
	if f != nil {
		return 0, nil, f
	}
	withBez := strings.EqualFold(p.HatAlsBeziehungen, "ja")
	var buf bytes.Buffer
	buf.WriteByte('[')
	n := 0
	for _, kid := range rec.kontexte {
		k := r.s.kontexte[kid]
		v := r.s.kontextView(k, r.org)
		if v == hidden || (sf == "ja" && v != shared) || (sf == "nein" && v != own) ||
			!contains(k.k.Referrer, p.Referrer) || (p.Rolle != "" && !schulconnex.Same(k.k.Rolle, p.Rolle)) ||
			(p.Personenstatus != "" && !schulconnex.Same(k.k.Personenstatus, p.Personenstatus)) {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(r.kontextJSON(k, v, withBez))
		n++
	}
	buf.WriteByte(']')
	return http.StatusOK, buf.Bytes(), nil
}

func (s *Server) createKontext(r *request) (int, []byte, *fehler) {
	rec, v, f := r.person(r.id())
	if f != nil {
		return 0, nil, f
	}
	if v == shared {
		return 0, nil, errReadOnly
	}
	var k schulconnex.Personenkontext
	if f := s.decodeBody(r, &k); f != nil {
		return 0, nil, f
	}
	if k.ID != "" || k.Revision != "" || k.Organisation.ID != "" || k.Sichtfreigabe != "" {
		return 0, nil, bad("11", "Attribut darf nicht mit diesem Wert gesetzt oder verändert werden.",
			"id, revision, organisation und sichtfreigabe vergibt der Server.")
	}
	if f := s.validateKontext(&k, r.body); f != nil {
		return 0, nil, f
	}
	for _, kid := range rec.kontexte {
		if o := r.s.kontexte[kid]; o.org == r.org && schulconnex.Same(o.k.Rolle, k.Rolle) {
			return 0, nil, bad("03", "Validierungsfehler", "Die Person hat an dieser Organisation schon einen Personenkontext mit dieser Rolle.")
		}
	}
	kr := r.s.createKontext(rec.p.ID, r.org, k, r.body, "", s.opts.usedByDefault)
	return http.StatusCreated, kr.k.Raw, nil
}

func (s *Server) listKontexte(r *request) (int, []byte, *fehler) {
	var p schulconnex.ListPersonenkontexteParams
	if f := decodeParams(r, &p); f != nil {
		return 0, nil, f
	}
	sf, f := sichtfreigabeFilter(p.Sichtfreigabe)
	if f != nil {
		return 0, nil, f
	}
	withBez := strings.EqualFold(p.HatAlsBeziehungen, "ja")
	var buf bytes.Buffer
	buf.WriteByte('[')
	n := 0
	for _, pid := range r.s.personOrder {
		rec, ok := r.s.persons[pid]
		if !ok || rec.p.ID != pid {
			continue
		}
		for _, kid := range rec.kontexte {
			k := r.s.kontexte[kid]
			v := r.s.kontextView(k, r.org)
			if v == hidden || (sf == "ja" && v != shared) || (sf == "nein" && v != own) ||
				!contains(k.k.Referrer, p.Referrer) || !contains(k.k.Mandant, p.Mandant) ||
				(p.Rolle != "" && !schulconnex.Same(k.k.Rolle, p.Rolle)) ||
				(p.Personenstatus != "" && !schulconnex.Same(k.k.Personenstatus, p.Personenstatus)) {
				continue
			}
			if n > 0 {
				buf.WriteByte(',')
			}
			datensatz(&buf, []byte(`{"id":`+strconv.Quote(pid)+`}`), [][]byte{r.kontextJSON(k, v, withBez)})
			n++
		}
	}
	buf.WriteByte(']')
	return http.StatusOK, buf.Bytes(), nil
}

// kontext returns a context the caller may see, and how.
func (r *request) kontext(id string) (*kontextRec, view, *fehler) {
	k, ok := r.s.kontexte[id]
	if !ok {
		return nil, hidden, errNotFound
	}
	v := r.s.kontextView(k, r.org)
	if v == hidden {
		return nil, hidden, errNotFound
	}
	return k, v, nil
}

func (s *Server) getKontext(r *request) (int, []byte, *fehler) {
	k, v, f := r.kontext(r.id())
	if f != nil {
		return 0, nil, f
	}
	var buf bytes.Buffer
	datensatz(&buf, r.s.persons[k.person].p.Raw, [][]byte{r.kontextJSON(k, v, false)})
	return http.StatusOK, buf.Bytes(), nil
}

func (s *Server) updateKontext(r *request) (int, []byte, *fehler) {
	k, v, f := r.kontext(r.id())
	if f != nil {
		return 0, nil, f
	}
	if v == shared {
		return 0, nil, errReadOnly
	}
	var nk schulconnex.Personenkontext
	if f := s.decodeBody(r, &nk); f != nil {
		return 0, nil, f
	}
	if nk.Rolle == "" {
		nk.Rolle = k.k.Rolle
	}
	if (nk.ID != "" && nk.ID != k.k.ID) || !schulconnex.Same(nk.Rolle, k.k.Rolle) ||
		(nk.Organisation.ID != "" && nk.Organisation.ID != k.org) || nk.Sichtfreigabe.Bool() {
		return 0, nil, bad("11", "Attribut darf nicht mit diesem Wert gesetzt oder verändert werden.",
			"id, rolle und organisation sind unveränderbar.")
	}
	if f := checkRevision(nk.Revision, k.rev); f != nil {
		return 0, nil, f
	}
	if f := s.validateKontext(&nk, r.body); f != nil {
		return 0, nil, f
	}
	nk.Rolle = k.k.Rolle
	r.s.putKontext(k, nk, r.body)
	return http.StatusOK, k.k.Raw, nil
}

func (s *Server) deleteKontext(r *request) (int, []byte, *fehler) {
	k, v, f := r.kontext(r.id())
	if f != nil {
		return 0, nil, f
	}
	if v == shared {
		return 0, nil, errReadOnly
	}
	rev, f := s.revisionOf(r)
	if f != nil {
		return 0, nil, f
	}
	if f := checkRevision(rev, k.rev); f != nil {
		return 0, nil, f
	}
	if k.used {
		return 0, nil, bad("13", "Personenkontext wird genutzt.",
			"Personenkontexte, die schon an Dienste weitergegeben wurden, werden über einen Löschzeitpunkt gelöscht.")
	}
	r.s.deleteKontext(k.k.ID)
	return http.StatusNoContent, nil, nil
}

// --- relations and releases ---

func (s *Server) listBeziehungen(r *request) (int, []byte, *fehler) {
	k, _, f := r.kontext(r.id())
	if f != nil {
		return 0, nil, f
	}
	var p schulconnex.GetBeziehungenParams
	if f := decodeParams(r, &p); f != nil {
		return 0, nil, f
	}
	var out schulconnex.Beziehungen
	if p.HatAlsBeziehungen == "" || p.HatAlsBeziehungen.Bool() {
		out.HatAlsBeziehungen = []schulconnex.Beziehung{}
		for _, bid := range k.hatAls {
			out.HatAlsBeziehungen = append(out.HatAlsBeziehungen, r.s.bez[bid].b)
		}
	}
	if p.IstVonBeziehungen.Bool() {
		out.IstVonBeziehungen = []schulconnex.Beziehung{}
		for _, b := range r.s.bez {
			if b.b.Ktid == k.k.ID {
				x := b.b
				x.Ktid = b.from
				out.IstVonBeziehungen = append(out.IstVonBeziehungen, x)
			}
		}
		slices.SortFunc(out.IstVonBeziehungen, func(a, b schulconnex.Beziehung) int { return strings.Compare(a.ID, b.ID) })
	}
	b, _ := json.Marshal(out)
	return http.StatusOK, b, nil
}

func (s *Server) createBeziehung(r *request) (int, []byte, *fehler) {
	k, v, f := r.kontext(r.id())
	if f != nil {
		return 0, nil, f
	}
	if v == shared {
		return 0, nil, errReadOnly
	}
	var b schulconnex.Beziehung
	if f := s.decodeBody(r, &b); f != nil {
		return 0, nil, f
	}
	if b.Ktid == "" || b.Beziehung == "" {
		return 0, nil, bad("01", "Fehlende Parameter", "Folgende Parameter fehlen: ktid, beziehung")
	}
	if !b.Beziehung.Valid() {
		return 0, nil, bad("10", "Attributwerte entspricht keinem der erwarteten Werte", "Attribut beziehung hat einen ungültigen Wert.")
	}
	if _, _, f := r.kontext(b.Ktid); f != nil || b.Ktid == k.k.ID {
		return 0, nil, bad("18", "Beziehung kann nicht erstellt werden.", "Der Personenkontext ktid ist nicht verfügbar.")
	}
	rec := r.s.createBeziehung(k.k.ID, schulconnex.Beziehung{Ktid: b.Ktid, Beziehung: b.Beziehung})
	out, _ := json.Marshal(rec.b)
	return http.StatusCreated, out, nil
}

func (s *Server) getBeziehung(r *request) (int, []byte, *fehler) {
	b, ok := r.s.bez[r.id()]
	if !ok {
		return 0, nil, errNotFound
	}
	if _, _, f := r.kontext(b.from); f != nil {
		return 0, nil, errNotFound
	}
	x := b.b
	x.IstVonKtid = b.from
	out, _ := json.Marshal(x)
	return http.StatusOK, out, nil
}

func (s *Server) deleteBeziehung(r *request) (int, []byte, *fehler) {
	b, ok := r.s.bez[r.id()]
	if !ok {
		return 0, nil, errNotFound
	}
	if _, v, f := r.kontext(b.from); f != nil {
		return 0, nil, f
	} else if v == shared {
		return 0, nil, errReadOnly
	}
	rev, f := s.revisionOf(r)
	if f != nil {
		return 0, nil, f
	}
	if f := checkRevision(rev, b.rev); f != nil {
		return 0, nil, f
	}
	r.s.deleteBeziehung(b.b.ID)
	return http.StatusNoContent, nil, nil
}

func (s *Server) listFreigaben(r *request) (int, []byte, *fehler) {
	k, v, f := r.kontext(r.id())
	if f != nil {
		return 0, nil, f
	}
	out := []schulconnex.Sichtfreigabe{}
	if v == own {
		for _, fid := range k.freigaben {
			if fr, ok := r.s.freigaben[fid]; ok {
				out = append(out, fr.f)
			}
		}
	}
	b, _ := json.Marshal(out)
	return http.StatusOK, b, nil
}

func (s *Server) createFreigabe(r *request) (int, []byte, *fehler) {
	k, v, f := r.kontext(r.id())
	if f != nil {
		return 0, nil, f
	}
	if v == shared {
		return 0, nil, errReadOnly
	}
	var sf schulconnex.Sichtfreigabe
	if f := s.decodeBody(r, &sf); f != nil {
		return 0, nil, f
	}
	today := s.opts.now().UTC().Format(time.DateOnly)
	switch {
	case sf.Orgid == "" || sf.Von.IsZero() || sf.Bis.IsZero():
		return 0, nil, bad("01", "Fehlende Parameter", "Folgende Parameter fehlen: orgid, von, bis")
	case sf.Von.Format(time.DateOnly) < today:
		return 0, nil, bad("03", "Validierungsfehler", "Der Beginn einer Freigabe darf nicht vor dem aktuellen Datum liegen.")
	case sf.Bis.Before(sf.Von.Time):
		return 0, nil, bad("03", "Validierungsfehler", "Das Ende einer Freigabe darf nicht vor ihrem Beginn liegen.")
	case sf.Orgid == k.org:
		return 0, nil, bad("03", "Validierungsfehler", "Eine Freigabe an die eigene Organisation ist nicht möglich.")
	}
	if _, ok := r.s.orgs[sf.Orgid]; !ok {
		return 0, nil, bad("03", "Validierungsfehler", "Die Organisation orgid existiert nicht.")
	}
	rec := r.s.createFreigabe(k.k.ID, schulconnex.Sichtfreigabe{Orgid: sf.Orgid, Von: sf.Von, Bis: sf.Bis})
	out, _ := json.Marshal(rec.f)
	return http.StatusOK, out, nil
}

func (s *Server) deleteFreigabe(r *request) (int, []byte, *fehler) {
	fr, ok := r.s.freigaben[r.id()]
	if !ok {
		return 0, nil, errNotFound
	}
	if _, v, f := r.kontext(fr.kontext); f != nil || v != own {
		return 0, nil, errNotFound
	}
	rev, f := s.revisionOf(r)
	if f != nil {
		return 0, nil, f
	}
	if f := checkRevision(rev, fr.rev); f != nil {
		return 0, nil, f
	}
	delete(r.s.freigaben, fr.f.ID)
	if k, ok := r.s.kontexte[fr.kontext]; ok {
		k.freigaben = slices.DeleteFunc(k.freigaben, func(x string) bool { return x == fr.f.ID })
	}
	return http.StatusNoContent, nil, nil
}

// --- organisations ---

func (s *Server) listOrganisationen(r *request) (int, []byte, *fehler) {
	var p schulconnex.ListOrganisationenParams
	if f := decodeParams(r, &p); f != nil {
		return 0, nil, f
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	n := 0
	for _, id := range r.s.orgOrder {
		o := r.s.orgs[id]
		if !contains(o.o.Kennung, p.Kennung) || !contains(o.o.Name, p.Name) || (p.Typ != "" && !schulconnex.Same(o.o.Typ, p.Typ)) {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(o.raw)
		n++
	}
	buf.WriteByte(']')
	return http.StatusOK, buf.Bytes(), nil
}

func (s *Server) getOrganisation(r *request) (int, []byte, *fehler) {
	o, ok := r.s.orgs[r.id()]
	if !ok {
		return 0, nil, errNotFound
	}
	return http.StatusOK, o.raw, nil
}

func (s *Server) listOrgBeziehungen(r *request) (int, []byte, *fehler) {
	if _, ok := r.s.orgs[r.id()]; !ok {
		return 0, nil, errNotFound
	}
	var p schulconnex.GetOrganisationsbeziehungenParams
	if f := decodeParams(r, &p); f != nil {
		return 0, nil, f
	}
	out := schulconnex.Organisationsbeziehungen{}
	if p.HatAlsOrganisationsbeziehungen == "" || p.HatAlsOrganisationsbeziehungen.Bool() {
		out.HatAlsOrganisationsbeziehungen = []schulconnex.Organisationsbeziehung{}
	}
	if p.IstVonOrganisationsbeziehungen.Bool() {
		out.IstVonOrganisationsbeziehungen = []schulconnex.Organisationsbeziehung{}
	}
	b, _ := json.Marshal(out)
	return http.StatusOK, b, nil
}

func (s *Server) organisationInfo(r *request) (int, []byte, *fehler) {
	o, ok := r.s.orgs[r.org]
	if !ok {
		return 0, nil, errNotFound
	}
	return http.StatusOK, o.raw, nil
}

// --- groups and memberships ---

func (r *request) gruppe(id string) (*gruppeRec, *fehler) {
	g, ok := r.s.gruppen[id]
	if !ok || g.org != r.org {
		return nil, errNotFound
	}
	return g, nil
}

func (r *request) gruppendatensatz(buf *bytes.Buffer, g *gruppeRec, keep func(*zugRec) bool) {
	buf.WriteString(`{"gruppe":`)
	buf.Write(g.g.Raw)
	buf.WriteString(`,"gruppenzugehoerigkeiten":[`)
	n := 0
	for _, zid := range g.members {
		z := r.s.zug[zid]
		if keep != nil && !keep(z) {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(z.m.Raw)
		n++
	}
	buf.WriteString("]}")
}

func (s *Server) listGruppen(r *request) (int, []byte, *fehler) {
	var p schulconnex.ListGruppenParams
	if f := decodeParams(r, &p); f != nil {
		return 0, nil, f
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	n := 0
	for _, id := range r.s.gruppeOrder {
		g, ok := r.s.gruppen[id]
		if !ok || g.org != r.org {
			continue
		}
		x := &g.g
		if !contains(x.Referrer, p.Referrer) || !contains(x.Mandant, p.Mandant) || !contains(x.Bezeichnung, p.Bezeichnung) ||
			!codesMatch(x.Optionen, p.Optionen, nil) || !codesMatch([]schulconnex.Gruppendifferenzierung{x.Differenzierung}, p.Differenzierung, nil) ||
			!codesMatch(x.Bildungsziele, p.Bildungsziele, nil) || !codesMatch(x.Jahrgangsstufen, p.Jahrgangsstufen, nil) ||
			!codesMatch(fachCodes(x.Faecher), p.Faecher, nil) {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		r.gruppendatensatz(&buf, g, nil)
		n++
	}
	buf.WriteByte(']')
	return http.StatusOK, buf.Bytes(), nil
}

// fachCodes lists a group's subjects by code and by name, for the faecher filter.
func fachCodes(fs []schulconnex.Fach) []string {
	var out []string
	for _, f := range fs {
		if f.Kennung != "" {
			out = append(out, string(f.Kennung))
		}
		if f.Bezeichnung != "" {
			out = append(out, f.Bezeichnung)
		}
	}
	return out
}

func (s *Server) createGruppe(r *request) (int, []byte, *fehler) {
	var g schulconnex.Gruppe
	if f := s.decodeBody(r, &g); f != nil {
		return 0, nil, f
	}
	if g.ID != "" || g.Revision != "" || g.Orgid != "" {
		return 0, nil, bad("11", "Attribut darf nicht mit diesem Wert gesetzt oder verändert werden.", "id, orgid und revision vergibt der Server.")
	}
	if f := validateGruppe(&g); f != nil {
		return 0, nil, f
	}
	rec := r.s.createGruppe(r.org, g, r.body, "")
	return http.StatusCreated, rec.g.Raw, nil
}

func (s *Server) getGruppe(r *request) (int, []byte, *fehler) {
	g, f := r.gruppe(r.id())
	if f != nil {
		return 0, nil, f
	}
	var buf bytes.Buffer
	r.gruppendatensatz(&buf, g, nil)
	return http.StatusOK, buf.Bytes(), nil
}

func (s *Server) updateGruppe(r *request) (int, []byte, *fehler) {
	g, f := r.gruppe(r.id())
	if f != nil {
		return 0, nil, f
	}
	var ng schulconnex.Gruppe
	if f := s.decodeBody(r, &ng); f != nil {
		return 0, nil, f
	}
	if (ng.ID != "" && ng.ID != g.g.ID) || (ng.Orgid != "" && ng.Orgid != g.org) || (ng.Mandant != "" && ng.Mandant != g.g.Mandant) {
		return 0, nil, bad("11", "Attribut darf nicht mit diesem Wert gesetzt oder verändert werden.", "id, mandant und orgid sind unveränderbar.")
	}
	if f := checkRevision(ng.Revision, g.rev); f != nil {
		return 0, nil, f
	}
	if f := validateGruppe(&ng); f != nil {
		return 0, nil, f
	}
	r.s.putGruppe(g, ng, r.body)
	return http.StatusOK, g.g.Raw, nil
}

func (s *Server) deleteGruppe(r *request) (int, []byte, *fehler) {
	g, f := r.gruppe(r.id())
	if f != nil {
		return 0, nil, f
	}
	rev, f := s.revisionOf(r)
	if f != nil {
		return 0, nil, f
	}
	if f := checkRevision(rev, g.rev); f != nil {
		return 0, nil, f
	}
	r.s.deleteGruppe(g.g.ID)
	return http.StatusNoContent, nil, nil
}

func (s *Server) listZugOfGruppe(r *request) (int, []byte, *fehler) {
	g, f := r.gruppe(r.id())
	if f != nil {
		return 0, nil, f
	}
	var p schulconnex.ListGruppenzugehoerigkeitenOfGruppeParams
	if f := decodeParams(r, &p); f != nil {
		return 0, nil, f
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	n := 0
	for _, zid := range g.members {
		z := r.s.zug[zid]
		if !contains(z.m.Referrer, p.Referrer) || !codesMatch(z.m.Rollen, p.Rollen, nil) {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		buf.Write(z.m.Raw)
		n++
	}
	buf.WriteByte(']')
	return http.StatusOK, buf.Bytes(), nil
}

func (s *Server) createZug(r *request) (int, []byte, *fehler) {
	g, f := r.gruppe(r.id())
	if f != nil {
		return 0, nil, f
	}
	var m schulconnex.Gruppenzugehoerigkeit
	if f := s.decodeBody(r, &m); f != nil {
		return 0, nil, f
	}
	if m.ID != "" || m.Revision != "" {
		return 0, nil, bad("11", "Attribut darf nicht mit diesem Wert gesetzt oder verändert werden.", "id und revision vergibt der Server.")
	}
	if f := validateZug(&m); f != nil {
		return 0, nil, f
	}
	if f := r.ownKontext(m.Ktid); f != nil {
		return 0, nil, f
	}
	for _, zid := range g.members {
		if r.s.zug[zid].m.Ktid == m.Ktid {
			return 0, nil, bad("03", "Validierungsfehler", "Der Personenkontext gehört der Gruppe schon an.")
		}
	}
	rec := r.s.createZug(g.g.ID, m, r.body, "")
	return http.StatusCreated, rec.m.Raw, nil
}

// ownKontext checks that a membership's context exists and is the caller's own.
func (r *request) ownKontext(ktid string) *fehler {
	k, v, f := r.kontext(ktid)
	switch {
	case f != nil:
		return bad("03", "Validierungsfehler", "Der Personenkontext ktid existiert nicht.")
	case v != own || k == nil:
		return errReadOnly
	}
	return nil
}

func (s *Server) listZug(r *request) (int, []byte, *fehler) {
	var p schulconnex.ListGruppenzugehoerigkeitenParams
	if f := decodeParams(r, &p); f != nil {
		return 0, nil, f
	}
	keep := func(z *zugRec) bool {
		return contains(z.m.Referrer, p.Referrer) && contains(z.m.Mandant, p.Mandant) && codesMatch(z.m.Rollen, p.Rollen, nil)
	}
	var buf bytes.Buffer
	buf.WriteByte('[')
	n := 0
	for _, id := range r.s.gruppeOrder {
		g, ok := r.s.gruppen[id]
		if !ok || g.org != r.org {
			continue
		}
		hit := false
		for _, zid := range g.members {
			if keep(r.s.zug[zid]) {
				hit = true
				break
			}
		}
		if !hit {
			continue
		}
		if n > 0 {
			buf.WriteByte(',')
		}
		r.gruppendatensatz(&buf, g, keep)
		n++
	}
	buf.WriteByte(']')
	return http.StatusOK, buf.Bytes(), nil
}

func (r *request) zugehoerigkeit(id string) (*zugRec, *gruppeRec, *fehler) {
	z, ok := r.s.zug[id]
	if !ok {
		return nil, nil, errNotFound
	}
	g, f := r.gruppe(z.gruppe)
	if f != nil {
		return nil, nil, f
	}
	return z, g, nil
}

func (s *Server) getZug(r *request) (int, []byte, *fehler) {
	z, g, f := r.zugehoerigkeit(r.id())
	if f != nil {
		return 0, nil, f
	}
	var buf bytes.Buffer
	r.gruppendatensatz(&buf, g, func(x *zugRec) bool { return x == z })
	return http.StatusOK, buf.Bytes(), nil
}

func (s *Server) updateZug(r *request) (int, []byte, *fehler) {
	z, _, f := r.zugehoerigkeit(r.id())
	if f != nil {
		return 0, nil, f
	}
	var m schulconnex.Gruppenzugehoerigkeit
	if f := s.decodeBody(r, &m); f != nil {
		return 0, nil, f
	}
	if m.ID != "" && m.ID != z.m.ID {
		return 0, nil, bad("11", "Attribut darf nicht mit diesem Wert gesetzt oder verändert werden.", "id ist unveränderbar.")
	}
	if f := checkRevision(m.Revision, z.rev); f != nil {
		return 0, nil, f
	}
	if f := validateZug(&m); f != nil {
		return 0, nil, f
	}
	if m.Ktid != z.m.Ktid {
		if f := r.ownKontext(m.Ktid); f != nil {
			return 0, nil, f
		}
	}
	r.s.putZug(z, m, r.body)
	return http.StatusOK, z.m.Raw, nil
}

func (s *Server) deleteZug(r *request) (int, []byte, *fehler) {
	z, _, f := r.zugehoerigkeit(r.id())
	if f != nil {
		return 0, nil, f
	}
	rev, f := s.revisionOf(r)
	if f != nil {
		return 0, nil, f
	}
	if f := checkRevision(rev, z.rev); f != nil {
		return 0, nil, f
	}
	r.s.deleteZug(z.m.ID)
	return http.StatusNoContent, nil, nil
}
