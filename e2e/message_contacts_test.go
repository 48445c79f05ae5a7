package e2e

import (
	"context"
	"net/http"
	"testing"

	"go.mau.fi/whatsmeow/appstate"
	"go.mau.fi/whatsmeow/proto/waSyncAction"
	"google.golang.org/protobuf/proto"

	"github.com/switchboard/switchboard/store/storetest"
)

// TestContactsFromThePhonesAddressBook: a contact the phone saves (an app-state contact action)
// is listed by the contacts route with the saved names; a number the book lacks is found: false.
func TestContactsFromThePhonesAddressBook(t *testing.T) {
	s := newMessageScene(t, storetest.SQLiteDSN(t))
	bob := s.user("Bob")
	bobJID := bob + "@s.whatsapp.net"
	save := appstate.PatchInfo{Type: appstate.WAPatchCriticalUnblockLow, Mutations: []appstate.MutationInfo{{
		Index: []string{appstate.IndexContact, bobJID}, Version: 2,
		Value: &waSyncAction.SyncActionValue{ContactAction: &waSyncAction.ContactAction{FullName: proto.String("Bob Silva"), FirstName: proto.String("Bob")}},
	}}}
	if err := s.e.App.Sim().PhoneWriteAppState(context.Background(), s.phone, save); err != nil {
		t.Fatal(err)
	}
	var one map[string]any
	s.waitFor("the instance's address book has Bob", func() bool {
		one = s.e.Do("GET", "/api/chat/contacts/sender?number="+bob, s.acc, nil).Want(http.StatusOK).Body["contact"].(map[string]any)
		return one["found"] == true
	})
	if one["jid"] != bobJID || one["full_name"] != "Bob Silva" || one["first_name"] != "Bob" {
		t.Fatalf("contact %v", one)
	}
	all := s.e.Do("GET", "/api/chat/contacts/sender", s.acc, nil).Want(http.StatusOK)
	found := false
	for _, c := range all.Body["contacts"].([]any) {
		if c.(map[string]any)["jid"] == bobJID && c.(map[string]any)["full_name"] == "Bob Silva" {
			found = true
		}
	}
	if !found || all.Body["total"].(float64) < 1 {
		t.Fatalf("contact list without Bob: %s", all.Raw)
	}
	if c := s.e.Do("GET", "/api/chat/contacts/sender?number=15550009999", s.acc, nil).Want(http.StatusOK).Body["contact"].(map[string]any); c["found"] != false {
		t.Fatalf("unknown number %v", c)
	}
}
