// Command mutation runs the mutation pass: it copies the repository's tracked files to a
// temporary folder, then for each deliberate bug in mutants.go applies it, runs the tests of the
// package named, and expects them to fail. A mutant whose tests still pass "survived": some
// behaviour is not guarded by a test. It exits 1 if any survived.
//
//	go run ./internal/mutation            # every mutant
//	go run ./internal/mutation -run admin # those whose name contains "admin"
//
// It is a developer tool (a pass takes minutes), not part of `go test ./...`.
package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

func main() {
	only := flag.String("run", "", "only mutants whose name contains this")
	flag.Parse()
	dir, err := copyRepo()
	if err != nil {
		fmt.Fprintln(os.Stderr, "mutation:", err)
		os.Exit(2)
	}
	defer os.RemoveAll(dir)
	survived := 0
	fmt.Printf("%-34s %-26s %-8s %s\n", "MUTANT", "PACKAGE", "RESULT", "SECONDS")
	for _, m := range mutants {
		if !strings.Contains(m.Name, *only) {
			continue
		}
		start := time.Now()
		caught, err := try(dir, m)
		result := "caught"
		switch {
		case err != nil:
			result = "ERROR: " + err.Error()
			survived++
		case !caught:
			result = "SURVIVED (" + m.Why + ")"
			survived++
		}
		fmt.Printf("%-34s %-26s %-8s %.0f\n", m.Name, m.Pkg, result, time.Since(start).Seconds())
	}
	if survived > 0 {
		fmt.Printf("%d mutant(s) not caught\n", survived)
		os.Exit(1)
	}
}

// try applies m, runs its package's tests and puts the file back. caught means they failed.
func try(dir string, m mutant) (caught bool, err error) {
	path := filepath.Join(dir, m.File)
	orig, err := os.ReadFile(path)
	if err != nil {
		return false, err
	}
	if n := bytes.Count(orig, []byte(m.Old)); n != 1 {
		return false, fmt.Errorf("%s: the text to change occurs %d times, want 1 (the code moved: update mutants.go)", m.File, n)
	}
	defer os.WriteFile(path, orig, 0o644)
	if err := os.WriteFile(path, bytes.Replace(orig, []byte(m.Old), []byte(m.New), 1), 0o644); err != nil {
		return false, err
	}
	cmd := exec.Command("go", "test", "-count=1", "-timeout", "10m", m.Pkg)
	cmd.Dir = dir
	out, err := cmd.CombinedOutput()
	if err == nil {
		return false, nil
	}
	if bytes.Contains(out, []byte("[build failed]")) || bytes.Contains(out, []byte("[setup failed]")) {
		return false, fmt.Errorf("the mutant does not compile: %s", firstLine(out))
	}
	return true, nil
}

// copyRepo copies the files git tracks (as they are in the working tree) to a new folder, so
// mutations never touch the checkout.
func copyRepo() (string, error) {
	out, err := exec.Command("git", "ls-files", "-z").Output()
	if err != nil {
		return "", fmt.Errorf("git ls-files (run from the repository root): %w", err)
	}
	dir, err := os.MkdirTemp("", "switchboard-mutation-")
	if err != nil {
		return "", err
	}
	for _, name := range strings.Split(strings.TrimRight(string(out), "\x00"), "\x00") {
		data, err := os.ReadFile(name)
		if os.IsNotExist(err) {
			continue // deleted in the working tree
		}
		if err != nil {
			return "", err
		}
		dst := filepath.Join(dir, name)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return "", err
		}
		if err := os.WriteFile(dst, data, 0o644); err != nil {
			return "", err
		}
	}
	return dir, nil
}

func firstLine(b []byte) string {
	line, _, _ := bytes.Cut(bytes.TrimSpace(b), []byte("\n"))
	return string(line)
}
