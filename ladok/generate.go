package ladok

//go:generate go tool -modfile=../tools/go.mod oapi-codegen -config ../openapi/ladok.codegen.yaml ../openapi/ladok.yaml
//go:generate go run ../internal/cmd/genheader models.gen.go
