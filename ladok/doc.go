// Package ladok is a client for Ladok3, the student-records system of Swedish universities: its
// REST services (students, catalogue, education and participation information) and its Atom
// event feed.
package ladok
