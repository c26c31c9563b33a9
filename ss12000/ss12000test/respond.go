package ss12000test

import (
	"net/http"

	"github.com/edusync/edusync/internal/ss12000serve"
)

// The answers and body checks are those every SS 12000 server of edusync gives
// (internal/ss12000serve).
var (
	writeError = ss12000serve.WriteError
	writeJSON  = ss12000serve.WriteJSON
	writeRaw   = ss12000serve.WriteRaw
	writeArray = ss12000serve.WriteArray
	getBuf     = ss12000serve.GetBuf
	putBuf     = ss12000serve.PutBuf
	decodeBody = ss12000serve.DecodeBody
	invalid    = ss12000serve.Invalid
	trimMsg    = ss12000serve.Trim
)

// errBody is a request body the server cannot use: 400 or 413.
type errBody = ss12000serve.BodyError

// writeKitError is writeError for the kit's answers (unknown paths, faults, body caps).
func writeKitError(w http.ResponseWriter, _ *http.Request, status int, code, message string) {
	writeError(w, status, code, message)
}

// decodeWrite reads a write's JSON object strictly (see ss12000serve.DecodeWrite).
func decodeWrite(r *http.Request, v any, required ...string) *errBody {
	return ss12000serve.DecodeWrite(r, v, false, required...)
}
