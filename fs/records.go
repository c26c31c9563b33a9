package fs

import (
	"log/slog"
	"time"
)

// Exam returns the exam the appeal belongs to, read from its vurdId.
func (a *Appeal) Exam() (ExamKey, error) { return ParseVurdID(a.VurdID) }

// Exam returns the exam the request belongs to, read from its vurdId.
func (r *ExplanationRequest) Exam() (ExamKey, error) { return ParseVurdID(r.VurdID) }

// Decided reports whether the appeal has been decided: FS shows it by the status AVGJORT or by
// the day the decision was sent.
func (a *Appeal) Decided() bool {
	return a.Klagestatus == AppealDecided || !a.DatoVedtakFormidlet.IsZero()
}

// Given reports whether an explanation is registered for the request.
func (r *ExplanationRequest) Given() bool { return !r.DatoBegrunnelseGitt.IsZero() }

// LogValue logs the appeal by its exam, candidate number, status and change time. The
// personlopenr, the names and the user name are personal data and are left out.
func (a Appeal) LogValue() slog.Value {
	return slog.GroupValue(slog.String("vurdId", a.VurdID), slog.String("kandidatnr", string(a.Kandidatnr)),
		slog.String("klagestatus", string(a.Klagestatus)), slogTime("sistEndret", a.SistEndret.Time))
}

// LogValue logs the request by its exam, candidate number, whether it was answered and its
// change time; the personlopenr and the user name are left out.
func (r ExplanationRequest) LogValue() slog.Value {
	return slog.GroupValue(slog.String("vurdId", r.VurdID), slog.String("kandidatnr", string(r.Kandidatnr)),
		slog.Bool("given", r.Given()), slogTime("sistEndret", r.SistEndret.Time))
}

// LogValue logs the explanation by its exam, candidate number, day given and the size of its
// document, never the document.
func (e Explanation) LogValue() slog.Value {
	return slog.GroupValue(slog.String("vurdId", e.VurdID), slog.String("kandidatnr", string(e.Kandidatnr)),
		slog.String("datoBegrunnelseGitt", e.DatoBegrunnelseGitt.String()), slog.Int("document_bytes", len(e.DokumentBegrunnelse)))
}

func slogTime(key string, t time.Time) slog.Attr {
	if t.IsZero() {
		return slog.String(key, "")
	}
	return slog.Time(key, t)
}
