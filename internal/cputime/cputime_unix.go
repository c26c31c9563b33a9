//go:build unix

package cputime

import "syscall"

// Seconds is the CPU time (user and system, every thread, the garbage collector's included)
// the process has used so far, as the kernel counts it.
func Seconds() float64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return float64(ru.Utime.Nano()+ru.Stime.Nano()) / 1e9
}
