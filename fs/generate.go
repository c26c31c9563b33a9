package fs

//go:generate go tool -modfile=../tools/go.mod oapi-codegen -config ../openapi/fs.codegen.yaml ../openapi/fs.yaml
//go:generate go run ../internal/cmd/genheader models.gen.go
