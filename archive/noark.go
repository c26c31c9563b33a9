package archive

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"github.com/edusync/edusync/archive/noark5"
)

// NoarkArchiver delivers through a Noark 5 tjenestegrensesnitt: a case file (mappe) found by
// its key or made, a registration holding the thesis's source key, a document description per
// file with its role and screening, a document object declaring the file's size and SHA-256,
// the file uploaded from the staging area, and the document marked finished (an update with
// the ETag read). Screening and disposal are embedded in the entities they concern.
type NoarkArchiver struct {
	Client *noark5.Client
	// Series is the title or systemID of the series (arkivdel) theses are filed in.
	Series string
	// Now stamps receipts (time.Now when nil).
	Now func() time.Time

	mu   sync.Mutex
	part *noark5.Arkivdel
}

// Deliver implements Archiver. Before filing, it looks the registration up by its source
// key: a complete one (every document finished) is the earlier delivery whose answer was
// lost, and its receipt is returned; an incomplete one is deleted with its documents and filed
// again. When filing fails after the registration was made, the registration is deleted, so no
// orphan stays behind.
func (a *NoarkArchiver) Deliver(ctx context.Context, d *Delivery) (Receipt, error) {
	r := d.Records
	c := a.Client
	if existing, err := c.FindRegistrering(ctx, r.Key); err != nil {
		return Receipt{}, err
	} else if existing != nil {
		docs, err := c.Dokumentbeskrivelser(ctx, existing)
		if err != nil {
			return Receipt{}, err
		}
		if complete(docs, len(r.Documents)) {
			rc := a.receipt("", existing, docs)
			rc.Found = true
			return rc, nil
		}
		if err := c.Delete(ctx, existing.Meta); err != nil {
			return Receipt{}, fmt.Errorf("removing an incomplete earlier delivery: %w", err)
		}
	}
	part, err := a.series(ctx)
	if err != nil {
		return Receipt{}, err
	}
	m, err := c.FindMappe(ctx, r.CaseFileKey)
	if err != nil {
		return Receipt{}, err
	}
	if m == nil {
		m, err = c.CreateMappe(ctx, part.Links, &noark5.Mappe{Tittel: r.CaseFileTitle, OffentligTittel: r.CaseFilePublicTitle,
			Skjerming: screening(r.Screening), VirksomhetsspesifikkeMetadata: noark5.WithSourceKey(r.CaseFileKey)})
		if err != nil {
			return Receipt{}, err
		}
	}
	reg, err := c.CreateRegistrering(ctx, m, &noark5.Registrering{Tittel: r.RegistrationTitle, OffentligTittel: r.RegistrationPublicTitle,
		Beskrivelse: r.Description, Noekkelord: r.References, Skjerming: screening(r.Screening),
		Kassasjon:                     &noark5.Disposal{Kassasjonsvedtak: noark5.Code{Kode: r.Disposal.Code, Kodenavn: r.Disposal.Name}},
		VirksomhetsspesifikkeMetadata: noark5.WithSourceKey(r.Key)})
	if err != nil {
		return Receipt{}, err
	}
	docs, err := a.documents(ctx, d, reg)
	if err != nil {
		// Leave no orphan: the registration goes, with what was filed under it.
		cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		if derr := c.Delete(cctx, reg.Meta); derr != nil {
			return Receipt{}, errors.Join(err, fmt.Errorf("the incomplete registration could not be removed: %w", derr))
		}
		return Receipt{}, err
	}
	return a.receipt(m.SystemID, reg, docs), nil
}

func (a *NoarkArchiver) documents(ctx context.Context, d *Delivery, reg *noark5.Registrering) ([]noark5.Dokumentbeskrivelse, error) {
	c := a.Client
	var out []noark5.Dokumentbeskrivelse
	for i, doc := range d.Records.Documents {
		if doc.File < 0 || doc.File >= len(d.Files) {
			return nil, fmt.Errorf("%w: document %d names no staged file", ErrInvalidThesis, i)
		}
		f := d.Files[doc.File]
		db, err := c.CreateDokumentbeskrivelse(ctx, reg, &noark5.Dokumentbeskrivelse{Tittel: doc.Title, Dokumentnummer: i + 1,
			Dokumenttype:              noark5.Code{Kode: doc.Type.Code, Kodenavn: doc.Type.Name},
			TilknyttetRegistreringSom: noark5.Code{Kode: doc.Role.Code, Kodenavn: doc.Role.Name},
			Skjerming:                 screening(d.Records.Screening)})
		if err != nil {
			return nil, err
		}
		obj, err := c.CreateDokumentobjekt(ctx, db, &noark5.Dokumentobjekt{Versjonsnummer: 1, Filnavn: f.Name, MimeType: f.ContentType,
			Sjekksum: f.SHA256, SjekksumAlgoritme: noark5.SHA256, Filstoerrelse: f.Size})
		if err != nil {
			return nil, err
		}
		rd, err := d.Open(ctx, f)
		if err != nil {
			return nil, err
		}
		err = c.Upload(ctx, obj, rd)
		_ = rd.Close()
		if err != nil {
			return nil, err
		}
		db.Dokumentstatus = noark5.Code{Kode: "F", Kodenavn: "Dokumentet er ferdigstilt"}
		if err := c.UpdateDokumentbeskrivelse(ctx, db); err != nil {
			return nil, err
		}
		out = append(out, *db)
	}
	return out, nil
}

// complete reports whether a registration's documents are all there and finished.
func complete(docs []noark5.Dokumentbeskrivelse, want int) bool {
	if len(docs) != want {
		return false
	}
	for _, d := range docs {
		if d.Dokumentstatus.Kode != "F" {
			return false
		}
	}
	return true
}

func (a *NoarkArchiver) receipt(caseFile string, reg *noark5.Registrering, docs []noark5.Dokumentbeskrivelse) Receipt {
	now := time.Now
	if a.Now != nil {
		now = a.Now
	}
	rc := Receipt{CaseFile: caseFile, Registration: reg.SystemID, Archived: now()}
	for _, d := range docs {
		rc.Documents = append(rc.Documents, d.SystemID)
	}
	return rc
}

func (a *NoarkArchiver) series(ctx context.Context) (*noark5.Arkivdel, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	if a.part != nil {
		return a.part, nil
	}
	p, err := a.Client.FindArkivdel(ctx, a.Series)
	if err != nil {
		return nil, err
	}
	a.part = p
	return p, nil
}

func screening(s *Screening) *noark5.Screening {
	if s == nil {
		return nil
	}
	out := &noark5.Screening{Tilgangsrestriksjon: &noark5.Code{Kode: s.Code}, Skjermingshjemmel: s.LegalBasis,
		SkjermingDokument: &noark5.Code{Kode: s.Document.Code, Kodenavn: s.Document.Name}, SkjermingOpphoererDato: s.Until}
	for _, m := range s.Metadata {
		out.SkjermingMetadata = append(out.SkjermingMetadata, noark5.Code{Kode: m.Code, Kodenavn: m.Name})
	}
	return out
}
