// Package cputime reads the CPU time the process has used, for benchmarks that report it
// beside their wall time: on a busy machine the wall time of a run is inflated by whatever else
// runs, its CPU time much less.
package cputime
