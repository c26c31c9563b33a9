package synth

import (
	"strconv"
	"strings"
	"time"
)

// field is a subject area: department names and course and programme names are made from it.
type field struct{ sv, en, de, no, code string }

var fields = []field{
	{"datavetenskap", "Computer Science", "Informatik", "informatikk", "DA"},
	{"matematik", "Mathematics", "Mathematik", "matematikk", "MA"},
	{"fysik", "Physics", "Physik", "fysikk", "FY"},
	{"kemi", "Chemistry", "Chemie", "kjemi", "KE"},
	{"biologi", "Biology", "Biologie", "biologi", "BI"},
	{"historia", "History", "Geschichte", "historie", "HI"},
	{"nationalekonomi", "Economics", "Volkswirtschaftslehre", "samfunnsøkonomi", "NE"},
	{"företagsekonomi", "Business Administration", "Betriebswirtschaftslehre", "bedriftsøkonomi", "FE"},
	{"juridik", "Law", "Rechtswissenschaft", "rettsvitenskap", "JU"},
	{"psykologi", "Psychology", "Psychologie", "psykologi", "PS"},
	{"sociologi", "Sociology", "Soziologie", "sosiologi", "SO"},
	{"statsvetenskap", "Political Science", "Politikwissenschaft", "statsvitenskap", "SV"},
	{"lingvistik", "Linguistics", "Linguistik", "lingvistikk", "LI"},
	{"filosofi", "Philosophy", "Philosophie", "filosofi", "FI"},
	{"pedagogik", "Education", "Erziehungswissenschaft", "pedagogikk", "PE"},
	{"medicin", "Medicine", "Medizin", "medisin", "ME"},
	{"omvårdnad", "Nursing", "Pflegewissenschaft", "sykepleie", "OM"},
	{"geovetenskap", "Earth Sciences", "Geowissenschaften", "geofag", "GE"},
	{"elektroteknik", "Electrical Engineering", "Elektrotechnik", "elektroteknikk", "EL"},
	{"maskinteknik", "Mechanical Engineering", "Maschinenbau", "maskinteknikk", "MT"},
	{"musikvetenskap", "Musicology", "Musikwissenschaft", "musikkvitenskap", "MU"},
	{"konstvetenskap", "Art History", "Kunstgeschichte", "kunsthistorie", "KO"},
	{"miljövetenskap", "Environmental Science", "Umweltwissenschaften", "miljøvitenskap", "MV"},
	{"statistik", "Statistics", "Statistik", "statistikk", "ST"},
	{"svenska språket", "Swedish Language", "Skandinavistik", "nordisk språk", "SK"},
	{"engelska", "English", "Anglistik", "engelsk", "EN"},
	{"tyska", "German", "Germanistik", "tysk", "TY"},
	{"arkeologi", "Archaeology", "Archäologie", "arkeologi", "AR"},
	{"socialt arbete", "Social Work", "Soziale Arbeit", "sosialt arbeid", "SA"},
	{"religionsvetenskap", "Religious Studies", "Religionswissenschaft", "religionsvitenskap", "RV"},
}

// course topics: Swedish, English and Norwegian name patterns; %s is the field
var topics = []struct{ sv, en, no string }{
	{"Introduktion till %s", "Introduction to %s", "Introduksjon til %s"},
	{"%s I", "%s I", "%s I"},
	{"%s II", "%s II", "%s II"},
	{"%s, fortsättningskurs", "%s, Intermediate Course", "%s, videregående emne"},
	{"%s, fördjupningskurs", "%s, Advanced Course", "%s, fordypningsemne"},
	{"Metoder inom %s", "Methods in %s", "Metoder i %s"},
	{"Examensarbete i %s", "Degree Project in %s", "Bacheloroppgave i %s"},
	{"Vetenskapsteori för %s", "Philosophy of Science for %s", "Vitenskapsteori for %s"},
	{"Tillämpad %s", "Applied %s", "Anvendt %s"},
	{"Aktuell forskning i %s", "Current Research in %s", "Aktuell forskning i %s"},
	{"Kvantitativa metoder i %s", "Quantitative Methods in %s", "Kvantitative metoder i %s"},
	{"Kvalitativa metoder i %s", "Qualitative Methods in %s", "Kvalitative metoder i %s"},
	{"%s och samhälle", "%s and Society", "%s og samfunn"},
	{"Etik inom %s", "Ethics in %s", "Etikk i %s"},
	{"%s för lärare", "%s for Teachers", "%s for lærere"},
	{"Projektkurs i %s", "Project Course in %s", "Prosjektemne i %s"},
}

// terms returns the current term's name and dates and the previous term's, for day d.
// Autumn (HT) runs from the Monday closest to 1 September to mid-January, spring (VT) from
// mid-January to early June.
func terms(d Date) (cur, prev termInfo) {
	y := d.Year()
	ht := func(y int) termInfo {
		return termInfo{"HT" + strconv.Itoa(y), mondayNear(NewDate(y, time.August, 31)), mondayNear(NewDate(y+1, time.January, 18)).AddDays(-1)}
	}
	vt := func(y int) termInfo {
		return termInfo{"VT" + strconv.Itoa(y), mondayNear(NewDate(y, time.January, 18)), mondayNear(NewDate(y, time.June, 5)).AddDays(-1)}
	}
	switch {
	case d >= ht(y).start:
		return ht(y), vt(y)
	case d >= vt(y).start:
		return vt(y), ht(y - 1)
	default:
		return ht(y - 1), vt(y - 1)
	}
}

type termInfo struct {
	name       string
	start, end Date
}

func mondayNear(d Date) Date {
	wd := int(d.Time().Weekday()) // Sunday 0
	shift := (8 - wd) % 7         // days to the next Monday
	if shift > 3 {
		shift -= 7
	}
	return d.AddDays(shift)
}

func (g *gen) fieldName(f field) string {
	switch g.o.Country {
	case Germany:
		return f.de
	case Norway:
		return f.no
	}
	return f.sv
}

func capitalise(s string) string {
	for i, r := range s {
		return strings.ToUpper(string(r)) + s[i+len(string(r)):]
	}
	return s
}

// university makes the university: departments, staff, course offerings in the current and
// previous term, programmes and their intakes, students with admissions and registrations.
func (g *gen) university() error {
	o := g.o
	if o.Departments == 0 && o.UniversityStudents == 0 {
		return nil
	}
	pop := g.pop
	r := g.r
	uni := Organisation{ID: g.ids.id(), Type: OrgUniversity, Name: countryData(o.Country).university,
		Code: g.orgNumber(), MunicipalityCode: g.c.municipalityCode, Email: "registrator@" + o.Domain}
	if o.SchoolUnits == 0 {
		uni.Name = o.PrincipalName
	}
	pop.Organisations = append(pop.Organisations, uni)
	// departments
	deps := make([]int, o.Departments)
	for i := range deps {
		f := fields[i%len(fields)]
		name := map[Country]string{Sweden: "Institutionen för ", Germany: "Institut für ", Norway: "Institutt for "}[o.Country] + g.fieldName(f)
		code := f.code
		if i >= len(fields) {
			name += " " + strconv.Itoa(i/len(fields)+1)
			code += strconv.Itoa(i/len(fields) + 1)
		}
		deps[i] = len(pop.Organisations)
		pop.Organisations = append(pop.Organisations, Organisation{ID: g.ids.id(), Parent: uni.ID, Type: OrgDepartment,
			Name: name, Code: code, MunicipalityCode: g.c.municipalityCode})
	}
	// staff
	syYear := g.syStart.Year()
	staffOf := make([][]ID, len(deps))
	for i := 0; i < o.UniversityStaff; i++ {
		di := i % len(deps)
		pi := g.newPerson(RoleStaff, SexUnknown, g.birthDate(syYear-r.between(27, 67)), "")
		role := DutyTeacher
		if r.intn(100) < 8 {
			role = DutyAdministrator
		}
		pop.Duties = append(pop.Duties, Duty{ID: g.ids.id(), Person: pop.Persons[pi].ID, Organisation: pop.Organisations[deps[di]].ID,
			Role: role, Percent: 100, Start: g.birthDate(syYear - r.intn(20)).max(pop.Persons[pi].BirthDate.AddDays(365 * 26)).min(o.Today)})
		if role == DutyTeacher {
			staffOf[di] = append(staffOf[di], pop.Persons[pi].ID)
		}
	}
	// course offerings: about 60% in the current term, the rest in the previous one; courses
	// of the previous term mostly run again now
	cur, prev := terms(o.Today)
	nCur := (o.CourseOfferings*6 + 9) / 10
	type course struct {
		code, sv, en string
		credits      float64
		dep          int
	}
	var courses []course
	codeUsed := map[string]bool{}
	offCode := map[string]bool{}
	newCourse := func() course {
		di := r.intn(len(deps))
		f := fields[di%len(fields)]
		t := topics[r.intn(len(topics))]
		fn := g.fieldName(f)
		c := course{dep: di, sv: capitalise(strings.Replace(t.sv, "%s", f.sv, 1)), en: strings.Replace(t.en, "%s", f.en, 1)}
		switch o.Country {
		case Norway:
			c.sv = capitalise(strings.Replace(t.no, "%s", fn, 1))
		case Germany:
			c.sv = capitalise(strings.Replace(t.sv, "%s", fn, 1))
		}
		switch x := r.intn(100); {
		case x < 60:
			c.credits = 7.5
		case x < 85:
			c.credits = 15
		case x < 93:
			c.credits = 3
		default:
			c.credits = 30
		}
		for {
			code := pop.Organisations[deps[di]].Code[:2] + strconv.Itoa(1000+r.intn(9000))
			if !codeUsed[code] {
				codeUsed[code] = true
				c.code = code
				break
			}
		}
		return c
	}
	offeringsCur := []int{}
	started := []int{} // current offerings that have started: students register on these
	offeringsPrev := []int{}
	for i := 0; i < o.CourseOfferings; i++ {
		t := cur
		if i >= nCur {
			t = prev
		}
		var c course
		if i >= nCur && len(courses) > 0 && r.intn(100) < 70 {
			c = courses[r.intn(len(courses))] // the same course ran last term
		} else {
			c = newCourse()
			courses = append(courses, c)
		}
		off := CourseOffering{ID: g.ids.id(), CourseCode: c.code, NameSV: c.sv, NameEN: c.en, Credits: c.credits,
			Term: t.name, Start: t.start, End: t.end, Pace: 50, Department: pop.Organisations[deps[c.dep]].ID}
		if c.credits <= 7.5 || r.intn(2) == 0 { // half-term courses at full pace
			off.Pace = 100
			mid := t.start.AddDays(int(t.end.Time().Sub(t.start.Time()).Hours()/24) / 2)
			if r.intn(2) == 0 {
				off.End = mid
			} else {
				off.Start = mondayNear(mid.AddDays(1))
			}
		}
		for {
			code := strconv.Itoa(10000 + r.intn(90000))
			if !offCode[t.name+code] {
				offCode[t.name+code] = true
				off.OfferingCode = code
				break
			}
		}
		teachers := staffOf[c.dep]
		if len(teachers) == 0 {
			for _, s := range staffOf {
				if len(s) > 0 {
					teachers = s
					break
				}
			}
		}
		if len(teachers) > 0 {
			n := 1 + r.intn(3)
			for k := 0; k < n && k < len(teachers); k++ {
				id := teachers[r.intn(len(teachers))]
				dup := false
				for _, x := range off.Teachers {
					dup = dup || x == id
				}
				if !dup {
					off.Teachers = append(off.Teachers, id)
				}
			}
		}
		if i < nCur {
			offeringsCur = append(offeringsCur, len(pop.CourseOfferings))
			if off.Start <= o.Today {
				started = append(started, len(pop.CourseOfferings))
			}
		} else {
			offeringsPrev = append(offeringsPrev, len(pop.CourseOfferings))
		}
		pop.CourseOfferings = append(pop.CourseOfferings, off)
	}
	// programmes and their intakes
	progCode := map[string]bool{}
	for i := 0; i < o.Programmes; i++ {
		di := r.intn(len(deps))
		f := fields[di%len(fields)]
		level := r.intn(3)
		pr := Programme{ID: g.ids.id(), Department: pop.Organisations[deps[di]].ID}
		switch level {
		case 0:
			pr.NameSV, pr.NameEN, pr.Credits = "Kandidatprogram i "+f.sv, "Bachelor's Programme in "+f.en, 180
		case 1:
			pr.NameSV, pr.NameEN, pr.Credits = "Masterprogram i "+f.sv, "Master's Programme in "+f.en, 120
		default:
			pr.NameSV, pr.NameEN, pr.Credits = "Civilingenjörsprogram i "+f.sv, "Degree Programme in "+f.en, 300
		}
		if o.Country != Sweden {
			pr.NameSV = map[Country]string{Germany: "Studiengang ", Norway: "Studieprogram i "}[o.Country] + g.fieldName(f)
		}
		for k := 0; ; k++ {
			code := strings.ToUpper(g.ascii(f.code)) + [...]string{"KAN", "MAS", "CIV"}[level]
			if k > 0 {
				code += strconv.Itoa(k)
			}
			if !progCode[code] {
				progCode[code] = true
				pr.Code = code
				break
			}
		}
		pop.Programmes = append(pop.Programmes, pr)
	}
	for i := 0; i < o.ProgrammeOfferings; i++ {
		pi := i % len(pop.Programmes)
		if i >= len(pop.Programmes) {
			pi = r.intn(len(pop.Programmes))
		}
		year := cur.start.Year() - r.intn(3)
		if i < len(pop.Programmes) {
			year = cur.start.Year()
		}
		po := ProgrammeOffering{ID: g.ids.id(), Programme: pop.Programmes[pi].ID, Term: "HT" + strconv.Itoa(year),
			Start: mondayNear(NewDate(year, time.August, 31))}
		for {
			code := strconv.Itoa(10000 + r.intn(90000))
			if !offCode[po.Term+code] {
				offCode[po.Term+code] = true
				po.Code = code
				break
			}
		}
		for k := 0; k < 2 && len(offeringsCur) > 0; k++ {
			c := pop.CourseOfferings[offeringsCur[r.intn(len(offeringsCur))]].ID
			if len(po.Courses) == 0 || po.Courses[0] != c {
				po.Courses = append(po.Courses, c)
			}
		}
		pop.ProgrammeOfferings = append(pop.ProgrammeOfferings, po)
	}
	// students, admissions, registrations
	g.univFrom = len(pop.Persons)
	remR := o.Registrations
	for i := 0; i < o.UniversityStudents; i++ {
		age := 19 + r.skewed(12)
		if r.intn(10) == 0 {
			age = 25 + r.intn(35)
		}
		pi := g.newPerson(RoleStudent, SexUnknown, g.birthDate(syYear-age), "")
		p := &pop.Persons[pi]
		if r.intn(100) < 2 && o.Country != Germany { // exchange students without a national number
			p.CivicNo, p.CivicNoKind = "", NoCivicNo
		}
		// registrations for this student: spread what is left evenly over the students left
		left := o.UniversityStudents - i
		n := remR / left
		if r.intn(left) < remR%left {
			n++
		}
		remR -= n
		var taken []ID
		if len(pop.ProgrammeOfferings) > 0 && r.intn(100) < 40 {
			po := &pop.ProgrammeOfferings[r.intn(len(pop.ProgrammeOfferings))]
			pop.Admissions = append(pop.Admissions, Admission{ID: g.ids.id(), Person: p.ID, Kind: AdmittedToProgramme,
				Offering: po.ID, Date: po.Start.AddDays(-60 - r.intn(30))})
			for _, c := range po.Courses {
				if len(taken) < n && g.offering(c).Start <= o.Today {
					taken = append(taken, c)
				}
			}
		}
		for tries := 0; len(taken) < n && tries < 20*n; tries++ {
			var c ID
			switch {
			case len(offeringsPrev) > 0 && (r.intn(100) < 35 || len(started) == 0):
				c = pop.CourseOfferings[offeringsPrev[r.intn(len(offeringsPrev))]].ID
			case len(started) > 0:
				c = pop.CourseOfferings[started[r.intn(len(started))]].ID
			default:
				continue
			}
			dup := false
			for _, x := range taken {
				dup = dup || x == c
			}
			if !dup {
				taken = append(taken, c)
			}
		}
		remR += n - len(taken)
		for _, c := range taken {
			off := g.offering(c)
			adm := off.Start.AddDays(-30 - r.intn(60))
			pop.Admissions = append(pop.Admissions, Admission{ID: g.ids.id(), Person: p.ID, Kind: AdmittedToCourse, Offering: c, Date: adm})
			reg := off.Start.AddDays(-7 + r.intn(14)).min(o.Today)
			pop.Registrations = append(pop.Registrations, Registration{ID: g.ids.id(), Person: p.ID, CourseOffering: c, Date: reg})
		}
		// admitted to a current course but not (yet) registered (all courses that start later)
		if len(offeringsCur) > 0 && r.intn(100) < 15 {
			c := pop.CourseOfferings[offeringsCur[r.intn(len(offeringsCur))]].ID
			dup := false
			for _, x := range taken {
				dup = dup || x == c
			}
			if !dup {
				pop.Admissions = append(pop.Admissions, Admission{ID: g.ids.id(), Person: p.ID, Kind: AdmittedToCourse,
					Offering: c, Date: g.offering(c).Start.AddDays(-30 - r.intn(60))})
			}
		}
	}
	g.univTo = len(pop.Persons)
	// re-registrations: a registration on a current offering of a course the student took last term
	g.markRepeats()
	g.hardCases(g.univFrom, g.univTo)
	return nil
}

// offering returns the course offering with id (linear in the number of offerings the first
// time; cached after).
func (g *gen) offering(id ID) *CourseOffering {
	if g.offIdx == nil {
		g.offIdx = make(map[ID]int32, len(g.pop.CourseOfferings))
		for i := range g.pop.CourseOfferings {
			g.offIdx[g.pop.CourseOfferings[i].ID] = int32(i)
		}
	}
	return &g.pop.CourseOfferings[g.offIdx[id]]
}

// markRepeats sets Repeat on current-term registrations of a course the student was registered
// on in an earlier term.
func (g *gen) markRepeats() {
	pop := g.pop
	type key struct {
		p    ID
		code string
	}
	first := map[key]string{} // earliest term seen
	cur, _ := terms(g.o.Today)
	for i := range pop.Registrations {
		r := &pop.Registrations[i]
		off := g.offering(r.CourseOffering)
		if off.Term != cur.name {
			first[key{r.Person, off.CourseCode}] = off.Term
		}
	}
	for i := range pop.Registrations {
		r := &pop.Registrations[i]
		off := g.offering(r.CourseOffering)
		if off.Term == cur.name {
			if _, ok := first[key{r.Person, off.CourseCode}]; ok {
				r.Repeat = true
			}
		}
	}
}
