package main

import (
	"sync"

	"github.com/edusync/edusync/synth"
)

// The fakes load synth populations of two kinds. Populations are read-only once generated, so
// fakes that ask for the same one (Canvas and Ladok both hold the university) share it rather
// than generating it twice.

var (
	popMu    sync.Mutex
	popCache = map[string]*synth.Population{}
)

func cachedPopulation(key string, opts synth.Options) (*synth.Population, error) {
	popMu.Lock()
	defer popMu.Unlock()
	if p, ok := popCache[key]; ok {
		return p, nil
	}
	p, err := synth.Generate(opts)
	if err != nil {
		return nil, err
	}
	popCache[key] = p
	return p, nil
}

// schoolPopulation is the school preset in country, or the municipality preset with
// -preset municipality (-preset university gives the school: school fakes hold no university).
func schoolPopulation(o sandboxOptions, country synth.Country) (*synth.Population, error) {
	preset := synth.PresetSchool
	if o.Preset == synth.PresetMunicipality {
		preset = synth.PresetMunicipality
	}
	opts, err := synth.PresetOptions(preset)
	if err != nil {
		return nil, err
	}
	opts.Seed, opts.Country = o.Seed, country
	return cachedPopulation(preset+"/"+string(country), opts)
}

// universityPopulation is the full university preset with -preset university, and otherwise
// a small university (1,000 students, 60 course offerings, 5,000 registrations) that loads in
// a moment.
func universityPopulation(o sandboxOptions) (*synth.Population, error) {
	opts, err := synth.PresetOptions(synth.PresetUniversity)
	if err != nil {
		return nil, err
	}
	opts.Seed = o.Seed
	key := "small-university"
	if o.Preset == synth.PresetUniversity {
		key = synth.PresetUniversity
	} else {
		opts.UniversityStudents, opts.UniversityStaff, opts.Departments = 1_000, 100, 6
		opts.CourseOfferings, opts.Programmes, opts.ProgrammeOfferings, opts.Registrations = 60, 4, 8, 5_000
	}
	return cachedPopulation(key, opts)
}

// examPopulation is a Norwegian university in its grading season with its exams (the FS,
// Inspera and WISEflow fakes share it): the full "university-no" preset with -preset
// university, and otherwise a small one (about 800 candidates, 40 theses).
func examPopulation(o sandboxOptions) (*synth.Population, error) {
	opts, err := synth.PresetOptions(synth.PresetUniversityNO)
	if err != nil {
		return nil, err
	}
	opts.Seed = o.Seed
	key := synth.PresetUniversityNO
	if o.Preset != synth.PresetUniversity {
		key = "small-university-no"
		opts.UniversityStudents, opts.UniversityStaff, opts.Departments = 600, 80, 6
		opts.CourseOfferings, opts.Programmes, opts.ProgrammeOfferings, opts.Registrations = 60, 4, 8, 3_000
		opts.ExamCandidates, opts.Theses = 800, 40
	}
	return cachedPopulation(key, opts)
}
