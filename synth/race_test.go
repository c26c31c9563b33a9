//go:build race

package synth

// raceEnabled skips the tests at municipality scale under the race detector (they take minutes there).
const raceEnabled = true
