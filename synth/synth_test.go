package synth

import (
	"bytes"
	"strings"
	"testing"
)

func generate(t testing.TB, preset string, edit func(*Options)) *Population {
	t.Helper()
	o, err := PresetOptions(preset)
	if err != nil {
		t.Fatal(err)
	}
	if edit != nil {
		edit(&o)
	}
	p, err := Generate(o)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// checkIntegrity verifies that every reference points at an existing record of the right kind.
func checkIntegrity(t *testing.T, p *Population) {
	t.Helper()
	persons := map[ID]*Person{}
	for i := range p.Persons {
		if _, dup := persons[p.Persons[i].ID]; dup {
			t.Fatalf("duplicate person ID %v", p.Persons[i].ID)
		}
		persons[p.Persons[i].ID] = &p.Persons[i]
	}
	orgs := map[ID]*Organisation{}
	for i := range p.Organisations {
		orgs[p.Organisations[i].ID] = &p.Organisations[i]
	}
	for _, o := range p.Organisations {
		if !o.Parent.IsZero() && orgs[o.Parent] == nil {
			t.Errorf("organisation %s: parent missing", o.Name)
		}
	}
	groups := map[ID]*Group{}
	for i := range p.Groups {
		g := &p.Groups[i]
		groups[g.ID] = g
		if orgs[g.Organisation] == nil {
			t.Errorf("group %s: organisation missing", g.Name)
		}
	}
	ids := map[ID]bool{}
	for _, m := range p.Memberships {
		if ids[m.ID] {
			t.Fatalf("duplicate membership ID")
		}
		ids[m.ID] = true
		if persons[m.Person] == nil {
			t.Fatalf("membership %v: person %v missing", m.ID, m.Person)
		}
		if groups[m.Group] == nil {
			t.Fatalf("membership %v: group %v missing", m.ID, m.Group)
		}
	}
	hasStudent := map[ID]bool{}
	for _, g := range p.Guardianships {
		s, gu := persons[g.Student], persons[g.Guardian]
		if s == nil || gu == nil {
			t.Fatalf("guardianship %v: person missing", g.ID)
		}
		if s.Roles&RoleStudent == 0 || gu.Roles&RoleGuardian == 0 {
			t.Fatalf("guardianship %v: roles %v, %v", g.ID, s.Roles, gu.Roles)
		}
		hasStudent[g.Guardian] = true
	}
	for _, pp := range p.Persons {
		if pp.Roles&RoleGuardian != 0 && !hasStudent[pp.ID] {
			t.Fatalf("guardian %v has no student", pp.ID)
		}
	}
	for _, e := range p.Enrolments {
		if persons[e.Person] == nil || orgs[e.SchoolUnit] == nil || orgs[e.SchoolUnit].Type != OrgSchoolUnit {
			t.Fatalf("enrolment %v: reference missing", e.ID)
		}
	}
	staff := map[ID]bool{}
	for _, d := range p.Duties {
		if persons[d.Person] == nil || orgs[d.Organisation] == nil {
			t.Fatalf("duty %v: reference missing", d.ID)
		}
		staff[d.Person] = true
	}
	for _, pp := range p.Persons {
		if (pp.Roles&RoleStaff != 0) != staff[pp.ID] {
			t.Fatalf("person %v: RoleStaff %v but duties %v", pp.ID, pp.Roles&RoleStaff != 0, staff[pp.ID])
		}
	}
	offerings := map[ID]bool{}
	for _, c := range p.CourseOfferings {
		offerings[c.ID] = true
		if orgs[c.Department] == nil {
			t.Fatalf("offering %v: department missing", c.ID)
		}
		for _, tid := range c.Teachers {
			if persons[tid] == nil {
				t.Fatalf("offering %v: teacher missing", c.ID)
			}
		}
	}
	progs := map[ID]bool{}
	for _, pr := range p.Programmes {
		progs[pr.ID] = true
	}
	pos := map[ID]bool{}
	for _, po := range p.ProgrammeOfferings {
		pos[po.ID] = true
		if !progs[po.Programme] {
			t.Fatalf("programme offering %v: programme missing", po.ID)
		}
		for _, c := range po.Courses {
			if !offerings[c] {
				t.Fatalf("programme offering %v: course missing", po.ID)
			}
		}
	}
	admitted := map[[2]ID]bool{}
	for _, a := range p.Admissions {
		if persons[a.Person] == nil {
			t.Fatalf("admission %v: person missing", a.ID)
		}
		if (a.Kind == AdmittedToCourse && !offerings[a.Offering]) || (a.Kind == AdmittedToProgramme && !pos[a.Offering]) {
			t.Fatalf("admission %v: offering missing", a.ID)
		}
		admitted[[2]ID{a.Person, a.Offering}] = true
	}
	for _, r := range p.Registrations {
		if persons[r.Person] == nil || !offerings[r.CourseOffering] {
			t.Fatalf("registration %v: reference missing", r.ID)
		}
		if !admitted[[2]ID{r.Person, r.CourseOffering}] {
			t.Fatalf("registration %v: no admission", r.ID)
		}
	}
}

func TestSchoolPreset(t *testing.T) {
	for _, c := range []Country{Sweden, Germany, Norway} {
		t.Run(string(c), func(t *testing.T) {
			p := generate(t, PresetSchool, func(o *Options) { o.Country = c })
			checkIntegrity(t, p)
			checkCivicNumbers(t, p)
			n := len(p.Persons)
			if n < 480 || n > 520 {
				t.Errorf("school preset has %d persons, want about 500", n)
			}
			for _, pp := range p.Persons {
				switch c {
				case Sweden:
					if !ValidPersonnummer(pp.CivicNo) {
						t.Errorf("invalid personnummer %q", pp.CivicNo)
					}
				case Norway:
					if !ValidFodselsnummer(pp.CivicNo) {
						t.Errorf("invalid fødselsnummer %q", pp.CivicNo)
					}
				case Germany:
					if pp.CivicNo != "" {
						t.Errorf("German person with a civic number")
					}
				}
			}
		})
	}
}

func TestDeterministic(t *testing.T) {
	a := generate(t, PresetSchool, func(o *Options) { o.Seed = 7 })
	b := generate(t, PresetSchool, func(o *Options) { o.Seed = 7 })
	var ba, bb bytes.Buffer
	a.WriteTo(&ba)
	b.WriteTo(&bb)
	if !bytes.Equal(ba.Bytes(), bb.Bytes()) {
		t.Fatal("same seed, different output")
	}
	c := generate(t, PresetSchool, func(o *Options) { o.Seed = 8 })
	if c.Hash() == a.Hash() {
		t.Fatal("different seeds, same output")
	}
	if !strings.Contains(ba.String(), "person\t") {
		t.Fatal("no persons written")
	}
}

// checkCivicNumbers checks that every number is valid, unique, and agrees with the person's
// birth date and sex.
func checkCivicNumbers(t *testing.T, p *Population) {
	t.Helper()
	seen := make(map[string]bool, len(p.Persons))
	for i := range p.Persons {
		pp := &p.Persons[i]
		if pp.CivicNo == "" {
			continue
		}
		if seen[pp.CivicNo] {
			t.Fatalf("civic number used twice")
		}
		seen[pp.CivicNo] = true
		switch pp.CivicNoKind {
		case Personnummer, Samordningsnummer:
			if !ValidPersonnummer(pp.CivicNo) || len(pp.CivicNo) != 12 {
				t.Fatalf("invalid Swedish number %q", pp.CivicNo)
			}
			day := pp.BirthDate.Day()
			if pp.CivicNoKind == Samordningsnummer {
				day += 60
			}
			if want := NewDate(pp.BirthDate.Year(), pp.BirthDate.Month(), day); pp.CivicNo[:8] != itoa(int(want)) {
				t.Fatalf("number %s does not encode birth date %v", pp.CivicNo, pp.BirthDate)
			}
			male := (pp.CivicNo[10]-'0')%2 == 1
			if male != (pp.Sex == Male) {
				t.Fatalf("sex digit of %s disagrees with %v", pp.CivicNo, pp.Sex)
			}
		case Fodselsnummer, DNumber:
			if !ValidFodselsnummer(pp.CivicNo) {
				t.Fatalf("invalid Norwegian number %q", pp.CivicNo)
			}
			day := pp.BirthDate.Day()
			if pp.CivicNoKind == DNumber {
				day += 40
			}
			var want [6]byte
			put(want[0:2], day)
			put(want[2:4], int(pp.BirthDate.Month()))
			put(want[4:6], pp.BirthDate.Year()%100)
			if pp.CivicNo[:6] != string(want[:]) {
				t.Fatalf("number %s does not encode birth date %v", pp.CivicNo, pp.BirthDate)
			}
			male := (pp.CivicNo[8]-'0')%2 == 1
			if male != (pp.Sex == Male) {
				t.Fatalf("sex digit of %s disagrees with %v", pp.CivicNo, pp.Sex)
			}
		default:
			t.Fatalf("number %q with kind %v", pp.CivicNo, pp.CivicNoKind)
		}
	}
}
