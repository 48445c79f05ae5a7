// Command openapigen assembles the OpenAPI document from its YAML sources (see package
// openapidoc) and writes it where the server embeds it. httpapi runs it by go:generate:
//
//	go generate ./httpapi
package main

import (
	"flag"
	"log"
	"os"

	"github.com/switchboard/switchboard/httpapi/internal/openapidoc"
)

func main() {
	dir := flag.String("dir", "openapi", "the directory of the YAML sources")
	out := flag.String("out", "openapi.json", "the JSON document to write")
	flag.Parse()
	doc, err := openapidoc.Assemble(os.DirFS(*dir))
	if err != nil {
		log.Fatal("openapigen: ", err)
	}
	if err := os.WriteFile(*out, doc, 0o644); err != nil {
		log.Fatal("openapigen: ", err)
	}
}
