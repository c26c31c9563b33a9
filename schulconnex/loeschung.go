package schulconnex

import "time"

type Loeschzeitpunkt struct{ t time.Time }
