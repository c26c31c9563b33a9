//go:build unix

package ss12000sync_test

import "syscall"

// cpuSeconds is the CPU time (user and system) the process has used, as the kernel counts it,
// so that a run on a busy machine can be told from a slow run.
func cpuSeconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
