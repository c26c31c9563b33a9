// Package ladokcanvas keeps Canvas in step with Ladok: an event-driven adapter that reads
// Ladok's event feed (package ladok) and creates and updates users, courses, sections and
// enrolments in Canvas (package canvas), with its state in package store.
package ladokcanvas
