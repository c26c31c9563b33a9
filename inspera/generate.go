package inspera

//go:generate go tool -modfile=../tools/go.mod oapi-codegen -config ../openapi/inspera.codegen.yaml ../openapi/inspera.yaml
//go:generate go run ../internal/cmd/genheader models.gen.go
