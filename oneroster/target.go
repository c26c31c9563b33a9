package oneroster

import (
	"time"

	"github.com/edusync/edusync/fileset"
	"github.com/edusync/edusync/reconcile"
)

// The attributes of organisations a OneRoster set keeps; ss12000sync's organisations carry
// them under the same names.
const (
	// AttrParent names the parent organisation (by source key): orgs.csv parentSourcedId.
	AttrParent = "parent"
	// AttrSchoolUnitCode is the school unit's code in Skolverket's register: orgs.csv
	// identifier.
	AttrSchoolUnitCode = "schoolUnitCode"
)

// Options configure a Target.
type Options struct {
	// Delta writes delta sets: every row with status (active, or tobedeleted for a record
	// reconcile deactivated) and dateLastModified (when this target last wrote the record).
	// By default sets are bulk sets: both columns empty, and the set is the whole truth.
	Delta bool
	// Demographics writes demographics.csv with the persons' birth dates (never of persons
	// with protected identity). Off by default: Google Classroom needs none.
	Demographics bool
	// Term is the term of groups whose validity period is not closed (every class needs one);
	// zero leaves such groups out (Target.Deliverable) or refuses them.
	Term reconcile.Period
	// Username, when set, gives each person's username (it wins over the EPPN); the target
	// then keeps no EPPNs.
	Username func(p reconcile.Person) string
	// UsernameTemplate generates usernames for persons without EPPN (see sds.Options).
	UsernameTemplate string
	// Keep is how many sets before the current one stay on disk (default 1).
	Keep int
	// Now is the clock of dateLastModified in delta sets (default time.Now).
	Now func() time.Time
}

// Target is a reconcile.Target that delivers OneRoster 1.2 CSV sets into a directory (see the
// package documentation). Its methods are those of fileset.Target.
type Target struct {
	*fileset.Target
}

// New returns a Target keeping its sets in dir (created if missing): the current set is
// dir/current.
func New(dir string, opts Options) (*Target, error) {
	f := &format{opts: opts, users: fileset.Usernames{Func: opts.Username, Template: opts.UsernameTemplate}}
	t, err := fileset.New(dir, f, fileset.Options{Keep: opts.Keep, Now: opts.Now})
	if err != nil {
		return nil, err
	}
	return &Target{Target: t}, nil
}
