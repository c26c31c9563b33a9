package ladoktest

import (
	"cmp"
	"encoding/json"
	"io"
	"mime"
	"net/http"
	"slices"
	"strings"

	"github.com/edusync/edusync/internal/apiquery"
	"github.com/edusync/edusync/internal/fakekit"
	"github.com/edusync/edusync/ladok"
)

// restData holds the REST resources, keyed by UID.
type restData struct {
	user           ladok.Anvandare
	periods        []ladok.Period
	orgs           map[string]ladok.Organisation
	students       map[string]ladok.Student
	byPnr          map[string]string // personnummer -> student UID
	contacts       map[string]ladok.Kontaktuppgifter
	offerings      map[string]ladok.Utbildningstillfalle
	packaging      map[string]ladok.Utbildningstillfalle // kurspaketeringstillfällen
	instances      map[string]ladok.Utbildningsinstans
	participations map[string][]ladok.Tillfallesdeltagande // by student UID
	participants   map[string][]ladok.Deltagare            // by utbildningstillfälle UID
}

func (d *restData) init(larosate int) {
	d.user = ladok.Anvandare{UID: newUID(), Anvandarnamn: "edusync-integration", Fornamn: "edusync", Efternamn: "Integration", LarosateID: larosate}
	d.orgs = map[string]ladok.Organisation{}
	d.students = map[string]ladok.Student{}
	d.byPnr = map[string]string{}
	d.contacts = map[string]ladok.Kontaktuppgifter{}
	d.offerings = map[string]ladok.Utbildningstillfalle{}
	d.packaging = map[string]ladok.Utbildningstillfalle{}
	d.instances = map[string]ladok.Utbildningsinstans{}
	d.participations = map[string][]ladok.Tillfallesdeltagande{}
	d.participants = map[string][]ladok.Deltagare{}
}

// Adding resources: tests and the synth loader fill the fake with these.

// SetUser sets the user the authenticated-user resource answers with.
func (s *Server) SetUser(u ladok.Anvandare) { s.mu.Lock(); s.data.user = u; s.mu.Unlock() }

// AddPeriods adds calendar periods.
func (s *Server) AddPeriods(p ...ladok.Period) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.periods = append(s.data.periods, p...)
}

// AddOrganisations adds organisation units.
func (s *Server) AddOrganisations(orgs ...ladok.Organisation) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range orgs {
		s.data.orgs[o.UID] = o
	}
}

// AddStudents adds students (findable by UID and by personnummer).
func (s *Server) AddStudents(students ...ladok.Student) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, st := range students {
		s.data.students[st.UID] = st
		if st.Personnummer != "" {
			s.data.byPnr[st.Personnummer] = st.UID
		}
	}
}

// AddKontaktuppgifter adds contact details (by their StudentUID).
func (s *Server) AddKontaktuppgifter(k ...ladok.Kontaktuppgifter) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, c := range k {
		s.data.contacts[c.StudentUID] = c
	}
}

// AddUtbildningstillfallen adds course offerings.
func (s *Server) AddUtbildningstillfallen(u ...ladok.Utbildningstillfalle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range u {
		s.data.offerings[o.UID] = o
	}
}

// AddKurspaketeringstillfallen adds programme offerings (also served as utbildningstillfällen).
func (s *Server) AddKurspaketeringstillfallen(u ...ladok.Utbildningstillfalle) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, o := range u {
		s.data.packaging[o.UID] = o
	}
}

// AddUtbildningsinstanser adds syllabus versions.
func (s *Server) AddUtbildningsinstanser(u ...ladok.Utbildningsinstans) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, i := range u {
		s.data.instances[i.UID] = i
	}
}

// AddTillfallesdeltagande adds a participation of studentUID.
func (s *Server) AddTillfallesdeltagande(studentUID string, t ladok.Tillfallesdeltagande) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.data.participations[studentUID] = append(s.data.participations[studentUID], t)
}

// AddDeltagare adds participants of the offering d.UtbildningstillfalleUID.
func (s *Server) AddDeltagare(d ...ladok.Deltagare) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range d {
		s.data.participants[x.UtbildningstillfalleUID] = append(s.data.participants[x.UtbildningstillfalleUID], x)
	}
}

// Routes -----------------------------------------------------------------------------------------

func (d *restData) routes(s *Server) {
	kat, stu, utb, del := ladok.ServiceKataloginformation, ladok.ServiceStudentinformation, ladok.ServiceUtbildningsinformation, ladok.ServiceStudiedeltagande
	get := func(op, pattern, service string, h func(r *http.Request) (any, int)) {
		s.kit.HandleFunc(op, http.MethodGet, pattern, false, s.serve(service, h))
	}
	get("getAuthenticatedUser", "/kataloginformation/anvandare/autentiserad", kat, func(*http.Request) (any, int) { return d.user, 200 })
	get("getPeriods", "/kataloginformation/grunddata/period", kat, func(*http.Request) (any, int) {
		return ladok.Perioder{Period: d.periods}, 200
	})
	get("searchOrganisations", "/kataloginformation/organisation/filtrera", kat, d.searchOrganisations)
	get("getOrganisation", "/kataloginformation/organisation/{uid}", kat, lookup(d.orgs))
	get("getStudent", "/studentinformation/student/{uid}", stu, lookup(d.students))
	// /student/personnummer/{pnr} and /student/{uid}/kontaktuppgifter overlap as patterns:
	// one route serves both operations.
	s.kit.Handle(fakekit.Operation{ID: "getStudentByPersonnummer", Method: http.MethodGet, Path: "/studentinformation/student/{a}/{b}",
		Resolve: func(r *http.Request) string {
			if r.PathValue("a") == "personnummer" {
				return "getStudentByPersonnummer"
			}
			return "getKontaktuppgifter"
		},
		Handler: s.serve(stu, func(r *http.Request) (any, int) {
			a, b := r.PathValue("a"), r.PathValue("b")
			switch {
			case a == "personnummer":
				uid, ok := d.byPnr[b]
				if !ok {
					return nil, http.StatusNotFound
				}
				return d.students[uid], 200
			case b == "kontaktuppgifter":
				c, ok := d.contacts[a]
				if !ok {
					return nil, http.StatusNotFound
				}
				return c, 200
			}
			return nil, http.StatusNotFound
		})})
	get("searchUtbildningstillfallen", "/utbildningsinformation/utbildningstillfalle/filtrera", utb, d.searchOfferings)
	get("getUtbildningstillfalle", "/utbildningsinformation/utbildningstillfalle/{uid}", utb, func(r *http.Request) (any, int) {
		uid := r.PathValue("uid")
		if o, ok := d.offerings[uid]; ok {
			return o, 200
		}
		if o, ok := d.packaging[uid]; ok {
			return o, 200
		}
		return nil, http.StatusNotFound
	})
	get("getUtbildningsinstans", "/utbildningsinformation/utbildningsinstans/{uid}", utb, lookup(d.instances))
	get("getKurspaketeringstillfalle", "/utbildningsinformation/kurspaketeringstillfalle/{uid}", utb, lookup(d.packaging))
	get("getKurstillfallesdeltaganden", "/studiedeltagande/tillfallesdeltagande/kurstillfallesdeltagande/student/{uid}", del, func(r *http.Request) (any, int) {
		uid := r.PathValue("uid")
		if _, ok := d.students[uid]; !ok {
			return nil, http.StatusNotFound
		}
		return ladok.TillfallesdeltagandeLista{Tillfallesdeltaganden: d.participations[uid]}, 200
	})
	// A search, although it is a PUT: it changes nothing.
	s.kit.HandleFunc("searchDeltagare", http.MethodPut, "/studiedeltagande/deltagare/kurstillfalle", false, s.serve(del, d.searchDeltagare))
}

func lookup[T any](m map[string]T) func(r *http.Request) (any, int) {
	return func(r *http.Request) (any, int) {
		v, ok := m[r.PathValue("uid")]
		if !ok {
			return nil, http.StatusNotFound
		}
		return v, 200
	}
}

// serve wraps a resource handler: it checks the vendor Accept header, holds the lock while the
// handler reads the data, and writes JSON or a Ladok error body.
func (s *Server) serve(service string, h func(r *http.Request) (any, int)) http.HandlerFunc {
	want := ladok.MediaType(service)
	return func(w http.ResponseWriter, r *http.Request) {
		if !accepts(r.Header.Get("Accept"), want) {
			writeFel(w, http.StatusNotAcceptable, "ladoktest.accept", "Accept must name "+want)
			return
		}
		s.mu.Lock()
		v, status := h(r)
		var body []byte
		var err error
		if status == http.StatusOK {
			body, err = json.Marshal(v)
		}
		s.mu.Unlock()
		switch {
		case status == http.StatusNotFound:
			writeFel(w, status, "ladoktest.saknas", "resursen finns inte")
		case status == http.StatusBadRequest:
			msg := "felaktig fråga"
			if e, ok := v.(string); ok {
				msg = e
			}
			writeFel(w, status, "ladoktest.felaktig_fraga", msg)
		case status != http.StatusOK || err != nil:
			writeFel(w, http.StatusInternalServerError, "ladoktest.internt", "internt fel")
		default:
			w.Header().Set("Content-Type", want)
			_, _ = w.Write(body)
		}
	}
}

// accepts reports whether an Accept header names the media type exactly (Ladok ignores
// wildcards for its vendor types).
func accepts(header, want string) bool {
	for _, part := range strings.Split(header, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err == nil && strings.EqualFold(mt, want) {
			return true
		}
	}
	return false
}

// Searches page with page (from 1) and limit (1..400) and insist on an explicit order, as the
// client must send one for stable pages.

func pageBounds(page, limit, n int) (lo, hi int, ok bool) {
	if page < 1 || limit < 1 || limit > 400 {
		return 0, 0, false
	}
	lo = min((page-1)*limit, n)
	return lo, min(lo+limit, n), true
}

func (d *restData) searchOrganisations(r *http.Request) (any, int) {
	var p ladok.SearchOrganisationsParams
	if err := apiquery.Decode(r.URL.Query(), &p, true); err != nil {
		return err.Error(), http.StatusBadRequest
	}
	if len(p.Orderby) == 0 {
		return "orderby saknas", http.StatusBadRequest
	}
	var all []ladok.Organisation
	for _, o := range d.orgs {
		if (p.Organisationskod == "" || o.Organisationskod == p.Organisationskod) &&
			(p.Organisationsenhetstyp == 0 || o.Organisationsenhetstyp == p.Organisationsenhetstyp) {
			all = append(all, o)
		}
	}
	slices.SortFunc(all, func(a, b ladok.Organisation) int {
		c := cmp.Compare(a.Organisationskod, b.Organisationskod)
		if p.Orderby[0] == ladok.OrganisationOrderByKodDesc {
			c = -c
		}
		return cmp.Or(c, cmp.Compare(a.UID, b.UID))
	})
	lo, hi, ok := pageBounds(p.Page, p.Limit, len(all))
	if !ok {
		return "page och limit måste anges (limit högst 400)", http.StatusBadRequest
	}
	return ladok.OrganisationSokresultat{TotaltAntalPoster: len(all), Resultat: all[lo:hi]}, 200
}

func (d *restData) searchOfferings(r *http.Request) (any, int) {
	var p ladok.SearchUtbildningstillfallenParams
	if err := apiquery.Decode(r.URL.Query(), &p, true); err != nil {
		return err.Error(), http.StatusBadRequest
	}
	if len(p.Orderby) == 0 {
		return "orderby saknas", http.StatusBadRequest
	}
	var all []ladok.Utbildningstillfalle
	for _, o := range d.offerings {
		if (p.OrganisationUID == "" || o.OrganisationUID == p.OrganisationUID) &&
			(p.Utbildningstillfalleskod == "" || o.Utbildningstillfalleskod == p.Utbildningstillfalleskod) &&
			(p.Utbildningskod == "" || o.Utbildningskod == p.Utbildningskod) &&
			(p.StartperiodID == 0 || o.StartperiodID == p.StartperiodID) &&
			(len(p.UtbildningstypID) == 0 || slices.Contains(p.UtbildningstypID, o.UtbildningstypID)) {
			all = append(all, o)
		}
	}
	start := func(o ladok.Utbildningstillfalle) string {
		if len(o.Tillfallesperioder) > 0 {
			return o.Tillfallesperioder[0].ForstaUndervisningsdatum
		}
		return ""
	}
	slices.SortFunc(all, func(a, b ladok.Utbildningstillfalle) int {
		for _, ob := range p.Orderby {
			var c int
			switch ob {
			case ladok.UtbildningstillfalleOrderByStartdatumAsc, ladok.UtbildningstillfalleOrderByStartdatumDesc:
				c = cmp.Compare(start(a), start(b))
			case ladok.UtbildningstillfalleOrderByUtbildningskodAsc, ladok.UtbildningstillfalleOrderByUtbildningskodDesc:
				c = cmp.Compare(a.Utbildningskod, b.Utbildningskod)
			default:
				c = cmp.Compare(a.Utbildningstillfalleskod, b.Utbildningstillfalleskod)
			}
			if strings.HasSuffix(string(ob), "_DESC") {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.UID, b.UID)
	})
	lo, hi, ok := pageBounds(p.Page, p.Limit, len(all))
	if !ok {
		return "page och limit måste anges (limit högst 400)", http.StatusBadRequest
	}
	return ladok.UtbildningstillfalleSokresultat{TotaltAntalPoster: len(all), Resultat: all[lo:hi]}, 200
}

func (d *restData) searchDeltagare(r *http.Request) (any, int) {
	var f ladok.DeltagareKurstillfalleFilter
	if err := json.NewDecoder(io.LimitReader(r.Body, 1<<20)).Decode(&f); err != nil {
		return "felaktig filterkropp", http.StatusBadRequest
	}
	if len(f.Orderby) == 0 {
		return "orderby saknas", http.StatusBadRequest
	}
	var all []ladok.Deltagare
	for _, uid := range f.UtbildningstillfalleUID {
		for _, x := range d.participants[uid] {
			if len(f.Deltagaretillstand) > 0 && !slices.Contains(f.Deltagaretillstand, ladok.Deltagaretillstand(x.TillstandKurs.Tillfallesdeltagande)) {
				continue
			}
			all = append(all, x)
		}
	}
	slices.SortFunc(all, func(a, b ladok.Deltagare) int {
		for _, ob := range f.Orderby {
			var c int
			switch {
			case strings.HasPrefix(string(ob), "EFTERNAMN"):
				c = cmp.Compare(a.Student.Efternamn, b.Student.Efternamn)
			case strings.HasPrefix(string(ob), "FORNAMN"):
				c = cmp.Compare(a.Student.Fornamn, b.Student.Fornamn)
			case strings.HasPrefix(string(ob), "PERSONNUMMER"):
				c = cmp.Compare(a.Student.Personnummer, b.Student.Personnummer)
			}
			if strings.HasSuffix(string(ob), "_DESC") {
				c = -c
			}
			if c != 0 {
				return c
			}
		}
		return cmp.Compare(a.UID, b.UID)
	})
	lo, hi, ok := pageBounds(f.Page, f.Limit, len(all))
	if !ok {
		return "page och limit måste anges (limit högst 400)", http.StatusBadRequest
	}
	return ladok.DeltagareSokresultat{TotaltAntalPoster: len(all), Resultat: all[lo:hi]}, 200
}
