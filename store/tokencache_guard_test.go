package store_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"reflect"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/switchboard/switchboard"
	"github.com/switchboard/switchboard/store"
)

// These tests make the token cache's invalidation hard to forget: a new method of *Store must be
// classified here, a method that writes instances must have a case in instanceWrites, and any SQL
// that updates or deletes instances or accounts must sit in a function that invalidates.

// storeMethods classifies every exported method of *Store by what it does to the rows the token
// cache holds (accounts and instances looked up by token hash).
var storeMethods = map[string]string{
	// Token lookups: the cached reads themselves.
	"AccountByTokenHash":  "cached read",
	"InstanceByTokenHash": "cached read",
	// Other reads.
	"AccountByID": "read", "InstanceByName": "read", "InstanceByID": "read", "ListInstances": "read",
	"AutoConnectInstances": "read", "JobByID": "read", "SchemaVersion": "read",
	// Inserts: a new row's token hash has no entry, as only found rows are cached.
	"CreateAccount": "insert", "CreateInstance": "insert",
	// Writes of instance rows: each needs a case in instanceWrites.
	"DeleteInstance": "instance write", "SetSession": "instance write", "SetSessionFenced": "instance write", "SetSettings": "instance write",
	"SetProxy": "instance write", "RotateInstanceToken": "instance write",
	// Writes of account rows, each with its own cache test.
	"RotateAccountToken": "account write, see TestRotateAccountToken",
	"DeleteAccount":      "account write, see TestDeleteAccountRevokesTokens",
	"ListAccounts":       "read", "Migrations": "read",
	// Writes of other tables (jobs, idempotency_keys; their cascades never touch the cached rows).
	"CreateJob": "other table", "UpdateJobProgress": "other table", "FinishJob": "other table",
	"InterruptRunningJobs": "other table", "BeginIdempotent": "other table", "FinishIdempotent": "other table",
	"AbandonIdempotent": "other table", "AbandonRunningIdempotent": "other table", "PurgeIdempotent": "other table",
	// The events outbox and webhooks (events, event_sequences, webhooks, webhook_deliveries,
	// webhook_attempts).
	"AppendEvent": "other table", "RecordAttempt": "other table", "ClaimDelivery": "other table", "DisableWebhook": "other table",
	"UpsertWebhook": "other table", "Redeliver": "other table", "PurgeEvents": "other table",
	"NextDelivery": "read", "EnabledWebhooks": "read", "WebhookByLabel": "read", "WebhookByID": "read",
	"ListWebhooks": "read", "ListDeliveries": "read", "EventsSince": "read", "WebsocketConfigOf": "read",
	"SetWebsocketConfig": "other table",
	"SinkBacklog":        "read", "SetSinkCursor": "other table", "S3ConfigOf": "read", "SetS3Config": "other table",
	"ClaimSandboxPhone": "other table", "CheckMode": "other table",
	"SandboxPhoneOwner": "read", "SandboxPhones": "read",
	// Allowed origins (their own table) and account search by name, for CORS and the CLI.
	"AllowedOrigins": "read", "AccountAllowsOrigin": "read", "AnyAccountAllowsOrigin": "read",
	"AccountsByName": "read", "SetAllowedOrigins": "other table", "PurgeJobs": "other table",
	"SandboxSealingKey": "other table",
	"SaveMessage":       "other table", "Message": "other table", "ChatHistory": "other table", "UpdateMessageStatus": "other table",
	"MarkMessage": "other table", "PurgeMessages": "other table", "PollVotes": "other table",
	"Labels": "other table", "Label": "other table", "SaveLabel": "other table", "NextLabelID": "other table",
	"SetChatLabel": "other table", "LabeledChats": "other table", "FavoriteChats": "other table", "SetFavoriteChat": "other table",
	// Plumbing. DB is the raw pool: writes through it bypass the cache (tests use it to do so).
	"DB": "plumbing", "Dialect": "plumbing", "AwaitInvalidations": "plumbing (export_test.go)", "Ping": "plumbing", "Close": "plumbing", "Whatsmeow": "plumbing",
	"GenerateWhatsmeowPreKeys": "other table",
}

func TestStoreMethodsClassified(t *testing.T) {
	typ := reflect.TypeFor[*store.Store]()
	seen := map[string]bool{}
	for m := range typ.Methods() {
		seen[m.Name] = true
		kind, ok := storeMethods[m.Name]
		switch {
		case !ok:
			t.Errorf("(*Store).%s is not classified in storeMethods. If it updates or deletes an instances row, "+
				"run it through writeInstance and add a case to instanceWrites; if it changes an accounts row, "+
				"invalidate s.accountCache (and, as accounts cascade to instances, their instances' entries)", m.Name)
		case kind == "instance write":
			if _, ok := instanceWrites[m.Name]; !ok {
				t.Errorf("(*Store).%s writes instances but has no case in instanceWrites", m.Name)
			}
		case kind == "account write":
			t.Errorf("(*Store).%s writes accounts: give it a test like TestInstanceWritesInvalidateTokenCache", m.Name)
		}
	}
	for name := range storeMethods {
		if !seen[name] {
			t.Errorf("storeMethods lists %s, which *Store no longer has", name)
		}
	}
}

// cachedRowWrite matches SQL that changes or removes rows of the cached tables.
var cachedRowWrite = regexp.MustCompile(`(?is)\b(update|delete\s+from)\s+(instances|accounts)\b`)

// TestInstanceWritesGoThroughWriteInstance reads the module's source: in package store, a function
// holding SQL that updates or deletes instances must call writeInstance, and one that does so to
// accounts must invalidate accountCache; outside package store (tests aside) no such SQL may
// exist at all, as it would bypass the cache.
func TestInstanceWritesGoThroughWriteInstance(t *testing.T) {
	root, err := filepath.Abs("..")
	must(t, "module root", err)
	checked := 0
	err = filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if n := d.Name(); path != root && (strings.HasPrefix(n, ".") || n == "testdata" || n == "vendor") {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		inStore := filepath.Dir(path) == filepath.Join(root, "store")
		fset := token.NewFileSet()
		file, err := parser.ParseFile(fset, path, nil, parser.SkipObjectResolution)
		if err != nil {
			return err
		}
		for _, decl := range file.Decls {
			table := sqlWriteIn(decl)
			if table == "" {
				continue
			}
			checked++
			where := fset.Position(decl.Pos())
			switch {
			case !inStore:
				t.Errorf("%s: SQL that writes %s outside package store bypasses the token cache; add a store method", where, table)
			case table == "instances" && !calls(decl, "writeInstance"):
				t.Errorf("%s: SQL that writes instances must run through (*Store).writeInstance, which invalidates the token cache", where)
			case table == "accounts" && !calls(decl, "accountCache"):
				t.Errorf("%s: SQL that writes accounts must invalidate s.accountCache (and its instances' entries)", where)
			}
		}
		return nil
	})
	must(t, "walk the module", err)
	if checked < len(instanceWrites) {
		t.Fatalf("found %d functions writing instances or accounts, want at least %d: is the scan broken?", checked, len(instanceWrites))
	}
}

// sqlWriteIn returns the table that a string literal in decl updates or deletes from, or "".
func sqlWriteIn(decl ast.Decl) string {
	table := ""
	ast.Inspect(decl, func(n ast.Node) bool {
		lit, ok := n.(*ast.BasicLit)
		if !ok || lit.Kind != token.STRING || table != "" {
			return table == ""
		}
		if s, err := strconv.Unquote(lit.Value); err == nil {
			if m := cachedRowWrite.FindStringSubmatch(s); m != nil {
				table = strings.ToLower(m[2])
			}
		}
		return false
	})
	return table
}

// calls reports whether decl mentions the selector name (s.writeInstance(...), s.accountCache...).
func calls(decl ast.Decl, name string) bool {
	found := false
	ast.Inspect(decl, func(n ast.Node) bool {
		if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == name {
			found = true
		}
		return !found
	})
	return found
}

// TestCloneCoversEveryReference: the token cache hands out copies (store/clone.go) that share no
// memory with it. A copy of a struct shares exactly its pointers, slices, maps and the like, so
// this lists those fields of Instance and Account; a new one must be deep-copied in clone.go and
// then added here.
func TestCloneCoversEveryReference(t *testing.T) {
	copied := map[string]bool{"Instance.Proxy.PasswordSealed": true}
	for _, typ := range []reflect.Type{reflect.TypeFor[switchboard.Instance](), reflect.TypeFor[switchboard.Account]()} {
		for _, path := range referenceFields(typ, typ.Name()) {
			if !copied[path] {
				t.Errorf("%s shares memory when copied: deep-copy it in store/clone.go, then list it here", path)
			}
		}
	}
}

// referenceFields lists the fields under typ that a plain struct copy would share. time.Time's
// location pointer is immutable, so times count as values.
func referenceFields(typ reflect.Type, path string) []string {
	switch typ.Kind() {
	case reflect.Struct:
		if typ == reflect.TypeFor[time.Time]() {
			return nil
		}
		var out []string
		for f := range typ.Fields() {
			out = append(out, referenceFields(f.Type, path+"."+f.Name)...)
		}
		return out
	case reflect.Pointer, reflect.Slice, reflect.Map, reflect.Chan, reflect.Func, reflect.Interface, reflect.UnsafePointer:
		return []string{path}
	case reflect.Array:
		return referenceFields(typ.Elem(), path+"[]")
	default:
		return nil
	}
}
