package main

import (
	"flag"
	"fmt"
	"io"
	"runtime"
	"runtime/debug"
)

// runVersion prints the build: the version set at link time (main.version), the Go release and,
// when the binary was built from a Git checkout, the commit.
func runVersion(args []string, stdout, stderr io.Writer) error {
	fs := flag.NewFlagSet("version", flag.ContinueOnError)
	asJSON := jsonFlag(fs)
	if err := parseFlags(fs, args, stdout, stderr); err != nil {
		return helpIsSuccess(err)
	}
	if err := noArgs(fs); err != nil {
		return err
	}
	info := struct {
		Version string `json:"version"`
		Go      string `json:"go"`
		Commit  string `json:"commit,omitempty"`
	}{Version: version, Go: runtime.Version()}
	if build, ok := debug.ReadBuildInfo(); ok {
		for _, s := range build.Settings {
			if s.Key == "vcs.revision" {
				info.Commit = s.Value
			}
		}
	}
	if *asJSON {
		return printJSON(stdout, info)
	}
	_, err := fmt.Fprintf(stdout, "switchboard %s (%s%s)\n", info.Version, info.Go, commitSuffix(info.Commit))
	return err
}

func commitSuffix(commit string) string {
	if commit == "" {
		return ""
	}
	return ", commit " + commit
}
