package synth

// families groups the school students into families and gives each family one or two guardians,
// until Options.Guardians guardians exist. Siblings share guardians and mostly a family name;
// about 1% of families have a guardian who is also a member of staff.
func (g *gen) families() {
	pop := g.pop
	r := g.r
	var students, staff []int
	for i := range pop.Persons {
		switch {
		case pop.Persons[i].Roles == RoleStudent:
			students = append(students, i)
		case pop.Persons[i].Roles&RoleStaff != 0:
			staff = append(staff, i)
		}
	}
	r.shuffle(len(students), func(i, j int) { students[i], students[j] = students[j], students[i] })
	remS, remG := len(students), g.o.Guardians
	next := 0
	for remS > 0 && remG > 0 {
		ng := 1
		if r.intn(100) < 88 {
			ng = 2
		}
		ng = min(ng, remG)
		x := float64(ng) * float64(remS) / float64(remG)
		k := int(x)
		if r.chance(probOf(x - float64(k))) {
			k++
		}
		k = max(1, min(k, 5, remS))
		kids := students[next : next+k]
		next += k
		remS -= k
		oldest := pop.Persons[kids[0]].BirthDate
		family := pop.Persons[kids[0]].FamilyName
		for _, ki := range kids[1:] {
			if pop.Persons[ki].BirthDate < oldest {
				oldest = pop.Persons[ki].BirthDate
			}
			if r.intn(100) < 75 {
				pop.Persons[ki].FamilyName = family
			}
		}
		var guardians [2]int
		sex := Female
		if r.intn(2) == 0 {
			sex = Male
		}
		for j := 0; j < ng; j++ {
			if j == 1 && r.intn(100) < 92 {
				sex = 3 - sex // the other of Female and Male
			}
			if j == 0 && len(staff) > 0 && r.intn(100) < 1 {
				s := staff[r.intn(len(staff))]
				p := &pop.Persons[s]
				if p.Roles&RoleGuardian == 0 && p.BirthDate.Year() <= oldest.Year()-20 && p.BirthDate.Year() >= oldest.Year()-50 {
					p.Roles |= RoleGuardian
					guardians[j] = s
					continue
				}
			}
			fam := family
			if j == 1 && r.intn(100) < 40 {
				fam = ""
			}
			birth := g.birthDate(oldest.Year() - r.between(21, 44))
			guardians[j] = g.newPerson(RoleGuardian, sex, birth, fam)
		}
		remG -= ng
		for _, ki := range kids {
			for j := 0; j < ng; j++ {
				rel := Vardnadshavare
				switch x := r.intn(1000); {
				case x < 5 && ng == 1:
					rel = GodMan
				case x < 25:
					rel = AnnanAnsvarig
				}
				pop.Guardianships = append(pop.Guardianships, Guardianship{ID: g.ids.id(),
					Student: pop.Persons[ki].ID, Guardian: pop.Persons[guardians[j]].ID, Relation: rel})
			}
		}
	}
	// more guardians than families need: other responsible adults for random students
	for ; remG > 0 && len(students) > 0; remG-- {
		ki := students[r.intn(len(students))]
		birth := g.birthDate(pop.Persons[ki].BirthDate.Year() - r.between(21, 60))
		gi := g.newPerson(RoleGuardian, SexUnknown, birth, "")
		pop.Guardianships = append(pop.Guardianships, Guardianship{ID: g.ids.id(),
			Student: pop.Persons[ki].ID, Guardian: pop.Persons[gi].ID, Relation: AnnanAnsvarig})
	}
}
