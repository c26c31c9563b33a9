//go:build !linux

package fileset

import "os"

// exchange swaps two paths. Outside Linux it takes two renames, so for a moment b is absent:
// only the first commit over a directory a host put in place takes this path.
func exchange(a, b string) error {
	old := b + ".old"
	if err := os.Rename(b, old); err != nil {
		return err
	}
	if err := os.Rename(a, b); err != nil {
		os.Rename(old, b)
		return err
	}
	return os.Rename(old, a)
}
