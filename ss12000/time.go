package ss12000

import "time"

// nowFunc is the clock validation uses to resolve two-digit years; tests replace it.
var nowFunc = time.Now
