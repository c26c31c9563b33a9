package noark5

import (
	"encoding/json"
	"sort"
)

// MediaType is the media type of Noark 5 tjenestegrensesnitt's JSON: requests and answers
// carry it in Content-Type and Accept.
const MediaType = "application/vnd.noark5+json"

// RelBase is the start of every relation key the service interface defines; the rest names the
// package and the relation ("arkivstruktur/ny-mappe/").
const RelBase = "https://rel.arkivverket.no/noark5/v5/api/"

// The relation keys the client follows. A server may place its resources at any href; the
// client finds them only through these keys in _links.
const (
	RelArkivstruktur         = RelBase + "arkivstruktur/"
	RelArkivdel              = RelBase + "arkivstruktur/arkivdel/"
	RelMappe                 = RelBase + "arkivstruktur/mappe/"
	RelRegistrering          = RelBase + "arkivstruktur/registrering/"
	RelDokumentbeskrivelse   = RelBase + "arkivstruktur/dokumentbeskrivelse/"
	RelDokumentobjekt        = RelBase + "arkivstruktur/dokumentobjekt/"
	RelNyMappe               = RelBase + "arkivstruktur/ny-mappe/"
	RelNyRegistrering        = RelBase + "arkivstruktur/ny-registrering/"
	RelNyDokumentbeskrivelse = RelBase + "arkivstruktur/ny-dokumentbeskrivelse/"
	RelNyDokumentobjekt      = RelBase + "arkivstruktur/ny-dokumentobjekt/"
	RelFil                   = RelBase + "arkivstruktur/fil/"
	RelSelf                  = "self"
	relNext                  = "next"
)

// SHA256 is the name of the checksum algorithm edusync writes in sjekksumAlgoritme.
const SHA256 = "SHA-256"

// Link is one entry of an answer's _links: a relation key and where it points.
type Link struct {
	Rel       string `json:"rel"`
	Href      string `json:"href"`
	Templated bool   `json:"templated,omitempty"`
}

// Links are an entity's or answer's _links. The service interface writes them as an object
// keyed by relation (HAL); a list of {rel, href} (the XML schema's LinkType) is read too.
type Links []Link

// Href returns the href of relation rel.
func (l Links) Href(rel string) (string, bool) {
	for _, k := range l {
		if k.Rel == rel {
			return k.Href, true
		}
	}
	return "", false
}

// UnmarshalJSON reads the HAL object form and the list form.
func (l *Links) UnmarshalJSON(b []byte) error {
	var list []Link
	if json.Unmarshal(b, &list) == nil {
		*l = list
		return nil
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(b, &m); err != nil {
		return err
	}
	out := make(Links, 0, len(m))
	for rel, raw := range m {
		var one Link
		if json.Unmarshal(raw, &one) == nil {
			one.Rel = rel
			out = append(out, one)
			continue
		}
		var many []Link
		if err := json.Unmarshal(raw, &many); err != nil {
			return err
		}
		for _, k := range many {
			k.Rel = rel
			out = append(out, k)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Rel < out[j].Rel })
	*l = out
	return nil
}

// MarshalJSON writes the HAL object form.
func (l Links) MarshalJSON() ([]byte, error) {
	type plain struct {
		Href      string `json:"href"`
		Templated bool   `json:"templated,omitempty"`
	}
	out := make(map[string]plain, len(l))
	for _, k := range l {
		out[k.Rel] = plain{k.Href, k.Templated}
	}
	return json.Marshal(out)
}

// Code is a value of one of Noark 5's code lists: its code and, where the server sends it, its
// name.
type Code struct {
	Kode     string `json:"kode"`
	Kodenavn string `json:"kodenavn,omitempty"`
}

// Screening (skjerming) restricts access to an entity's metadata or documents.
type Screening struct {
	// Tilgangsrestriksjon is the access code (local codes are the institution's).
	Tilgangsrestriksjon *Code `json:"tilgangsrestriksjon,omitempty"`
	// Skjermingshjemmel is the legal basis in words ("Offl. § 13 jf. fvl. § 13").
	Skjermingshjemmel string `json:"skjermingshjemmel,omitempty"`
	// SkjermingMetadata names the metadata fields screened (title, parties, ...).
	SkjermingMetadata []Code `json:"skjermingMetadata,omitempty"`
	// SkjermingDokument says whether the document is screened in full or in part.
	SkjermingDokument *Code `json:"skjermingDokument,omitempty"`
	// Skjermingsvarighet is how many years the screening lasts; 0 when not set.
	Skjermingsvarighet int `json:"skjermingsvarighet,omitempty"`
	// SkjermingOpphoererDato is the day the screening ends (YYYY-MM-DD); "" when not set.
	SkjermingOpphoererDato string `json:"skjermingOpphoererDato,omitempty"`
}

// Disposal (kassasjon) says whether and when an entity may be disposed of.
type Disposal struct {
	Kassasjonsvedtak  Code   `json:"kassasjonsvedtak"`
	Kassasjonshjemmel string `json:"kassasjonshjemmel,omitempty"`
	Bevaringstid      int    `json:"bevaringstid,omitempty"`
	Kassasjonsdato    string `json:"kassasjonsdato,omitempty"`
}

// Meta is what every entity carries besides its fields: its id, its links and the ETag of
// the version read (sent back in If-Match on an update or deletion).
type Meta struct {
	SystemID string `json:"systemID,omitempty"`
	Links    Links  `json:"_links,omitempty"`
	ETag     string `json:"-"`
}

// Self returns the entity's own href.
func (m *Meta) Self() string { h, _ := m.Links.Href(RelSelf); return h }

func (m *Meta) meta() *Meta { return m }

type entity interface{ meta() *Meta }

// Arkivdel is a series of an archive, such as one for master's theses.
type Arkivdel struct {
	Meta
	Tittel string `json:"tittel"`
}

// Mappe is a case file (mappe), where a student's or a course's theses are filed.
type Mappe struct {
	Meta
	MappeID         string     `json:"mappeID,omitempty"`
	Tittel          string     `json:"tittel"`
	OffentligTittel string     `json:"offentligTittel,omitempty"`
	Beskrivelse     string     `json:"beskrivelse,omitempty"`
	Noekkelord      []string   `json:"noekkelord,omitempty"`
	Skjerming       *Screening `json:"skjerming,omitempty"`
	Kassasjon       *Disposal  `json:"kassasjon,omitempty"`
	// VirksomhetsspesifikkeMetadata holds edusync's source key (SourceKeyOf reads it).
	VirksomhetsspesifikkeMetadata map[string]any `json:"virksomhetsspesifikkeMetadata,omitempty"`
}

// Registrering is a registration in a case file: one thesis, or the outcome of its appeal.
type Registrering struct {
	Meta
	RegistreringsID               string         `json:"registreringsID,omitempty"`
	Tittel                        string         `json:"tittel"`
	OffentligTittel               string         `json:"offentligTittel,omitempty"`
	Beskrivelse                   string         `json:"beskrivelse,omitempty"`
	Noekkelord                    []string       `json:"noekkelord,omitempty"`
	Forfatter                     []string       `json:"forfatter,omitempty"`
	Skjerming                     *Screening     `json:"skjerming,omitempty"`
	Kassasjon                     *Disposal      `json:"kassasjon,omitempty"`
	VirksomhetsspesifikkeMetadata map[string]any `json:"virksomhetsspesifikkeMetadata,omitempty"`
}

// Dokumentbeskrivelse describes one document of a registration (the thesis, an appendix).
type Dokumentbeskrivelse struct {
	Meta
	Dokumenttype              Code       `json:"dokumenttype"`
	Dokumentstatus            Code       `json:"dokumentstatus"`
	Tittel                    string     `json:"tittel"`
	TilknyttetRegistreringSom Code       `json:"tilknyttetRegistreringSom"`
	Dokumentnummer            int        `json:"dokumentnummer,omitempty"`
	Skjerming                 *Screening `json:"skjerming,omitempty"`
}

// Dokumentobjekt is one version and variant of a document: the file itself, named by its
// checksum.
type Dokumentobjekt struct {
	Meta
	Versjonsnummer    int    `json:"versjonsnummer"`
	Variantformat     Code   `json:"variantformat"`
	Format            *Code  `json:"format,omitempty"`
	Filnavn           string `json:"filnavn,omitempty"`
	MimeType          string `json:"mimeType,omitempty"`
	Sjekksum          string `json:"sjekksum,omitempty"`
	SjekksumAlgoritme string `json:"sjekksumAlgoritme,omitempty"`
	Filstoerrelse     int64  `json:"filstoerrelse,omitempty"`
	// ReferanseDokumentfil is set by the archive once the file is uploaded.
	ReferanseDokumentfil string `json:"referanseDokumentfil,omitempty"`
}

// SourceKeyField is the member of virksomhetsspesifikkeMetadata under which edusync keeps the
// key of the source record a case file or registration was made from ("edusync": {"kilde":
// key}), so that a delivery whose answer was lost is found again instead of made twice.
const SourceKeyField = "edusync"

// WithSourceKey returns metadata holding key (see SourceKeyField).
func WithSourceKey(key string) map[string]any {
	return map[string]any{SourceKeyField: map[string]any{"kilde": key}}
}

// SourceKeyOf returns the source key held in metadata, or "".
func SourceKeyOf(metadata map[string]any) string {
	m, _ := metadata[SourceKeyField].(map[string]any)
	s, _ := m["kilde"].(string)
	return s
}

// SourceKeyFilter is the OData $filter that finds the entities holding key.
func SourceKeyFilter(key string) string {
	return "virksomhetsspesifikkeMetadata/" + SourceKeyField + "/kilde eq '" + odataQuote(key) + "'"
}

func odataQuote(s string) string {
	out := make([]byte, 0, len(s))
	for i := 0; i < len(s); i++ {
		if s[i] == '\'' {
			out = append(out, '\'')
		}
		out = append(out, s[i])
	}
	return string(out)
}
