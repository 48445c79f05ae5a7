// Package depstest enforces the layering written down in ARCHITECTURE.md: the domain (the root
// package) imports only the standard library, adapters do not import each other, and whatsmeow
// stays in the packages that are allowed to speak it. It reads the real import graph from
// `go list`, so a new package is checked the day it appears.
package depstest

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

const whatsmeow = "go.mau.fi/whatsmeow"

// listedPackage is the part of `go list -json` these rules read.
type listedPackage struct {
	ImportPath   string
	Deps         []string // transitive, without tests
	Imports      []string
	TestImports  []string
	XTestImports []string
}

// whatsmeowRule lets the packages matching pattern import whatsmeow: every package of it when
// imports is nil, else only those import paths. A pattern ending in "/..." matches a folder and
// everything under it; other patterns match one package. Test code follows tests, below.
type whatsmeowRule struct {
	pattern string
	imports []string
	why     string
}

var whatsmeowRules = []whatsmeowRule{
	{"whatsapp", nil, "the adapter that drives whatsmeow: sessions, pairing, groups, error translation"},
	{"wasim/...", nil, "the simulated WhatsApp server speaks whatsmeow's protocol and types"},
	{"store", []string{whatsmeow + "/store/sqlstore", whatsmeow + "/util/log"},
		"opens whatsmeow's device store on the gateway's own database (store/whatsmeow.go), so one backup holds both"},
	{"store", []string{whatsmeow + "/util/keys"},
		"makes a new device's prekeys and writes them into whatsmeow's table in one statement, one fsync instead of 812 (store/whatsmeow_prekeys.go)"},
	{"app", []string{whatsmeow + "/util/keys"},
		"wiring: sandbox mode installs the simulator's root key as whatsmeow's trust root (app/config.go)"},
	{"app", []string{whatsmeow + "/types"},
		"exception: the sandbox adapter (app/sandbox_adapter.go, app/sandbox_simulator.go, app/sandbox_phones.go) calls " +
			"wasim's API, whose users and groups are whatsmeow JIDs; it implements httpapi.Sandbox over wasim, " +
			"joining two adapters, so it is wiring and stays in app/"},
	{"cmd/switchboard-bench", nil, "a benchmark program: drives bare whatsmeow clients against wasim to measure them"},
	{"cmd/wasim-bench", nil, "a benchmark program: drives bare whatsmeow clients against wasim to measure them"},
}

// whatsmeowInTests lists the folders whose tests may import whatsmeow: the packages above, which
// test themselves with real whatsmeow clients, and the end-to-end suite, which plays WhatsApp
// users through wasim. The domain's and httpapi's tests may not: they test through the domain.
var whatsmeowInTests = []string{"whatsapp", "wasim/...", "store", "app", "e2e"}

// siblingExceptions lists adapter-to-adapter imports that are allowed anyway, as
// "from -> to": reason. There are none; add one only with a reason that a reviewer accepts.
var siblingExceptions = map[string]string{}

// wiring and testSupport are the top-level folders that are not adapters. Every other folder is
// an adapter (httpapi, whatsapp, store, wasim, and egress, media, outbox, cluster, console,
// sandbox... when they come).
//
// libraries are shared building blocks below the adapters: any adapter may use them (one guarded
// way out for everything dialled on a user's behalf, one media pipeline), and they import only
// the domain, the standard library, third-party code and each other, never an adapter.
var (
	wiring      = []string{"app", "cmd"}
	testSupport = []string{"e2e", "internal"}
	libraries   = []string{"egress", "media"}
)

func TestLayering(t *testing.T) {
	module, pkgs := listModule(t)
	for _, want := range []string{"", "httpapi", "whatsapp", "store", "wasim", "app"} {
		if _, ok := pkgs[want]; !ok {
			t.Fatalf("go list did not report package %q: the rules would check nothing", want)
		}
	}
	for _, v := range violations(module, pkgs) {
		t.Error(v)
	}
}

// TestRulesCatchViolations feeds the rules one package graph with a violation of each kind,
// so that a rule that stopped reporting would fail here rather than pass silently above.
func TestRulesCatchViolations(t *testing.T) {
	const m = "example.com/sb"
	pkgs := map[string]listedPackage{
		"":         {ImportPath: m, Deps: []string{"fmt", "github.com/pkg/errors"}, TestImports: []string{"github.com/stretchr/testify"}},
		"httpapi":  {ImportPath: m + "/httpapi", Imports: []string{m, m + "/store"}, Deps: []string{m, m + "/store"}, TestImports: []string{whatsmeow + "/types"}},
		"store":    {ImportPath: m + "/store", Imports: []string{m, whatsmeow + "/types"}, Deps: []string{m}},
		"media":    {ImportPath: m + "/media", Imports: []string{m + "/egress"}, Deps: []string{m + "/egress", m + "/internal/harness"}},
		"egress":   {ImportPath: m + "/egress", Imports: []string{m + "/store"}, Deps: []string{m + "/store"}},
		"webhook":  {ImportPath: m + "/webhook", Imports: []string{m + "/console"}, Deps: []string{m + "/console"}},
		"console":  {ImportPath: m + "/console"},
		"app":      {ImportPath: m + "/app", Imports: []string{m + "/store", m + "/httpapi", whatsmeow}, Deps: []string{m + "/store", m + "/httpapi"}},
		"whatsapp": {ImportPath: m + "/whatsapp", Imports: []string{m, whatsmeow}, Deps: []string{m, whatsmeow}},
	}
	got := strings.Join(violations(m, pkgs), "\n")
	for _, want := range []string{
		`domain package imports "github.com/pkg/errors"`,
		`domain package's tests import "github.com/stretchr/testify"`,
		`adapter httpapi imports adapter store`,
		`httpapi's tests import whatsmeow ("go.mau.fi/whatsmeow/types")`,
		`store imports whatsmeow ("go.mau.fi/whatsmeow/types")`,
		`library egress imports adapter store`,
		`adapter webhook imports adapter console`,
		`media links test support "internal/harness"`,
		`app imports whatsmeow ("go.mau.fi/whatsmeow")`,
	} {
		if !strings.Contains(got, want) {
			t.Errorf("no violation %q among:\n%s", want, got)
		}
	}
	if strings.Contains(got, "media imports") {
		t.Errorf("a library using another library was reported:\n%s", got)
	}
	if strings.Contains(got, "whatsapp") {
		t.Errorf("whatsapp may import whatsmeow and the domain, got:\n%s", got)
	}
}

// listModule runs `go list -deps -json` over the module and returns its own packages by path
// relative to the module root ("" is the root).
func listModule(t *testing.T) (module string, pkgs map[string]listedPackage) {
	t.Helper()
	out, err := exec.Command("go", "list", "-m", "-f", "{{.Path}} {{.Dir}}").Output()
	if err != nil {
		t.Fatalf("go list -m: %v", err)
	}
	module, dir, _ := strings.Cut(strings.TrimSpace(string(out)), " ")
	trackSources(t, dir)
	cmd := exec.Command("go", "list", "-deps", "-json", module+"/...")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err = cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps -json: %v\n%s", err, stderr.String())
	}
	pkgs = map[string]listedPackage{}
	dec := json.NewDecoder(bytes.NewReader(out))
	for dec.More() {
		var p listedPackage
		if err := dec.Decode(&p); err != nil {
			t.Fatalf("decoding go list: %v", err)
		}
		if rel, ok := relative(module, p.ImportPath); ok {
			pkgs[rel] = p
		}
	}
	return module, pkgs
}

// trackSources stats every Go file and folder of the module from this process. go test caches
// a passing result keyed on the files a test itself opened, and it cannot see what the go list
// child read; without this, a new import would be checked only once the cache was cleared.
func trackSources(t *testing.T, dir string) {
	t.Helper()
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		switch {
		case err != nil:
			return err
		case d.IsDir() && strings.HasPrefix(d.Name(), ".") && path != dir:
			return filepath.SkipDir
		case d.IsDir() || strings.HasSuffix(path, ".go") || d.Name() == "go.mod":
			_, err = os.Stat(path)
		}
		return err
	})
	if err != nil {
		t.Fatalf("reading the module's sources: %v", err)
	}
}

// violations checks every rule over the module's packages and describes each breach.
func violations(module string, pkgs map[string]listedPackage) []string {
	var out []string
	for rel, p := range pkgs {
		name := rel
		if rel == "" {
			out = append(out, domainViolations(module, p)...)
			name = "domain package"
		}
		out = append(out, siblingViolations(module, rel, p)...)
		out = append(out, whatsmeowViolations(name, rel, p)...)
	}
	slices.Sort(out)
	return out
}

// domainViolations: the root package, and its tests, use only the standard library.
func domainViolations(module string, p listedPackage) []string {
	var out []string
	for _, d := range p.Deps {
		if !isStandard(d) {
			out = append(out, fmt.Sprintf("domain package imports %q (directly or not): the domain uses only the standard library", d))
		}
	}
	for _, d := range slices.Concat(p.TestImports, p.XTestImports) {
		if !isStandard(d) && d != module {
			out = append(out, fmt.Sprintf("domain package's tests import %q: the domain uses only the standard library", d))
		}
	}
	return out
}

// siblingViolations: an adapter's code (tests aside) reaches only the domain and its own
// folder; no production package links test support.
func siblingViolations(module, rel string, p listedPackage) []string {
	var out []string
	from := top(rel)
	for _, d := range p.Deps {
		dep, ok := relative(module, d)
		if !ok || dep == "" {
			continue
		}
		to := top(dep)
		if slices.Contains(testSupport, to) && !slices.Contains(testSupport, from) && !isTestHelper(rel) {
			out = append(out, fmt.Sprintf("%s links test support %q into production code", rel, dep))
			continue
		}
		if slices.Contains(libraries, from) && isAdapter(to) {
			out = append(out, fmt.Sprintf("library %s imports adapter %s (package %s): libraries sit below the adapters", from, to, dep))
			continue
		}
		if !isAdapter(from) || !isAdapter(to) || from == to {
			continue
		}
		if _, ok := siblingExceptions[from+" -> "+to]; ok {
			continue
		}
		out = append(out, fmt.Sprintf("adapter %s imports adapter %s (package %s): adapters meet only in app/ and cmd/", from, to, dep))
	}
	return out
}

// whatsmeowViolations: whatsmeow only where whatsmeowRules and whatsmeowInTests allow it.
func whatsmeowViolations(name, rel string, p listedPackage) []string {
	var out []string
	for _, imp := range p.Imports {
		if isWhatsmeow(imp) && !whatsmeowAllowed(rel, imp) {
			out = append(out, fmt.Sprintf("%s imports whatsmeow (%q): whatsmeow stays in the packages ARCHITECTURE.md names", name, imp))
		}
	}
	inTests := slices.ContainsFunc(whatsmeowInTests, func(pattern string) bool { return matches(pattern, rel) })
	for _, imp := range slices.Concat(p.TestImports, p.XTestImports) {
		if isWhatsmeow(imp) && !inTests && !whatsmeowAllowed(rel, imp) {
			out = append(out, fmt.Sprintf("%s's tests import whatsmeow (%q): they test through the domain", name, imp))
		}
	}
	return out
}

func whatsmeowAllowed(rel, imp string) bool {
	for _, r := range whatsmeowRules {
		if matches(r.pattern, rel) && (r.imports == nil || slices.Contains(r.imports, imp)) {
			return true
		}
	}
	return false
}

func matches(pattern, rel string) bool {
	if dir, ok := strings.CutSuffix(pattern, "/..."); ok {
		return rel == dir || strings.HasPrefix(rel, dir+"/")
	}
	return rel == pattern
}

// isTestHelper: a package named like apptest or storetest is a test helper of its folder, linked
// only into tests, so it may build on the shared test support in internal/.
func isTestHelper(rel string) bool {
	return strings.HasSuffix(rel[strings.LastIndex(rel, "/")+1:], "test")
}

func isAdapter(folder string) bool {
	return folder != "" && !slices.Contains(wiring, folder) && !slices.Contains(testSupport, folder) &&
		!slices.Contains(libraries, folder)
}

// relative is path relative to the module root, if it is in the module.
func relative(module, path string) (string, bool) {
	if path == module {
		return "", true
	}
	rel, ok := strings.CutPrefix(path, module+"/")
	return rel, ok
}

// top is the top-level folder of a module-relative path ("" for the root).
func top(rel string) string {
	first, _, _ := strings.Cut(rel, "/")
	return first
}

func isWhatsmeow(path string) bool {
	return path == whatsmeow || strings.HasPrefix(path, whatsmeow+"/")
}

// isStandard uses the standard library's naming rule (its first path element has no dot), which
// is what the go command itself goes by, so the rule needs no list of the library's packages.
func isStandard(path string) bool {
	first, _, _ := strings.Cut(path, "/")
	return !strings.Contains(first, ".")
}
