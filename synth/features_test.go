package synth

import (
	"bytes"
	"strings"
	"testing"
	"time"
	"unicode/utf8"
)

// a mid-sized Swedish population with every feature common enough to count
func midPopulation(t *testing.T, c Country) *Population {
	return generate(t, PresetMunicipality, func(o *Options) {
		o.Country = c
		o.SchoolUnits, o.Students, o.Staff, o.Guardians, o.Groups, o.Memberships = 30, 6000, 800, 9800, 1200, 60000
		o.HardShare = 0.02
	})
}

func TestHardCasesAndShares(t *testing.T) {
	for _, c := range []Country{Sweden, Germany, Norway} {
		t.Run(string(c), func(t *testing.T) {
			p := midPopulation(t, c)
			checkIntegrity(t, p)
			checkCivicNumbers(t, p)
			type nameDate struct {
				given, family string
				birth         Date
			}
			sameND := map[nameDate]int{}
			var flags [8]int
			protected, coord, noEPPN, noEmail, multiGiven, diacritics := 0, 0, 0, 0, 0, 0
			for _, pp := range p.Persons {
				sameND[nameDate{pp.GivenName, pp.FamilyName, pp.BirthDate}]++
				for b := 0; b < 8; b++ {
					if pp.Flags&(1<<b) != 0 {
						flags[b]++
					}
				}
				if pp.Security.IsProtected() {
					protected++
				}
				if pp.CivicNoKind == Samordningsnummer || pp.CivicNoKind == DNumber {
					coord++
				}
				if pp.Roles&(RoleStudent|RoleStaff) != 0 && pp.EPPN == "" {
					noEPPN++
				}
				if pp.Email == "" {
					noEmail++
				}
				if pp.Flags&FlagMissingBirthPlace != 0 && pp.BirthPlace != "" {
					t.Errorf("FlagMissingBirthPlace with a birth place")
				}
				if pp.Flags&FlagMissingBirthPlace == 0 && pp.BirthPlace == "" {
					t.Errorf("empty birth place without the flag")
				}
				if len(pp.GivenNames()) > 1 {
					multiGiven++
				}
				name := pp.GivenName + pp.FamilyName
				if utf8.RuneCountInString(name) != len(name) {
					diacritics++
				}
				if pp.Roles&RoleGuardian != 0 && pp.Roles&RoleStaff == 0 && pp.EPPN != "" {
					t.Errorf("guardian with an EPPN")
				}
			}
			twins := 0
			for _, pp := range p.Persons {
				if pp.Flags&FlagTwin != 0 {
					if sameND[nameDate{pp.GivenName, pp.FamilyName, pp.BirthDate}] < 2 {
						t.Errorf("twin flag on %v without a twin", pp.ID)
					}
					twins++
				}
			}
			n := len(p.Persons)
			if twins < 2 || flags[1] < 2 || flags[2] < 1 || flags[3] < 1 {
				t.Errorf("hard cases: twins %d, duplicate names %d, missing birth place %d, typos %d", twins, flags[1], flags[2], flags[3])
			}
			if len(p.Typos) != flags[3] {
				t.Errorf("%d typos listed, %d flagged", len(p.Typos), flags[3])
			}
			x := NewIndex(p)
			for _, ty := range p.Typos {
				pp, ok := x.Person(ty.Person)
				if !ok {
					t.Fatal("typo of a missing person")
				}
				cur := pp.FamilyName
				if ty.Field == "GivenName" {
					cur = pp.GivenName
				}
				if cur == ty.Intended || ty.Intended == "" || pp.Flags&FlagTypo == 0 {
					t.Errorf("typo %q -> %q", cur, ty.Intended)
				}
			}
			if protected < n/400 || protected > n/100 {
				t.Errorf("%d protected of %d, want about 0.5%%", protected, n)
			}
			if c != Germany && (coord < n/400 || coord > n/40) {
				t.Errorf("%d coordination numbers of %d, want about 1%%", coord, n)
			}
			if noEPPN == 0 || noEmail == 0 {
				t.Errorf("everyone has an EPPN (%d without) or e-mail (%d without)", noEPPN, noEmail)
			}
			if multiGiven < n/4 {
				t.Errorf("only %d of %d persons have several given names", multiGiven, n)
			}
			if diacritics < n/20 {
				t.Errorf("only %d of %d names have letters beyond ASCII", diacritics, n)
			}
		})
	}
}

func TestSchoolStructure(t *testing.T) {
	p := midPopulation(t, Sweden)
	x := NewIndex(p)
	codes := map[string]bool{}
	principals := 0
	for _, o := range p.Organisations {
		switch o.Type {
		case OrgPrincipal:
			principals++
		case OrgSchoolUnit:
			if len(o.Code) != 8 || strings.Trim(o.Code, "0123456789") != "" || codes[o.Code] {
				t.Errorf("school-unit code %q", o.Code)
			}
			codes[o.Code] = true
			rektor := 0
			for c := range x.Children(o.ID) {
				t.Errorf("school unit with a child %v", c.Name)
			}
			for _, d := range p.Duties {
				if d.Organisation == o.ID && d.Role == DutyPrincipal {
					rektor++
				}
			}
			if rektor != 1 {
				t.Errorf("%s has %d principals", o.Name, rektor)
			}
		}
	}
	sigs := map[[2]string]bool{}
	for _, d := range p.Duties {
		k := [2]string{d.Organisation.String(), d.Signature}
		if d.Signature == "" || sigs[k] {
			t.Errorf("signature %q not unique in its organisation", d.Signature)
		}
		sigs[k] = true
	}
	if principals != 1 {
		t.Errorf("%d principals", principals)
	}
	// every student is in exactly one class or preschool unit, of its own unit and grade
	for s := range p.Students() {
		var enr *Enrolment
		for e := range x.EnrolmentsOf(s.ID) {
			enr = e
		}
		if enr == nil {
			t.Fatalf("student without enrolment")
		}
		classes := 0
		for m := range x.MembershipsOf(s.ID) {
			g, _ := x.Group(m.Group)
			if g.Type == GroupClass || g.Type == GroupUnit {
				classes++
				if g.Organisation != enr.SchoolUnit || g.SchoolYear != enr.SchoolYear || g.SchoolType != enr.SchoolType {
					t.Fatalf("student in class %s of another unit or grade", g.Name)
				}
			}
		}
		if classes != 1 {
			t.Fatalf("student in %d classes", classes)
		}
		if enr.SchoolYear >= 0 {
			age := p.Today.Year() - s.BirthDate.Year()
			if age < 5 || age > 20 {
				t.Fatalf("student aged %d in grade %d", age, enr.SchoolYear)
			}
		}
	}
	// every group has a teacher or staff member
	for i := range p.Groups {
		g := &p.Groups[i]
		adults := 0
		for m := range x.Members(g.ID) {
			if m.Role != MemberStudent {
				adults++
			}
		}
		if adults == 0 {
			t.Fatalf("group %s without staff", g.Name)
		}
	}
	// guardians are older than their students
	for gs := range x.GuardiansOf(p.Persons[0].ID) {
		gp, _ := x.Person(gs.Guardian)
		if gp.BirthDate >= p.Persons[0].BirthDate {
			t.Errorf("guardian younger than student")
		}
	}
	n := 0
	for range p.Guardians() {
		n++
	}
	if n != p.Options.Guardians {
		t.Errorf("%d guardians, want %d", n, p.Options.Guardians)
	}
}

func TestOptionsValidation(t *testing.T) {
	if _, err := PresetOptions("city"); err == nil {
		t.Error("unknown preset accepted")
	}
	for _, name := range Presets() {
		if _, err := PresetOptions(name); err != nil {
			t.Error(err)
		}
	}
	bad := []struct {
		edit func(*Options)
		want string
	}{
		{func(o *Options) { o.Students = -1 }, "Students must not be negative"},
		{func(o *Options) { o.Country = "FI" }, "unknown Country"},
		{func(o *Options) { o.Guardians = 1000 }, "Guardians must be at most"},
		{func(o *Options) { o.Groups = 3 }, "Groups (3) is too small"},
		{func(o *Options) { o.Staff = 0 }, "Staff must be at least"},
		{func(o *Options) { o.ProtectedShare = 2 }, "ProtectedShare"},
		{func(o *Options) { o.Today = 20261340 }, "not a date"},
		{func(o *Options) { o.UniversityStudents = 10 }, "Departments must be at least 1"},
	}
	for _, b := range bad {
		o, _ := PresetOptions(PresetSchool)
		b.edit(&o)
		_, err := Generate(o)
		if err == nil || !strings.Contains(err.Error(), b.want) {
			t.Errorf("got %v, want an error with %q", err, b.want)
		}
	}
	// zero options: an empty population, not an error
	p, err := Generate(Options{})
	if err != nil || len(p.Persons) != 0 {
		t.Errorf("Generate(Options{}) = %d persons, %v", len(p.Persons), err)
	}
}

func TestNextGradeToken(t *testing.T) {
	for in, want := range map[string]string{
		"7B": "8B", "Matematik 7B": "Matematik 8B", "NA1A": "NA2A", "MAT9A": "MAT10A", "FA": "1A",
		"Mentor FB": "Mentor 1B", "SVEFA": "SVE1A", "Idrott och hälsa FA": "Idrott och hälsa 1A", "5a": "6a", "MNA2B": "MNA3B",
	} {
		if got := nextGradeToken(in); got != want {
			t.Errorf("nextGradeToken(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestIDAndDate(t *testing.T) {
	r := newRNG(1, 1)
	id := r.id()
	s := id.String()
	if len(s) != 36 || s[14] != '4' || !strings.ContainsAny(s[19:20], "89ab") {
		t.Errorf("not a v4 UUID: %s", s)
	}
	back, err := ParseID(s)
	if err != nil || back != id {
		t.Errorf("ParseID(%s) = %v, %v", s, back, err)
	}
	if _, err := ParseID("not-a-uuid"); err == nil {
		t.Error("ParseID accepted garbage")
	}
	d := NewDate(2024, time.February, 28)
	if d.AddDays(1).String() != "2024-02-29" || d.AddDays(2) != NewDate(2024, time.March, 1) || Date(0).String() != "" {
		t.Error("Date arithmetic")
	}
	if !ValidPersonnummer("811218-9876") || ValidPersonnummer("811218-9875") || LuhnDigit("811218987") != '6' {
		t.Error("personnummer check")
	}
	if SchoolYearStart(Sweden, NewDate(2026, time.June, 30)) != NewDate(2025, time.July, 1) ||
		SchoolYearStart(Germany, NewDate(2026, time.August, 1)) != NewDate(2026, time.August, 1) {
		t.Error("SchoolYearStart")
	}
}

func TestWriteToEscapes(t *testing.T) {
	p := &Population{Persons: []Person{{GivenName: "A\tB", FamilyName: "C\\D\nE"}}}
	var b bytes.Buffer
	if _, err := p.WriteTo(&b); err != nil {
		t.Fatal(err)
	}
	if strings.Count(b.String(), "\n") != 2 || !strings.Contains(b.String(), `GivenName=A\tB`) || !strings.Contains(b.String(), `C\\D\nE`) {
		t.Errorf("escaping: %q", b.String())
	}
}

func TestUniversity(t *testing.T) {
	p := generate(t, PresetUniversity, func(o *Options) {
		o.UniversityStudents, o.UniversityStaff, o.CourseOfferings, o.Registrations = 3000, 300, 200, 15000
	})
	checkIntegrity(t, p)
	checkCivicNumbers(t, p)
	if len(p.Registrations) != 15000 {
		t.Errorf("%d registrations, want 15000", len(p.Registrations))
	}
	codes := map[string]bool{}
	for _, c := range p.CourseOfferings {
		if len(c.CourseCode) != 6 || len(c.OfferingCode) != 5 || codes[c.Term+c.OfferingCode] {
			t.Fatalf("offering codes %q %q", c.CourseCode, c.OfferingCode)
		}
		codes[c.Term+c.OfferingCode] = true
		if !strings.HasPrefix(c.Term, "HT") && !strings.HasPrefix(c.Term, "VT") || c.Start > c.End || c.NameSV == "" || c.NameEN == "" {
			t.Fatalf("offering %+v", c)
		}
		if len(c.Teachers) == 0 {
			t.Fatalf("offering without teachers")
		}
	}
	x := NewIndex(p)
	seen := map[[2]ID]bool{}
	repeats := 0
	for _, r := range p.Registrations {
		k := [2]ID{r.Person, r.CourseOffering}
		if seen[k] {
			t.Fatal("registered twice on one offering")
		}
		seen[k] = true
		off, _ := x.CourseOffering(r.CourseOffering)
		if off.Start > p.Today || r.Date > p.Today {
			t.Fatalf("registration on an offering that has not started")
		}
		if r.Repeat {
			repeats++
		}
	}
	if repeats == 0 {
		t.Error("no re-registrations")
	}
	progAdmissions := 0
	for _, a := range p.Admissions {
		if a.Kind == AdmittedToProgramme {
			progAdmissions++
		}
	}
	if progAdmissions < 3000/4 {
		t.Errorf("%d programme admissions", progAdmissions)
	}
}

// TestSchoolsAndUniversity: one population can hold both, and NextDay accounts for both.
func TestSchoolsAndUniversity(t *testing.T) {
	for _, c := range []Country{Sweden, Germany} {
		p := generate(t, PresetSchool, func(o *Options) {
			o.Country = c
			o.UniversityStudents, o.UniversityStaff, o.Departments, o.CourseOfferings = 300, 30, 5, 40
			o.Programmes, o.ProgrammeOfferings, o.Registrations = 4, 8, 1200
		})
		checkIntegrity(t, p)
		checkCivicNumbers(t, p)
		roots := 0
		for _, o := range p.Organisations {
			if o.Parent.IsZero() {
				roots++
			}
		}
		if roots != 2 {
			t.Errorf("%d root organisations, want the principal and the university", roots)
		}
		next, changes, err := NextDay(p, 3, 0.03)
		if err != nil {
			t.Fatal(err)
		}
		checkAccounting(t, p, next, changes)
		checkIntegrity(t, next)
	}
}
