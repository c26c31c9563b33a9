package noark5_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"

	"github.com/edusync/edusync/archive/noark5"
	"github.com/edusync/edusync/archive/noark5test"
)

// A case file, a registration, a document and its file, filed in a series.
func Example() {
	srv := noark5test.NewServer()
	defer srv.Close()
	c, _ := srv.Client()
	ctx := context.Background()

	part, err := c.FindArkivdel(ctx, "Masteroppgaver")
	if err != nil {
		fmt.Println(err)
		return
	}
	m, _ := c.CreateMappe(ctx, part.Links, &noark5.Mappe{Tittel: "Masteroppgaver INF5000 2026 VÅR"})
	r, _ := c.CreateRegistrering(ctx, m, &noark5.Registrering{Tittel: "Om arkiv",
		VirksomhetsspesifikkeMetadata: noark5.WithSourceKey("inspera/185_INF5000_1_MOPPG_2026_VÅR/101")})
	d, _ := c.CreateDokumentbeskrivelse(ctx, r, &noark5.Dokumentbeskrivelse{Tittel: "Om arkiv",
		TilknyttetRegistreringSom: noark5.Code{Kode: "H", Kodenavn: "Hoveddokument"}})
	file := []byte("%PDF-1.7 ...")
	sum := sha256.Sum256(file)
	o, _ := c.CreateDokumentobjekt(ctx, d, &noark5.Dokumentobjekt{Filnavn: "oppgave.pdf", MimeType: "application/pdf",
		Sjekksum: hex.EncodeToString(sum[:]), SjekksumAlgoritme: noark5.SHA256, Filstoerrelse: int64(len(file))})
	if err := c.Upload(ctx, o, bytes.NewReader(file)); err != nil {
		fmt.Println(err)
		return
	}
	found, _ := c.FindRegistrering(ctx, "inspera/185_INF5000_1_MOPPG_2026_VÅR/101")
	fmt.Println(found.Tittel, o.ReferanseDokumentfil != "")
	// Output: Om arkiv true
}
