package s3stage_test

import (
	"context"
	"fmt"
	"os"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/edusync/edusync/archive"
	"github.com/edusync/edusync/archive/s3stage"
)

// Staging a thesis file in an S3-compatible store (here at a local endpoint with path-style
// addressing). It needs a server, so it is compiled, not run, by go test.
func Example() {
	client := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String("http://127.0.0.1:7070"), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("access", "secret", "")})
	st := &s3stage.Stager{Client: client, Bucket: "thesis-staging"}
	f, err := os.Open("oppgave.pdf")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer f.Close()
	fi, _ := f.Stat()
	sf, err := st.Stage(context.Background(), archive.File{Name: "oppgave.pdf", ContentType: "application/pdf", Size: fi.Size()}, f)
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Println(sf.Key) // sha256/<hex>
}
