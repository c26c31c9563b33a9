package sds

import (
	"time"

	"github.com/edusync/edusync/fileset"
	"github.com/edusync/edusync/reconcile"
)

// AttrParent is the attribute of an organisation that names its parent organisation (by source
// key): orgs.csv parentSourcedId. ss12000sync's organisations carry it under the same name.
const AttrParent = "parent"

// Options configure a Target.
type Options struct {
	// Username, when set, gives each person's username (it wins over the EPPN); the target
	// then keeps no EPPNs. It must answer the same for the same person on every run.
	Username func(p reconcile.Person) string
	// UsernameTemplate generates usernames for persons who have no EPPN, with ss12000's EPPN
	// generator ("{given}.{family}@elev.exempelby.se"); a generated username is kept in later
	// runs. Without it, a person without EPPN (and, for contacts, without e-mail address)
	// cannot be written and the run is refused.
	UsernameTemplate string
	// Keep is how many sets before the current one stay on disk (default 1).
	Keep int
}

// Target is a reconcile.Target that delivers SDS v2.1 sets into a directory (see the package
// documentation). Its methods are those of fileset.Target.
type Target struct {
	*fileset.Target
}

// New returns a Target keeping its sets in dir (created if missing): the current set is
// dir/current.
func New(dir string, opts Options) (*Target, error) {
	f := &format{users: fileset.Usernames{Func: opts.Username, Template: opts.UsernameTemplate}}
	t, err := fileset.New(dir, f, fileset.Options{Keep: opts.Keep, Now: time.Now})
	if err != nil {
		return nil, err
	}
	return &Target{Target: t}, nil
}
