package fs

import "time"

// SetCreatePause sets the pause before a lost explanation is read back, and returns the undo.
func SetCreatePause(d time.Duration) func() {
	old := createPause
	createPause = d
	return func() { createPause = old }
}
