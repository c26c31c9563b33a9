package schulconnex

import (
	"log/slog"

	"github.com/edusync/edusync/internal/redact"
)

// Records can be logged as they are: their LogValue shows ids, referrers (with anything shaped
// like a personal number masked), revisions and codes, never names, birth data, addresses or
// vendor extensions.

// LogValue renders a person for logs without personal data.
func (p Person) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", p.ID), slog.String("referrer", redact.PersonalNumbers(p.Referrer)),
		slog.String("revision", p.Revision), slog.Bool("auskunftssperre", p.Auskunftssperre.Bool()))
}

// LogValue renders a context for logs without contact addresses.
func (k Personenkontext) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", k.ID), slog.String("organisation", k.Organisation.ID),
		slog.String("rolle", string(k.Rolle)), slog.String("revision", k.Revision), slog.Bool("sichtfreigabe", k.Sichtfreigabe.Bool()),
		slog.String("loeschung", k.Loeschung.Zeitpunkt.String()))
}

// LogValue renders a person with its contexts for logs without personal data.
func (d Personendatensatz) LogValue() slog.Value {
	attrs := []slog.Attr{slog.Any("person", d.Person)}
	for _, k := range d.Personenkontexte {
		attrs = append(attrs, slog.Any("kontext", k))
	}
	return slog.GroupValue(attrs...)
}

// LogValue renders a group for logs (a group's name is not personal, but its raw JSON may hold
// anything and is left out).
func (g Gruppe) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", g.ID), slog.String("referrer", redact.PersonalNumbers(g.Referrer)),
		slog.String("bezeichnung", g.Bezeichnung), slog.String("typ", string(g.Typ)), slog.String("revision", g.Revision))
}

// LogValue renders a membership for logs.
func (m Gruppenzugehoerigkeit) LogValue() slog.Value {
	return slog.GroupValue(slog.String("id", m.ID), slog.String("ktid", m.Ktid), slog.String("revision", m.Revision))
}
