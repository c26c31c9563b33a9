package schulconnex

//go:generate go tool -modfile=../tools/go.mod oapi-codegen -config ../openapi/schulconnex.codegen.yaml ../openapi/schulconnex.yaml
//go:generate go run ../internal/cmd/genheader models.gen.go
