// Package filesettest runs the sample school through a file-set target the way the tests of
// sds, oneroster and asm do: the SS 12000 fake, ss12000sync, reconcile, the target, and the
// checks that no personal data reaches the files. It is for tests.
package filesettest
