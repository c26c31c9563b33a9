package ss12000

//go:generate go tool -modfile=../tools/go.mod oapi-codegen -config ../openapi/ss12000.codegen.yaml ../openapi/ss12000.yaml
//go:generate go run ../internal/cmd/genheader models.gen.go
