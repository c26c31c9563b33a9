package main

import (
	"context"
	"path/filepath"
	"time"

	"github.com/edusync/edusync/pipeline"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/sds"
	"github.com/edusync/edusync/ss12000"
	"github.com/edusync/edusync/ss12000/ss12000sync"
	"github.com/edusync/edusync/ss12000/ss12000test"
	"github.com/edusync/edusync/store"
	"github.com/edusync/edusync/synth"
)

// sdsPipeline is a Swedish municipality's SS 12000 service (a fake holding a synth school) into
// an SDS file set. The first run writes the set; then a fifth of the pupils disappear from the
// service (an export gone wrong), and the second run's plan, which would deactivate them all,
// is held.
func sdsPipeline(ctx context.Context, dir string, seed uint64, st store.Store, opts []pipeline.Option) (*demo, error) {
	o, err := synth.PresetOptions(synth.PresetSchool)
	if err != nil {
		return nil, err
	}
	o.Seed, o.Country = seed, synth.Sweden
	pop, err := synth.Generate(o)
	if err != nil {
		return nil, err
	}
	fake := ss12000test.NewServer(ss12000test.WithDataset(ss12000test.FromPopulation(pop)))
	client, err := fake.Client()
	var src *ss12000sync.Source
	if err == nil {
		today := pop.Today.Time().Add(12 * time.Hour) // the synth school's day
		src, err = ss12000sync.New(client, ss12000sync.Options{Now: func() time.Time { return today }})
	}
	var target *sds.Target
	if err == nil {
		target, err = sds.New(filepath.Join(dir, "sds"), sds.Options{UsernameTemplate: "{given}.{family}@elev.exempelby.se"})
	}
	var p *pipeline.Pipeline
	if err == nil {
		p, err = pipeline.New("exempelby/sds", src, target, st, append(opts,
			pipeline.WithOptions(reconcile.Options{Removals: reconcile.Removals{Enabled: true, GraceDays: graceDays}}))...)
	}
	if err == nil {
		err = firstRuns(ctx, p, pipeline.StatusSucceeded)
	}
	if err == nil {
		var gone []string
		for _, x := range ss12000test.All[ss12000.Person](fake) {
			if len(x.Enrolments) > 0 && len(gone) < countPupils(fake)/5 {
				gone = append(gone, x.ID)
			}
		}
		ss12000test.Delete[ss12000.Person](fake, gone...)
		err = firstRuns(ctx, p, pipeline.StatusHeld)
	}
	if err != nil {
		fake.Close()
		return nil, err
	}
	return &demo{p: p, close: fake.Close}, nil
}

func countPupils(fake *ss12000test.Server) int {
	n := 0
	for _, x := range ss12000test.All[ss12000.Person](fake) {
		if len(x.Enrolments) > 0 {
			n++
		}
	}
	return n
}
