//go:build !unix

package cputime

import "runtime/metrics"

// Seconds is the runtime's estimate of the CPU time the process has used (Go code and the
// garbage collector), where the kernel's count is not at hand.
func Seconds() float64 {
	s := []metrics.Sample{{Name: "/cpu/classes/user:cpu-seconds"}, {Name: "/cpu/classes/gc/total:cpu-seconds"}}
	metrics.Read(s)
	return s[0].Value.Float64() + s[1].Value.Float64()
}
