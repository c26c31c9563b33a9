package synth

import (
	"strconv"
	"strings"
	"time"

	"github.com/edusync/edusync/internal/translit"
)

// Generate makes the population opts describe. It validates opts first and returns every
// problem at once. The result depends only on opts: the same options give byte-identical
// output on any machine (compare Population.WriteTo or Population.Hash).
func Generate(opts Options) (*Population, error) {
	o, err := opts.withDefaults()
	if err != nil {
		return nil, err
	}
	g := newGen(o)
	if err := g.schools(); err != nil {
		return nil, err
	}
	if err := g.university(); err != nil {
		return nil, err
	}
	g.finish()
	g.exams()
	return g.pop, nil
}

// gen is the state of one generation (or of one NextDay, which reuses the person factory).
type gen struct {
	o     Options
	c     *country
	r     *rng // decisions
	ids   *rng // IDs only, so adding a decision does not shift every ID
	pop   *Population
	civic *civicAlloc
	// unique local parts of e-mail addresses and EPPNs
	emails map[string]uint32
	eppns  map[string]uint32

	pProtected, pCoord, pEPPN, pNoEmail, pHard prob
	pNoEmailGuardian                           prob // 3 × NoEmailShare + 10%

	syStart, syEnd Date // the current school year
	principal      ID
	// persons [univFrom, univTo) are university students (their e-mails are on student.<Domain>)
	univFrom, univTo int
	offIdx           map[ID]int32
	eppnUsed         map[string]bool // NextDay: EPPNs of the earlier population
}

// streams of the seed (fixed forever: changing one changes every population)
const (
	streamMain = iota + 1
	streamIDs
	streamNextDay
	streamNextDayIDs
	streamExams
	streamExamIDs
	streamExamDay
	streamExamDayIDs
)

func newGen(o Options) *gen {
	pop := &Population{Options: o, Today: o.Today}
	g := &gen{
		o: o, c: countryData(o.Country), pop: pop,
		r:          newRNG(o.Seed, streamMain),
		ids:        newRNG(o.Seed, streamIDs),
		civic:      newCivicAlloc(o.Country),
		emails:     make(map[string]uint32),
		eppns:      make(map[string]uint32),
		pProtected: probOf(o.ProtectedShare),
		pCoord:     probOf(o.CoordinationShare),
		pEPPN:      probOf(o.EPPNShare),
		pNoEmail:   probOf(o.NoEmailShare),
		pHard:      probOf(o.HardShare),
	}
	g.pNoEmailGuardian = guardianNoEmail(o)
	g.syStart, g.syEnd = schoolYear(o.Country, o.Today)
	// room for what is coming, so the large slices never grow by copying
	pop.Persons = make([]Person, 0, o.Students+o.Staff+o.Guardians+o.UniversityStudents+o.UniversityStaff)
	pop.Enrolments = make([]Enrolment, 0, o.Students)
	pop.Guardianships = make([]Guardianship, 0, min(2*o.Guardians, o.Students+o.Guardians)+16)
	pop.Duties = make([]Duty, 0, o.Staff+o.Staff/32+o.UniversityStaff+16)
	pop.Groups = make([]Group, 0, o.Groups)
	pop.Memberships = make([]Membership, 0, o.Memberships+o.Memberships/32+o.Staff+16)
	pop.Admissions = make([]Admission, 0, o.Registrations+o.UniversityStudents/2+16)
	pop.Registrations = make([]Registration, 0, o.Registrations)
	return g
}

// schoolYear returns the first and last day of the school year that contains d (Sweden: 1 July
// to 30 June; Germany and Norway: 1 August to 31 July).
func schoolYear(c Country, d Date) (Date, Date) {
	m := time.August
	if c == Sweden {
		m = time.July
	}
	y := d.Year()
	if d.Month() < m {
		y--
	}
	start := NewDate(y, m, 1)
	return start, NewDate(y+1, m, 1).AddDays(-1)
}

// SchoolYearStart returns the first day of the school year that contains d in country c
// (Sweden: 1 July; Germany and Norway: 1 August). NextDay renames groups when it reaches it.
func SchoolYearStart(c Country, d Date) Date { s, _ := schoolYear(c, d); return s }

// ---- persons ----

// newPerson appends a person with names, birth data and identity number and returns its index.
// family may be "" for a fresh family name. E-mail and EPPN come later (finish).
func (g *gen) newPerson(role Role, sex Sex, birth Date, family string) int {
	r := g.r
	if sex == SexUnknown {
		sex = Female
		if r.intn(2) == 0 {
			sex = Male
		}
		if g.o.Country == Germany && r.intn(1000) < 2 {
			sex = SexOther
		}
	}
	p := Person{ID: g.ids.id(), Sex: sex, Roles: role, BirthDate: birth}
	p.GivenName = g.givenNames(sex)
	if family == "" {
		family = g.familyName()
	}
	p.FamilyName = family
	coord := r.chance(g.pCoord)
	if coord || r.pct(8) {
		p.BirthPlace = g.c.abroad[r.skewed(len(g.c.abroad))]
	} else {
		p.BirthPlace = g.c.places[r.skewed(len(g.c.places))]
	}
	g.assignCivic(&p, coord)
	if r.chance(g.pProtected) {
		p.Security = SecurityConfidential
		if r.intn(100) < 15 {
			p.Security = SecurityProtected
		}
	}
	g.pop.Persons = append(g.pop.Persons, p)
	return len(g.pop.Persons) - 1
}

// assignCivic gives p an identity number for its birth date, moving the date by a day when
// every number of that day is taken (never happens at realistic sizes).
func (g *gen) assignCivic(p *Person, coord bool) {
	if g.o.Country == Germany {
		p.CivicNo, p.CivicNoKind = "", NoCivicNo
		return
	}
	sex := p.Sex
	if sex != Male {
		sex = Female
	}
	for {
		s, k := g.civic.next(p.BirthDate, sex, coord)
		if s != "" {
			p.CivicNo, p.CivicNoKind = s, k
			return
		}
		p.BirthDate = p.BirthDate.AddDays(1)
	}
}

func (g *gen) givenNames(sex Sex) string {
	names := g.c.female
	if sex == Male || (sex == SexOther && g.r.intn(2) == 0) {
		names = g.c.male
	}
	n := 1
	switch x := g.r.intn(100); {
	case x < 15:
		n = 3
	case x < 55:
		n = 2
	}
	if g.o.Country == Germany && n == 3 {
		n = 2
	}
	first := names[g.r.skewed(len(names))]
	if n == 1 {
		return first
	}
	var b strings.Builder
	b.WriteString(first)
	for i := 1; i < n; i++ {
		x := names[g.r.intn(len(names))]
		if x == first {
			continue
		}
		b.WriteByte(' ')
		b.WriteString(x)
	}
	return b.String()
}

func (g *gen) familyName() string {
	f := g.c.family
	name := f[g.r.skewed(len(f))]
	if g.r.intn(100) < 3 { // double family names: "Lindqvist Öberg", "Schmidt-Öztürk"
		second := f[g.r.intn(len(f))]
		if second != name && !strings.Contains(second, " ") && !strings.Contains(name, " ") {
			sep := " "
			if g.o.Country != Sweden {
				sep = "-"
			}
			name = name + sep + second
		}
	}
	return name
}

// birthDate returns a random day in the given year.
func (g *gen) birthDate(year int) Date {
	days := 365
	if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
		days = 366
	}
	return DateOf(time.Date(year, 1, 1+g.r.intn(days), 0, 0, 0, 0, time.UTC))
}

// ascii makes an e-mail-safe lower-case word of a name ("Åsa-Lena" -> "asa-lena", "Ødegård" -> "odegard").
func (g *gen) ascii(s string) string {
	style := translit.Plain
	if g.o.Country == Germany {
		style = translit.German
	}
	a := translit.ASCII(s, style)
	b := make([]byte, 0, len(a))
	for i := 0; i < len(a); i++ {
		c := a[i]
		switch {
		case c >= 'A' && c <= 'Z':
			b = append(b, c+32)
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9', c == '-':
			b = append(b, c)
		}
	}
	return string(b)
}

// contact gives p an e-mail address and EPPN as its roles call for; used for new persons.
func (g *gen) contact(p *Person, domain string, univ bool) {
	r := g.r
	given := g.ascii(firstWord(p.GivenName))
	family := g.ascii(strings.ReplaceAll(p.FamilyName, " ", ""))
	if given == "" {
		given = "x"
	}
	if family == "" {
		family = "x"
	}
	if p.Roles == RoleStudent && g.o.Today.Year()-p.BirthDate.Year() < 6 {
		return // preschool children have neither
	}
	if p.Roles&(RoleStudent|RoleStaff) != 0 {
		if !r.chance(g.pNoEmail) {
			local := given + "." + family
			dom := domain
			if univ && p.Roles&RoleStaff == 0 {
				dom = "student." + domain
			} else if p.Roles&RoleStaff == 0 && g.o.Country != Germany {
				dom = "elev." + domain
				if g.o.Country == Norway {
					dom = "skole." + domain
				}
			}
			p.Email = g.unique(g.emails, local+"@"+dom, local, "@"+dom)
		} else {
			p.Flags |= FlagNoEmail
		}
		if r.chance(g.pEPPN) {
			prefix := (given + "xx")[:2] + (family + "xx")[:2]
			prefix = strings.ReplaceAll(prefix, "-", "x")
			// four digits that look random but never repeat for a prefix
			h := uint32(2166136261)
			for i := 0; i < len(prefix); i++ {
				h = (h ^ uint32(prefix[i])) * 16777619
			}
			for {
				n := g.eppns[prefix]
				g.eppns[prefix] = n + 1
				e := prefix + strconv.Itoa(1000+int((n*7919+h%9000)%9000)) + "@" + domain
				if n >= 9000 {
					e = prefix + strconv.Itoa(10000+int(n)) + "@" + domain
				}
				if g.eppnUsed == nil || !g.eppnUsed[e] {
					p.EPPN = e
					break
				}
			}
		}
		return
	}
	// guardians: private addresses, more often missing
	if r.chance(g.pNoEmailGuardian) {
		p.Flags |= FlagNoEmail
		return
	}
	dom := g.c.mail[r.intn(len(g.c.mail))]
	local := given + "." + family
	if r.intn(3) == 0 {
		yy := p.BirthDate.Year() % 100
		local = given + family + string(rune('0'+yy/10)) + string(rune('0'+yy%10))
	}
	p.Email = g.unique(g.emails, local+"@"+dom, local, "@"+dom)
}

func guardianNoEmail(o Options) prob { return probOf(float64(3*o.NoEmailShare) + 0.1) }

// unique returns full if it is unused, else local + a number + suffix.
func (g *gen) unique(m map[string]uint32, full, local, suffix string) string {
	n, ok := m[full]
	m[full] = n + 1
	if !ok {
		return full
	}
	for {
		n++
		cand := local + strconv.Itoa(int(n)+1) + suffix
		if _, taken := m[cand]; !taken {
			m[cand] = 0
			m[full] = n
			return cand
		}
	}
}

func firstWord(s string) string {
	if i := strings.IndexByte(s, ' '); i >= 0 {
		return s[:i]
	}
	return s
}

// ---- hard cases ----

// hardCases turns a share of the persons in [from, to) into hard cases.
func (g *gen) hardCases(from, to int) {
	n := to - from
	if n < 4 || g.pHard == 0 {
		return
	}
	persons := g.pop.Persons
	count := int(float64(n) * g.o.HardShare)
	if count == 0 && g.o.HardShare > 0 {
		count = 1
	}
	for i := 0; i < count; i++ {
		a := from + g.r.intn(n)
		pa := &persons[a]
		if pa.Flags&(FlagTwin|FlagDuplicateName|FlagMissingBirthPlace|FlagTypo) != 0 {
			continue
		}
		switch i % 4 {
		case 0, 1: // a person elsewhere with the same names (and for twins the same birth date)
			b := a + 1 + g.r.intn(8)
			for ; b < to && (persons[b].Sex != pa.Sex || persons[b].Roles != pa.Roles || persons[b].Flags != 0); b++ {
			}
			if b >= to || persons[b].BirthDate.Year() != pa.BirthDate.Year() {
				continue
			}
			pb := &persons[b]
			pb.GivenName, pb.FamilyName = pa.GivenName, pa.FamilyName
			if i%4 == 0 {
				pb.BirthDate = pa.BirthDate
				g.assignCivic(pb, pb.CivicNoKind == Samordningsnummer || pb.CivicNoKind == DNumber)
				pa.Flags |= FlagTwin
				pb.Flags |= FlagTwin
			} else if pb.BirthDate != pa.BirthDate {
				pa.Flags |= FlagDuplicateName
				pb.Flags |= FlagDuplicateName
			}
		case 2:
			pa.BirthPlace = ""
			pa.Flags |= FlagMissingBirthPlace
		case 3:
			field, intended := "FamilyName", pa.FamilyName
			if g.r.intn(2) == 0 {
				field, intended = "GivenName", pa.GivenName
			}
			typo := g.typo(intended)
			if typo == intended {
				continue
			}
			if field == "FamilyName" {
				pa.FamilyName = typo
			} else {
				pa.GivenName = typo
			}
			pa.Flags |= FlagTypo
			g.pop.Typos = append(g.pop.Typos, Typo{Person: pa.ID, Field: field, Intended: intended})
		}
	}
}

// typo returns s with one typing error: two neighbouring letters swapped, a letter doubled or
// a letter dropped (never the first letter, never across a space or hyphen).
func (g *gen) typo(s string) string {
	rs := []rune(s)
	if len(rs) < 4 {
		return s
	}
	i := 1 + g.r.intn(len(rs)-2)
	if rs[i] == ' ' || rs[i] == '-' || rs[i+1] == ' ' || rs[i+1] == '-' {
		return s
	}
	switch g.r.intn(3) {
	case 0:
		if rs[i] == rs[i+1] {
			return s
		}
		rs[i], rs[i+1] = rs[i+1], rs[i]
	case 1:
		rs = append(rs[:i+1], rs[i:]...)
	default:
		rs = append(rs[:i], rs[i+1:]...)
	}
	return string(rs)
}

// finish gives every person without contact data its e-mail and EPPN and sets the roles.
func (g *gen) finish() {
	for i := range g.pop.Persons {
		p := &g.pop.Persons[i]
		g.contact(p, g.o.Domain, g.univStudent(i))
	}
}

// univStudent reports whether person i is a university student (they come after school persons).
func (g *gen) univStudent(i int) bool { return i >= g.univFrom && i < g.univTo }
