package sds_test

import (
	"testing"

	"github.com/edusync/edusync/fileset/filesettest"
	"github.com/edusync/edusync/reconcile"
	"github.com/edusync/edusync/reconcile/reconciletest"
	"github.com/edusync/edusync/sds"
)

func school() *reconcile.Snapshot { return filesettest.School() }

func TestTargetSuite(t *testing.T) {
	reconciletest.TargetSuite(t, func(t *testing.T) *reconciletest.Fixture {
		target, err := sds.New(t.TempDir(), sds.Options{UsernameTemplate: "{given}.{family}@exempelby.se"})
		if err != nil {
			t.Fatal(err)
		}
		return &reconciletest.Fixture{Target: target, Source: school(), Equivalent: func(s *reconcile.Snapshot) {
			// SS 12000's terms in other cases, SDS's own terms, and a name with a line break.
			s.Organisations[1].Type = "SKOLENHET"
			s.Persons[0].Contexts[0].Role = "student"
			s.Persons[1].GivenNames = " Noah\n"
			s.Memberships[3].Role = "lärare"
			s.Memberships[4].Role = "teacher"
		}}
	})
}
