package synth

import (
	"testing"
	"time"
)

func skipLarge(t *testing.T) {
	t.Helper()
	if testing.Short() || raceEnabled {
		t.Skip("municipality scale: not in -short or -race runs")
	}
}

func near(t *testing.T, what string, got, want int, tol float64) {
	t.Helper()
	if d := float64(got - want); d > tol*float64(want) || -d > tol*float64(want) {
		t.Errorf("%s: %d, want %d ± %.0f%%", what, got, want, tol*100)
	}
}

// TestMunicipalityPreset generates the municipality preset once and checks its counts,
// integrity, identity numbers and determinism (a second generation has the same hash).
func TestMunicipalityPreset(t *testing.T) {
	skipLarge(t)
	start := time.Now()
	p := generate(t, PresetMunicipality, nil)
	t.Logf("generated in %v", time.Since(start))
	o := p.Options
	roles := map[Role]int{}
	for i := range p.Persons {
		for _, r := range []Role{RoleStudent, RoleStaff, RoleGuardian} {
			if p.Persons[i].Roles&r != 0 {
				roles[r]++
			}
		}
	}
	near(t, "students", roles[RoleStudent], o.Students, 0)
	near(t, "staff", roles[RoleStaff], o.Staff, 0)
	near(t, "guardians", roles[RoleGuardian], o.Guardians, 0)
	near(t, "school units", len(p.Organisations)-1, o.SchoolUnits, 0)
	near(t, "groups", len(p.Groups), o.Groups, 0)
	near(t, "memberships", len(p.Memberships), o.Memberships, 0.02)
	checkIntegrity(t, p)
	checkCivicNumbers(t, p)
	start = time.Now()
	h := p.Hash()
	t.Logf("hashed in %v", time.Since(start))
	if h2 := generate(t, PresetMunicipality, nil).Hash(); h2 != h {
		t.Fatal("municipality preset is not deterministic")
	}
}
